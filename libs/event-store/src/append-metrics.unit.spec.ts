import { metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { MetricName } from '@ledgerflow/telemetry';
import { InMemoryEventStore } from './in-memory.event-store.js';
import type { NewEvent } from './event-store.port.js';

const event = (id: string): NewEvent => ({
  type: 'Noted',
  data: { id },
  metadata: {
    eventId: id,
    runId: 'r',
    causationId: 'c',
    actor: { kind: 'system', id: 'test' },
    occurredAt: '2026-01-01T00:00:00.000Z',
    schemaVersion: 1,
  },
});

describe('event store append latency (ledgerflow.event_store.append.duration)', () => {
  const reader = new (class extends MetricReader {
    protected override async onShutdown(): Promise<void> {}
    protected override async onForceFlush(): Promise<void> {}
  })();
  const provider = new MeterProvider({ readers: [reader] });
  beforeAll(() => metrics.setGlobalMeterProvider(provider));
  afterAll(async () => {
    metrics.disable();
    await provider.shutdown();
  });

  it('records each append by store and outcome: ok, conflict (expected revision refused)', async () => {
    const store = new InMemoryEventStore();
    await store.append('s-1', [event('e1')], { expectedRevision: 'no_stream' });
    await store.append('s-1', [event('e2')], { expectedRevision: 0 });
    await expect(store.append('s-1', [event('e3')], { expectedRevision: 0 })).rejects.toMatchObject({
      code: 'store_concurrency',
    });
    const { resourceMetrics } = await reader.collect();
    const metric = resourceMetrics.scopeMetrics
      .flatMap((s) => s.metrics)
      .find((m) => m.descriptor.name === MetricName.eventStoreAppendDuration) as HistogramMetricData | undefined;
    expect(metric?.descriptor.unit).toBe('s');
    expect(metric?.dataPoints.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ store: 'memory', outcome: 'ok' }, 2],
      [{ store: 'memory', outcome: 'conflict' }, 1],
    ]);
    expect(metric?.dataPoints.every((p) => (p.value.sum ?? -1) >= 0 && (p.value.max ?? 1) < 1)).toBe(true);
  });
});
