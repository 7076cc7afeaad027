import { underReview } from './confidence.js';
import { gateIdOf } from './events.js';
import type { GateSource, PolicyDecision } from './events.js';
import type { PlanStep } from './plan.js';
import type { GateState, RunState, StepState } from './state.js';
import { isDue } from './time.js';

/**
 * Read-only questions about a run state, shared by `evolve`, `decide` and `nextActions` so the
 * rules live in one place (docs/events.md, "Commands").
 */

/** Done: skipped, or succeeded with no review pending (confidence.ts: a result held for review is not done yet). */
function isDone(state: RunState, stepState: StepState | undefined): boolean {
  if (stepState === undefined) return false;
  return stepState.status === 'skipped' || (stepState.status === 'succeeded' && !underReview(state, stepState));
}

/** Plan steps in plan order, each with its state. */
export function stepsInOrder(state: RunState): Array<{ step: PlanStep; stepState: StepState }> {
  const result: Array<{ step: PlanStep; stepState: StepState }> = [];
  for (const step of state.plan?.steps ?? []) {
    const stepState = state.steps[step.id];
    if (stepState) result.push({ step, stepState });
  }
  return result;
}

export function planStepOf(state: RunState, stepId: string): PlanStep | undefined {
  return state.plan?.steps.find((step) => step.id === stepId);
}

/** True when every dependency of `step` succeeded (and is not held for review) or was skipped. */
export function dependenciesSatisfied(state: RunState, step: PlanStep): boolean {
  return step.dependsOn.every((dependency) => isDone(state, state.steps[dependency]));
}

/** The gate of a step, if one was opened. */
export function gateOfStep(state: RunState, stepId: string): GateState | undefined {
  return state.runId === undefined ? undefined : state.gates[gateIdOf(state.runId, stepId)];
}

/**
 * Which gate a decision requires before the step may start: `policy` for `require_approval`,
 * `definition` when the step declares a gate; undefined when none, or when the step's gate was already
 * approved (one gate per step: a retry of an approved step needs no new gate). Reviewers and SLA of the
 * gate: `gateRequirementOf` (gate-requirement.ts).
 */
export function gateRequired(state: RunState, step: PlanStep, decision: PolicyDecision): GateSource | undefined {
  if (decision.outcome === 'deny') return undefined;
  if (gateOfStep(state, step.id)?.status === 'approved') return undefined;
  if (decision.outcome === 'require_approval') return 'policy';
  return step.gate ? 'definition' : undefined;
}

/** True when the step waits for a policy decision now: pending with dependencies met, or a retry due at `now`. */
export function isEvaluable(state: RunState, step: PlanStep, stepState: StepState, now: string): boolean {
  if (stepState.status === 'pending') return dependenciesSatisfied(state, step);
  if (stepState.status === 'retry_scheduled')
    return stepState.retryDueAt === undefined || isDue(stepState.retryDueAt, now);
  return false;
}

export function runningCount(state: RunState): number {
  return state.counts.running;
}

/** True when every step of the plan succeeded (none held for review) or was skipped. */
export function allStepsDone(state: RunState): boolean {
  const entries = stepsInOrder(state);
  return entries.length > 0 && entries.every(({ stepState }) => isDone(state, stepState));
}

/**
 * True when some step can still make progress without an operator: running, ready, awaiting approval
 * (whether its gate is opened yet or not: the approval service opens it, a reviewer decides it),
 * retry scheduled, pending with its dependencies met, or succeeded and held for review (a reviewer decides).
 */
export function hasLiveWork(state: RunState): boolean {
  return stepsInOrder(state).some(({ step, stepState }) => {
    switch (stepState.status) {
      case 'running':
      case 'ready':
      case 'awaiting_approval':
      case 'retry_scheduled':
        return true;
      case 'pending':
        return dependenciesSatisfied(state, step);
      case 'succeeded':
        return underReview(state, stepState);
      default:
        return false;
    }
  });
}

/** The first failed step in plan order, if any. */
export function firstFailedStep(state: RunState): string | undefined {
  return stepsInOrder(state).find(({ stepState }) => stepState.status === 'failed')?.step.id;
}

/** True when the run is not done and nothing can move without an operator (a failed step holds it). */
export function isStalled(state: RunState): boolean {
  return !allStepsDone(state) && !hasLiveWork(state);
}

/** True when removing this step retires its id: it started an attempt or opened a gate (see `RunState.retiredStepIds`). */
export function usedStepId(stepState: StepState | undefined): boolean {
  return stepState !== undefined && (stepState.startedAt !== undefined || stepState.gateId !== undefined);
}
