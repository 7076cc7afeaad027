import type { CompleteExternalStep, FailExternalStep, SkipStepByCondition, TimeOutRun } from './commands.js';
import { concludeRun, refuse, requireActive, requireStep } from './decide-support.js';
import { failAttempt } from './decide-step.js';
import { RunErrorCodes } from './errors.js';
import type { RunEvent } from './events.js';
import { isExternalStep } from './plan.js';
import type { PlanStep } from './plan.js';
import { matchReviewer } from './reviewers.js';
import type { ReviewerActor } from './reviewers.js';
import { isEvaluable } from './run-rules.js';
import type { RunState, StepState } from './state.js';
import { isoToEpochMs } from './time.js';

/**
 * What a definition promises about a step or run beyond calling tools: `when` conditions, the run's
 * `timeout`, and `external` steps (tasks people report done through the API). Docs: docs/definitions.md.
 */

/**
 * `SkipStepByCondition` -> `StepSkipped{reason: 'condition_false'}` (+ `RunCompleted` when that was the last step).
 * Dependants see the step as skipped, like an operator's skip: they run when their other dependencies are done.
 * @throws DomainError run_not_running, step_not_found, run_step_without_condition (the step has no `when`),
 *   run_step_not_evaluable (not pending with its dependencies done at that attempt: it moved on meanwhile).
 */
export function skipStepByCondition({ data }: SkipStepByCondition, state: RunState, now: string): RunEvent[] {
  requireActive(state, false);
  const { step, stepState } = requireStep(state, data.stepId);
  const { stepId, attempt } = data;
  if (step.when === undefined)
    refuse(RunErrorCodes.STEP_WITHOUT_CONDITION, `step "${stepId}" has no when condition`, { stepId });
  if (stepState.status !== 'pending' || stepState.attempt !== attempt || !isEvaluable(state, step, stepState, now)) {
    refuse(
      RunErrorCodes.STEP_NOT_EVALUABLE,
      `step "${stepId}" attempt ${attempt} is not waiting on its condition: it is ${stepState.status} at attempt ${stepState.attempt}`,
      {
        stepId,
        attempt,
        status: stepState.status,
        currentAttempt: stepState.attempt,
      },
    );
  }
  return concludeRun(
    state,
    [{ type: 'StepSkipped', data: { stepId, reason: 'condition_false' } }],
    now,
    data.runDurationMs,
  );
}

/**
 * `TimeOutRun` -> `RunFailed{code: 'run_timed_out'}` once the run is `plan.timeoutMs` old, queued, running or paused
 * (queued and paused time count: the limit is on the run's age). Steps still running are abandoned: their results are refused later.
 * @throws DomainError run_not_running (neither queued, running nor paused), run_without_timeout (the plan has no
 *   `timeoutMs`), run_not_timed_out (`runDurationMs` < `timeoutMs`).
 */
export function timeOutRun({ data }: TimeOutRun, state: RunState, now: string): RunEvent[] {
  if (state.status !== 'queued') requireActive(state, true);
  const limit = state.plan?.timeoutMs;
  if (limit === undefined) refuse(RunErrorCodes.RUN_WITHOUT_TIMEOUT, 'the run has no timeout', {});
  if (data.runDurationMs < limit) {
    refuse(RunErrorCodes.RUN_NOT_TIMED_OUT, `the run is ${data.runDurationMs} ms old; its timeout is ${limit} ms`, {
      timeoutMs: limit,
      runDurationMs: data.runDurationMs,
    });
  }
  return [
    {
      type: 'RunFailed',
      data: {
        code: 'run_timed_out',
        reason: `the run exceeded its timeout of ${limit} ms (it ran ${data.runDurationMs} ms)`,
        failedAt: now,
      },
    },
  ];
}

/**
 * `CompleteExternalStep` -> `StepSucceeded{completedBy, matchedAs?}` (durationMs since `StepStarted`) + what follows
 * for the run (`RunCompleted` when it was the last step). Accepted while the run is running or paused.
 * @throws DomainError run_not_running, step_not_found, run_step_not_external, run_step_not_running (not started
 *   yet, or already completed or failed), run_actor_cannot_decide (not a human), run_reviewer_not_named (the step's
 *   `reviewers` do not name the actor by id, role or team).
 */
export function completeExternalStep({ data }: CompleteExternalStep, state: RunState, now: string): RunEvent[] {
  const { stepState, matchedAs } = requireExternalTaskOf(state, data.stepId, data.actor);
  const { stepId, attempt } = stepState;
  const succeeded: RunEvent = {
    type: 'StepSucceeded',
    data: {
      stepId,
      attempt,
      output: data.output,
      durationMs: sinceStart(stepState, now),
      completedAt: now,
      completedBy: data.actor.id,
      ...(matchedAs === undefined ? {} : { matchedAs }),
    },
  };
  return concludeRun(state, [succeeded], now, data.runDurationMs);
}

/**
 * `FailExternalStep` -> `StepFailed{error: {code: 'external_task_failed', message: reason, retryable: false}, failedBy}`,
 * then as any final failure: the run pauses when nothing else can move (an operator retries, skips or revises).
 * @throws DomainError as {@link completeExternalStep}.
 */
export function failExternalStep({ data }: FailExternalStep, state: RunState, now: string): RunEvent[] {
  const { step, stepState } = requireExternalTaskOf(state, data.stepId, data.actor);
  const error = { code: 'external_task_failed', message: data.reason, retryable: false };
  const failed = {
    type: 'StepFailed' as const,
    data: {
      stepId: step.id,
      attempt: stepState.attempt,
      error,
      durationMs: sinceStart(stepState, now),
      failedAt: now,
      failedBy: data.actor.id,
    },
  };
  return failAttempt(state, step, failed, now);
}

function requireExternalTaskOf(
  state: RunState,
  stepId: string,
  actor: ReviewerActor,
): { step: PlanStep; stepState: StepState; matchedAs?: string } {
  requireActive(state, true);
  const { step, stepState } = requireStep(state, stepId);
  if (!isExternalStep(step))
    refuse(RunErrorCodes.STEP_NOT_EXTERNAL, `step "${stepId}" is not an external task: its tool reports its result`, {
      stepId,
    });
  if (stepState.status !== 'running') {
    refuse(
      RunErrorCodes.STEP_NOT_RUNNING,
      `external step "${stepId}" is not waiting for a result: it is ${stepState.status}`,
      { stepId, status: stepState.status },
    );
  }
  if (actor.kind !== 'human')
    refuse(
      RunErrorCodes.ACTOR_CANNOT_DECIDE,
      `only a person may report external step "${stepId}"; ${actor.kind} "${actor.id}" may not`,
      { stepId, actor: actor.id },
    );
  const entry = matchReviewer(step.reviewers ?? [], actor);
  if (entry === undefined) {
    refuse(RunErrorCodes.REVIEWER_NOT_NAMED, `"${actor.id}" is not among the reviewers of external step "${stepId}"`, {
      stepId,
      reviewer: actor.id,
      reviewers: step.reviewers ?? [],
    });
  }
  return { step, stepState, ...(entry === actor.id || entry === `user:${actor.id}` ? {} : { matchedAs: entry }) };
}

function sinceStart(stepState: StepState, now: string): number {
  return stepState.startedAt === undefined ? 0 : Math.max(0, isoToEpochMs(now) - isoToEpochMs(stepState.startedAt));
}
