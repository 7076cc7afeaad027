import { RUN_EVENT_UPCASTERS, currentErrorCode, foldRun } from '@ledgerflow/domain';
import type { RunEvent, RunState, Upcasters } from '@ledgerflow/domain';
import type { EventMetadata } from '@ledgerflow/contracts';
import { CONSOLE_PAGE_LIMIT, everyPage } from './list-pages.js';
import type { ReadPage } from './list-pages.js';

/** One event as `GET /v1/runs/{runId}/events` answers it (a stored event of stream `run-<runId>`). */
export interface RunEventRecord {
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: EventMetadata;
  readonly streamId: string;
  /** 0-based, within the run's stream. */
  readonly revision: number;
  /** Global position in the event store (the SSE `id`). */
  readonly position: number;
  readonly recordedAt: string;
}

/**
 * The run's events so far, each in its type's current shape, and their fold (`foldRun` of libs/domain: the same
 * function every service folds with). `appended` adds only events past the last revision held, so a repeated read
 * after a live update changes nothing.
 */
export interface RunHistory {
  readonly events: readonly RunEventRecord[];
  readonly state: RunState;
}

export const EMPTY_HISTORY: RunHistory = { events: [], state: foldRun([]) };

/**
 * `history` with those of `events` whose revision is past its last one, folded on. The gateway serves events as
 * stored (`GET /v1/runs/{id}/events` and the live stream: the audit hash covers that form), so each is read here in
 * its type's current shape (`upcasters`, default this release's `RUN_EVENT_UPCASTERS`; docs/events.md, "Versions and
 * upcasting") before it is folded or shown.
 * @throws EventVersionError `event_version_unsupported` for an event newer than this console reads.
 */
export function appended(
  history: RunHistory,
  events: readonly RunEventRecord[],
  upcasters: Upcasters = RUN_EVENT_UPCASTERS,
): RunHistory {
  const last = lastRevisionOf(history);
  const fresh = events
    .filter((event) => event.revision > last)
    .sort((a, b) => a.revision - b.revision)
    .map((event) => upcasters.upcast(event));
  if (fresh.length === 0) return history;
  return { events: [...history.events, ...fresh], state: foldRun(fresh as unknown as RunEvent[], history.state) };
}

/** The revision of the last event held; -1 when none (what `GET /v1/runs/{id}/events?after=` takes). */
export function lastRevisionOf(history: RunHistory): number {
  return history.events.length === 0 ? -1 : history.events[history.events.length - 1].revision;
}

/**
 * Every event of run `runId` with a revision greater than `after` (default -1: all), in revision order:
 * `GET /v1/runs/{id}/events?after=` answers a page at a time (docs/api.md, "Lists"), so each next page is read until
 * the last, and a long run is never cut at its first page. `read` reads one page (the app's `apiPage`).
 * @throws whatever `read` throws (the API's refusal: `run_not_found`, ...); Error on a next-page loop.
 */
export async function runEventsAfter(
  read: (path: string) => Promise<ReadPage<readonly RunEventRecord[]>>,
  runId: string,
  after = -1,
): Promise<RunEventRecord[]> {
  const first = `/v1/runs/${encodeURIComponent(runId)}/events?after=${after}&limit=${CONSOLE_PAGE_LIMIT}`;
  return (await everyPage(read, first)).flat();
}

/** One attempt of a step as its events record it; `durationMs` from `StepSucceeded`/`StepFailed`. */
export interface StepAttempt {
  readonly attempt: number;
  readonly startedAt: string;
  readonly outcome: 'running' | 'succeeded' | 'failed';
  readonly durationMs?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The attempts of `stepId`, first first, from its `StepStarted`, `StepSucceeded` and `StepFailed` events. */
export function attemptsOf(events: readonly RunEventRecord[], stepId: string): StepAttempt[] {
  const attempts = new Map<number, StepAttempt>();
  for (const event of events) {
    const data = event.data as {
      stepId?: string;
      attempt?: number;
      durationMs?: number;
      startedAt?: string;
      error?: { code: string; message: string };
    };
    if (data.stepId !== stepId || typeof data.attempt !== 'number') continue;
    if (event.type === 'StepStarted') {
      attempts.set(data.attempt, {
        attempt: data.attempt,
        startedAt: data.startedAt ?? event.metadata.occurredAt,
        outcome: 'running',
      });
    } else if (event.type === 'StepSucceeded' || event.type === 'StepFailed') {
      const started = attempts.get(data.attempt);
      if (!started) continue; // carried over from a fork's origin: no attempt ran in this run
      attempts.set(data.attempt, {
        ...started,
        outcome: event.type === 'StepSucceeded' ? 'succeeded' : 'failed',
        ...(typeof data.durationMs === 'number' ? { durationMs: data.durationMs } : {}),
        ...(data.error ? { error: { code: currentErrorCode(data.error.code), message: data.error.message } } : {}),
      });
    }
  }
  return [...attempts.values()].sort((a, b) => a.attempt - b.attempt);
}

/** The step, gate or attempt an event concerns, for the event log's "concerns" column. */
export function subjectOf(event: RunEventRecord): string {
  const data = event.data as { stepId?: unknown; gateId?: unknown; attempt?: unknown };
  const step = typeof data.stepId === 'string' ? data.stepId : '';
  const attempt = typeof data.attempt === 'number' ? ` #${data.attempt}` : '';
  return step ? `${step}${attempt}` : '';
}
