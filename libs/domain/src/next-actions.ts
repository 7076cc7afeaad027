import { underReview } from './confidence.js';
import { isExternalStep } from './plan.js';
import { gateOfStep, isEvaluable, runningCount, stepsInOrder } from './run-rules.js';
import type { GateState, RunState } from './state.js';
import { isoToEpochMs, isDue } from './time.js';

/** What the executor should do next for a run: ask policy about a step attempt, or start a ready one. */
export type NextAction =
  | { readonly type: 'evaluate_policy'; readonly stepId: string; readonly attempt: number }
  | { readonly type: 'start_step'; readonly stepId: string; readonly attempt: number };

/**
 * The executor's work list at `now` (ISO-8601): `start_step` for ready steps (and for `external` steps whose
 * dependencies are done or whose retry is due: they need no policy decision), then `evaluate_policy` for
 * pending steps whose dependencies succeeded or were skipped and for retries due at `now`, each group
 * in plan order; at most `plan.concurrency - running` actions in all. Empty unless the run is running.
 * Nothing for a step awaiting approval: its gate is the approval service's work ({@link gatesToOpen}).
 */
export function nextActions(state: RunState, now: string): NextAction[] {
  if (state.status !== 'running' || !state.plan) return [];
  const free = state.plan.concurrency - runningCount(state);
  if (free <= 0) return [];
  const starts: NextAction[] = [];
  const evaluations: NextAction[] = [];
  for (const { step, stepState } of stepsInOrder(state)) {
    const { stepId, attempt } = stepState;
    const evaluable = isEvaluable(state, step, stepState, now);
    if (stepState.status === 'ready' || (evaluable && isExternalStep(step)))
      starts.push({ type: 'start_step', stepId, attempt });
    else if (evaluable) evaluations.push({ type: 'evaluate_policy', stepId, attempt });
  }
  return [...starts, ...evaluations].slice(0, free);
}

/**
 * The approval service's work list: steps whose gate is not opened yet, each with its current attempt and
 * the gate's source, in plan order: `awaiting_approval` steps (`approval`), and succeeded steps whose result
 * is held for review (`confidence`, see confidence.ts). The service sends `OpenGate{stepId}` for each.
 * Includes a paused run (gates open while paused); empty when the run has not started or has ended.
 */
export function gatesToOpen(
  state: RunState,
): Array<{ stepId: string; attempt: number; kind: 'approval' | 'confidence' }> {
  if (state.status !== 'running' && state.status !== 'paused') return [];
  return stepsInOrder(state)
    .filter(
      ({ stepState }) =>
        gateOfStep(state, stepState.stepId) === undefined &&
        (stepState.status === 'awaiting_approval' || underReview(state, stepState)),
    )
    .map(({ stepState }) => ({
      stepId: stepState.stepId,
      attempt: stepState.attempt,
      kind: stepState.status === 'awaiting_approval' ? ('approval' as const) : ('confidence' as const),
    }));
}

function earliest(times: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const time of times) if (best === undefined || isoToEpochMs(time) < isoToEpochMs(best)) best = time;
  return best;
}

/**
 * The earliest `retryDueAt` among retry-scheduled steps (ISO-8601), for the executor's durable timer;
 * undefined when none or when the run is not running. A time already past means "act now".
 */
export function wakeAt(state: RunState): string | undefined {
  if (state.status !== 'running') return undefined;
  const dues = Object.values(state.steps).flatMap((step) =>
    step.status === 'retry_scheduled' && step.retryDueAt !== undefined ? [step.retryDueAt] : [],
  );
  return earliest(dues);
}

/**
 * Open gates that can still be escalated (`escalateTo` non-empty) and have a dueAt, as candidates for a timer.
 * Running or paused runs (a gate may be decided, and so escalated, while the run is paused).
 */
function escalatableGates(state: RunState): GateState[] {
  if (state.status !== 'running' && state.status !== 'paused') return [];
  return Object.values(state.gates).filter(
    (gate) => gate.status === 'open' && gate.escalateTo.length > 0 && gate.dueAt !== undefined,
  );
}

/** Open gates due for escalation at `now`: `dueAt <= now` and `escalateTo` non-empty. Empty unless running or paused. */
export function dueGates(state: RunState, now: string): GateState[] {
  return escalatableGates(state).filter((gate) => isDue(gate.dueAt as string, now));
}

/** The earliest dueAt of a gate that can be escalated, for the approval service's timer; undefined when none. */
export function gateWakeAt(state: RunState): string | undefined {
  return earliest(escalatableGates(state).map((gate) => gate.dueAt as string));
}
