import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { SqliteCheckpointStore, SqliteEventStore } from '@ledgerflow/event-store';
import { ensureStreams, startEventRelay } from '@ledgerflow/messaging';
import { createLogger } from '@ledgerflow/telemetry';
import { eventually, removeDir, startNatsServer, tempDir } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { BearerVerifier } from '@ledgerflow/auth';
import { DriftRecorder } from './drift/drift-recorder.js';
import { catchUpFromStore } from './memory-catch-up.js';
import { MemoryQueries } from './memory-queries.js';
import { RecommendationService } from './recommendations/recommendation.service.js';
import { variedHistory } from './memory-history.spec-util.js';
import type { HistoryEvent } from './memory-history.spec-util.js';
import { MemoryProjection } from './memory.projection.js';
import { MemoryEventsConsumer } from './run-events.consumer.js';

/**
 * The memory consumer over a real nats-server and SQLite store, events relayed to `LF_EVENTS` as in production: it
 * projects what it consumes, and when its file is deleted (the durable `memory` has acked everything) a new consumer
 * rebuilds the file from the store on start, then goes on consuming: the result equals a projection of the whole store.
 */
describe('MemoryEventsConsumer: consumes run events and rebuilds a lost file from the store', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let dir: string;
  let store: SqliteEventStore;
  let checkpoints: SqliteCheckpointStore;
  let relay: { stop(): Promise<void> };
  const lines: string[] = [];
  const logger = createLogger('memory', { level: 'info', write: (line) => lines.push(line) });
  const history = variedHistory(99, 30);

  const append = async (events: readonly HistoryEvent[]) => {
    for (const event of events)
      await store.append(event.streamId, [{ type: event.type, data: event.data, metadata: event.metadata }], {
        expectedRevision: event.revision === 0 ? 'no_stream' : event.revision - 1,
      });
  };
  /** What a projection of the whole store holds (every table, row for row). */
  const expected = async () => {
    const reference = new MemoryProjection(':memory:');
    await catchUpFromStore(store, reference);
    const dump = reference.dump();
    reference.close();
    return dump;
  };

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
    nc = await connect({ servers: server.url });
    await ensureStreams(nc);
    dir = await tempDir('lf-memory-consumer-');
    store = await SqliteEventStore.open(join(dir, 'events.db'));
    checkpoints = await SqliteCheckpointStore.open(join(dir, 'relay.db'));
    relay = await startEventRelay({ nc, store, checkpoints, checkpointEvery: { events: 1, ms: 10 } });
  });
  afterAll(async () => {
    await relay.stop();
    await checkpoints.close();
    await store.close();
    await nc.close();
    await server.stop();
    await removeDir(dir);
  });

  /** The consumer as the module builds it: drift detection inside the projection's batches, recommendations after. */
  function consumerOf(projection: MemoryProjection): MemoryEventsConsumer {
    const drift = new DriftRecorder(projection.database, store, logger);
    projection.addParticipant(drift.observe);
    const verifier = new BearerVerifier({
      keys: { secret: 'a-local-secret-of-at-least-32-bytes!!' },
      issuer: 'ledgerflow-test',
      audience: 'ledgerflow',
    });
    const recommendations = new RecommendationService(store, projection, verifier, nc, { logger });
    const queries = new MemoryQueries(projection, drift);
    return new MemoryEventsConsumer(nc, store, projection, logger, drift, recommendations, queries);
  }

  it('projects live events, and a deleted file is rebuilt from the store before consuming goes on', async () => {
    const path = join(dir, 'memory.db');
    const half = Math.floor(history.length / 2);
    const first = new MemoryProjection(path);
    const live = consumerOf(first);
    await live.onApplicationBootstrap();
    await append(history.slice(0, half));
    const afterFirstHalf = await expected();
    await eventually('the consumer to project the first half', () => equal(first.dump(), afterFirstHalf), 20_000, 50);
    await live.onApplicationShutdown();

    for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) unlinkSync(path + suffix);
    const second = new MemoryProjection(path);
    const restarted = consumerOf(second);
    await restarted.onApplicationBootstrap();
    await eventually(
      'the new file to be rebuilt from the store',
      () => equal(second.dump(), afterFirstHalf),
      20_000,
      50,
    );
    expect(lines.some((line) => line.includes('caught up from the event store'))).toBe(true);

    await append(history.slice(half));
    const all = await expected();
    await eventually('the consumer to project the rest', () => equal(second.dump(), all), 20_000, 50);
    expect(second.insights('claims').insights.length).toBeGreaterThan(0);
    await restarted.onApplicationShutdown();
  });
});

const equal = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
