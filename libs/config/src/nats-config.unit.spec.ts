import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonConfig } from './common.config.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

const SEED = `SU${'A'.repeat(56)}`;
const dir = mkdtempSync(join(tmpdir(), 'lf-nats-config-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

function issuesOf(env: Record<string, string>): Array<{ variable: string; rule: string; value: string }> {
  try {
    loadConfig(CommonConfig, env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.message).not.toContain(SEED);
    return error.issues.map(({ variable, rule, value }) => ({ variable, rule, value }));
  }
}

describe('NATS credentials in CommonConfig', () => {
  it('accepts no credentials, a seed file, or a seed, with TLS files', () => {
    expect(issuesOf({})).toEqual([]);
    expect(
      issuesOf({ NATS_NKEY_SEED_FILE: file('ok.nk', `${SEED}\n`), NATS_TLS_CA_FILE: file('ca.pem', 'pem') }),
    ).toEqual([]);
    expect(
      issuesOf({
        NATS_NKEY_SEED: SEED,
        NATS_TLS_CERT_FILE: file('c.pem', 'pem'),
        NATS_TLS_KEY_FILE: file('k.pem', 'pem'),
      }),
    ).toEqual([]);
  });

  it('names a malformed seed or seed file without printing the secret', () => {
    expect(issuesOf({ NATS_NKEY_SEED: SEED.toLowerCase() })).toEqual([
      { variable: 'NATS_NKEY_SEED', rule: 'matches', value: '<redacted>' },
    ]);
    expect(issuesOf({ NATS_NKEY_SEED_FILE: file('bad.nk', 'not a seed') })).toEqual([
      { variable: 'NATS_NKEY_SEED_FILE', rule: 'fileContent', value: '<redacted>' },
    ]);
    expect(issuesOf({ NATS_NKEY_SEED_FILE: join(dir, 'missing.nk') })).toEqual([
      { variable: 'NATS_NKEY_SEED_FILE', rule: 'fileContent', value: '<redacted>' },
    ]);
    expect(issuesOf({ NATS_NKEY_SEED: SEED, NATS_NKEY_SEED_FILE: file('both.nk', SEED) })).toEqual([
      { variable: 'NATS_NKEY_SEED', rule: 'exclusive', value: '<redacted>' },
    ]);
  });

  it('names an unreadable TLS file, and a certificate without its key', () => {
    expect(issuesOf({ NATS_TLS_CA_FILE: join(dir, 'nope.pem') })).toEqual([
      { variable: 'NATS_TLS_CA_FILE', rule: 'readableFile', value: JSON.stringify(join(dir, 'nope.pem')) },
    ]);
    expect(issuesOf({ NATS_TLS_CERT_FILE: file('only.pem', 'pem') })).toEqual([
      { variable: 'NATS_TLS_KEY_FILE', rule: 'requiredWhen', value: '(unset)' },
    ]);
  });
});
