import type { CancelRun, RecoverStep, RetryStep, RevisePlan, SkipStep } from './commands.js';
import { cancelRun, validateGeneration } from './decide-run.js';
import { concludeRun, refuse, requireActive, requireStep } from './decide-support.js';
import { RunErrorCodes, ValidationError } from './errors.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { withStepAgent } from './plan-changes.js';
import type { PlanStep } from './plan.js';
import { validatePlan } from './plan-validation.js';
import { checkRevision } from './plan-revision.js';
import { allStepsDone, isStalled } from './run-rules.js';
import type { RunState } from './state.js';

/**
 * Operator and planner recovery of a failed step (docs/operations.md, "Failure handling and operator actions": the
 * run waits for retry, skip of an optional step, revision or cancel).
 */

/**
 * `RetryStep` -> (`RunResumed{step_retried}` when paused) + `StepRetryScheduled{attempt + 1, delayMs: 0, dueAt: now}`,
 * with the operator's `agent` (substitute), `reason` and `requestedBy` when given. An operator retry is not bounded
 * by `retry.maxAttempts`. A substitute agent must be declared in `plan.agents`; whether it may use the step's tool
 * action is the policy's decision when the attempt is evaluated (with that agent's capabilities).
 * @throws DomainError run_not_running (neither running nor paused), step_not_found, run_step_not_failed.
 * @throws ValidationError `plan_unknown_agent` for a substitute agent the plan does not declare.
 */
export function retryStep({ data }: RetryStep, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { stepState } = requireStep(state, data.stepId);
  if (stepState.status !== 'failed') {
    refuse(
      RunErrorCodes.STEP_NOT_FAILED,
      `step "${data.stepId}" is ${stepState.status}; only a failed step can be retried`,
      { stepId: data.stepId, status: stepState.status },
    );
  }
  const { stepId, agent, reason, requestedBy } = data;
  if (agent !== undefined && state.plan) validatePlan(withStepAgent(state.plan, stepId, agent));
  const resumed: RunEvent[] =
    state.status === 'paused' ? [{ type: 'RunResumed', data: { reason: 'step_retried' } }] : [];
  return [
    ...resumed,
    {
      type: 'StepRetryScheduled',
      data: {
        stepId,
        attempt: stepState.attempt + 1,
        delayMs: 0,
        dueAt: now,
        ...(agent === undefined ? {} : { agent }),
        ...(reason === undefined ? {} : { reason }),
        ...(requestedBy === undefined ? {} : { requestedBy }),
      },
    },
  ];
}

/** Resume, complete or pause after `events` changed the plan or a step: see {@link skipStep}, {@link revisePlan}, {@link recoverStep}. */
function settle(
  state: RunState,
  events: RunEvent[],
  now: string,
  runDurationMs: number,
  resumeReason: string,
  resumeAnyPause: boolean,
): RunEvent[] {
  const after = foldRun(events, state);
  const resumable = state.status === 'paused' && (resumeAnyPause || state.pause?.reason === 'step_failed');
  if (resumable && !allStepsDone(after) && !isStalled(after)) {
    return concludeRun(state, [{ type: 'RunResumed', data: { reason: resumeReason } }, ...events], now, runDurationMs);
  }
  return concludeRun(state, events, now, runDurationMs);
}

/**
 * `SkipStep` -> `StepSkipped` (with the operator's `requestedBy`; its dependants may then go on), preceded by `RunResumed{step_skipped}`
 * when the run was paused and can move again, followed by `RunCompleted` when every step is done.
 * @throws DomainError run_not_running, step_not_found, run_step_not_optional, run_step_not_skippable
 *   (status is not pending or failed).
 */
export function skipStep({ data }: SkipStep, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { step, stepState } = requireStep(state, data.stepId);
  if (!step.optional)
    refuse(RunErrorCodes.STEP_NOT_OPTIONAL, `step "${step.id}" is not optional; only optional steps may be skipped`, {
      stepId: step.id,
    });
  if (stepState.status !== 'pending' && stepState.status !== 'failed') {
    refuse(
      RunErrorCodes.STEP_NOT_SKIPPABLE,
      `step "${step.id}" is ${stepState.status}; only a pending or failed step may be skipped`,
      { stepId: step.id, status: stepState.status },
    );
  }
  const skipped: RunEvent = {
    type: 'StepSkipped',
    data: {
      stepId: step.id,
      reason: data.reason,
      ...(data.requestedBy === undefined ? {} : { requestedBy: data.requestedBy }),
    },
  };
  return settle(state, [skipped], now, data.runDurationMs, 'step_skipped', true);
}

/**
 * `RevisePlan` -> `PlanRevised{revision: n + 1}`: removes steps that are neither running nor succeeded
 * (a revision never re-runs or discards a completed step), appends `addSteps`, validates the result.
 * Preceded by `RunResumed{plan_revised}` when the run was paused for a failed step and can move again
 * (an operator's pause is kept); followed by `RunCompleted` when nothing is left to run, or
 * `RunPaused{step_failed}` when only a failed step is left.
 * @throws DomainError run_not_running, run_revision_empty, step_not_found (a removed id),
 *   run_step_already_started (a removed step is running or succeeded), run_step_id_retired (an added id
 *   belonged to a removed step that had started or opened a gate). @throws ValidationError from `validatePlan`;
 *   `plan_invalid_step` (field `learnedFrom`) for an added step claiming to come from a learned rule;
 *   `run_invalid_generation` for a `generated` record that `StartRun` would refuse (no attempt, issues in the last).
 *   `generated` (the planner's adaptive steps) is recorded as `PlanRevised.generated`.
 */
