import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENTS_STREAM, type EventMetadata } from '@ledgerflow/contracts';
import { InMemoryCheckpointStore, InMemoryEventStore, type NewEvent, type StoredEvent } from '@ledgerflow/event-store';
import { startNatsServer } from '@ledgerflow/testing';
import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connectNats } from './connect.js';
import { startEventRelay } from './event-relay.js';
import { eventually, sleep, startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

let counter = 0;
const newEvent = (type: string, runId: string, traced = true): NewEvent => {
  counter++;
  const metadata: EventMetadata = {
    eventId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    runId,
    causationId: 'test',
    actor: { kind: 'service', id: 'test' },
    occurredAt: new Date(0).toISOString(),
    schemaVersion: 1,
    ...(traced ? { traceparent: `00-${'1'.repeat(31)}${counter % 10}-${'2'.repeat(16)}-01`, tracestate: 'lf=1' } : {}),
  };
  return { type, data: { counter }, metadata };
};

/** Appends `count` events round-robin over `streams`, one append per event (revision order = append order). */
async function appendMany(store: InMemoryEventStore, streams: readonly string[], count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const streamId = streams[i % streams.length] ?? 'run-x';
    await store.append(
      streamId,
      [newEvent(i % 2 === 0 ? 'StepStarted' : 'StepSucceeded', streamId.replace(/^run-/, ''), i % 3 !== 0)],
      { expectedRevision: 'any' },
    );
  }
}

async function streamMessages(nc: NatsConnection): Promise<StoredMsg[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(EVENTS_STREAM);
  const out: StoredMsg[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(EVENTS_STREAM, { seq });
    if (msg) out.push(msg);
  }
  return out;
}

const lastPosition = async (store: InMemoryEventStore): Promise<number> =>
  (await store.readAll({ maxCount: 100_000 })).at(-1)?.position ?? 0;

describe('startEventRelay', () => {
  let nats: NatsFixture;
  const store = new InMemoryEventStore();
  const checkpoints = new InMemoryCheckpointStore();
  const streams = ['run-a', 'run-b', 'memory-wf1'];

  beforeAll(async () => {
    nats = await startNatsFixture();
    await ensureStreams(nats.nc);
  });
  afterAll(async () => {
    await store.close();
    await nats.stop();
  });

  it('publishes every event appended before and after it started, once, with subject, msg id, headers and body, in order per stream', async () => {
    await appendMany(store, streams, 30); // appended while no relay runs (e.g. by a process that died right after)
    const relay = await startEventRelay({ nc: nats.nc, store, checkpoints });
    try {
      await appendMany(store, streams, 12);
      const end = await lastPosition(store);
      await eventually('relay caught up', () => relay.position === end);
      await eventually(
        'checkpoint saved while running (200 ms cadence)',
        async () => (await checkpoints.load('relay')) === end,
        2000,
      );

      const stored = await store.readAll({ maxCount: 1000 });
      const messages = await streamMessages(nats.nc);
      expect(messages).toHaveLength(42);
      const byId = new Map(messages.map((m) => [m.header.get('Nats-Msg-Id'), m]));
      for (const event of stored) {
        const msg = byId.get(event.metadata.eventId);
        expect(msg).toBeDefined();
        const category = event.streamId.split('-')[0];
        expect(msg?.subject).toBe(`lf.evt.${category}.${event.streamId}.${event.type}`);
        expect(msg?.json<StoredEvent>()).toEqual(event);
        expect(msg?.header.get('lf-run-id')).toBe(event.metadata.runId);
        expect(msg?.header.get('traceparent')).toBe(event.metadata.traceparent ?? '');
        expect(msg?.header.get('tracestate')).toBe(event.metadata.tracestate ?? '');
      }
      for (const streamId of streams) {
        const revisions = messages
          .filter((m) => m.subject.split('.')[3] === streamId)
          .map((m) => m.json<StoredEvent>().revision);
        expect(revisions).toEqual(revisions.map((_, i) => i));
      }
    } finally {
      await relay.stop();
    }
  });

  it('saves its checkpoint on stop and resumes from it without losing or repeating events', async () => {
    const before = await lastPosition(store);
    expect(await checkpoints.load('relay')).toBe(before);
    await appendMany(store, streams, 6); // appended while stopped
    const relay = await startEventRelay({
      nc: nats.nc,
      store,
      checkpoints,
      checkpointEvery: { events: 1000, ms: 60_000 },
    });
    const end = await lastPosition(store);
    await eventually('relay caught up', () => relay.position === end);
    expect(await checkpoints.load('relay')).toBe(before); // nothing saved yet at this cadence ...
    await relay.stop();
    expect(await checkpoints.load('relay')).toBe(end); // ... until stop
    expect(await streamMessages(nats.nc)).toHaveLength(48);
  });

  it('after a crash that lost its checkpoint, re-publishes from the older position and JetStream drops the duplicates', async () => {
    await checkpoints.save('relay', 10);
    const relay = await startEventRelay({ nc: nats.nc, store, checkpoints });
    const end = await lastPosition(store);
    await eventually('relay caught up', () => relay.position === end);
    await relay.stop();
    const messages = await streamMessages(nats.nc);
    expect(messages).toHaveLength(48);
    expect(new Set(messages.map((m) => m.header.get('Nats-Msg-Id'))).size).toBe(48);
  });
});

