import { GRANT_VERIFY_KEY_ENV } from '@ledgerflow/contracts';
import { GRANT_VERIFY_SWITCH_ENV, GRANTS_DISABLED_WARNING, resolveGrantCheck } from './grant-config.js';
import { testGrantKeys } from './grant.spec-util.js';
import { keptLogger } from './tool-worker.spec-util.js';

const keys = testGrantKeys();

describe('resolveGrantCheck: workers fail closed', () => {
  it('refuses to start with no verify key: config_invalid naming LEDGERFLOW_GRANT_VERIFY_KEY', () => {
    expect(() => resolveGrantCheck({}, {})).toThrow(
      expect.objectContaining({ code: 'config_invalid', details: { field: GRANT_VERIFY_KEY_ENV } }),
    );
    expect(() => resolveGrantCheck({}, {})).toThrow(`${GRANT_VERIFY_KEY_ENV} is required`);
    expect(() => resolveGrantCheck({}, { [GRANT_VERIFY_SWITCH_ENV]: 'on' })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });

  it('verifies with the key from the environment or from grants', () => {
    expect(resolveGrantCheck({}, { [GRANT_VERIFY_KEY_ENV]: keys.publicKeyPem })).toBeInstanceOf(Function);
    expect(resolveGrantCheck({ grants: { publicKey: keys.publicKey } }, {})).toBeInstanceOf(Function);
  });

  it('runs unverified only when switched off explicitly, warning at every start', () => {
    const logger = keptLogger();
    expect(resolveGrantCheck({ grants: 'disabled', logger, name: 'w' }, {})).toBeUndefined();
    expect(resolveGrantCheck({ logger }, { [GRANT_VERIFY_SWITCH_ENV]: 'off' })).toBeUndefined();
    expect(
      resolveGrantCheck({ grants: 'disabled', logger }, { [GRANT_VERIFY_KEY_ENV]: keys.publicKeyPem }),
    ).toBeUndefined();
    expect(logger.lines).toEqual([1, 2, 3].map(() => ({ level: 'warn', message: GRANTS_DISABLED_WARNING })));
  });

  it('the environment key does not override an explicit grants option, and a custom hook stands alone', () => {
    const hook = async () => undefined;
    expect(resolveGrantCheck({ verifyGrant: hook }, {})).toBe(hook);
    expect(() => resolveGrantCheck({ verifyGrant: hook, grants: 'disabled' }, {})).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });
});
