import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';
import { BearerVerifier } from '@ledgerflow/auth';
import { subjects } from '@ledgerflow/contracts';
import type { StepStats } from '@ledgerflow/contracts';
import { SqliteCheckpointStore, SqliteEventStore } from '@ledgerflow/event-store';
import { ensureStreams, requestJson, startEventRelay } from '@ledgerflow/messaging';
import { createLogger } from '@ledgerflow/telemetry';
import { eventually, removeDir, startNatsServer, tempDir } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { DriftRecorder } from './drift/drift-recorder.js';
import { catchUpFromStore } from './memory-catch-up.js';
import { variedHistory } from './memory-history.spec-util.js';
import { MemoryQueries } from './memory-queries.js';
import { MemoryProjection } from './memory.projection.js';
import { RecommendationService } from './recommendations/recommendation.service.js';
import { MemoryEventsConsumer } from './run-events.consumer.js';

/** One memory replica: its own NATS connection and SQLite file, as a separate process has. */
interface Replica {
  readonly nc: NatsConnection;
  readonly projection: MemoryProjection;
  readonly consumer: MemoryEventsConsumer;
}

/**
 * Two memory replicas on a real nats-server, each with its own SQLite file: only the replica holding the lease
 * `memory` consumes, so only it answers `lf.memory.*` queries of the projection; the standby, whose file is stale,
 * takes none. When the holder stops, the standby takes the lease, rebuilds its file from the store and answers.
 */
describe('memory queries with two replicas: the lease holder answers', () => {
  let server: NatsServerHandle;
  let client: NatsConnection;
  let dir: string;
  let store: SqliteEventStore;
  let checkpoints: SqliteCheckpointStore;
  let relay: { stop(): Promise<void> };
  const replicas: Replica[] = [];
  const logger = createLogger('memory', { level: 'warn', write: () => undefined });
  const verifier = new BearerVerifier({
    keys: { secret: 'a-local-secret-of-at-least-32-bytes!!' },
    issuer: 'ledgerflow-test',
    audience: 'ledgerflow',
  });

  const startReplica = async (file: string): Promise<Replica> => {
    const nc = await connect({ servers: server.url, name: file });
    const projection = new MemoryProjection(join(dir, file));
    const drift = new DriftRecorder(projection.database, store, logger);
    projection.addParticipant(drift.observe);
    const recommendations = new RecommendationService(store, projection, verifier, nc, { logger });
    const queries = new MemoryQueries(projection, drift);
    const consumer = new MemoryEventsConsumer(nc, store, projection, logger, drift, recommendations, queries);
    await consumer.onApplicationBootstrap();
    const replica = { nc, projection, consumer };
    replicas.push(replica);
    return replica;
  };
  const stopReplica = async (replica: Replica): Promise<void> => {
    await replica.consumer.onApplicationShutdown();
    await replica.nc.close();
  };
  const stepStats = (): Promise<StepStats[]> =>
    requestJson<StepStats[]>(client, subjects.memoryStepStats, { workflowId: 'claims' }, { timeoutMs: 2_000 });

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: true });
    client = await connect({ servers: server.url, name: 'gateway' });
    await ensureStreams(client);
    dir = await tempDir('lf-memory-replicas-');
    store = await SqliteEventStore.open(join(dir, 'events.db'));
    checkpoints = await SqliteCheckpointStore.open(join(dir, 'relay.db'));
    relay = await startEventRelay({ nc: client, store, checkpoints, checkpointEvery: { events: 1, ms: 10 } });
  });
  afterAll(async () => {
    for (const replica of replicas) if (!replica.nc.isClosed()) await stopReplica(replica);
    await relay.stop();
    await checkpoints.close();
    await store.close();
    await client.close();
    await server.stop();
    await removeDir(dir);
  });

  it('answers every query from the holder, never from the standby, and from the standby once it holds the lease', async () => {
    const holder = await startReplica('holder.db');
    await eventually('the first replica to hold the lease', () => holder.consumer.binding().started > 0, 10_000, 50);
    const standby = await startReplica('standby.db');
    expect(standby.consumer.binding()).toMatchObject({ standby: true, started: 0 });

    for (const event of variedHistory(7, 20))
      await store.append(event.streamId, [{ type: event.type, data: event.data, metadata: event.metadata }], {
        expectedRevision: event.revision === 0 ? 'no_stream' : event.revision - 1,
      });
    const reference = new MemoryProjection(':memory:');
    await catchUpFromStore(store, reference);
    const expected = reference.stats('claims');
    reference.close();
    expect(expected.length).toBeGreaterThan(0);
    await eventually('the holder to project the history', () => same(holder.projection.stats('claims'), expected));

    // The standby's file is empty: a query it answered would read []. Queue group `memory` would split 24 requests
    // between two subscribers (all 24 to one with probability 2^-23).
    expect(standby.projection.stats('claims')).toEqual([]);
    const answers = await Promise.all(Array.from({ length: 24 }, () => stepStats()));
    expect(answers.filter((answer) => !same(answer, expected))).toEqual([]);

    // The holder stops (releasing the lease): the standby takes it, rebuilds its file from the store, and answers.
    await stopReplica(holder);
    await eventually('the standby to take the lease', () => standby.consumer.binding().started > 0, 10_000, 50);
    await eventually('the new holder to answer from its rebuilt file', async () =>
      same(await stepStats().catch(() => undefined), expected),
    );
    expect(same(standby.projection.stats('claims'), expected)).toBe(true);
  }, 60_000);
});

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
