import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { SqliteCheckpointStore, SqliteEventStore } from '@ledgerflow/event-store';
import type { CheckpointStore, NewEvent } from '@ledgerflow/event-store';
import { removeDir, startNatsServer, tempDir } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { startEventRelay } from './event-relay.js';
import { lastRelayedPosition, relayedCheckpoints } from './relayed-checkpoint.js';
import { ensureStreams } from './streams.js';
import { testEvent } from './nats.spec-util.js';

const event = (i: number): NewEvent => testEvent('r', { i }, 'Noted');

describe('relayedCheckpoints: a relay replica resumes after what another replica published', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let dir: string;
  let store: SqliteEventStore;
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
    nc = await connect({ servers: server.url });
    await ensureStreams(nc);
    dir = await tempDir('lf-relayed-checkpoint-');
    store = await SqliteEventStore.open(join(dir, 'events.db'));
  });
  afterAll(async () => {
    await store.close();
    await nc.close();
    await server.stop();
    await removeDir(dir);
  });

  const relayUntil = async (checkpoints: CheckpointStore, position: number) => {
    const relay = await startEventRelay({ nc, store, checkpoints, checkpointEvery: { events: 1, ms: 10 } });
    for (let i = 0; i < 200 && (await lastRelayedPosition(nc)) < position; i++)
      await new Promise((resolve) => setTimeout(resolve, 25));
    await relay.stop();
  };

  it('is 0 on an empty LF_EVENTS, then the position of the last event relayed', async () => {
    expect(await lastRelayedPosition(nc)).toBe(0);
    await store.append('note-1', [event(1), event(2)], { expectedRevision: 'no_stream' });
    const own = await SqliteCheckpointStore.open(join(dir, 'a.db'));
    await relayUntil(own, 2);
    expect(await lastRelayedPosition(nc)).toBe(2);
    await own.close();
  });

  it('a replica whose own checkpoint is behind loads the last relayed position, and its own when it is ahead', async () => {
    const stale = await SqliteCheckpointStore.open(join(dir, 'b.db')); // this replica never relayed: 0
    expect(await relayedCheckpoints(stale, nc).load('relay')).toBe(2);
    await stale.save('relay', 5);
    expect(await relayedCheckpoints(stale, nc).load('relay')).toBe(5);
    await stale.close();
  });

  it('taking over with its own empty checkpoint, it publishes only the new events (no copy of the old ones)', async () => {
    await store.append('note-1', [event(3)], { expectedRevision: 1 });
    // A core subscriber sees every publish, also the copies JetStream's duplicate window would drop.
    const sent: number[] = [];
    const watcher = nc.subscribe('lf.evt.>', {
      callback: (_error, message) => {
        sent.push(message.json<{ position: number }>().position);
      },
    });
    await nc.flush();
    const fresh = await SqliteCheckpointStore.open(join(dir, 'c.db'));
    await relayUntil(relayedCheckpoints(fresh, nc), 3);
    await nc.flush();
    watcher.unsubscribe();
    expect(sent).toEqual([3]);
    await fresh.close();
  });

  it('falls back to its own checkpoint and reports it when LF_EVENTS cannot be read', async () => {
    const own = await SqliteCheckpointStore.open(join(dir, 'd.db'));
    await own.save('relay', 1);
    const errors: unknown[] = [];
    const closed = await connect({ servers: server.url });
    await closed.close();
    expect(await relayedCheckpoints(own, closed, (error) => errors.push(error)).load('relay')).toBe(1);
    expect(errors).toHaveLength(1);
    await own.close();
  });
});
