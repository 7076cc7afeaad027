import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { IN_MEMORY, OPEN_ATTEMPTS, isBusyError, openSqliteFile, sqliteCode } from './sqlite-file.js';

describe('openSqliteFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-sqlite-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const schema = (db: Database.Database) => db.exec('CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)');
  const unavailable = (reason: string, cause: unknown) => Object.assign(new Error(`unavailable: ${reason}`), { cause });

  it('creates the parent directory, WAL journal and schema; opening again is idempotent', () => {
    const path = join(dir, 'a', 'b.db');
    const first = openSqliteFile(path, { schema, unavailable });
    first.db.prepare('INSERT INTO t VALUES (?)').run('x');
    const second = openSqliteFile(path, { schema, unavailable, synchronous: 'NORMAL' });
    expect([
      first.file,
      second.db.pragma('journal_mode', { simple: true }),
      second.db.prepare('SELECT k FROM t').pluck().all(),
    ]).toEqual([path, 'wal', ['x']]);
    first.db.close();
    second.db.close();
  });

  it('opens :memory: as a private in-memory database with the schema, creating no file', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const { db, file } = openSqliteFile(IN_MEMORY, { schema, unavailable });
      db.prepare('INSERT INTO t VALUES (?)').run('y');
      expect([file, db.memory, db.prepare('SELECT k FROM t').pluck().all(), existsSync(join(dir, IN_MEMORY))]).toEqual([
        IN_MEMORY,
        true,
        ['y'],
        false,
      ]);
      db.close();
    } finally {
      process.chdir(cwd);
    }
  });

  it(`throws the caller's error after ${OPEN_ATTEMPTS} attempts while another connection holds the lock`, () => {
    const path = join(dir, 'locked.db');
    openSqliteFile(path, { schema, unavailable }).db.close();
    const holder = new Database(path);
    holder.exec('BEGIN EXCLUSIVE');
    try {
      const error = (() => {
        try {
          openSqliteFile(path, { schema, unavailable, busyTimeoutMs: 0 });
        } catch (e) {
          return e as Error & { cause?: unknown };
        }
        return undefined;
      })();
      expect(error?.message).toBe(`unavailable: file stays locked after ${OPEN_ATTEMPTS} attempts`);
      expect(isBusyError(error?.cause)).toBe(true);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('reads SQLite error codes by shape', () => {
    expect([sqliteCode({ code: 'SQLITE_BUSY_SNAPSHOT' }), sqliteCode({ code: 'ENOENT' }), sqliteCode(null)]).toEqual([
      'SQLITE_BUSY_SNAPSHOT',
      undefined,
      undefined,
    ]);
    expect([isBusyError({ code: 'SQLITE_LOCKED' }), isBusyError({ code: 'SQLITE_CONSTRAINT' })]).toEqual([true, false]);
  });
});
