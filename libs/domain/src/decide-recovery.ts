import type { RetryStep, RevisePlan, SkipStep } from './commands.js';
import { concludeRun, refuse, requireActive, requireStep } from './decide-support.js';
import { RunErrorCodes } from './errors.js';
import type { RunEvent } from './events.js';
import { evolve } from './evolve.js';
import { applyPlanRevision } from './plan.js';
import { validatePlan } from './plan-validation.js';
import { allStepsDone, isStalled, usedStepId } from './run-rules.js';
import type { RunState } from './state.js';

/**
 * Operator and planner recovery of a failed step (design brief, "Invariants": the run waits for retry,
 * skip of an optional step, revision or cancel).
 */

/**
 * `RetryStep` -> (`RunResumed{step_retried}` when paused) + `StepRetryScheduled{attempt + 1, delayMs: 0, dueAt: now}`.
 * An operator retry is not bounded by `retry.maxAttempts`.
 * @throws DomainError RUN.NOT_RUNNING (neither running nor paused), RUN.STEP_NOT_FOUND, RUN.STEP_NOT_FAILED.
 */
export function retryStep({ data }: RetryStep, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { stepState } = requireStep(state, data.stepId);
  if (stepState.status !== 'failed') {
    refuse(RunErrorCodes.STEP_NOT_FAILED, `step "${data.stepId}" is ${stepState.status}; only a failed step can be retried`, { stepId: data.stepId, status: stepState.status });
  }
  const resumed: RunEvent[] = state.status === 'paused' ? [{ type: 'RunResumed', data: { reason: 'step_retried' } }] : [];
  return [...resumed, { type: 'StepRetryScheduled', data: { stepId: data.stepId, attempt: stepState.attempt + 1, delayMs: 0, dueAt: now } }];
}

/** Resume, complete or pause after `event` changed the plan or a step: see {@link skipStep} and {@link revisePlan}. */
function settle(state: RunState, event: RunEvent, now: string, runDurationMs: number, resumeReason: string, resumeAnyPause: boolean): RunEvent[] {
  const after = evolve(state, event);
  const resumable = state.status === 'paused' && (resumeAnyPause || state.pause?.reason === 'step_failed');
  if (resumable && !allStepsDone(after) && !isStalled(after)) {
    return concludeRun(state, [{ type: 'RunResumed', data: { reason: resumeReason } }, event], now, runDurationMs);
  }
  return concludeRun(state, [event], now, runDurationMs);
}

/**
 * `SkipStep` -> `StepSkipped` (its dependants may then go on), preceded by `RunResumed{step_skipped}`
 * when the run was paused and can move again, followed by `RunCompleted` when every step is done.
 * @throws DomainError RUN.NOT_RUNNING, RUN.STEP_NOT_FOUND, RUN.STEP_NOT_OPTIONAL, RUN.STEP_NOT_SKIPPABLE
 *   (status is not pending or failed).
 */
export function skipStep({ data }: SkipStep, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { step, stepState } = requireStep(state, data.stepId);
  if (!step.optional) refuse(RunErrorCodes.STEP_NOT_OPTIONAL, `step "${step.id}" is not optional; only optional steps may be skipped`, { stepId: step.id });
  if (stepState.status !== 'pending' && stepState.status !== 'failed') {
    refuse(RunErrorCodes.STEP_NOT_SKIPPABLE, `step "${step.id}" is ${stepState.status}; only a pending or failed step may be skipped`, { stepId: step.id, status: stepState.status });
  }
  return settle(state, { type: 'StepSkipped', data: { stepId: step.id, reason: data.reason } }, now, data.runDurationMs, 'step_skipped', true);
}

/**
 * `RevisePlan` -> `PlanRevised{revision: n + 1}`: removes steps that are neither running nor succeeded
 * (a revision never re-runs or discards a completed step), appends `addSteps`, validates the result.
 * Preceded by `RunResumed{plan_revised}` when the run was paused for a failed step and can move again
 * (an operator's pause is kept); followed by `RunCompleted` when nothing is left to run, or
 * `RunPaused{step_failed}` when only a failed step is left.
 * @throws DomainError RUN.NOT_RUNNING, RUN.REVISION_EMPTY, RUN.STEP_NOT_FOUND (a removed id),
 *   RUN.STEP_ALREADY_STARTED (a removed step is running or succeeded), RUN.STEP_ID_RETIRED (an added id
 *   belonged to a removed step that had started or opened a gate). @throws ValidationError from `validatePlan`.
 */
export function revisePlan({ data }: RevisePlan, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { author, reason, rule, addSteps, removeStepIds } = data;
  if (addSteps.length === 0 && removeStepIds.length === 0) refuse(RunErrorCodes.REVISION_EMPTY, 'a revision must add or remove at least one step', {});
  for (const stepId of removeStepIds) {
    const { stepState } = requireStep(state, stepId);
    if (stepState.status === 'running' || stepState.status === 'succeeded') {
      refuse(RunErrorCodes.STEP_ALREADY_STARTED, `step "${stepId}" is ${stepState.status} and cannot be removed`, { stepId, status: stepState.status });
    }
  }
  for (const step of addSteps) {
    if (state.retiredStepIds.includes(step.id) || (removeStepIds.includes(step.id) && usedStepId(state.steps[step.id]))) {
      refuse(RunErrorCodes.STEP_ID_RETIRED, `step id "${step.id}" belonged to a removed step that had started or opened a gate; use a new id`, { stepId: step.id });
    }
  }
  if (state.plan) validatePlan(applyPlanRevision(state.plan, addSteps, removeStepIds));
  const revised: RunEvent = {
    type: 'PlanRevised',
    data: { revision: state.planRevision + 1, author, reason, ...(rule === undefined ? {} : { rule }), addedSteps: addSteps, removedStepIds: removeStepIds },
  };
  return settle(state, revised, now, data.runDurationMs, 'plan_revised', false);
}
