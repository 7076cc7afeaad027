import type Database from 'better-sqlite3';
import type { StoredEvent } from './event-store.port.js';

/** A row of the `events` table as read by the statements below. */
export interface EventRow {
  position: number;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

const COLUMNS = 'position, stream_id, revision, type, data, metadata, recorded_at';

/** The SQLite event store's statements. */
export interface SqliteStatements {
  readonly lastRevision: Database.Statement<[string], number>;
  readonly insert: Database.Statement<[string, number, string, string, string, string, string]>;
  readonly byEventId: Database.Statement<[string], { streamId: string; revision: number; position: number }>;
  readonly forwards: Database.Statement<[string, number, number], EventRow>;
  readonly backwards: Database.Statement<[string, number, number], EventRow>;
  readonly all: Database.Statement<[number, number], EventRow>;
  readonly allWithPrefix: Database.Statement<[number, string, number], EventRow>;
  /** Events of one category (see sqlite.database.ts) whose stream id starts with a prefix, after a position: an index seek. */
  readonly allInCategory: Database.Statement<[string, number, string, number], EventRow>;
}

/** Prepares the statements once per connection (the append path reuses them). */
export function prepareStatements(db: Database.Database): SqliteStatements {
  return {
    lastRevision: db
      .prepare<[string], number>('SELECT revision FROM events WHERE stream_id = ? ORDER BY revision DESC LIMIT 1')
      .pluck(),
    insert: db.prepare<[string, number, string, string, string, string, string]>(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    byEventId: db.prepare<[string], { streamId: string; revision: number; position: number }>(
      'SELECT stream_id AS streamId, revision, position FROM events WHERE event_id = ?',
    ),
    forwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`,
    ),
    backwards: db.prepare<[string, number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
    ),
    all: db.prepare<[number, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`,
    ),
    allWithPrefix: db.prepare<[number, string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events WHERE position > ? AND instr(stream_id, ?) = 1 ORDER BY position ASC LIMIT ?`,
    ),
    allInCategory: db.prepare<[string, number, string, number], EventRow>(
      `SELECT ${COLUMNS} FROM events INDEXED BY events_by_category WHERE category = ? AND position > ? AND instr(stream_id, ?) = 1 ORDER BY position ASC LIMIT ?`,
    ),
  };
}

/** A row -> a `StoredEvent` (data and metadata parsed from their JSON text). */
export function rowToStoredEvent(row: EventRow): StoredEvent {
  return {
    streamId: row.stream_id,
    revision: row.revision,
    position: row.position,
    recordedAt: row.recorded_at,
    type: row.type,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
  };
}
