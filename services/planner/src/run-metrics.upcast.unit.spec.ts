import { RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { MetricName } from '@ledgerflow/telemetry';
import { testMetrics, renamedField } from '@ledgerflow/testing';
import { RunMetrics } from './run-metrics.js';

/** Suppose `RunTriggered` v1 named the workflow `workflow`, and v2 (the shape read here) renamed it `workflowId`. */
const renamed = RUN_EVENT_UPCASTERS.with(renamedField('RunTriggered', 'workflow', 'workflowId'));

const metadata = (eventId: string, schemaVersion: number) => ({
  eventId,
  runId: 'r',
  causationId: 'c',
  actor: { kind: 'system' as const, id: 'test' },
  occurredAt: '2026-01-01T00:00:00.000Z',
  schemaVersion,
});
const relayed = (streamId: string, type: string, data: object = {}, schemaVersion = 1): StoredEvent => ({
  streamId,
  revision: type === 'RunTriggered' ? 0 : 1,
  position: 1,
  recordedAt: '2026-01-01T00:00:01.000Z',
  type,
  data,
  metadata: metadata(`${streamId}-${type}`, schemaVersion),
});

describe('RunMetrics: the workflow read from RunTriggered in its current shape', () => {
  const meters = testMetrics();
  beforeAll(meters.install);
  afterAll(meters.uninstall);

  const runs = async () =>
    Object.fromEntries(
      ((await meters.metric(MetricName.runs))?.dataPoints ?? [])
        .filter((p) => (p.value as number) > 0)
        .map((p) => [Object.values(p.attributes).join(' '), p.value as number]),
    );

  it('counts runs triggered at v1 under their workflow after a v2 change of its shape, relayed or read from the store, and a newer one under unknown', async () => {
    const store = new InMemoryEventStore();
    // run-old was triggered (at v1) before this relay started: its workflow is read from the store.
    await store.append(
      'run-old',
      [{ type: 'RunTriggered', data: { workflow: 'invoices' }, metadata: metadata('old-1', 1) }],
      { expectedRevision: 'no_stream' },
    );
    const recorder = new RunMetrics(store, renamed);
    recorder.observe(relayed('run-a', 'RunTriggered', { workflow: 'claims' }));
    recorder.observe(relayed('run-a', 'RunCompleted'));
    recorder.observe(relayed('run-old', 'RunFailed'));
    // Written by a newer release (v3): counted, under no workflow guessed from a shape this one does not know.
    recorder.observe(relayed('run-new', 'RunTriggered', { workflowName: 'claims' }, 3));
    recorder.observe(relayed('run-new', 'RunCancelled'));
    await new Promise((resolve) => setImmediate(resolve));

    expect(await runs()).toEqual({
      'claims triggered': 1,
      'claims completed': 1,
      'invoices failed': 1,
      'unknown triggered': 1,
      'unknown cancelled': 1,
    });
  });
});
