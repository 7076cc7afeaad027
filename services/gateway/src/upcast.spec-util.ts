import { renamedField } from '@ledgerflow/testing';
import { RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { NewEvent } from '@ledgerflow/event-store';

/**
 * A change of shape as a gateway test registers it (docs/events.md, "Versions and upcasting"): suppose `RunTriggered`
 * v1 named the workflow `workflow`, and v2 (the shape this code reads) renamed it `workflowId`.
 */
export const workflowRenamed = RUN_EVENT_UPCASTERS.with(renamedField('RunTriggered', 'workflow', 'workflowId'));

/** An event of run `r1` to append, its `data` in the shape of `schemaVersion`; `id`: its event id. */
export const runEventAt = (type: string, data: object, schemaVersion: number, id: string): NewEvent => ({
  type,
  data,
  metadata: {
    eventId: id,
    runId: 'r1',
    causationId: 'c',
    actor: { kind: 'service', id: 'test' },
    occurredAt: '2026-05-01T10:00:00.000Z',
    schemaVersion,
  },
});
