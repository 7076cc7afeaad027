import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DLQ_STREAM, EVENTS_STREAM, type ErrorBody } from '@ledgerflow/contracts';
import { InMemoryCheckpointStore, InMemoryEventStore, type NewEvent, type StoredEvent } from '@ledgerflow/event-store';
import { startNatsServer, type NatsServerHandle } from '@ledgerflow/testing';
import { jetstreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { connectNats } from './connect.js';
import { relayDeadLetterHeaders as H, type DeadLetterReference } from './dead-letter.js';
import { RELAY_DEAD_LETTERS_METRIC, startEventRelay } from './event-relay.js';
import { eventually } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

/** The server's max_payload in this suite: a 20 KB event cannot travel, a 4 KB one can. */
const MAX_PAYLOAD = 8192;

let counter = 0;
const newEvent = (type: string, runId: string, padding = 0): NewEvent => {
  counter++;
  return {
    type,
    data: { counter, padding: 'x'.repeat(padding) },
    metadata: {
      eventId: `00000000-0000-4000-9000-${String(counter).padStart(12, '0')}`,
      runId,
      causationId: 'test',
      actor: { kind: 'service', id: 'test' },
      occurredAt: new Date(0).toISOString(),
      schemaVersion: 1,
    },
  };
};

async function messages(nc: NatsConnection, stream: string): Promise<StoredMsg[]> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(stream);
  const out: StoredMsg[] = [];
  for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
    const msg = await jsm.streams.getMessage(stream, { seq });
    if (msg) out.push(msg);
  }
  return out;
}

describe('startEventRelay: events that cannot be published', () => {
  let server: NatsServerHandle;
  let nc: NatsConnection;
  let dir: string;
  const reader = new (class extends MetricReader {
    protected override async onShutdown(): Promise<void> {}
    protected override async onForceFlush(): Promise<void> {}
  })();
  const provider = new MeterProvider({ readers: [reader] });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lf-nats-conf-'));
    const conf = join(dir, 'small-payload.conf');
    await writeFile(conf, `max_payload: ${MAX_PAYLOAD}\n`);
    server = await startNatsServer({ jetstream: true, args: ['-c', conf] });
    nc = await connectNats({ servers: server.url, name: 'test', extra: { maxReconnectAttempts: 0 } });
    expect(nc.info?.max_payload).toBe(MAX_PAYLOAD);
    await ensureStreams(nc);
    metrics.setGlobalMeterProvider(provider);
  });
  afterAll(async () => {
    metrics.disable();
    await provider.shutdown();
    await nc.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('dead-letters a reference to an event over max_payload, alerts, and relays the next events', async () => {
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryCheckpointStore();
    await store.append('run-a', [newEvent('RunTriggered', 'a')], { expectedRevision: 'no_stream' });
    await store.append('run-big', [newEvent('RunTriggered', 'big', 20_000)], { expectedRevision: 'no_stream' });
    await store.append('run-a', [newEvent('PlanCreated', 'a')], { expectedRevision: 0 });
    const deadLettered: Array<{ event: StoredEvent; reason: ErrorBody; carried: string }> = [];
    const transient: unknown[] = [];
    const relay = await startEventRelay({
      nc,
      store,
      checkpoints,
      name: 'relay-dl',
      onDeadLetter: (event, reason, carried) => deadLettered.push({ event, reason, carried }),
      onError: (err) => transient.push(err),
    });
    try {
      await eventually('relay passed the oversized event', () => relay.position === 3);
      const canary = newEvent('RunTriggered', 'canary');
      await store.append('run-canary', [canary], { expectedRevision: 'no_stream' });
      await eventually('canary relayed', () => relay.position === 4);
    } finally {
      await relay.stop();
    }
    expect(transient).toEqual([]);
    const relayed = (await messages(nc, EVENTS_STREAM)).map((m) => m.json<StoredEvent>());
    expect(relayed.map((e) => [e.streamId, e.revision])).toEqual([
      ['run-a', 0],
      ['run-a', 1],
      ['run-canary', 0],
    ]);

    expect(deadLettered).toHaveLength(1);
    expect(deadLettered[0]).toMatchObject({
      event: { streamId: 'run-big', revision: 0 },
      reason: { code: 'event_too_large' },
      carried: 'reference',
    });
    expect(deadLettered[0]?.reason.message).toMatch(
      new RegExp(
        `RunTriggered of stream 'run-big' at revision 0 is \\d+ bytes, over the NATS server's max_payload of ${MAX_PAYLOAD}`,
      ),
    );

    const [dlq] = await messages(nc, DLQ_STREAM);
    expect(dlq?.subject).toBe('lf.dlq.relay-dl');
    expect(dlq?.header.get(H.storeStream)).toBe('run-big');
    expect(dlq?.header.get(H.revision)).toBe('0');
    expect(dlq?.header.get(H.body)).toBe('reference');
    expect(dlq?.header.get(H.errorCode)).toBe('event_too_large');
    const reference = dlq?.json<DeadLetterReference>();
    expect(reference).toMatchObject({
      streamId: 'run-big',
      revision: 0,
      position: 2,
      type: 'RunTriggered',
      reason: { code: 'event_too_large' },
    });
    expect(reference?.size).toBeGreaterThan(20_000);
    expect(Object.keys(reference ?? {}).sort()).toEqual([
      'eventId',
      'position',
      'reason',
      'revision',
      'size',
      'streamId',
      'type',
    ]);

    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === RELAY_DEAD_LETTERS_METRIC);
    // Both reasons start at 0 (so Prometheus's increase() sees the first dead letter); one event was too large.
    expect(metric?.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ reason: 'event_too_large' }, 1],
      [{ reason: 'event_rejected' }, 0],
    ]);
    expect(await checkpoints.load('relay-dl')).toBe(4);
    await store.close();
  });

  it('dead-letters the event itself when JetStream refuses it for good (stream max_msg_size), and moves on', async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.update(EVENTS_STREAM, { max_msg_size: 2048 });
    const store = new InMemoryEventStore();
    const checkpoints = new InMemoryCheckpointStore();
    await store.append('run-mid', [newEvent('StepSucceeded', 'mid', 4000)], { expectedRevision: 'no_stream' });
    await store.append('run-next', [newEvent('RunTriggered', 'next')], { expectedRevision: 'no_stream' });
    const deadLettered: Array<{ reason: ErrorBody; carried: string }> = [];
    const relay = await startEventRelay({
      nc,
      store,
      checkpoints,
      name: 'relay-rj',
      onDeadLetter: (_e, reason, carried) => deadLettered.push({ reason, carried }),
    });
    try {
      await eventually('relay passed the refused event', () => relay.position === 2);
    } finally {
      await relay.stop();
      await jsm.streams.update(EVENTS_STREAM, { max_msg_size: -1 });
    }
    expect(deadLettered).toEqual([{ reason: expect.objectContaining({ code: 'event_too_large' }), carried: 'event' }]);
    const dlq = (await messages(nc, DLQ_STREAM)).filter((m) => m.subject === 'lf.dlq.relay-rj');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]?.header.get(H.body)).toBe('event');
    expect(dlq[0]?.json<StoredEvent>()).toMatchObject({ streamId: 'run-mid', revision: 0, type: 'StepSucceeded' });
    const relayed = (await messages(nc, EVENTS_STREAM)).map((m) => m.json<StoredEvent>().streamId);
    expect(relayed).toContain('run-next');
    expect(relayed).not.toContain('run-mid');
    await store.close();
  });
});
