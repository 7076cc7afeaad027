import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import { anchorKeyId, chainEvents, GENESIS, parseSignedAnchor, verifyAnchorSignature } from '@ledgerflow/audit';
import type { ChainBroken, SignedAnchor } from '@ledgerflow/audit';
import { ANCHORS_STREAM } from '@ledgerflow/contracts';
import { SqliteCheckpointStore, SqliteEventStore } from '@ledgerflow/event-store';
import type { NewEvent } from '@ledgerflow/event-store';
import { removeDir, tempDir } from '@ledgerflow/testing';
import { jetstreamManager } from '@nats-io/jetstream';
import type { StoredMsg } from '@nats-io/jetstream';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { latestAnchorOf, relayedEventsOf } from './anchor-publisher-lookup.js';
import { ANCHORS_PUBLISHED_METRIC, startAnchorPublisher } from './anchor-publisher.js';
import type { AnchorPublisher } from './anchor-publisher.js';
import { startEventRelay } from './event-relay.js';
import { eventually, startNatsFixture } from './nats.spec-util.js';
import type { NatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
let counter = 0;

/** `count` events for `streamId` from `revision`, chained after `prevHash` as the run repository chains them. */
function chained(
  streamId: string,
  revision: number,
  count: number,
  prevHash: string,
): { events: NewEvent[]; head: string } {
  const events = Array.from({ length: count }, (): NewEvent => {
    counter++;
    return {
      type: 'StepSucceeded',
      data: { n: counter },
      metadata: {
        eventId: `00000000-0000-4000-a000-${String(counter).padStart(12, '0')}`,
        runId: streamId.slice(4),
        causationId: 'test',
        actor: { kind: 'service', id: 'test' },
        occurredAt: '2026-05-04T09:30:00.000Z',
        schemaVersion: 1,
      },
    };
  });
  return chainEvents(streamId, revision, events, prevHash);
}

describe('startAnchorPublisher (real nats-server, SQLite store)', () => {
  let nats: NatsFixture;
  let dir: string;
  let store: SqliteEventStore;
  let checkpoints: SqliteCheckpointStore;
  const reader = new (class extends MetricReader {
    protected override async onShutdown(): Promise<void> {}
    protected override async onForceFlush(): Promise<void> {}
  })();

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    nats = await startNatsFixture();
    await ensureStreams(nats.nc);
    dir = await tempDir('lf-anchor-');
    store = await SqliteEventStore.open(join(dir, 'store.db'));
    checkpoints = await SqliteCheckpointStore.open(join(dir, 'store.db'));
  });
  afterAll(async () => {
    await checkpoints.close();
    await store.close();
    await nats.stop();
    await removeDir(dir);
    metrics.disable();
  });

  const latest = async (streamId: string): Promise<SignedAnchor | undefined> => {
    const value = await latestAnchorOf(nats.nc, streamId);
    return value === undefined ? undefined : parseSignedAnchor(value);
  };
  const anchorsOf = async (streamId: string): Promise<StoredMsg[]> => {
    const jsm = await jetstreamManager(nats.nc);
    const { state } = await jsm.streams.info(ANCHORS_STREAM);
    const out: StoredMsg[] = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const msg = await jsm.streams.getMessage(ANCHORS_STREAM, { seq }).catch(() => null);
      if (msg?.subject === `lf.anchor.run.${streamId}`) out.push(msg);
    }
    return out;
  };

  it('anchors each moved head once per round, signed, and resumes from its checkpoint after a restart', async () => {
    const a = chained('run-a', 0, 3, GENESIS);
    const b = chained('run-b', 0, 2, GENESIS);
    await store.append('run-a', a.events, { expectedRevision: 'no_stream' });
    await store.append('run-b', b.events, { expectedRevision: 'no_stream' });
    let publisher: AnchorPublisher = await startAnchorPublisher({
      nc: nats.nc,
      store,
      checkpoints,
      signingKey: privateKey,
      intervalMs: 100,
      now: () => new Date('2026-05-04T10:00:00.000Z'),
    });
    await eventually('both heads anchored', () => publisher.published === 2);

    const anchorA = await latest('run-a');
    expect(anchorA).toMatchObject({
      format: 'ledgerflow-anchor/1',
      streamId: 'run-a',
      revision: 2,
      hash: a.head,
      position: 3,
      anchoredAt: '2026-05-04T10:00:00.000Z',
      kid: anchorKeyId(publicKey),
    });
    expect(verifyAnchorSignature(anchorA as SignedAnchor, [publicKey])).toMatchObject({ ok: true });
    expect(await latest('run-b')).toMatchObject({ revision: 1, hash: b.head, position: 5 });
    expect((await anchorsOf('run-a')).map((m) => m.header?.get('Nats-Msg-Id'))).toEqual(['run-a@2']);
    expect(await latest('run-none')).toBeUndefined();

    // A head that moves is anchored again at the next round; one that did not, is not.
    const a2 = chained('run-a', 3, 2, a.head);
    await store.append('run-a', a2.events, { expectedRevision: 2 });
    await eventually('the moved head anchored', async () => (await latest('run-a'))?.revision === 4);
    await publisher.anchorNow();
    expect((await anchorsOf('run-a')).length).toBe(2);
    expect((await anchorsOf('run-b')).length).toBe(1);
    await publisher.stop();
    expect(await checkpoints.load('anchor')).toBe(7);

    // Stopped: appends pile up; a new publisher (a restarted planner) starts from the saved checkpoint.
    const b2 = chained('run-b', 2, 1, b.head);
    await store.append('run-b', b2.events, { expectedRevision: 1 });
    publisher = await startAnchorPublisher({
      nc: nats.nc,
      store,
      checkpoints,
      signingKey: privateKey,
      kid: 'anchors-2026',
      intervalMs: 100,
    });
    await eventually('the head appended while stopped anchored', () => publisher.published === 1);
    await publisher.stop();
    expect(await latest('run-b')).toMatchObject({ revision: 2, hash: b2.head, position: 8, kid: 'anchors-2026' });
    expect((await anchorsOf('run-a')).length).toBe(2); // run-a did not move: not anchored again after the restart

    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === ANCHORS_PUBLISHED_METRIC);
    expect(metric?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([[{ category: 'run' }, 4]]);
  });

  it('does not anchor a chain that does not verify, and tells onChainBroken; other streams go on', async () => {
    const good = chained('run-good', 0, 1, GENESIS);
    const bad = chained('run-bad', 0, 2, GENESIS);
    (bad.events[1] as { data: unknown }).data = { n: 'forged after hashing' };
    await store.append('run-good', good.events, { expectedRevision: 'no_stream' });
    await store.append('run-bad', bad.events, { expectedRevision: 'no_stream' });
    const broken: Array<[string, ChainBroken]> = [];
    const publisher = await startAnchorPublisher({
      nc: nats.nc,
      store,
      checkpoints,
      signingKey: privateKey,
      intervalMs: 60_000,
      onChainBroken: (s, f) => broken.push([s, f]),
    });
    await eventually('the good head anchored', async () => (await latest('run-good'))?.hash === good.head);
    await publisher.stop();
    expect(broken).toEqual([['run-bad', expect.objectContaining({ revision: 1, reason: 'content_altered' })]]);
    expect(await latest('run-bad')).toBeUndefined();
  });

  it('redoes a round JetStream refused, from the checkpoint, once LF_ANCHORS is back', async () => {
    const jsm = await jetstreamManager(nats.nc);
    await jsm.streams.delete(ANCHORS_STREAM);
    const c = chained('run-c', 0, 1, GENESIS);
    await store.append('run-c', c.events, { expectedRevision: 'no_stream' });
    const errors: unknown[] = [];
    const before = await checkpoints.load('anchor');
    const publisher = await startAnchorPublisher({
      nc: nats.nc,
      store,
      checkpoints,
      signingKey: privateKey,
      intervalMs: 100,
      publishTimeoutMs: 500,
      onError: (e) => errors.push(e),
    });
    await eventually('a refused round reported', () => errors.length > 0);
    expect(await checkpoints.load('anchor')).toBe(before);
    await ensureStreams(nats.nc);
    await eventually('anchored once the stream is back', async () => (await latest('run-c'))?.hash === c.head);
    await publisher.stop();
    expect(await checkpoints.load('anchor')).toBeGreaterThan(before);
  });

  it('reads the relay copy of one stream from LF_EVENTS, every message of it', async () => {
    const relay = await startEventRelay({ nc: nats.nc, store, checkpoints, name: 'relay-for-anchor' });
    await eventually('relayed', () => relay.position >= 9);
    await relay.stop();
    const copy = await relayedEventsOf(nats.nc, 'run-a');
    expect(copy.map((e) => [e.streamId, e.revision])).toEqual([0, 1, 2, 3, 4].map((r) => ['run-a', r]));
    expect(await relayedEventsOf(nats.nc, 'run-none')).toEqual([]);
  });
});
