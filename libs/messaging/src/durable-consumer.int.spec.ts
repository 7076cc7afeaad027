import { DLQ_STREAM, EVENTS_STREAM } from '@ledgerflow/contracts';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { headers as natsHeaders, type Msg } from '@nats-io/nats-core';
import { deadLetterHeaders } from './dead-letter.js';
import { startDurableConsumer, type ConsumedMessage, type DurableConsumer } from './durable-consumer.js';
import { eventually, sleep, startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

describe('startDurableConsumer', () => {
  let nats: NatsFixture;
  const consumers: DurableConsumer[] = [];
  const start = async (...args: Parameters<typeof startDurableConsumer>): Promise<DurableConsumer> => {
    const c = await startDurableConsumer(...args);
    consumers.push(c);
    return c;
  };
  const publish = async (subject: string, body: unknown, msgID?: string) => {
    const hdrs = natsHeaders();
    hdrs.set('lf-run-id', 'r1');
    return jetstream(nats.nc).publish(subject, JSON.stringify(body), { headers: hdrs, ...(msgID ? { msgID } : {}) });
  };
  const consumerInfo = async (durable: string) =>
    (await jetstreamManager(nats.nc)).consumers.info(EVENTS_STREAM, durable);

  beforeAll(async () => {
    nats = await startNatsFixture();
    await ensureStreams(nats.nc);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await nats.stop();
  });

  it('hands each message to the handler once and acks it', async () => {
    const seen: Array<{
      body: unknown;
      subject: string;
      deliveryCount: number;
      runId: string | undefined;
      seq: number;
    }> = [];
    await start(nats.nc, {
      stream: EVENTS_STREAM,
      durable: 'ack-test',
      filterSubjects: ['lf.evt.ack.>'],
      handler: async (m) => {
        seen.push({
          body: m.json(),
          subject: m.subject,
          deliveryCount: m.deliveryCount,
          runId: m.headers?.get('lf-run-id'),
          seq: m.streamSequence,
        });
      },
    });
    const ack1 = await publish('lf.evt.ack.s1.Done', { n: 1 });
    await publish('lf.evt.ack.s1.Done', { n: 2 });
    await publish('lf.evt.other.s1.Done', { n: 99 });
    await eventually(
      'both messages handled and acked',
      async () => seen.length === 2 && (await consumerInfo('ack-test')).num_ack_pending === 0,
    );
    expect(seen[0]).toEqual({
      body: { n: 1 },
      subject: 'lf.evt.ack.s1.Done',
      deliveryCount: 1,
      runId: 'r1',
      seq: ack1.seq,
    });
    expect(seen.map((s) => s.body)).toEqual([{ n: 1 }, { n: 2 }]);
    const info = await consumerInfo('ack-test');
    expect(info.num_pending).toBe(0);
    expect(info.delivered.stream_seq).toBeGreaterThanOrEqual(ack1.seq + 1);
    await sleep(300);
    expect(seen).toHaveLength(2);
  });

  it('naks a failed delivery with the configured backoff and succeeds on redelivery', async () => {
    const deliveries: Array<{ at: number; count: number }> = [];
    await start(nats.nc, {
      stream: EVENTS_STREAM,
      durable: 'nak-test',
      filterSubjects: ['lf.evt.nak.>'],
      backoffMs: [300, 600],
      handler: async (m) => {
        deliveries.push({ at: Date.now(), count: m.deliveryCount });
        if (m.deliveryCount < 3) throw new Error('downstream unavailable');
      },
    });
    await publish('lf.evt.nak.s1.Done', { n: 1 });
    await eventually(
      'third delivery acked',
      async () => deliveries.length === 3 && (await consumerInfo('nak-test')).num_ack_pending === 0,
    );
    expect(deliveries.map((d) => d.count)).toEqual([1, 2, 3]);
    const [t1 = 0, t2 = 0, t3 = 0] = deliveries.map((d) => d.at);
    expect(t2 - t1).toBeGreaterThanOrEqual(280);
    expect(t3 - t2).toBeGreaterThanOrEqual(580);
    await sleep(300);
    expect(deliveries).toHaveLength(3);
  });

  it('dead-letters a message after maxDeliver failed deliveries, with the error in headers, and never acks it', async () => {
    const dlq: Msg[] = [];
    const sub = nats.nc.subscribe('lf.dlq.dlq-test', { callback: (_err, msg) => void dlq.push(msg) });
    const terminated: Array<{ stream_seq: number }> = [];
    const advisories = nats.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${EVENTS_STREAM}.dlq-test`, {
      callback: (_err, msg) => void terminated.push(msg.json<{ stream_seq: number }>()),
    });
    await nats.nc.flush();
    let calls = 0;
    await start(nats.nc, {
      stream: EVENTS_STREAM,
      durable: 'dlq-test',
      filterSubjects: ['lf.evt.dlq.>'],
      maxDeliver: 3,
      backoffMs: [20],
      handler: async () => {
        calls++;
        throw Object.assign(new Error('tool rejected input\nsecond line'), {
          code: 'tool_input_invalid',
          retryable: false,
        });
      },
    });
    const ack = await publish('lf.evt.dlq.s9.Failed', { n: 7 });
    await eventually('dead letter published', () => dlq.length === 1);
    sub.unsubscribe();
    const [dead] = dlq as [Msg];
    expect(dead.json()).toEqual({ n: 7 });
    expect(dead.headers?.get(deadLetterHeaders.subject)).toBe('lf.evt.dlq.s9.Failed');
    expect(dead.headers?.get(deadLetterHeaders.streamSequence)).toBe(String(ack.seq));
    expect(dead.headers?.get(deadLetterHeaders.stream)).toBe(EVENTS_STREAM);
    expect(dead.headers?.get(deadLetterHeaders.deliveries)).toBe('3');
    expect(dead.headers?.get(deadLetterHeaders.errorCode)).toBe('tool_input_invalid');
    expect(dead.headers?.get(deadLetterHeaders.errorMessage)).toBe('tool rejected input second line');
    expect(dead.headers?.get('lf-run-id')).toBe('r1');
    const kept = await (
      await jetstreamManager(nats.nc)
    ).streams.getMessage(DLQ_STREAM, { last_by_subj: 'lf.dlq.dlq-test' });
    expect(kept?.json()).toEqual({ n: 7 }); // stored in LF_DLQ, not only seen by live subscribers
    await sleep(300);
    expect(calls).toBe(3);
    const info = await consumerInfo('dlq-test');
    expect(info.num_ack_pending).toBe(0);
    expect(info.ack_floor.stream_seq).toBe(ack.seq); // settled, not left pending ...
    await eventually('term advisory', () => terminated.length === 1);
    expect(terminated[0]?.stream_seq).toBe(ack.seq); // ... by term(), not by ack()
    advisories.unsubscribe();
  });

  it('shares one durable between two processes: each message goes to one of them, together all', async () => {
    const other = await nats.connect('second-process');
    const byConsumer: [number[], number[]] = [[], []];
    const handler = (i: 0 | 1) => async (m: ConsumedMessage) => {
      await sleep(5);
      byConsumer[i].push(m.json<{ n: number }>().n);
    };
    const common = { stream: EVENTS_STREAM, durable: 'shared', filterSubjects: ['lf.evt.shared.>'], concurrency: 2 };
    await start(nats.nc, { ...common, handler: handler(0) });
    await start(other, { ...common, handler: handler(1) });
    const total = 60;
    for (let n = 0; n < total; n++) await publish(`lf.evt.shared.s${n % 3}.Done`, { n });
    await eventually('all handled', () => byConsumer[0].length + byConsumer[1].length >= total);
    await sleep(200);
    const all = [...byConsumer[0], ...byConsumer[1]].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: total }, (_, n) => n));
    expect(byConsumer[0].length).toBeGreaterThan(0);
    expect(byConsumer[1].length).toBeGreaterThan(0);
  });

  it('runs at most `concurrency` handlers at once; stop() waits for them and hands the rest back', async () => {
    let running = 0;
    let peak = 0;
    const handled: number[] = [];
    const options = {
      stream: EVENTS_STREAM,
      durable: 'limit-test',
      filterSubjects: ['lf.evt.limit.>'],
      concurrency: 3,
      handler: async (m: ConsumedMessage) => {
        running++;
        peak = Math.max(peak, running);
        await sleep(100);
        running--;
        handled.push(m.json<{ n: number }>().n);
      },
    };
    const first = await startDurableConsumer(nats.nc, options);
    for (let n = 0; n < 9; n++) await publish('lf.evt.limit.s1.Done', { n });
    await eventually('some handled', () => handled.length >= 3);
    await first.stop();
    expect(running).toBe(0);
    expect(peak).toBe(3);
    const handledByFirst = handled.length;
    expect(handledByFirst).toBeLessThan(9);
    await sleep(200);
    expect(handled).toHaveLength(handledByFirst);
    // Whatever the first consumer had not handled is still there for the next one.
    await start(nats.nc, options);
    await eventually('the rest handled', () => new Set(handled).size === 9);
    expect([...new Set(handled)].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('batch: hands the messages at hand over together in delivery order, one batch at a time, and acks them all', async () => {
    const batches: number[][] = [];
    let running = 0;
    let overlapped = false;
    const singles: number[] = [];
    const jsc = jetstream(nats.nc);
    // Published without awaiting each ack, so that they reach the consumer together.
    await Promise.all(Array.from({ length: 40 }, (_, n) => jsc.publish('lf.evt.batch.s1.Done', JSON.stringify({ n }))));
    await start(nats.nc, {
      stream: EVENTS_STREAM,
      durable: 'batch-test',
      filterSubjects: ['lf.evt.batch.>'],
      handler: async (m) => void singles.push(m.json<{ n: number }>().n),
      batch: {
        maxMessages: 16,
        handler: async (msgs) => {
          overlapped ||= running > 0;
          running++;
          await sleep(20);
          batches.push(msgs.map((m) => m.json<{ n: number }>().n));
          running--;
        },
      },
    });
    await eventually(
      'all handled and acked',
      async () => batches.flat().length === 40 && (await consumerInfo('batch-test')).num_ack_pending === 0,
    );
    expect(batches.flat()).toEqual(Array.from({ length: 40 }, (_, n) => n));
    expect(batches.some((b) => b.length > 1)).toBe(true);
    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(16);
    expect(overlapped).toBe(false);
    expect(singles).toEqual([]);
    expect((await consumerInfo('batch-test')).num_pending).toBe(0);
  });

  it('batch: a batch that fails is handled again message by message, so only the bad one is retried and dead-lettered', async () => {
    const dlq: Msg[] = [];
    const sub = nats.nc.subscribe('lf.dlq.batch-fail', { callback: (_err, msg) => void dlq.push(msg) });
    await nats.nc.flush();
    const singles: Array<{ n: number; count: number }> = [];
    const jsc = jetstream(nats.nc);
    await Promise.all([1, 2, 3, 4].map((n) => jsc.publish('lf.evt.batchfail.s1.Done', JSON.stringify({ n }))));
    let batchCalls = 0;
    const inGoodBatches: number[] = [];
    await start(nats.nc, {
      stream: EVENTS_STREAM,
      durable: 'batch-fail',
      filterSubjects: ['lf.evt.batchfail.>'],
      maxDeliver: 2,
      backoffMs: [20],
      handler: async (m) => {
        const { n } = m.json<{ n: number }>();
        singles.push({ n, count: m.deliveryCount });
        if (n === 3) throw new Error('poison');
      },
      batch: {
        handler: async (msgs) => {
          batchCalls++;
          const ns = msgs.map((m) => m.json<{ n: number }>().n);
          if (ns.includes(3)) throw new Error('poison in the batch');
          inGoodBatches.push(...ns);
        },
      },
    });
    await eventually('the bad message dead-lettered', () => dlq.length === 1);
    sub.unsubscribe();
    expect(dlq[0]?.json()).toEqual({ n: 3 });
    await eventually('nothing pending', async () => (await consumerInfo('batch-fail')).num_ack_pending === 0);
    expect(batchCalls).toBeGreaterThanOrEqual(1);
    // The good ones were handled once each (alone after a failed batch, or in a batch without the bad one) and acked;
    // the bad one alone on each of its deliveries.
    expect([...inGoodBatches, ...singles.filter((s) => s.n !== 3).map((s) => s.n)].sort()).toEqual([1, 2, 4]);
    expect(singles.filter((s) => s.n === 3).map((s) => s.count)).toEqual([1, 2]);
  });

  it('skip: a message the test accepts is acked without the handler; the rest are handled', async () => {
    const handled: number[] = [];
    await start(nats.nc, {
      stream: EVENTS_STREAM,
      durable: 'skip-test',
      filterSubjects: ['lf.evt.skip.>'],
      skip: (m) => m.subject.endsWith('.Known'),
      handler: async (m) => void handled.push(m.json<{ n: number }>().n),
    });
    for (let n = 0; n < 6; n++) await publish(`lf.evt.skip.s1.${n % 2 === 0 ? 'Known' : 'New'}`, { n });
    await eventually(
      'all settled',
      async () =>
        (await consumerInfo('skip-test')).num_ack_pending === 0 &&
        (await consumerInfo('skip-test')).num_pending === 0 &&
        handled.length === 3,
    );
    expect(handled).toEqual([1, 3, 5]);
    expect((await consumerInfo('skip-test')).num_redelivered).toBe(0);
  });
});
