import { join } from 'node:path';
import { EVENTS_STREAM } from '@ledgerflow/contracts';
import { SqliteCheckpointStore, SqliteEventStore, type NewEvent } from '@ledgerflow/event-store';
import { removeDir, startNatsServer, tempDir, type NatsServerHandle } from '@ledgerflow/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from './connect.js';
import { startEventRelay, type EventRelay } from './event-relay.js';
import { Lease } from './lease.js';
import { eventually, sleep, testEvent } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

const TTL_MS = 2_000;
const POLL_MS = 200;

let counter = 0;
const newEvent = (runId: string): NewEvent => testEvent(runId, { n: ++counter }, 'StepStarted');

/** A planner replica: its own NATS connection and store connections, the relay run under the lease `relay`. */
async function replica(name: string, url: string, file: string, timeline: string[]) {
  const nc = await connectNats({ servers: url, name, extra: { maxReconnectAttempts: 0 } });
  const store = await SqliteEventStore.open(file);
  const checkpoints = await SqliteCheckpointStore.open(file);
  const lease = await Lease.open({ nc, key: 'relay', holder: name, ttlMs: TTL_MS, pollMs: POLL_MS });
  let relay: EventRelay | undefined;
  lease.run(async () => {
    timeline.push(`${name} start`);
    const started = await startEventRelay({
      nc,
      store,
      checkpoints,
      publishTimeoutMs: 500,
      retry: { initialMs: 20, maxMs: 200 },
    });
    relay = started;
    return {
      stop: async () => {
        relay = undefined;
        timeline.push(`${name} stop`);
        await started.stop();
      },
    };
  });
  return {
    nc,
    lease,
    relay: () => relay,
    close: async () => {
      await lease.close();
      if (!nc.isClosed()) await nc.close();
      await store.close();
      await checkpoints.close();
    },
  };
}

describe('the event relay under a lease: two replicas over one SQLite store', () => {
  let dir: string;
  let server: NatsServerHandle;
  let admin: NatsConnection;

  beforeAll(async () => {
    dir = await tempDir('lf-relay-lease-');
    server = await startNatsServer();
    admin = await connectNats({ servers: server.url, name: 'admin', extra: { maxReconnectAttempts: 0 } });
    await ensureStreams(admin);
  });
  afterAll(async () => {
    await admin.close();
    await server.stop();
    await removeDir(dir);
  });

  it('only the holder relays; when it dies the other takes over within TTL + poll; every event is in LF_EVENTS once', async () => {
    const file = join(dir, 'store.db');
    const writer = await SqliteEventStore.open(file);
    const timeline: string[] = [];
    const a = await replica('a', server.url, file, timeline);
    await eventually('a relays', () => a.relay() !== undefined);
    const b = await replica('b', server.url, file, timeline);
    let both = false;
    const watch = setInterval(() => (both ||= a.relay() !== undefined && b.relay() !== undefined), 5);
    let appending = true;
    const appender = (async () => {
      for (let i = 0; appending; i++) {
        await writer.append(`run-${i % 5}`, [newEvent(`${i % 5}`)], { expectedRevision: 'any' });
        await sleep(5);
      }
    })();
    try {
      await eventually('a relayed some', () => (a.relay()?.position ?? 0) > 50);
      expect(b.relay()).toBeUndefined();
      const killed = Date.now();
      await a.nc.close(); // as if the planner died: the lease is not released
      await eventually('b relays', () => b.relay() !== undefined, TTL_MS * 3);
      const takeover = Date.now() - killed;
      expect(takeover).toBeLessThanOrEqual(TTL_MS + POLL_MS + 250);
      await sleep(300);
    } finally {
      appending = false;
      await appender;
      clearInterval(watch);
    }
    const end = (await writer.readAll({ maxCount: 100_000 })).at(-1)?.position ?? 0;
    await eventually('b caught up', () => b.relay()?.position === end, 10_000);
    expect(both).toBe(false);
    expect(timeline).toEqual(['a start', 'a stop', 'b start']);

    const { state } = await (await jetstreamManager(admin)).streams.info(EVENTS_STREAM);
    expect(state.messages).toBe(end);
    await a.close();
    await b.close();
    await writer.close();
  });
});
