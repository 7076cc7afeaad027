import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ValidationError } from '@ledgerflow/domain';
import { eventually } from '@ledgerflow/testing';
import { describeEventStoreContract, newEvent } from './event-store.contract.spec-util.js';
import { DuplicateEventError, StoreUnavailableError } from './errors.js';
import type { StoredEvent } from './event-store.port.js';
import { SqliteCheckpointStore } from './sqlite.checkpoint-store.js';
import { SqliteEventStore } from './sqlite.event-store.js';

const dir = mkdtempSync(join(tmpdir(), 'lf-sqlite-store-'));
let files = 0;
const freshFile = (): string => join(dir, `nested/${++files}/events.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventStoreContract('sqlite', () => SqliteEventStore.open(freshFile()));

describe('SqliteEventStore (SQLite specifics)', () => {
  it('reads a category by index, also in a file created before the category column, and a longer prefix within it', async () => {
    const file = freshFile();
    const before = await SqliteEventStore.open(file);
    await before.close();
    const old = new Database(file);
    old.exec('DROP INDEX events_by_category; ALTER TABLE events DROP COLUMN category;');
    const insert = old.prepare(
      "INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, 0, ?, 'T', '{}', ?, '2026-01-01T00:00:00.000Z')",
    );
    for (const [i, stream] of [
      'run-1',
      'subscription-a',
      'webhookdelivery-s1-e1',
      'webhookdelivery-s2-e1',
      'nodash',
      'run-2',
    ].entries()) {
      insert.run(stream, `e${i}`, JSON.stringify({ eventId: `e${i}`, runId: '' }));
    }
    old.close();

    const store = await SqliteEventStore.open(file);
    const ids = async (streamPrefix: string, fromPosition = 0) =>
      (await store.readAll({ fromPosition, streamPrefix })).map((e) => e.streamId);
    expect(await ids('run-')).toEqual(['run-1', 'run-2']);
    expect(await ids('run-', 1)).toEqual(['run-2']);
    expect(await ids('subscription-')).toEqual(['subscription-a']);
    expect(await ids('webhookdelivery-s2-')).toEqual(['webhookdelivery-s2-e1']);
    expect(await ids('nod')).toEqual(['nodash']);
    await store.close();
    const db = new Database(file, { readonly: true });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT position FROM events INDEXED BY events_by_category WHERE category = 'run' AND position > 0 ORDER BY position",
      )
      .all() as Array<{ detail: string }>;
    db.close();
    expect(plan.map((row) => row.detail).join(' ')).toContain('events_by_category');
  });

  it('numbers positions from 1 in commit order and keeps events across reopening the file', async () => {
    const file = freshFile();
    const store = await SqliteEventStore.open(file);
    await store.append('run-1', [newEvent('A'), newEvent('B')], { expectedRevision: 'no_stream' });
    await store.append('run-2', [newEvent('C')], { expectedRevision: 'no_stream' });
    await store.close();
    const reopened = await SqliteEventStore.open(file, { synchronous: 'NORMAL' });
    const all = await reopened.readAll();
    await reopened.close();
    expect(all.map((e) => [e.position, e.streamId, e.revision, e.type])).toEqual([
      [1, 'run-1', 0, 'A'],
      [2, 'run-1', 1, 'B'],
      [3, 'run-2', 0, 'C'],
    ]);
  });

  it('group-commits appends made in one turn; a conflicting append fails alone and writes nothing', async () => {
    const store = await SqliteEventStore.open(freshFile());
    const outcomes = await Promise.allSettled([
      store.append('run-a', [newEvent('A1')], { expectedRevision: 'no_stream' }),
      store.append('run-b', [newEvent('B1')], { expectedRevision: 'no_stream' }),
      store.append('run-a', [newEvent('A-conflict')], { expectedRevision: 'no_stream' }),
      store.append('run-a', [newEvent('A2')], { expectedRevision: 0 }),
      store.append('run-c', [newEvent('C1'), newEvent('C2')], { expectedRevision: 'no_stream' }),
    ]);
    const all = await store.readAll();
    await store.close();
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({
      code: 'store_concurrency',
      details: { streamId: 'run-a', actual: 0 },
    });
    expect(all.map((e) => [e.streamId, e.revision, e.type])).toEqual([
      ['run-a', 0, 'A1'],
      ['run-b', 0, 'B1'],
      ['run-a', 1, 'A2'],
      ['run-c', 0, 'C1'],
      ['run-c', 1, 'C2'],
    ]);
  });

  it('sets WAL, synchronous and busy_timeout on open, and opening concurrently is idempotent', async () => {
    const file = freshFile();
    const stores = await Promise.all([
      SqliteEventStore.open(file),
      SqliteEventStore.open(file),
      SqliteEventStore.open(file),
    ]);
    await Promise.all(stores.map((s) => s.close()));
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    db.close();
    expect(tables).toEqual(expect.arrayContaining(['checkpoints', 'events']));
  });

  it('rejects an event id already stored in another stream with DuplicateEventError, writing nothing', async () => {
    const store = await SqliteEventStore.open(freshFile());
    const taken = newEvent('A');
    await store.append('run-1', [taken], { expectedRevision: 'no_stream' });
    const error = await store
      .append('run-2', [newEvent('B'), taken], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e);
    const inBatch = newEvent('C');
    const batchError = await store
      .append('run-3', [inBatch, inBatch], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e);
    const all = await store.readAll();
    await store.close();
    expect(error).toBeInstanceOf(DuplicateEventError);
    expect((error as DuplicateEventError).details).toEqual({ streamId: 'run-2', eventId: taken.metadata.eventId });
    expect(batchError).toBeInstanceOf(DuplicateEventError);
    expect(all.map((e) => e.streamId)).toEqual(['run-1']);
  });

  it('returns the first result, position included, for a repeated append', async () => {
    const store = await SqliteEventStore.open(freshFile());
    const events = [newEvent('A'), newEvent('B')];
    const first = await store.append('run-1', events, { expectedRevision: 'no_stream' });
    await store.append('run-1', [newEvent('C')], { expectedRevision: 1 });
    const again = await store.append('run-1', events, { expectedRevision: 'no_stream' });
    await store.close();
    expect(again).toEqual(first);
  });

  it('surfaces a write lock held past busy_timeout as StoreUnavailableError', async () => {
    const file = freshFile();
    const store = await SqliteEventStore.open(file, { busyTimeoutMs: 50 });
    const other = new Database(file);
    other.exec('BEGIN IMMEDIATE');
    const error = await store.append('run-1', [newEvent('A')], { expectedRevision: 'any' }).catch((e: unknown) => e);
    other.exec('ROLLBACK');
    other.close();
    const after = await store.append('run-1', [newEvent('B')], { expectedRevision: 'no_stream' });
    await store.close();
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).retryable).toBe(true);
    expect(after.nextExpectedRevision).toBe(0);
  });

  it('delivers appends made through another connection to a subscription (polling)', async () => {
    const file = freshFile();
    const reader = await SqliteEventStore.open(file, { pollIntervalMs: 10 });
    const writer = await SqliteEventStore.open(file);
    const seen: StoredEvent[] = [];
    const subscription = reader.subscribeToAll({ streamPrefix: 'run-' }, (e) => {
      seen.push(e);
    });
    await writer.append('run-1', [newEvent('A')], { expectedRevision: 'no_stream' });
    await writer.append('memory-1', [newEvent('M')], { expectedRevision: 'no_stream' });
    await writer.append('run-1', [newEvent('B')], { expectedRevision: 0 });
    await eventually('two events seen', () => seen.length >= 2, 5000, 5);
    await reader.close();
    await writer.close();
    await subscription.closed;
    expect(seen.map((e) => e.type)).toEqual(['A', 'B']);
  });
});

describe('SqliteCheckpointStore', () => {
  it('loads 0 for an unknown name, then the last saved position, also from another connection', async () => {
    const file = freshFile();
    const store = await SqliteEventStore.open(file);
    expect(await store.checkpoints.load('relay')).toBe(0);
    await store.checkpoints.save('relay', 7);
    await store.checkpoints.save('relay', 12);
    await store.checkpoints.save('projection', 3);
    const separate = await SqliteCheckpointStore.open(file);
    expect(await separate.load('relay')).toBe(12);
    expect(await separate.load('projection')).toBe(3);
    await separate.close();
    await store.close();
  });

  it('rejects a negative or fractional position with a ValidationError', async () => {
    const checkpoints = await SqliteCheckpointStore.open(freshFile());
    await expect(checkpoints.save('relay', -1)).rejects.toBeInstanceOf(ValidationError);
    await expect(checkpoints.save('relay', 1.5)).rejects.toBeInstanceOf(ValidationError);
    expect(await checkpoints.load('relay')).toBe(0);
    await checkpoints.close();
  });
});
