import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';

/** Durability and lock settings of a Ledgerflow SQLite file. */
export interface SqliteFileSettings {
  /**
   * `PRAGMA synchronous`: `'FULL'` (default) fsyncs the WAL on every commit, so a committed write survives a
   * power loss; `'NORMAL'` may lose the last commits on power loss (never on a process crash).
   * Source: https://www.sqlite.org/pragma.html#pragma_synchronous
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another connection's write lock, in ms; default 5000. */
  readonly busyTimeoutMs?: number;
}

/** What {@link openSqliteFile} creates, and the error it throws when the file stays locked. */
export interface SqliteFileOptions extends SqliteFileSettings {
  /** Creates the tables and indexes idempotently (`CREATE ... IF NOT EXISTS`); run in a `BEGIN IMMEDIATE` transaction. */
  readonly schema: (db: Database.Database) => void;
  /** The error for a file still locked after {@link OPEN_ATTEMPTS} attempts; `cause` is SQLite's last error. */
  readonly unavailable: (reason: string, cause: unknown) => Error;
}

/** Attempts to take the file's lock while opening, each waiting up to the busy timeout, then {@link OPEN_RETRY_MS}. */
export const OPEN_ATTEMPTS = 10;
/** Pause between two attempts to open a locked file, in ms. */
export const OPEN_RETRY_MS = 100;

/** The path SQLite reads as a private in-memory database (tests, throw-away projections); it is not resolved. */
export const IN_MEMORY = ':memory:';

/**
 * Opens (creating if needed) a SQLite file and its parent directory, or an in-memory database for {@link IN_MEMORY}: `busy_timeout`, WAL journal,
 * `synchronous`, then `options.schema` in a `BEGIN IMMEDIATE` transaction. Idempotent, and safe when several
 * processes open the same file at once (lock contention retried {@link OPEN_ATTEMPTS} times).
 * @returns the connection and the absolute path of the file (`:memory:` as given).
 * @throws the error of `options.unavailable` when the file stays locked; anything else SQLite or `schema` throws
 *   (the connection is closed first).
 * @example const { db } = openSqliteFile('data/vault.db', { schema: (db) => db.exec(SCHEMA), unavailable: (reason) => new Error(reason) });
 */
export function openSqliteFile(path: string, options: SqliteFileOptions): { db: Database.Database; file: string } {
  const inMemory = path === IN_MEMORY;
  const file = inMemory ? IN_MEMORY : resolve(path);
  if (!inMemory) mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    // An in-memory database has one connection and journal mode `memory`: no WAL to ask for.
    if (!inMemory)
      retryWhileBusy(options, () => {
        const mode = db.pragma('journal_mode = WAL', { simple: true });
        if (String(mode).toLowerCase() !== 'wal') throw new Error(`journal_mode is ${String(mode)}, expected wal`);
      });
    db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
    retryWhileBusy(options, () => db.transaction(() => options.schema(db)).immediate());
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

function retryWhileBusy(options: Pick<SqliteFileOptions, 'unavailable'>, fn: () => void): void {
  for (let attempt = 1; ; attempt++) {
    try {
      fn();
      return;
    } catch (error) {
      if (!isBusyError(error)) throw error;
      if (attempt >= OPEN_ATTEMPTS)
        throw options.unavailable(`file stays locked after ${OPEN_ATTEMPTS} attempts`, error);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, OPEN_RETRY_MS);
    }
  }
}
