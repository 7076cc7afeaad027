import type Database from 'better-sqlite3';
import { openSqliteFile, type SqliteFileSettings } from '@ledgerflow/sqlite';
import { StoreUnavailableError } from './errors.js';

export { isBusyError, sqliteCode } from '@ledgerflow/sqlite';

/**
 * Options of a SQLite-backed store (`SqliteFileSettings` of @ledgerflow/sqlite): `synchronous` (default `FULL`) and
 * `busyTimeoutMs`, how long a writer waits for another connection's write lock before `StoreUnavailableError`.
 */
export type SqliteOptions = SqliteFileSettings;

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
const CATEGORY_COLUMN =
  "category TEXT GENERATED ALWAYS AS (CASE WHEN instr(stream_id, '-') > 1 THEN substr(stream_id, 1, instr(stream_id, '-') - 1) ELSE stream_id END) VIRTUAL";
const CATEGORY_INDEX = 'CREATE INDEX IF NOT EXISTS events_by_category ON events (category, position)';

function ensureCategoryIndex(db: Database.Database): void {
  const columns = db.prepare<[], { name: string }>("SELECT name FROM pragma_table_xinfo('events')").all();
  if (!columns.some((column) => column.name === 'category'))
    db.exec(`ALTER TABLE events ADD COLUMN ${CATEGORY_COLUMN}`);
  db.exec(CATEGORY_INDEX);
}

/**
 * Opens (creating if needed) a Ledgerflow SQLite file with `openSqliteFile` of @ledgerflow/sqlite (parent
 * directory, WAL journal, `synchronous`, `busy_timeout`) and the `events` and `checkpoints` tables. Idempotent, and
 * safe when several processes open the same file at once.
 * @returns the connection and the absolute path of the file.
 * @throws StoreUnavailableError when the file is still locked after `OPEN_ATTEMPTS` attempts.
 */
export function openSqliteDatabase(path: string, options: SqliteOptions = {}): { db: Database.Database; file: string } {
  return openSqliteFile(path, {
    ...options,
    schema: (db) => {
      db.exec(SCHEMA);
      ensureCategoryIndex(db);
    },
    unavailable: (reason, cause) => new StoreUnavailableError('open', `database ${reason}`, cause),
  });
}