describe('startEventRelay when JetStream rejects publishes', () => {
  let nats: NatsFixture;
  beforeAll(async () => {
    nats = await startNatsFixture();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('retries with backoff, never skips an event, and only checkpoints what was acknowledged', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryCheckpointStore();
    await appendMany(store, ['run-z'], 5);
    const errors: unknown[] = [];
    const relay = await startEventRelay({
      nc: nats.nc,
      store,
      checkpoints,
      name: 'relay-z',
      publishTimeoutMs: 500,
      retry: { initialMs: 20, maxMs: 100 },
      onError: (err) => errors.push(err),
    });
    try {
      await eventually('publish failures reported', () => errors.length >= 3);
      expect(relay.position).toBe(0);
      await sleep(300);
      expect(await checkpoints.load('relay-z')).toBe(0);

      await ensureStreams(nats.nc); // LF_EVENTS appears: the relay goes on where it was
      await appendMany(store, ['run-z'], 2);
      const end = await lastPosition(store);
      await eventually('relay caught up', () => relay.position === end);
      const revisions = (await streamMessages(nats.nc)).map((m) => m.json<StoredEvent>().revision);
      expect(revisions).toEqual([0, 1, 2, 3, 4, 5, 6]);
    } finally {
      await relay.stop();
    }
    expect(await checkpoints.load('relay-z')).toBe(await lastPosition(store));
    await store.close();
  });
});

describe('startEventRelay with a backlog larger than a page and than its pipeline', () => {
  let nats: NatsFixture;
  beforeAll(async () => {
    nats = await startNatsFixture();
    await ensureStreams(nats.nc);
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('publishes 2,500 events pipelined, each once, in position order, and checkpoints the last', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryCheckpointStore();
    const backlog = ['run-p', 'run-q', 'run-r', 'memory-p'];
    await appendMany(store, backlog, 2_000); // more than a batch (MAX_BATCH, 1024) and many store pages (256)
    const relay = await startEventRelay({ nc: nats.nc, store, checkpoints, name: 'relay-backlog' });
    try {
      await appendMany(store, backlog, 500); // while it catches up
      const end = await lastPosition(store);
      await eventually('relay caught up', () => relay.position === end, 30_000);
    } finally {
      await relay.stop();
    }
    expect(await checkpoints.load('relay-backlog')).toBe(await lastPosition(store));
    const jsm = await jetstreamManager(nats.nc);
    const { state } = await jsm.streams.info(EVENTS_STREAM);
    expect(state.messages).toBe(2_500);
    const messages = await streamMessages(nats.nc);
    expect(messages.map((m) => m.json<StoredEvent>().position)).toEqual(messages.map((_, i) => i + 1));
    await store.close();
  });
});

describe('startEventRelay across a nats-server restart', () => {
  it('publishes every event once and in position order when the server restarts while it relays', async () => {
    const storeDir = await mkdtemp(join(tmpdir(), 'lf-relay-restart-'));
    let server = await startNatsServer({ jetstream: true, storeDir });
    const nc = await connectNats({
      servers: server.url,
      name: 'relay-restart',
      extra: { reconnectTimeWait: 100, reconnectJitter: 0 },
    });
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryCheckpointStore();
    const streams = ['run-s', 'run-t', 'run-u'];
    try {
      await ensureStreams(nc);
      const relay = await startEventRelay({
        nc,
        store,
        checkpoints,
        name: 'relay-restart',
        publishTimeoutMs: 500,
        retry: { initialMs: 20, maxMs: 200 },
      });
      let appending = true;
      const appender = (async () => {
        while (appending) {
          await appendMany(store, streams, 7);
          await sleep(5);
        }
      })();
      try {
        await eventually('relaying', () => relay.position > 100);
        await server.stop(); // events keep coming while the server is down: their batches wait or time out
        await sleep(300);
        server = await startNatsServer({ jetstream: true, storeDir, port: server.port });
        await sleep(300);
      } finally {
        appending = false;
        await appender;
      }
      const end = await lastPosition(store);
      await eventually('relay caught up after the restart', () => relay.position === end, 30_000);
      await relay.stop();
      const positions = (await streamMessages(nc)).map((m) => m.json<StoredEvent>().position);
      expect(positions).toEqual(positions.map((_, i) => i + 1));
      expect(positions).toHaveLength(end);
    } finally {
      await nc.close();
      await server.stop();
      await store.close();
      await rm(storeDir, { recursive: true, force: true });
    }
  });
});
