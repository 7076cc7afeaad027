import { renamedField } from '@ledgerflow/testing';
import { randomUUID } from 'node:crypto';
import { runStreamId } from '@ledgerflow/contracts';
import { EventVersionError, RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunsProjection } from './runs.projection.js';

const AT = '2026-05-01T10:00:00.000Z';

/**
 * A change of shape as a test registers it: suppose `RunTriggered` v1 named the definition's version `version` and v2
 * (the shape the projection reads) `workflowVersion` (docs/events.md, "Versions and upcasting").
 */
const renamed = RUN_EVENT_UPCASTERS.with(renamedField('RunTriggered', 'version', 'workflowVersion'));

/** A run's first event as stored: `RunTriggered` with `data` at `schemaVersion`. */
async function triggered(store: InMemoryEventStore, runId: string, data: object, schemaVersion: number) {
  await store.append(
    runStreamId(runId),
    [
      {
        type: 'RunTriggered',
        data: { runId, workflowId: 'claims', trigger: { source: 'api', idempotencyKey: runId }, input: {}, ...data },
        metadata: {
          eventId: randomUUID(),
          runId,
          causationId: 'c',
          actor: { kind: 'service', id: 'planner' },
          occurredAt: AT,
          schemaVersion,
        },
      },
    ],
    { expectedRevision: 'no_stream' },
  );
}

describe('RunsProjection: stored events upcast on read', () => {
  it('lists a run from a stored v1 RunTriggered after a v2 change of its shape', async () => {
    const store = new InMemoryEventStore();
    await triggered(store, 'r1', { version: '1.0.0' }, 1);
    await triggered(store, 'r2', { workflowVersion: '2.0.0' }, 2);
    const listed = await new RunsProjection(store, renamed).listRuns(); // newest first
    expect(listed.map((run) => [run.runId, run.workflowVersion])).toEqual([
      ['r2', '2.0.0'],
      ['r1', '1.0.0'],
    ]);
  });

  it('refuses an event newer than its registry reads', async () => {
    const store = new InMemoryEventStore();
    await triggered(store, 'r1', { workflowVersion: '2.0.0' }, 2);
    await expect(new RunsProjection(store).listRuns()).rejects.toBeInstanceOf(EventVersionError);
  });
});
