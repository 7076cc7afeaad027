import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_SECRET_BYTES, SecretProvider, encodeSecretsHeader } from './secrets.js';

/** Where the executor finds a workflow's secrets: a secrets directory first, then LEDGERFLOW_SECRET_<name>. */
describe('SecretProvider', () => {
  it('reads the directory first (one trailing newline dropped), then the environment; names what it cannot find', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-secrets-'));
    await writeFile(join(dir, 'API_TOKEN'), 'from-file\n');
    await writeFile(join(dir, 'EMPTY'), '');
    await writeFile(join(dir, 'HUGE'), 'x'.repeat(MAX_SECRET_BYTES + 1));
    const env = {
      LEDGERFLOW_SECRET_API_TOKEN: 'from-env',
      LEDGERFLOW_SECRET_BILLING_API_KEY: 'billing-from-env',
      LEDGERFLOW_SECRET_EMPTY: 'ignored',
    };
    const provider = new SecretProvider(dir, env);
    expect(
      await provider.resolve(['API_TOKEN', 'billing-api.key', 'EMPTY', 'HUGE', 'NOPE', '../etc/passwd', '.hidden']),
    ).toEqual({
      values: { API_TOKEN: 'from-file', 'billing-api.key': 'billing-from-env' },
      missing: ['EMPTY', 'HUGE', 'NOPE', '../etc/passwd', '.hidden'],
    });
    expect(await new SecretProvider(undefined, env).resolve(['API_TOKEN'])).toEqual({
      values: { API_TOKEN: 'from-env' },
      missing: [],
    });
  });

  it('encodes the header as base64url JSON, safe for any value (newlines, unicode)', () => {
    const values = { A: 'line1\nline2', B: 'pässwörd ✓' };
    const header = encodeSecretsHeader(values);
    expect(header).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(header, 'base64url').toString('utf8'))).toEqual(values);
  });
});
