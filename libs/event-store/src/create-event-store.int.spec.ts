import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '@ledgerflow/domain';
import { createEventStore } from './create-event-store.js';
import { newEvent } from './event-store.contract.spec-util.js';
import { EventStoreDbEventStore } from './eventstoredb.event-store.js';
import { InMemoryEventStore } from './in-memory.event-store.js';
import { SqliteEventStore } from './sqlite.event-store.js';

describe('createEventStore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-create-store-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds the in-memory store', async () => {
    const store = await createEventStore({ kind: 'memory' });
    expect(store).toBeInstanceOf(InMemoryEventStore);
    await store.close();
  });

  it('opens a SQLite file with the given options, creating its directory', async () => {
    const file = join(dir, 'a/b/events.db');
    const store = await createEventStore({ kind: 'sqlite', sqlitePath: file, sqlite: { synchronous: 'NORMAL' } });
    await store.append('run-1', [newEvent('A')], { expectedRevision: 'no_stream' });
    await store.close();
    const reopened = await SqliteEventStore.open(file);
    expect((await reopened.readStream('run-1')).map((e) => e.type)).toEqual(['A']);
    await reopened.close();
  });

  it('builds an EventStoreDB client from a connection string without connecting yet', async () => {
    const store = await createEventStore({ kind: 'eventstoredb', connectionString: 'esdb://127.0.0.1:2113?tls=false' });
    expect(store).toBeInstanceOf(EventStoreDbEventStore);
    await store.close();
  });

  it('names the missing option or the unknown kind', async () => {
    await expect(createEventStore({ kind: 'sqlite' })).rejects.toMatchObject({
      code: 'store_invalid_config',
      details: { field: 'sqlitePath' },
    });
    await expect(createEventStore({ kind: 'eventstoredb' })).rejects.toMatchObject({
      details: { field: 'connectionString' },
    });
    await expect(createEventStore({ kind: 'postgres' as never })).rejects.toBeInstanceOf(ValidationError);
  });
});
