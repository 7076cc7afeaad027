import { LedgerflowError, currentErrorCode } from './errors.js';
import type { RunEvent, RunEventType } from './events.js';
import { evolve } from './evolve.js';
import { initialState } from './state.js';
import type { RunState } from './state.js';

/**
 * Checkpoints of a run (docs/operations.md, "Replay, checkpoints, diff, fork"): the stream revisions after each step
 * outcome or gate decision, numbered `cp-1`, `cp-2`, ... in stream order.
 *
 * A checkpoint is taken at every `StepSucceeded`, `StepFailed`, `StepSkipped`, `StepBlocked` and `GateDecided`.
 * Its `revision` also covers the run-level consequences the same command appended right after it, so the state
 * at a checkpoint is never half a commit: `StepRetryScheduled`, `RunCompleted`, `RunFailed` and
 * `RunPaused{step_failed}` that immediately follow (and, when both events carry metadata, share its
 * `causationId`). Pure: works on stored events (`revision`, `metadata.occurredAt`) and on bare `{type, data}`
 * events (revision = index, no time).
 */

/** An event as read from the store (structurally a `StoredEvent`), or a bare domain event. */
export interface CheckpointSourceEvent {
  readonly type: string;
  readonly data: unknown;
  /** 0-based stream revision; the index in the list when absent. */
  readonly revision?: number;
  readonly metadata?: { readonly occurredAt?: string; readonly causationId?: string };
}

export interface Checkpoint {
  /** `cp-1`, `cp-2`, ... */
  readonly id: string;
  /** The last stream revision the checkpoint covers (0-based); the state at it folds revisions 0..revision. */
  readonly revision: number;
  /** `occurredAt` of the checkpoint's event (ISO-8601 UTC); else its `completedAt`/`failedAt`; undefined when unknown. */
  readonly at?: string;
  /** The event type the checkpoint was taken at. */
  readonly type: RunEventType;
  readonly stepId?: string;
  /** What happened, one line, e.g. `r3 succeeded (attempt 1)`, `gate run-1.pay approved by alice`. */
  readonly summary: string;
}

const CHECKPOINT_TYPES: ReadonlySet<string> = new Set([
  'StepSucceeded',
  'StepFailed',
  'StepSkipped',
  'StepBlocked',
  'GateDecided',
]);
const CONSEQUENCE_TYPES: ReadonlySet<string> = new Set([
  'StepRetryScheduled',
  'RunCompleted',
  'RunFailed',
  'RunPaused',
]);

type Data = Record<string, unknown>;

function isConsequence(event: CheckpointSourceEvent, anchor: CheckpointSourceEvent): boolean {
  if (!CONSEQUENCE_TYPES.has(event.type)) return false;
  if (event.type === 'RunPaused' && (event.data as Data).reason !== 'step_failed') return false;
  const a = anchor.metadata?.causationId;
  const b = event.metadata?.causationId;
  return a === undefined || b === undefined || a === b;
}

function summaryOf(event: CheckpointSourceEvent, consequences: readonly CheckpointSourceEvent[]): string {
  const d = event.data as Data;
  const follow = consequences.map((next) => {
    const n = next.data as Data;
    switch (next.type) {
      case 'StepRetryScheduled':
        return `retry ${String(n.attempt)} due ${String(n.dueAt)}`;
      case 'RunCompleted':
        return 'run completed';
      case 'RunFailed':
        return `run failed (${String(n.code)})`;
      default:
        return 'run paused';
    }
  });
  const tail = follow.length > 0 ? `; ${follow.join('; ')}` : '';
  switch (event.type) {
    case 'StepSucceeded': {
      const extra = [
        d.carriedOver === true ? 'carried over' : undefined,
        typeof d.confidence === 'number' ? `confidence ${d.confidence}` : undefined,
        d.review ? 'held for review' : undefined,
      ].filter(Boolean);
      return `${String(d.stepId)} succeeded (attempt ${String(d.attempt)}${extra.length > 0 ? `, ${extra.join(', ')}` : ''})${tail}`;
    }
    case 'StepFailed': {
      const error = (d.error ?? {}) as Data;
      return `${String(d.stepId)} failed (attempt ${String(d.attempt)}): ${typeof error.code === 'string' ? currentErrorCode(error.code) : String(error.code)}${tail}`;
    }
    case 'StepSkipped':
      return `${String(d.stepId)} skipped: ${String(d.reason)}${tail}`;
    case 'StepBlocked':
      return `${String(d.stepId)} blocked (${String(d.code)})${tail}`;
    default:
      return `gate ${String(d.gateId)} ${String(d.outcome)} by ${String(d.reviewer)}${tail}`;
  }
}

/** The checkpoints of a run's events, in stream order (empty when none). */
export function checkpointsOf(events: readonly CheckpointSourceEvent[]): Checkpoint[] {
  const result: Checkpoint[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i] as CheckpointSourceEvent;
    if (!CHECKPOINT_TYPES.has(event.type)) continue;
    let last = i;
    while (last + 1 < events.length && isConsequence(events[last + 1] as CheckpointSourceEvent, event)) last++;
    const consequences = events.slice(i + 1, last + 1);
    const d = event.data as Data;
    const at =
      event.metadata?.occurredAt ??
      (typeof d.completedAt === 'string' ? d.completedAt : typeof d.failedAt === 'string' ? d.failedAt : undefined);
    result.push({
      id: `cp-${result.length + 1}`,
      revision: (events[last] as CheckpointSourceEvent).revision ?? last,
      ...(at === undefined ? {} : { at }),
      type: event.type as RunEventType,
      ...(typeof d.stepId === 'string' ? { stepId: d.stepId } : {}),
      summary: summaryOf(event, consequences),
    });
    i = last;
  }
  return result;
}

/**
 * The checkpoint `checkpointId` (`cp-N`) of `events`.
 * @throws LedgerflowError `checkpoint_unknown` (details `{checkpoint, known}`: how many the run has) when the run has no such checkpoint.
 */
export function findCheckpoint(events: readonly CheckpointSourceEvent[], checkpointId: string): Checkpoint {
  const all = checkpointsOf(events);
  const found = all.find((checkpoint) => checkpoint.id === checkpointId);
  if (!found) {
    const range = all.length === 0 ? 'the run has no checkpoints yet' : `the run has cp-1..cp-${all.length}`;
    throw new LedgerflowError('checkpoint_unknown', `checkpoint "${checkpointId}" is unknown: ${range}`, false, {
      checkpoint: checkpointId,
      known: all.length,
    });
  }
  return found;
}

/** The fold of the events with a revision up to `revision` (inclusive). */
export function foldUpTo(events: readonly CheckpointSourceEvent[], revision: number): RunState {
  let state = initialState();
  events.forEach((event, index) => {
    if ((event.revision ?? index) <= revision) state = evolve(state, event as unknown as RunEvent);
  });
  return state;
}

/**
 * The run's state at a checkpoint: its events folded up to the checkpoint's revision.
 * @throws LedgerflowError `checkpoint_unknown` (see {@link findCheckpoint}).
 * @example stateAt(await runs.events(runId), 'cp-3').steps.r3.status // 'succeeded'
 */
export function stateAt(events: readonly CheckpointSourceEvent[], checkpointId: string): RunState {
  return foldUpTo(events, findCheckpoint(events, checkpointId).revision);
}
