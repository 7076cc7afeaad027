import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PiiVault } from './pii-vault.js';
import { SqliteVaultStore } from './sqlite.vault-store.js';
import { CLAIM_RULES, sampleClaim, testKey } from './vault.spec-util.js';

describe('SqliteVaultStore', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lf-vault-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('creates pii_vault idempotently in WAL mode, next to other tables of the same file', async () => {
    const file = join(dir, 'nested', 'ledgerflow.db');
    const first = SqliteVaultStore.open(file);
    const second = SqliteVaultStore.open(file);
    await Promise.all([first.close(), second.close()]);
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const columns = (db.prepare('PRAGMA table_info(pii_vault)').all() as { name: string }[]).map((c) => c.name);
      expect(columns).toEqual(['token', 'run_id', 'kind', 'key_id', 'iv', 'tag', 'ciphertext', 'created_at']);
    } finally {
      db.close();
    }
  });

  it('shares entries between two connections: one tokenizes, the other detokenizes and forgets', async () => {
    const file = join(dir, 'shared.db');
    const key = testKey();
    const storeA = SqliteVaultStore.open(file);
    const storeB = SqliteVaultStore.open(file);
    try {
      const writer = new PiiVault({ store: storeA, key });
      const reader = new PiiVault({ store: storeB, key });
      const { value } = await writer.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-1' });
      await writer.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-1' });
      expect((await reader.detokenize(value)).value).toEqual(sampleClaim());
      expect(await reader.forgetRun('run-1')).toBe(8);
      expect((await writer.detokenize(value)).unknownTokens).toHaveLength(8);
    } finally {
      await storeA.close();
      await storeB.close();
    }
  });

  it('never writes plaintext to the database files', async () => {
    const file = join(dir, 'grep.db');
    const store = SqliteVaultStore.open(file);
    const vault = new PiiVault({ store, key: testKey() });
    await vault.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-1' });
    await store.close();
    const bytes = readdirSync(dir)
      .filter((name) => name.startsWith('grep.db'))
      .map((name) => readFileSync(join(dir, name)).toString('latin1'))
      .join('');
    expect(bytes).toContain('pii_email_');
    for (const plain of ['ada@example.com', 'Lovelace', '4111 1111', 'DE89 3704', '7946 0958', '078-05-1120'])
      expect(bytes).not.toContain(plain);
  });

  it('reads many tokens at once (chunked IN queries)', async () => {
    const store = SqliteVaultStore.open(join(dir, 'many.db'));
    try {
      const vault = new PiiVault({ store, key: testKey() });
      const emails = Array.from({ length: 1200 }, (_, i) => `user${i}@example.com`);
      const { value } = await vault.tokenize(emails, CLAIM_RULES, { runId: 'run-1' });
      expect((await vault.detokenize(value)).value).toEqual(emails);
    } finally {
      await store.close();
    }
  });
});
