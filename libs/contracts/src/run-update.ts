/**
 * One update of a live run stream (`GET /v1/runs/{id}/stream`, `GET /v1/stream`; docs/api.md, "Live updates"): the
 * committed event's `type`, its run, the step/gate/attempt it concerns when it names one, the run's `status` after
 * it, its `revision` in the run stream and its global `position` (the SSE `id`, for `Last-Event-ID`), and when it
 * occurred (ISO-8601 UTC). `Status` narrows `status` where the run statuses are known (the gateway).
 */
export interface RunUpdate<Status extends string = string> {
  readonly type: string;
  readonly runId: string;
  readonly stepId?: string;
  readonly gateId?: string;
  readonly attempt?: number;
  readonly status: Status;
  readonly revision: number;
  readonly position: number;
  readonly occurredAt: string;
}

/** Event types that end a run; a run stream closes after sending one. */
export const TERMINAL_RUN_EVENT_TYPES: readonly string[] = ['RunCompleted', 'RunFailed', 'RunCancelled'];
