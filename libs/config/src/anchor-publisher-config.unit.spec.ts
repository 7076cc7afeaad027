import { generateKeyPairSync } from 'node:crypto';
import { AnchorPublisherConfig } from './common.config.js';
import { ConfigError } from './config-error.js';
import { loadConfig } from './load-config.js';

const SampleConfig = AnchorPublisherConfig;
const PII = { LEDGERFLOW_PII_KEY: Buffer.alloc(32, 7).toString('base64') };

const pem = (type: 'ed25519' | 'x25519') =>
  generateKeyPairSync(type as 'ed25519')
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();

function issuesOf(env: Record<string, string>): Array<{ variable: string; rule: string }> {
  try {
    loadConfig(SampleConfig, { ...PII, ...env });
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.issues.map(({ variable, rule }) => ({ variable, rule }));
  }
}

describe('AnchorPublisherConfig', () => {
  it('is off by default (no key), anchoring every 10 s, with the LF_ANCHORS limits in CommonConfig', () => {
    const config = loadConfig(SampleConfig, PII);
    expect(config.LEDGERFLOW_ANCHOR_SIGNING_KEY).toBeUndefined();
    expect(config.LEDGERFLOW_ANCHOR_INTERVAL_MS).toBe(10_000);
    expect([
      config.LEDGERFLOW_ANCHORS_MAX_AGE_HOURS,
      config.LEDGERFLOW_ANCHORS_MAX_BYTES,
      config.LEDGERFLOW_ANCHORS_PER_STREAM,
    ]).toEqual([8760, 256 * 1024 * 1024, 16]);
  });

  it('accepts an Ed25519 PKCS#8 key (also on one line with \\n escapes), a key id and an interval', () => {
    const key = pem('ed25519');
    const config = loadConfig(SampleConfig, {
      ...PII,
      LEDGERFLOW_ANCHOR_SIGNING_KEY: key.replace(/\n/g, '\\n'),
      LEDGERFLOW_ANCHOR_KEY_ID: 'anchors-2026',
      LEDGERFLOW_ANCHOR_INTERVAL_MS: '500',
    });
    expect(config).toMatchObject({ LEDGERFLOW_ANCHOR_KEY_ID: 'anchors-2026', LEDGERFLOW_ANCHOR_INTERVAL_MS: 500 });
  });

  it('names each bad variable and rule, never printing the key', () => {
    const x25519 = pem('x25519');
    try {
      loadConfig(SampleConfig, { ...PII, LEDGERFLOW_ANCHOR_SIGNING_KEY: x25519 });
    } catch (error) {
      expect((error as Error).message).not.toContain(x25519.split('\n')[1]);
    }
    expect(issuesOf({ LEDGERFLOW_ANCHOR_SIGNING_KEY: x25519 })).toEqual([
      { variable: 'LEDGERFLOW_ANCHOR_SIGNING_KEY', rule: 'isEd25519Pkcs8' },
    ]);
    expect(issuesOf({ LEDGERFLOW_ANCHOR_SIGNING_KEY: 'not a key' })).toEqual([
      { variable: 'LEDGERFLOW_ANCHOR_SIGNING_KEY', rule: 'isEd25519Pkcs8' },
    ]);
    expect(issuesOf({ LEDGERFLOW_ANCHOR_KEY_ID: 'has space' })).toEqual([
      { variable: 'LEDGERFLOW_ANCHOR_KEY_ID', rule: 'matches' },
    ]);
    expect(issuesOf({ LEDGERFLOW_ANCHOR_INTERVAL_MS: '50' })).toEqual([
      { variable: 'LEDGERFLOW_ANCHOR_INTERVAL_MS', rule: 'min' },
    ]);
    expect(issuesOf({ LEDGERFLOW_ANCHORS_PER_STREAM: '0' })).toEqual([
      { variable: 'LEDGERFLOW_ANCHORS_PER_STREAM', rule: 'min' },
    ]);
  });
});
