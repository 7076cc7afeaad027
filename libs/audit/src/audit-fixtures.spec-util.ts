import { chainEvents } from './event-hash.js';
import { buildAuditExport } from './audit-export.js';
import type { AuditEvent, AuditExport } from './audit-export.js';

/** Test fixtures: a run's events chained as the run repository chains them, and its export. */

export const RUN_ID = '5d0c1e7a-3b2f-8a41-9c6d-0e7f1a2b3c4d';
const TYPES = ['RunTriggered', 'PlanCreated', 'StepPolicyEvaluated', 'StepStarted', 'StepSucceeded', 'RunCompleted'];

function unchained(runId: string, count: number, from = 0) {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return {
      type: TYPES[i % TYPES.length] as string,
      data: { stepId: `s${i}`, attempt: 1, output: { amount: 100 * i, note: `event ${i}` } },
      metadata: {
        eventId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        runId,
        causationId: `cause-${Math.floor(i / 2)}`,
        actor: { kind: 'service' as const, id: i < 2 ? 'planner' : 'executor' },
        occurredAt: `2026-05-04T09:30:${String(i).padStart(2, '0')}.000Z`,
        schemaVersion: 1,
      },
    };
  });
}

const stored = (
  streamId: string,
  events: ReadonlyArray<{ type: string; data: unknown; metadata: object }>,
  from: number,
): AuditEvent[] =>
  events.map(
    (event, k) =>
      ({
        streamId,
        revision: from + k,
        position: 100 + from + k,
        recordedAt: `2026-05-04T09:31:00.${String(from + k).padStart(3, '0')}Z`,
        ...event,
      }) as AuditEvent,
  );

/** `count` events of stream `run-<runId>`, chained from GENESIS in commits of two (as stored). */
export function chainedEvents(count = 6, runId = RUN_ID): AuditEvent[] {
  const streamId = `run-${runId}`;
  const result: AuditEvent[] = [];
  let head = '0'.repeat(64);
  for (let from = 0; from < count; from += 2) {
    const commit = chainEvents(streamId, from, unchained(runId, Math.min(2, count - from), from), head);
    head = commit.head;
    result.push(...stored(streamId, commit.events, from));
  }
  return result;
}

/** A stream whose first `legacy` events carry no hash (appended before the audit trail), then chained ones. */
export function eventsWithLegacyPrefix(legacy: number, hashed: number, runId = RUN_ID): AuditEvent[] {
  const streamId = `run-${runId}`;
  const prefix = stored(streamId, unchained(runId, legacy), 0);
  const chain = chainEvents(streamId, legacy, unchained(runId, hashed, legacy), '0'.repeat(64));
  return [...prefix, ...stored(streamId, chain.events, legacy)];
}

export function anExport(count = 6): AuditExport {
  return buildAuditExport(RUN_ID, chainedEvents(count), '2026-05-04T10:00:00.000Z');
}

/** A deep copy through JSON, as a file read back. */
export const viaJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** Deep copy of the events, mutable for tampering. */
export function mutable(events: readonly AuditEvent[]): Array<{
  streamId: string;
  revision: number;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}> {
  return viaJson(events) as never;
}
