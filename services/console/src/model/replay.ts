import { CONSOLE_PAGE_LIMIT, everyPage } from './list-pages.js';
import type { ReadPage } from './list-pages.js';

/**
 * The replay timeline's data (docs/operations.md, "Replay, checkpoints, diff, fork"): a run's checkpoints, the diff
 * between two of them, and which two the timeline compares.
 */

/** One checkpoint of `GET /v1/runs/{id}/checkpoints` (`libs/domain/src/checkpoints.ts`). */
export interface Checkpoint {
  readonly id: string;
  readonly revision: number;
  readonly at?: string;
  readonly type: string;
  readonly stepId?: string;
  readonly summary: string;
}

/** `GET /v1/runs/{id}/checkpoints`. */
export interface CheckpointList {
  readonly runId: string;
  readonly revision: number;
  readonly checkpoints: readonly Checkpoint[];
}

/**
 * Every checkpoint of run `runId`: `GET /v1/runs/{id}/checkpoints` answers a page of them in its `checkpoints`
 * (docs/api.md, "Lists"), so each next page is read until the last; `revision` is the last page's. `read` reads one
 * page (the app's `apiPage`).
 * @throws whatever `read` throws (the API's refusal: `run_not_found`, ...); Error on a next-page loop.
 */
export async function checkpointsOfRun(
  read: (path: string) => Promise<ReadPage<CheckpointList>>,
  runId: string,
): Promise<CheckpointList> {
  const pages = await everyPage(read, `/v1/runs/${encodeURIComponent(runId)}/checkpoints?limit=${CONSOLE_PAGE_LIMIT}`);
  const last = pages[pages.length - 1] as CheckpointList;
  return { ...last, checkpoints: pages.flatMap((page) => page.checkpoints) };
}

/** One change of `GET /v1/runs/{id}/diff`: a JSON Patch operation name and an RFC 6901 path into the folded state. */
export interface StateChange {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

/** `GET /v1/runs/{id}/diff?from=&to=`. */
export interface StateDiff {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly StateChange[];
}

/** `POST /v1/runs/{id}/fork` (202). */
export interface ForkAnswer {
  readonly runId: string;
  readonly created: boolean;
  readonly forkedFrom: { readonly runId: string; readonly checkpoint: string; readonly revision: number };
}

/** How the timeline names an operation: added, removed, changed. */
export const CHANGE_LABELS: Readonly<Record<StateChange['op'], string>> = {
  add: 'added',
  remove: 'removed',
  replace: 'changed',
};

/** The value "previous" of the compare-with choice: the checkpoint just before the one selected. */
export const PREVIOUS = '';

/**
 * The checkpoint the selected one is compared with: `compareWith` when it names another checkpoint of the list,
 * else (PREVIOUS, or a checkpoint no longer listed) the one just before `selected`; undefined for the first.
 */
export function comparedWith(
  checkpoints: readonly Checkpoint[],
  selected: number,
  compareWith: string,
): Checkpoint | undefined {
  const chosen = compareWith === PREVIOUS ? undefined : checkpoints.find((checkpoint) => checkpoint.id === compareWith);
  if (chosen && chosen !== checkpoints[selected]) return chosen;
  return selected > 0 ? checkpoints[selected - 1] : undefined;
}

/** A value of a change as the timeline prints it: compact JSON, cut at `max` characters. */
export function shownValue(value: unknown, max = 160): string {
  if (value === undefined) return '';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** What the slider's screen-reader text says of a checkpoint: its id, what happened and when. */
export const checkpointLabel = (checkpoint: Checkpoint): string =>
  `${checkpoint.id}: ${checkpoint.summary}${checkpoint.at ? ` (${checkpoint.at})` : ''}`;
