import type { HistogramMetricData } from '@opentelemetry/sdk-metrics';
import { MetricName } from '@ledgerflow/telemetry';
import { testMetrics } from '@ledgerflow/testing';
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
  const meters = testMetrics();
  beforeAll(meters.install);
  afterAll(meters.uninstall);

  it('records each append by store and outcome: ok, conflict (expected revision refused)', async () => {
    const store = new InMemoryEventStore();
    await store.append('s-1', [event('e1')], { expectedRevision: 'no_stream' });
    await store.append('s-1', [event('e2')], { expectedRevision: 0 });
    await expect(store.append('s-1', [event('e3')], { expectedRevision: 0 })).rejects.toMatchObject({
      code: 'store_concurrency',
    });
    const metric = (await meters.metric(MetricName.eventStoreAppendDuration)) as HistogramMetricData | undefined;
    expect(metric?.descriptor.unit).toBe('s');
    expect(metric?.dataPoints.map((p) => [p.attributes, p.value.count])).toEqual([
      [{ store: 'memory', outcome: 'ok' }, 2],
      [{ store: 'memory', outcome: 'conflict' }, 1],
    ]);
    expect(metric?.dataPoints.every((p) => (p.value.sum ?? -1) >= 0 && (p.value.max ?? 1) < 1)).toBe(true);
  });
});
