import { loadConfig } from '@ledgerflow/config';
import type { ConfigError } from '@ledgerflow/config';
import { PolicyConfig } from './policy.config.js';
import { grantKeys } from './policy.spec-util.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(PolicyConfig, env);
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

/** A key source for the forwarded tokens of lf.policy.register-pack (required, as for the gateway). */
const AUTH = { LEDGERFLOW_AUTH_SECRET: 'a-development-secret-of-32-characters' };

describe('PolicyConfig', () => {
  it('reads the signing key, a TTL of 300 s by default and the example pack directory', () => {
    const { privatePem } = grantKeys();
    const config = loadConfig(PolicyConfig, { ...AUTH, LEDGERFLOW_GRANT_SIGNING_KEY: privatePem });
    expect(config.LEDGERFLOW_GRANT_TTL_SECONDS).toBe(300);
    expect(config.LEDGERFLOW_POLICY_DIRS).toEqual(['examples/claim-review/policies']);
    expect(
      loadConfig(PolicyConfig, {
        ...AUTH,
        LEDGERFLOW_GRANT_SIGNING_KEY: privatePem,
        LEDGERFLOW_GRANT_TTL_SECONDS: '60',
      }).LEDGERFLOW_GRANT_TTL_SECONDS,
    ).toBe(60);
  });

  it('names LEDGERFLOW_GRANT_SIGNING_KEY when it is missing', () => {
    const error = configError(AUTH);
    expect(error.issues).toEqual([
      expect.objectContaining({ variable: 'LEDGERFLOW_GRANT_SIGNING_KEY', rule: 'required' }),
    ]);
  });

  it('names LEDGERFLOW_AUTH_SECRET when no key source for forwarded tokens is set', () => {
    const error = configError({ LEDGERFLOW_GRANT_SIGNING_KEY: grantKeys().privatePem });
    expect(error.issues.map((i) => i.variable)).toEqual(['LEDGERFLOW_AUTH_SECRET']);
  });

  it('names it when it is not an Ed25519 PKCS#8 key, and never echoes the value', () => {
    const error = configError({ ...AUTH, LEDGERFLOW_GRANT_SIGNING_KEY: 'super-secret-but-not-a-key' });
    expect(error.issues).toEqual([
      expect.objectContaining({ variable: 'LEDGERFLOW_GRANT_SIGNING_KEY', rule: 'isEd25519PrivateKey' }),
    ]);
    expect(error.message).toContain('must be an Ed25519 private key in PKCS#8 PEM');
    expect(error.message).not.toContain('super-secret');
  });

  it('refuses a TTL of 0', () => {
    const error = configError({
      ...AUTH,
      LEDGERFLOW_GRANT_SIGNING_KEY: grantKeys().privatePem,
      LEDGERFLOW_GRANT_TTL_SECONDS: '0',
    });
    expect(error.issues.map((i) => i.variable)).toEqual(['LEDGERFLOW_GRANT_TTL_SECONDS']);
  });
});
