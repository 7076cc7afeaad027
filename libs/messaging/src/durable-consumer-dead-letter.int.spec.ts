import { DLQ_STREAM, EVENTS_STREAM } from '@ledgerflow/contracts';
import { DiscardPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { deadLetterHeaders } from './dead-letter.js';
import { startDurableConsumer, type DurableConsumer } from './durable-consumer.js';
import { eventually, sleep, startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

/** Dead letters are stored by `LF_DLQ` (JetStream ack) before the original is terminated, and never lost. */
describe('startDurableConsumer: durable dead letters', () => {
  let nats: NatsFixture;
  let jsm: JetStreamManager;
  const consumers: DurableConsumer[] = [];
  /** Stream sequences of LF_EVENTS messages terminated, by durable, each with the LF_DLQ message count when the advisory arrived. */
  const terminated = new Map<string, Array<{ seq: number; dlqMessages: number }>>();

  const failing = async (durable: string, subject: string): Promise<{ calls: () => number }> => {
    let calls = 0;
    consumers.push(
      await startDurableConsumer(nats.nc, {
        stream: EVENTS_STREAM,
        durable,
        filterSubjects: [subject],
        maxDeliver: 2,
        backoffMs: [20],
        deadLetterRetryMs: 200,
        handler: async () => {
          calls++;
          throw Object.assign(new Error('downstream refused'), { code: 'tool_refused' });
        },
      }),
    );
    return { calls: () => calls };
  };
  const dlqMessages = async (): Promise<number> => (await jsm.streams.info(DLQ_STREAM)).state.messages;
  const pending = async (durable: string) => (await jsm.consumers.info(EVENTS_STREAM, durable)).num_ack_pending;

  beforeAll(async () => {
    nats = await startNatsFixture();
    await ensureStreams(nats.nc);
    jsm = await jetstreamManager(nats.nc);
    nats.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.${EVENTS_STREAM}.*`, {
      callback: (_err, msg) => {
        const { consumer, stream_seq } = msg.json<{ consumer: string; stream_seq: number }>();
        // Read LF_DLQ as the advisory arrives: the dead letter must already be there.
        void dlqMessages().then((count) =>
          terminated.set(consumer, [...(terminated.get(consumer) ?? []), { seq: stream_seq, dlqMessages: count }]),
        );
      },
    });
    await nats.nc.flush();
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await nats.stop();
  });

  it('stores the dead letter in LF_DLQ before the original is terminated', async () => {
    const before = await dlqMessages();
    await failing('dl-stored', 'lf.evt.dlstored.>');
    const ack = await jetstream(nats.nc).publish('lf.evt.dlstored.s1.Failed', JSON.stringify({ n: 1 }));
    await eventually('terminated', () => terminated.get('dl-stored')?.length === 1);
    expect(terminated.get('dl-stored')).toEqual([{ seq: ack.seq, dlqMessages: before + 1 }]);
    const kept = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: 'lf.dlq.dl-stored' });
    expect(kept?.json()).toEqual({ n: 1 });
    expect(kept?.header.get(deadLetterHeaders.streamSequence)).toBe(String(ack.seq));
    expect(kept?.header.get('Nats-Msg-Id')).toBe(`dlq-${EVENTS_STREAM}-dl-stored-${ack.seq}`);
    expect(await pending('dl-stored')).toBe(0);
  });

  it('when LF_DLQ is full (max_msgs, discard new), keeps the original and redelivers it until the dead letter is stored', async () => {
    const limit = await dlqMessages();
    const { config } = await jsm.streams.info(DLQ_STREAM);
    await jsm.streams.update(DLQ_STREAM, { ...config, max_msgs: limit, discard: DiscardPolicy.New });
    const { calls } = await failing('dl-full', 'lf.evt.dlfull.>');
    const ack = await jetstream(nats.nc).publish('lf.evt.dlfull.s1.Failed', JSON.stringify({ n: 2 }));
    const deliveries = async () => (await jsm.consumers.info(EVENTS_STREAM, 'dl-full')).delivered.consumer_seq;
    await eventually('redelivered after refused dead letters', async () => (await deliveries()) >= 5, 5_000);
    expect(calls()).toBe(2); // the handler ran maxDeliver times; later deliveries only retried the dead letter
    expect(terminated.get('dl-full')).toBeUndefined();
    expect(await pending('dl-full')).toBe(1);
    expect(await dlqMessages()).toBe(limit);

    await jsm.streams.update(DLQ_STREAM, config); // the operator makes room
    await eventually('terminated once stored', () => terminated.get('dl-full')?.length === 1);
    expect(terminated.get('dl-full')?.[0]?.seq).toBe(ack.seq);
    expect((await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: 'lf.dlq.dl-full' }))?.json()).toEqual({ n: 2 });
    expect(await dlqMessages()).toBe(limit + 1);
    expect(calls()).toBe(2);
  });

  it('when LF_DLQ does not exist, keeps the original and dead-letters it once the stream is back', async () => {
    await jsm.streams.delete(DLQ_STREAM);
    await failing('dl-missing', 'lf.evt.dlmissing.>');
    const ack = await jetstream(nats.nc).publish('lf.evt.dlmissing.s1.Failed', JSON.stringify({ n: 3 }));
    await eventually(
      'redelivered',
      async () => (await jsm.consumers.info(EVENTS_STREAM, 'dl-missing')).delivered.consumer_seq >= 4,
      5_000,
    );
    await sleep(100);
    expect(terminated.get('dl-missing')).toBeUndefined();
    expect(await pending('dl-missing')).toBe(1);

    await ensureStreams(nats.nc);
    await eventually('terminated once stored', () => terminated.get('dl-missing')?.length === 1);
    expect(terminated.get('dl-missing')).toEqual([{ seq: ack.seq, dlqMessages: 1 }]);
    expect(await pending('dl-missing')).toBe(0);
  });
});
