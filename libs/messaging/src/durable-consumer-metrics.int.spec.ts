import { EVENTS_STREAM } from '@ledgerflow/contracts';
import { jetstream } from '@nats-io/jetstream';
import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { MetricName } from '@ledgerflow/telemetry';
import { startDurableConsumer, type DurableConsumer } from './durable-consumer.js';
import { eventually, startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

/** A durable consumer's metrics, read from a real JetStream consumer: redeliveries, dead letters, pending. */
describe('startDurableConsumer: metrics', () => {
  let nats: NatsFixture;
  const consumers: DurableConsumer[] = [];
  const reader = new (class extends MetricReader {
    protected override async onShutdown(): Promise<void> {}
    protected override async onForceFlush(): Promise<void> {}
  })();
  const provider = new MeterProvider({ readers: [reader] });

  /** `[consumer, value]` of each data point of `name`, for the consumers given. */
  const points = async (name: string, durables: readonly string[]): Promise<Array<[unknown, unknown]>> => {
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics.flatMap((s) => s.metrics).find((m) => m.descriptor.name === name);
    return (metric?.dataPoints ?? [])
      .map((p) => [p.attributes.consumer, p.value] as [unknown, unknown])
      .filter(([consumer]) => durables.includes(String(consumer)));
  };
  const publish = async (subject: string, count: number): Promise<void> => {
    const js = jetstream(nats.nc);
    for (let i = 0; i < count; i++) await js.publish(subject, JSON.stringify({ i }));
  };

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(provider);
    nats = await startNatsFixture();
    await ensureStreams(nats.nc);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await nats.stop();
    metrics.disable();
    await provider.shutdown();
  });

  it('counts redeliveries and dead letters by consumer, from 0', async () => {
    let calls = 0;
    consumers.push(
      await startDurableConsumer(nats.nc, {
        stream: EVENTS_STREAM,
        durable: 'metrics-failing',
        filterSubjects: ['lf.evt.metricsfail.>'],
        maxDeliver: 3,
        backoffMs: [20],
        handler: async () => {
          calls++;
          throw Object.assign(new Error('downstream refused'), { code: 'tool_refused' });
        },
      }),
    );
    consumers.push(
      await startDurableConsumer(nats.nc, {
        stream: EVENTS_STREAM,
        durable: 'metrics-healthy',
        filterSubjects: ['lf.evt.metricsok.>'],
        handler: async () => undefined,
      }),
    );
    const durables = ['metrics-failing', 'metrics-healthy'];
    expect(await points(MetricName.consumerRedeliveries, durables)).toEqual([
      ['metrics-failing', 0],
      ['metrics-healthy', 0],
    ]);

    await publish('lf.evt.metricsfail.s1.Failed', 1);
    await publish('lf.evt.metricsok.s1.Done', 2);
    await eventually('the dead letter', async () => {
      const dead = await points(MetricName.consumerDeadLetters, durables);
      return dead.some(([consumer, value]) => consumer === 'metrics-failing' && value === 1);
    });
    expect(calls).toBe(3);
    // Three deliveries: the first, then two redeliveries after naks; the healthy consumer had none.
    expect(await points(MetricName.consumerRedeliveries, durables)).toEqual([
      ['metrics-failing', 2],
      ['metrics-healthy', 0],
    ]);
    expect(await points(MetricName.consumerDeadLetters, durables)).toEqual([
      ['metrics-failing', 1],
      ['metrics-healthy', 0],
    ]);
  });

  it('observes JetStream num_pending at collection while the consumer runs, and 0 after stop()', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const consumer = await startDurableConsumer(nats.nc, {
      stream: EVENTS_STREAM,
      durable: 'metrics-backlog',
      filterSubjects: ['lf.evt.metricsbacklog.>'],
      concurrency: 1,
      handler: () => held,
    });
    try {
      await publish('lf.evt.metricsbacklog.s1.Step', 5);
      // One message is with the blocked handler, the next one pulled waits for its slot: three wait in the stream.
      await eventually('three pending', async () => {
        const pending = await points(MetricName.consumerPending, ['metrics-backlog']);
        return pending.length === 1 && pending[0]?.[1] === 3;
      });
    } finally {
      release();
    }
    await eventually('none pending', async () => {
      const pending = await points(MetricName.consumerPending, ['metrics-backlog']);
      return pending[0]?.[1] === 0;
    });
    await publish('lf.evt.metricsbacklog.s1.Step', 2);
    await consumer.stop();
    // Stopped: 0 (not the 2 left in the stream, which another replica may be consuming), at every collection.
    expect(await points(MetricName.consumerPending, ['metrics-backlog'])).toEqual([['metrics-backlog', 0]]);
    expect(await points(MetricName.consumerPending, ['metrics-backlog'])).toEqual([['metrics-backlog', 0]]);
  });
});
