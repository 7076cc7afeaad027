import type { Actor } from '@ledgerflow/contracts';
import type { LearnedRecoveryStep, StepUsage } from '@ledgerflow/contracts';
import type { PlanStep, RunEventOf, RunEventType } from '@ledgerflow/domain';

/**
 * The slice of a stored run event memory's projections read (`schemaVersion` absent: 1). `position` and `recordedAt`
 * come with every stored event (`StoredEvent`); tests may leave them out: then `position` orders nothing and times fall
 * back to `metadata.occurredAt`.
 */
export interface ProjectedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: {
    readonly runId: string;
    readonly schemaVersion?: number;
    readonly actor?: Actor;
    readonly occurredAt?: string;
  };
  readonly position?: number;
  readonly recordedAt?: string;
}

/**
 * Fields other releases add to the catalog's shapes (read defensively: absent on older events).
 * `RunTriggered.evaluation`: an evaluation run; `PlanCreated.plan.memoryScope`: the definition's scope tags;
 * `StepSucceeded.usage`: the tool's token and cost usage; `PlanRevised.recommendationId`: a learned rule's origin.
 */
export type DataOf<T extends RunEventType> = RunEventOf<T>['data'] &
  (T extends 'RunTriggered' ? { readonly evaluation?: { goldenSet: string; caseId: string } } : unknown) &
  (T extends 'StepSucceeded' ? { readonly usage?: StepUsage } : unknown) &
  (T extends 'PlanRevised' ? { readonly recommendationId?: string } : unknown);

/** The event's data in its catalog shape (after upcasting). */
export function dataOf<T extends RunEventType>(event: ProjectedEvent, _type: T): DataOf<T> {
  return event.data as unknown as DataOf<T>;
}

/**
 * When the event happened, from the event itself so a rebuild gives the same answer: the data's own time
 * (`completedAt`, `failedAt`, `startedAt`) when the type has one, else the store's `recordedAt`, else
 * `metadata.occurredAt`, else `''`.
 */
export function eventTime(event: ProjectedEvent): string {
  const data = event.data;
  for (const key of ['completedAt', 'failedAt', 'startedAt'] as const) {
    const value = data[key];
    if (typeof value === 'string' && value !== '') return value;
  }
  return event.recordedAt ?? event.metadata.occurredAt ?? '';
}

/** Milliseconds from `from` to `to` (ISO-8601), 0 when either is missing or `to` is earlier. */
export function millisBetween(from: string, to: string): number {
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/**
 * True when a `PlanRevised` is an operator's (or reviewer's) revision: its `author` is neither `planner` (a recovery
 * rule) nor `tool:<tool>.<action>` (steps a tool result added). `metadata.actor` then names who (human or service account).
 */
export function isOperatorRevision(event: ProjectedEvent): boolean {
  const author = String(dataOf(event, 'PlanRevised').author ?? '');
  return author !== 'planner' && !author.startsWith('tool:') && dataOf(event, 'PlanRevised').rule === undefined;
}

/** Who acted: `metadata.actor.id` of the stored event, else `fallback`. */
export function actorIdOf(event: ProjectedEvent, fallback?: string): string | undefined {
  return event.metadata.actor?.id ?? fallback;
}

/** A plan step as a learned recovery step (what an operator or a rule added). */
export function recoveryStepOf(step: PlanStep): LearnedRecoveryStep {
  return {
    id: step.id,
    agent: step.agent,
    tool: step.tool,
    action: step.action,
    ...(step.input === undefined ? {} : { input: step.input }),
    ...(typeof step.timeoutMs === 'number' ? { timeoutMs: step.timeoutMs } : {}),
  };
}

/** Durations kept per step for percentiles: the most recent 1,000 outcomes (by store position). */
export const DURATION_WINDOW = 1000;

/** Nearest-rank percentile of sorted values (0 when empty): the `ceil(p·n)`-th smallest. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1];
}

/** A sample keyed by the store position of its event, so a window of the latest samples is the same whatever the batching. */
export type Sample = readonly [position: number, value: number];

/**
 * Merges `added` into `window`, keeping the `size` samples of highest position (ties keep arrival order), in position order.
 */
export function mergeWindow(window: readonly Sample[], added: readonly Sample[], size = DURATION_WINDOW): Sample[] {
  const merged = [...window, ...added];
  merged.sort((a, b) => a[0] - b[0]);
  return merged.slice(-size);
}
