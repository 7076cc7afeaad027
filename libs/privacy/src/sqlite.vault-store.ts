import { LedgerflowError } from '@ledgerflow/domain';
import { isBusyError, openSqliteFile, type SqliteFileSettings } from '@ledgerflow/sqlite';
import type Database from 'better-sqlite3';
import type { TokenKind } from './pii-kind.js';
import type { VaultEntry, VaultStore } from './vault-store.port.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS pii_vault (
  token      TEXT PRIMARY KEY,
  run_id     TEXT NOT NULL,
  kind       TEXT NOT NULL,
  key_id     TEXT NOT NULL,
  iv         BLOB NOT NULL,
  tag        BLOB NOT NULL,
  ciphertext BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pii_vault_run_id ON pii_vault (run_id);`;

interface Row {
  token: string;
  run_id: string;
  kind: string;
  key_id: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
  created_at: string;
}

/** Options of {@link SqliteVaultStore.open}: `busyTimeoutMs` (default 5000) and `synchronous` (default `FULL`). */
export type SqliteVaultOptions = SqliteFileSettings;

/** Tokens per `IN (...)` query, well below SQLite's default limit of 32766 bound parameters. */
const CHUNK = 500;

/**
 * The vault in a SQLite file (table `pii_vault`, WAL journal). Several processes may open the same file
 * (it may be the event store's file); the table is created idempotently in a `BEGIN IMMEDIATE` transaction.
 */
export class SqliteVaultStore implements VaultStore {
  private constructor(private readonly db: Database.Database) {}

  /**
   * Opens (creating if needed) the vault at `path`, creating its parent directory.
   * @throws LedgerflowError `pii_vault_unavailable` (retryable) when the file stays locked while opening.
   */
  static open(path: string, options: SqliteVaultOptions = {}): SqliteVaultStore {
    const { db } = openSqliteFile(path, {
      ...options,
      schema: (connection) => connection.exec(SCHEMA),
      unavailable: (reason, cause) =>
        new LedgerflowError('pii_vault_unavailable', `PII vault ${reason}`, true, { cause: String(cause) }),
    });
    return new SqliteVaultStore(db);
  }

  async put(entries: readonly VaultEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const insert = this.db.prepare(
      'INSERT OR IGNORE INTO pii_vault (token, run_id, kind, key_id, iv, tag, ciphertext, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    unavailableWhenBusy('put', () =>
      this.db
        .transaction(() => {
          for (const e of entries)
            insert.run(
              e.token,
              e.runId,
              e.kind,
              e.keyId,
              Buffer.from(e.iv),
              Buffer.from(e.tag),
              Buffer.from(e.ciphertext),
              e.createdAt,
            );
        })
        .immediate(),
    );
  }

  async get(tokens: readonly string[]): Promise<Map<string, VaultEntry>> {
    const found = new Map<string, VaultEntry>();
    const unique = [...new Set(tokens)];
    for (let i = 0; i < unique.length; i += CHUNK) {
      const chunk = unique.slice(i, i + CHUNK);
      const rows = this.db
        .prepare(`SELECT * FROM pii_vault WHERE token IN (${chunk.map(() => '?').join(', ')})`)
        .all(...chunk) as Row[];
      for (const row of rows) found.set(row.token, toEntry(row));
    }
    return found;
  }

  async deleteRun(runId: string): Promise<number> {
    return unavailableWhenBusy(
      'deleteRun',
      () => this.db.prepare('DELETE FROM pii_vault WHERE run_id = ?').run(runId).changes,
    );
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function toEntry(row: Row): VaultEntry {
  return {
    token: row.token,
    runId: row.run_id,
    kind: row.kind as TokenKind,
    keyId: row.key_id,
    iv: row.iv,
    tag: row.tag,
    ciphertext: row.ciphertext,
    createdAt: row.created_at,
  };
}

/** Runs `fn`; a lock still held after the busy timeout becomes a retryable `pii_vault_unavailable`. */
function unavailableWhenBusy<T>(operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (isBusyError(error))
      throw new LedgerflowError(
        'pii_vault_unavailable',
        `PII vault ${operation}: database file locked beyond the busy timeout`,
        true,
        { cause: String(error) },
      );
    throw error;
  }
}
