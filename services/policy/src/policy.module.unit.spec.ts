import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerflowError } from '@ledgerflow/domain';
import type { ServiceContext } from '@ledgerflow/service-runtime';
import type { PolicyConfig } from './policy.config.js';
import { PolicyModule } from './policy.module.js';
import { PolicyEvaluator } from './policy-evaluator.js';
import { EXAMPLE_POLICIES, grantKeys } from './policy.spec-util.js';

/** A service context with just what PolicyModule reads; log lines are kept as JSON text. */
function contextWith(dirs: string[], logs: string[]): ServiceContext<PolicyConfig> {
  const log = (msg: string, fields?: object) => logs.push(JSON.stringify({ msg, ...fields }));
  const logger = {
    service: 'policy',
    level: 'info',
    debug: log,
    info: log,
    warn: log,
    error: log,
    child: () => logger,
  };
  const config = {
    LEDGERFLOW_POLICY_DIRS: dirs,
    LEDGERFLOW_GRANT_SIGNING_KEY: grantKeys().privatePem,
    LEDGERFLOW_GRANT_TTL_SECONDS: 300,
    LEDGERFLOW_AUTH_SECRET: 'a-development-secret-of-32-characters',
    LEDGERFLOW_AUTH_ISSUER: 'ledgerflow',
    LEDGERFLOW_AUTH_AUDIENCE: 'ledgerflow-api',
  };
  return { name: 'policy', config, logger } as unknown as ServiceContext<PolicyConfig>;
}

describe('PolicyModule.register', () => {
  it('reads the directory packs at start and logs them, never the signing key', () => {
    const logs: string[] = [];
    const context = contextWith([EXAMPLE_POLICIES], logs);
    const module = PolicyModule.register(context);
    const provider = module.providers?.[0] as { useValue: PolicyEvaluator };
    expect(provider.useValue).toBeInstanceOf(PolicyEvaluator);
    const read = logs
      .map((line) => JSON.parse(line) as { msg: string; packs?: string[] })
      .find((line) => line.msg === 'policy pack directories read');
    expect(read?.packs).toHaveLength(5);
    expect(read?.packs).toContain('claims-payout@1.0.0 (capability)');
    const keyBody = context.config.LEDGERFLOW_GRANT_SIGNING_KEY.split('\n')[1] as string;
    expect(logs.join('\n')).not.toContain(keyBody);
  });

  it('refuses to start on an invalid Cedar pack: non-retryable policy_pack_invalid naming file, line and Cedar error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lf-policy-service-'));
    const file = join(dir, 'claims-payout@1.0.0.cedar');
    writeFileSync(
      file,
      readFileSync(join(EXAMPLE_POLICIES, 'claims-payout@1.0.0.cedar'), 'utf8').replace(
        'forbid (',
        'forbid ('.slice(0, 6) + ' [(',
      ),
    );
    try {
      let error: LedgerflowError | undefined;
      try {
        PolicyModule.register(contextWith([dir], []));
      } catch (e) {
        error = e as LedgerflowError;
      }
      expect(error).toBeInstanceOf(LedgerflowError);
      expect(error?.code).toBe('policy_pack_invalid');
      expect(error?.retryable).toBe(false);
      expect(error?.message).toMatch(new RegExp(`^${file}:10:\\d+: Cedar: `));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
