import { testMetrics } from '@ledgerflow/testing';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { NewEvent, StoredEvent } from '@ledgerflow/event-store';
import { MetricName } from '@ledgerflow/telemetry';
import { RunMetrics } from './run-metrics.js';

const metadata = (eventId: string) => ({
  eventId,
  runId: 'r',
  causationId: 'c',
  actor: { kind: 'system' as const, id: 'test' },
  occurredAt: '2026-01-01T00:00:00.000Z',
  schemaVersion: 1,
});
const newEvent = (type: string, data: Record<string, unknown>, id: string): NewEvent => ({
  type,
  data,
  metadata: metadata(id),
});

describe('RunMetrics: runs and escalations counted from relayed events', () => {
  const meters = testMetrics();
  beforeAll(meters.install);
  afterAll(meters.uninstall);

  const points = async (name: string) => {
    const metric = await meters.metric(name);
    return Object.fromEntries(
      (metric?.dataPoints ?? []).map((p) => [Object.values(p.attributes).join(' '), p.value as number]),
    );
  };

  it('counts triggered and ended runs by workflow, escalations too, reading the workflow of a run it did not see start', async () => {
    const store = new InMemoryEventStore();
    // run-old was triggered before this relay started: its workflow is read from the store.
    await store.append('run-old', [newEvent('RunTriggered', { workflowId: 'invoices' }, 'old-1')], {
      expectedRevision: 'no_stream',
    });
    const recorder = new RunMetrics(store);
    const relayed = (streamId: string, type: string, data: Record<string, unknown> = {}): StoredEvent => ({
      streamId,
      revision: 1,
      position: 1,
      recordedAt: '2026-01-01T00:00:01.000Z',
      type,
      data,
      metadata: metadata(`${streamId}-${type}`),
    });
    recorder.observe(relayed('run-a', 'RunTriggered', { workflowId: 'claim-review' }));
    recorder.observe(relayed('run-a', 'StepSucceeded'));
    recorder.observe(relayed('run-a', 'GateEscalated'));
    recorder.observe(relayed('run-a', 'RunCompleted'));
    recorder.observe(relayed('run-b', 'RunTriggered', { workflowId: 'claim-review' }));
    recorder.observe(relayed('run-b', 'RunFailed'));
    recorder.observe(relayed('run-old', 'RunCancelled'));
    recorder.observe(relayed('memory-claim-review', 'RunCompleted')); // not a run stream
    await new Promise((resolve) => setImmediate(resolve));

    expect(await points(MetricName.runs)).toEqual({
      'claim-review triggered': 2,
      'claim-review completed': 1,
      'claim-review failed': 1,
      'claim-review cancelled': 0,
      'invoices cancelled': 1,
    });
    expect(await points(MetricName.gateEscalations)).toEqual({ 'claim-review': 1 });
  });
});
