import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError } from './errors.js';

/** Options of a SQLite-backed store. */
export interface SqliteOptions {
  /**
   * `PRAGMA synchronous`: `'FULL'` (default) fsyncs the WAL on every commit, so a committed append
   * survives a power loss; `'NORMAL'` may lose the last commits on power loss (never on a process crash).
   * Source: https://www.sqlite.org/pragma.html#pragma_synchronous
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another connection's write lock before `StoreUnavailableError`, in ms; default 5000. */
  readonly busyTimeoutMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position    INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL UNIQUE,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at TEXT    NOT NULL,
  UNIQUE (stream_id, revision)
);
CREATE TABLE IF NOT EXISTS checkpoints (
  name       TEXT    PRIMARY KEY,
  position   INTEGER NOT NULL,
  updated_at TEXT    NOT NULL
);`;

/**
 * A stream's category (the part of its id before the first \`-\`, the whole id without one: \`run-42\` -> \`run\`, as
 * \`categoryOf\` in libs/messaging) as a virtual column with an index on (category, position), so a read of one
 * category's events after a position (\`readAll\` with a \`streamPrefix\` such as \`subscription-\`) seeks instead of
 * scanning every later event. Added to files created before it (virtual: nothing is rewritten).
 */
const CATEGORY_COLUMN = "category TEXT GENERATED ALWAYS AS (CASE WHEN instr(stream_id, '-') > 1 THEN substr(stream_id, 1, instr(stream_id, '-') - 1) ELSE stream_id END) VIRTUAL";
const CATEGORY_INDEX = 'CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position)';

function ensureCategoryIndex(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>('SELECT name FROM pragma_table_xinfo(\'events\')').all();
  if (!columns.some((column) => column.name === 'category')) db.exec(`ALTER TABLE events ADD COLUMN ${CATEGORY_COLUMN}`);
  db.exec(CATEGORY_INDEX);
}

const OPEN_ATTEMPTS = 10;
const OPEN_RETRY_MS = 100;

/**
 * Opens (creating if needed) a Ledgerflow SQLite file: parent directory, WAL journal, `synchronous`,
 * `busy_timeout`, and the `events` and `checkpoints` tables. Idempotent, and safe when several processes
 * open the same file at once (schema created in a `BEGIN IMMEDIATE` transaction; lock contention retried).
 * @returns the connection and the absolute path of the file.
 * @throws StoreUnavailableError when the file is still locked after `OPEN_ATTEMPTS` attempts (each waits up
 *   to the busy timeout, then `OPEN_RETRY_MS`).
 */
export function openSqliteDatabase(path: string, options: SqliteOptions = {}): { db: Database.Database; file: string } {
  const file = resolve(path);
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    retryWhileBusy('open', () => {
      const mode = db.pragma('journal_mode = WAL', { simple: true });
      if (String(mode).toLowerCase() !== 'wal') throw new Error(`journal_mode is ${String(mode)}, expected wal`);
    });
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    retryWhileBusy('open', () => db.transaction(() => {
      db.exec(SCHEMA);
      ensureCategoryIndex(db);
    }).immediate());
    return { db, file };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** True for SQLite's lock errors (`SQLITE_BUSY*`, `SQLITE_LOCKED*`): another connection holds the lock. */
export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * The SQLite error code of `error` (e.g. `SQLITE_CONSTRAINT_UNIQUE`), if it is one. Checked by shape,
 * not `instanceof`: better-sqlite3's native addon keeps the first `SqliteError` class it was given, so a
 * second module instance (Jest registries) would fail an `instanceof` check.
 */
export function sqliteCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

function retryWhileBusy(operation: string, fn: () => void): void {
  for (let attempt = 1; ; attempt++) {
    try {
      fn();
      return;
    } catch (error) {
      if (!isBusyError(error)) throw error;
      if (attempt >= OPEN_ATTEMPTS) throw new StoreUnavailableError(operation, 'database file stays locked', error);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, OPEN_RETRY_MS);
    }
  }
}
