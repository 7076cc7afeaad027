import type { RunStatus } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';

/**
 * One update of the live streams (`GET /v1/runs/{id}/stream`, `GET /v1/stream`): a committed event of a
 * `run-<runId>` stream, as the `data:` of one Server-Sent Events message (docs/api.md, "Live updates").
 * - `type`: the event type (also the SSE `event:` field), e.g. `StepSucceeded`.
 * - `stepId`, `gateId`, `attempt`: copied from the event when it names them.
 * - `status`: the run's status after this event (`running`, `paused`, `completed`, `failed`, `cancelled`).
 * - `revision`: the event's 0-based revision in its run stream; `position`: its global store position (the
 *   SSE `id:`, the resume point of `Last-Event-ID`).
 * - `occurredAt`: ISO-8601 UTC time from the event's metadata.
 */
export interface RunUpdate {
  readonly type: string;
  readonly runId: string;
  readonly stepId?: string;
  readonly gateId?: string;
  readonly attempt?: number;
  readonly status: RunStatus;
  readonly revision: number;
  readonly position: number;
  readonly occurredAt: string;
}

/** The update an event makes, given the run status after it. */
export function runUpdateOf(event: StoredEvent, runId: string, status: RunStatus): RunUpdate {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as Record<string, unknown>;
  return {
    type: event.type,
    runId,
    ...(typeof data.stepId === 'string' ? { stepId: data.stepId } : {}),
    ...(typeof data.gateId === 'string' ? { gateId: data.gateId } : {}),
    ...(typeof data.attempt === 'number' ? { attempt: data.attempt } : {}),
    status,
    revision: event.revision,
    position: event.position,
    occurredAt: event.metadata.occurredAt,
  };
}

/** Line breaks are field separators in SSE (WHATWG HTML, "Server-sent events", 9.2.6): never inside one field. */
const oneLine = (text: string): string => text.replace(/[\r\n]+/g, ' ');

/**
 * One SSE message: `id: <position>`, `event: <type>`, `data: <JSON of the update>` and the blank line that
 * dispatches it. JSON text holds no raw line break, so the data is one `data:` line.
 */
export function sseMessage(update: RunUpdate): string {
  return `id: ${update.position}\nevent: ${oneLine(update.type)}\ndata: ${JSON.stringify(update)}\n\n`;
}

/** A comment line (ignored by clients; used as the heartbeat that keeps proxies from closing an idle stream). */
export function sseComment(text: string): string {
  return `: ${oneLine(text)}\n\n`;
}

/** The reconnection delay a client should use, in milliseconds (SSE `retry:` field). */
export function sseRetry(ms: number): string {
  return `retry: ${Math.max(0, Math.floor(ms))}\n\n`;
}
