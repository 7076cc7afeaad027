import { buildAuditExport, chainEvents, eventHash, GENESIS } from '@ledgerflow/audit';
import type { AuditEvent } from '@ledgerflow/audit';

/** Fixtures of the audit command specs: a run's export as `GET /v1/runs/{id}/audit` answers it. */
export const RUN_ID = 'run-under-audit';
export const idOf = (i: number) => `event-${i}`;

/** An export (read back from JSON, mutable) of `count` chained events, as `GET /v1/runs/{id}/audit` answers it. */
export function anExport(count: number) {
  const streamId = `run-${RUN_ID}`;
  const chain = chainEvents(
    streamId,
    0,
    Array.from({ length: count }, (_, i) => ({
      type: i === 0 ? 'RunTriggered' : 'StepSucceeded',
      data: { stepId: `s${i}`, output: { n: i } },
      metadata: {
        eventId: idOf(i),
        runId: RUN_ID,
        causationId: 'c',
        actor: { kind: 'service', id: 'executor' },
        occurredAt: '2026-05-04T09:30:00.000Z',
        schemaVersion: 1,
      },
    })),
    GENESIS,
  );
  const events = chain.events.map((event, revision) => ({
    streamId,
    revision,
    position: revision + 1,
    recordedAt: '2026-05-04T09:30:00.001Z',
    ...event,
  }));
  return JSON.parse(JSON.stringify(buildAuditExport(RUN_ID, events as AuditEvent[], '2026-05-04T10:00:00.000Z'))) as {
    head: string;
    runId: string;
    events: Array<{ revision: number; data: Record<string, unknown>; metadata: Record<string, unknown> }>;
  };
}

export type MutableExport = ReturnType<typeof anExport>;

/**
 * A consistent rewrite of `doc`: event `at` gets other data, and its hash and every later `prevHash`/`hash`
 * are recomputed (the hash function is public), so the chain alone still verifies.
 */
export function rewritten(doc: MutableExport, at: number): MutableExport {
  const copy = JSON.parse(JSON.stringify(doc)) as MutableExport;
  copy.events[at]!.data.output = { n: 1_000_000 };
  for (let i = at; i < copy.events.length; i++) {
    const event = copy.events[i]!;
    if (i > 0) event.metadata.prevHash = copy.events[i - 1]!.metadata.hash;
    event.metadata.hash = eventHash(event as never, event.metadata.prevHash as string);
  }
  copy.head = copy.events[copy.events.length - 1]!.metadata.hash as string;
  return copy;
}