export function revisePlan({ data }: RevisePlan, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { author, reason, rule, addSteps, removeStepIds, generated } = data;
  if (addSteps.length === 0 && removeStepIds.length === 0)
    refuse(RunErrorCodes.REVISION_EMPTY, 'a revision must add or remove at least one step', {});
  const learned = addSteps.find((step) => step.learnedFrom !== undefined);
  if (learned !== undefined) {
    throw new ValidationError(
      'plan_invalid_step',
      `step "${learned.id}": learnedFrom is set by the planner's learned recoveries only, not by a revision`,
      { stepId: learned.id, field: 'learnedFrom' },
    );
  }
  if (generated !== undefined) validateGeneration(generated);
  checkRevision(state, addSteps, removeStepIds);
  const revised: RunEvent = {
    type: 'PlanRevised',
    data: {
      revision: state.planRevision + 1,
      author,
      reason,
      ...(rule === undefined ? {} : { rule }),
      addedSteps: addSteps,
      removedStepIds: removeStepIds,
      ...(generated === undefined ? {} : { generated }),
    },
  };
  return settle(state, [revised], now, data.runDurationMs, 'plan_revised', false);
}

/** `CancelRun` -> `RunCancelled` (see `cancelRun`), with the operator's `requestedBy` when given. */
export function cancelRunRequested(command: CancelRun, state: RunState): RunEvent[] {
  const { requestedBy } = command.data;
  return cancelRun(command, state).map((event) =>
    event.type === 'RunCancelled' && requestedBy !== undefined
      ? { ...event, data: { ...event.data, requestedBy } }
      : event,
  );
}

/**
 * `RecoverStep` -> [`RunResumed{step_recovered}` when paused for a failed step] + `PlanRevised{author: 'planner', rule,
 * addedSteps: recoverySteps, addedDependencies: {<stepId>: recovery ids}}` + `StepRetryScheduled{attempt + 1, delayMs: 0,
 * waitsFor: recovery ids}`: one commit. The failed step goes back to `pending` at the next attempt and runs once
 * its recovery steps are done (docs/definitions.md, "Recoveries": the planner revises on its own). A learned rule
 * (`recommendationId` given) is recorded as `PlanRevised.recommendationId`, and each added step carries
 * `learnedFrom: {rule, recommendationId}`; without it, added steps carry no `learnedFrom` (one given is dropped).
 * @throws DomainError run_not_running, step_not_found, run_step_not_failed (not failed at `attempt`: already
 *   recovered or retried; callers read it as "done"), run_revision_empty (no recovery step), run_step_id_retired.
 * @throws ValidationError from `validatePlan` (e.g. `plan_duplicate_step` when the recovery steps are in the plan
 *   already: a rule fires once per run for the same steps; `workflow_depth_exceeded`); `plan_invalid_step` for an
 *   empty `recommendationId`.
 */
export function recoverStep({ data }: RecoverStep, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { stepId, attempt, rule, recommendationId } = data;
  const { stepState } = requireStep(state, stepId);
  if (stepState.status !== 'failed' || stepState.attempt !== attempt) {
    refuse(
      RunErrorCodes.STEP_NOT_FAILED,
      `step "${stepId}" attempt ${attempt} is not failed (step is ${stepState.status} at attempt ${stepState.attempt}); nothing to recover`,
      {
        stepId,
        attempt,
        status: stepState.status,
        currentAttempt: stepState.attempt,
      },
    );
  }
  if (data.recoverySteps.length === 0)
    refuse(RunErrorCodes.REVISION_EMPTY, `recovery rule "${rule}" adds no step`, { rule });
  if (recommendationId !== undefined && (typeof recommendationId !== 'string' || recommendationId === '')) {
    throw new ValidationError('plan_invalid_step', `recommendationId must be a non-empty string`, {
      field: 'recommendationId',
    });
  }
  // The command, not the steps it carries, says whether the rule is a learned one.
  const recoverySteps = data.recoverySteps.map(({ learnedFrom: _given, ...step }): PlanStep =>
    recommendationId === undefined ? step : { ...step, learnedFrom: { rule, recommendationId } },
  );
  const ids = recoverySteps.map((step) => step.id);
  const addedDependencies = { [stepId]: ids };
  checkRevision(state, recoverySteps, [], addedDependencies);
  const reason =
    data.reason ??
    `step "${stepId}" failed with ${stepState.error?.code ?? 'an error'}: recovery rule "${rule}" runs ${ids.join(', ')} before attempt ${attempt + 1}`;
  const events: RunEvent[] = [
    {
      type: 'PlanRevised',
      data: {
        revision: state.planRevision + 1,
        author: 'planner',
        reason,
        rule,
        ...(recommendationId === undefined ? {} : { recommendationId }),
        addedSteps: recoverySteps,
        removedStepIds: [],
        addedDependencies,
      },
    },
    { type: 'StepRetryScheduled', data: { stepId, attempt: attempt + 1, delayMs: 0, dueAt: now, waitsFor: ids } },
  ];
  return settle(state, events, now, 0 /* never used: the recovered step is left to run */, 'step_recovered', false);
}
