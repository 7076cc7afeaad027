import { DLQ_STREAM, EVENTS_STREAM } from '@ledgerflow/contracts';
import { StoreUnavailableError } from '@ledgerflow/event-store';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import {
  startDurableConsumer,
  type ConsumedMessage,
  type DurableConsumer,
  type DurableConsumerOptions,
} from './durable-consumer.js';
import { eventually, sleep, startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

/** A store outage (`store_unavailable`) uses none of a message's `maxDeliver`; other failures still do. */
describe('startDurableConsumer: store outages', () => {
  let nats: NatsFixture;
  let jsm: JetStreamManager;
  const consumers: DurableConsumer[] = [];
  const outage = (): StoreUnavailableError =>
    new StoreUnavailableError('append', 'write lock held by another connection past busy_timeout');

  /** A consumer (maxDeliver 2, short backoff and ack wait) whose handler runs `handle` and records each run. */
  const consume = async (
    durable: string,
    handle: (run: number, m: ConsumedMessage) => void,
    options: Partial<DurableConsumerOptions> = {},
  ) => {
    const runs: Array<{ seq: number; deliveryCount: number }> = [];
    const consumer = await startDurableConsumer(nats.nc, {
      stream: EVENTS_STREAM,
      durable,
      filterSubjects: [`lf.evt.${durable}.>`],
      maxDeliver: 2,
      backoffMs: [20],
      ackWaitMs: 1_000,
      handler: async (m) => {
        runs.push({ seq: m.streamSequence, deliveryCount: m.deliveryCount });
        handle(runs.length, m);
      },
      ...options,
    });
    consumers.push(consumer);
    return { consumer, runs };
  };
  const publish = (durable: string, n: number) =>
    jetstream(nats.nc).publish(`lf.evt.${durable}.s1.Happened`, JSON.stringify({ n }));
  const consumerInfo = (durable: string) => jsm.consumers.info(EVENTS_STREAM, durable);
  const deadLetters = async (durable: string): Promise<number> =>
    (await jsm.streams.info(DLQ_STREAM, { subjects_filter: `lf.dlq.${durable}` })).state.subjects?.[
      `lf.dlq.${durable}`
    ] ?? 0;

  beforeAll(async () => {
    nats = await startNatsFixture();
    await ensureStreams(nats.nc);
    jsm = await jetstreamManager(nats.nc);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await nats.stop();
  });

  it('runs the handler again in place through an outage longer than maxDeliver naks and the ack wait: one delivery, acked, no dead letter', async () => {
    const outageEndsAt = Date.now() + 2_500; // past the ack wait (1 s) and far past maxDeliver (2) x backoff (20 ms)
    const { runs } = await consume('outage-long', () => {
      if (Date.now() < outageEndsAt) throw outage();
    });
    const ack = await publish('outage-long', 1);
    await eventually('acked', async () => (await consumerInfo('outage-long')).ack_floor.stream_seq === ack.seq, 10_000);
    expect(runs.length).toBeGreaterThan(4);
    expect(runs.every((r) => r.seq === ack.seq && r.deliveryCount === 1)).toBe(true);
    const info = await consumerInfo('outage-long');
    expect(info.delivered.consumer_seq).toBe(1); // never redelivered
    expect(info.num_ack_pending).toBe(0);
    expect(await deadLetters('outage-long')).toBe(0);
  });

  it('keeps messages waiting for a handler slot through the outage: each is delivered once', async () => {
    const outageEndsAt = Date.now() + 2_500;
    const { runs } = await consume(
      'outage-queued',
      () => {
        if (Date.now() < outageEndsAt) throw outage();
      },
      { concurrency: 1 },
    );
    const acks = [
      await publish('outage-queued', 1),
      await publish('outage-queued', 2),
      await publish('outage-queued', 3),
    ];
    await eventually(
      'all acked',
      async () => (await consumerInfo('outage-queued')).ack_floor.stream_seq === acks[2].seq,
      10_000,
    );
    expect(runs.every((r) => r.deliveryCount === 1)).toBe(true);
    expect(new Set(runs.map((r) => r.seq))).toEqual(new Set(acks.map((a) => a.seq)));
    expect((await consumerInfo('outage-queued')).delivered.consumer_seq).toBe(3);
    expect(await deadLetters('outage-queued')).toBe(0);
  });

  it('still dead-letters a message whose handler fails otherwise, after maxDeliver deliveries, outage runs not counted', async () => {
    const { runs } = await consume('outage-then-bug', (run) => {
      if (run <= 3) throw outage();
      throw Object.assign(new Error('downstream refused'), { code: 'tool_refused' });
    });
    const ack = await publish('outage-then-bug', 1);
    await eventually('dead-lettered', async () => (await deadLetters('outage-then-bug')) === 1, 10_000);
    // Delivery 1: three outage runs and a refusal (nak); delivery 2: a refusal, the maxDeliver-th (dead letter).
    expect(runs.map((r) => r.deliveryCount)).toEqual([1, 1, 1, 1, 2]);
    const kept = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: 'lf.dlq.outage-then-bug' });
    expect(kept?.json()).toEqual({ n: 1 });
    await eventually('terminated', async () => (await consumerInfo('outage-then-bug')).num_ack_pending === 0);
    expect((await consumerInfo('outage-then-bug')).ack_floor.stream_seq).toBe(ack.seq);
  });

  it('on stop() during an outage hands the message back (nak), never dead-letters it; the next consumer handles it', async () => {
    const first = await consume(
      'outage-stop',
      () => {
        throw outage();
      },
      { maxDeliver: 1 },
    );
    const ack = await publish('outage-stop', 1);
    await eventually('in the outage', () => first.runs.length >= 2);
    await first.consumer.stop();
    expect(await deadLetters('outage-stop')).toBe(0);

    const second = await consume('outage-stop', () => undefined, { maxDeliver: 2 });
    await eventually('acked', async () => (await consumerInfo('outage-stop')).ack_floor.stream_seq === ack.seq, 10_000);
    expect(second.runs).toEqual([{ seq: ack.seq, deliveryCount: 2 }]);
    await sleep(100);
    expect(await deadLetters('outage-stop')).toBe(0);
  });
});
