import type { RunUpdate as ContractRunUpdate } from '@ledgerflow/contracts';
import type { RunStatus } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';

/** An update as the gateway sends it: the contract's, with the run statuses it knows. */
export type RunUpdate = ContractRunUpdate<RunStatus>;

/**
 * The update an event makes, given the run status after it. `event` is in its type's current shape (upcast by the
 * hub; docs/events.md, "Versions and upcasting"): its step, gate and attempt are read from the data of that shape.
 */
export function runUpdateOf(event: StoredEvent, runId: string, status: RunStatus): RunUpdate {
  const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as {
    readonly stepId?: unknown;
    readonly gateId?: unknown;
    readonly attempt?: unknown;
  };
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
