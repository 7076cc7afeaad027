import { stepsAddedByTool } from './added-steps.js';
import type {
  ReclaimStep,
  RecordStepFailed,
  RecordStepInputFailed,
  RecordStepPolicyDecision,
  RecordStepSucceeded,
  StartStep,
} from './commands.js';
import { cumulativeConfidenceOf, reviewRequirementOf } from './confidence.js';
import { concludeRun, refuse, requireActive, requireStep } from './decide-support.js';
import { RunErrorCodes } from './errors.js';
import type { RunEvent } from './events.js';
import { gateRequirementOf } from './gate-requirement.js';
import { isExternalStep, retryDelayMs } from './plan.js';
import type { PlanStep } from './plan.js';
import { gateRequired, isEvaluable, runningCount } from './run-rules.js';
import type { RunState } from './state.js';
import { addMilliseconds } from './time.js';
import { recordedUsage } from './usage.js';

/**
 * `RecordStepPolicyDecision` -> `StepPolicyEvaluated`, then: deny -> `StepBlocked{policy_denied}` +
 * `RunFailed{policy_denied}`. Otherwise the event alone: the step becomes `awaiting_approval` (no gate yet)
 * when a gate is needed (policy `require_approval`, or the step declares a gate not yet approved; a retry
 * of a step whose gate was approved needs none: one gate per step), else `ready`. The gate itself is opened
 * by the approval service with `OpenGate` (see `gatesToOpen`); this command emits no `GateOpened`.
 * @throws DomainError run_not_running, step_not_found, run_step_not_evaluable (not pending with
 *   dependencies met nor a due retry, or another attempt), run_gate_without_reviewers (a gate is needed but
 *   neither `decision.gate` nor the step's gate names a reviewer: nobody could ever open and decide it).
 */
export function recordStepPolicyDecision({ data }: RecordStepPolicyDecision, state: RunState, now: string): RunEvent[] {
  requireActive(state, false);
  const { step, stepState } = requireStep(state, data.stepId);
  const { stepId, attempt, decision } = data;
  if (!isEvaluable(state, step, stepState, now) || stepState.attempt !== attempt) {
    refuse(
      RunErrorCodes.STEP_NOT_EVALUABLE,
      `step "${stepId}" attempt ${attempt} cannot be evaluated: it is ${stepState.status} at attempt ${stepState.attempt} (needs pending with dependencies met, or a due retry)`,
      {
        stepId,
        attempt,
        status: stepState.status,
        currentAttempt: stepState.attempt,
      },
    );
  }
  const evaluated: RunEvent = { type: 'StepPolicyEvaluated', data: { stepId, attempt, decision } };
  if (decision.outcome === 'deny') {
    const policies = decision.rules.filter((rule) => rule.result === 'fail').map((rule) => `${rule.pack}/${rule.rule}`);
    return [
      evaluated,
      { type: 'StepBlocked', data: { stepId, attempt, code: 'policy_denied', reason: decision.rationale, policies } },
      { type: 'RunFailed', data: { code: 'policy_denied', reason: decision.rationale, stepId, failedAt: now } },
    ];
  }
  if (gateRequired(state, step, decision) !== undefined && gateRequirementOf(step, decision).reviewers.length === 0) {
    refuse(
      RunErrorCodes.GATE_WITHOUT_REVIEWERS,
      `step "${stepId}": a gate is needed but neither decision.gate nor the step's gate names a reviewer`,
      { stepId, auditId: decision.auditId },
    );
  }
  return [evaluated];
}

/**
 * `StartStep` -> `StepStarted` (agent, tool, action, timeoutMs from the plan; startedAt = now). An `external`
 * step starts with no policy decision (there is no tool call to authorize; whoever completes it must be named in
 * its `reviewers`): from pending with its dependencies done, or from a due retry.
 * @throws DomainError run_not_running, step_not_found, run_step_already_started (that attempt ran or
 *   runs), run_step_not_ready, run_concurrency_limit_reached (`plan.concurrency` steps running).
 */
export function startStep({ data }: StartStep, state: RunState, now: string): RunEvent[] {
  requireActive(state, false);
  const { step, stepState } = requireStep(state, data.stepId);
  const { stepId, attempt } = data;
  const ranThisAttempt = stepState.attempt === attempt && ['running', 'succeeded', 'failed'].includes(stepState.status);
  if (attempt < stepState.attempt || ranThisAttempt) {
    refuse(
      RunErrorCodes.STEP_ALREADY_STARTED,
      `step "${stepId}" attempt ${attempt} was already started (step is ${stepState.status} at attempt ${stepState.attempt})`,
      { stepId, attempt, status: stepState.status },
    );
  }
  const startable = isExternalStep(step) ? isEvaluable(state, step, stepState, now) : stepState.status === 'ready';
  if (!startable || stepState.attempt !== attempt) {
    refuse(
      RunErrorCodes.STEP_NOT_READY,
      `step "${stepId}" attempt ${attempt} is not ready: it is ${stepState.status} at attempt ${stepState.attempt}`,
      { stepId, attempt, status: stepState.status },
    );
  }
  const concurrency = state.plan?.concurrency ?? 1;
  if (runningCount(state) >= concurrency) {
    refuse(
      RunErrorCodes.CONCURRENCY_LIMIT_REACHED,
      `run already has ${runningCount(state)} steps running; plan.concurrency is ${concurrency}`,
      { stepId, limit: concurrency },
    );
  }
  const { agent, tool, action, timeoutMs } = step;
  const executor = data.executor === undefined ? {} : { executor: data.executor };
  return [
    {
      type: 'StepStarted',
      data: {
        stepId,
        attempt,
        idempotencyKey: data.idempotencyKey,
        agent,
        tool,
        action,
        input: data.input,
        timeoutMs,
        startedAt: now,
        ...executor,
      },
    },
  ];
}

/**
 * `ReclaimStep` -> `StepReclaimed`: an executor instance takes over a running attempt (not an `external` step, which
 * no executor runs) whose executor is gone; the caller decides that it is gone (executor-presence.ts). Appended with
 * an expected revision, so of two replicas reclaiming at once one wins and only it dispatches. Nothing when
 * `executor` already has the attempt. The run may be paused (a paused run's running steps still finish).
 * @throws DomainError run_not_running (the run ended), step_not_found, run_step_not_running (that attempt is not
 *   running: it finished, or another attempt runs), run_step_external.
 */
export function reclaimStep({ data }: ReclaimStep, state: RunState, now: string): RunEvent[] {
  const step = requireRunningAttempt(state, data.stepId, data.attempt);
  if (isExternalStep(step))
    refuse(RunErrorCodes.STEP_EXTERNAL, `step "${data.stepId}" is external: no executor runs it`, {
      stepId: data.stepId,
    });
  const previous = state.steps[data.stepId]?.executor;
  if (previous === data.executor) return [];
  const { stepId, attempt, executor } = data;
  return [
    {
      type: 'StepReclaimed',
      data: {
        stepId,
        attempt,
        executor,
        ...(previous === undefined ? {} : { previousExecutor: previous }),
        reclaimedAt: now,
      },
    },
  ];
}

function requireRunningAttempt(state: RunState, stepId: string, attempt: number): PlanStep {
  requireActive(state, true);
  const { step, stepState } = requireStep(state, stepId);
  if (stepState.status !== 'running' || stepState.attempt !== attempt) {
    refuse(
      RunErrorCodes.STEP_NOT_RUNNING,
      `step "${stepId}" attempt ${attempt} is not running (step is ${stepState.status} at attempt ${stepState.attempt})`,
      { stepId, attempt, status: stepState.status },
    );
  }
  return step;
}

/**
 * `RecordStepSucceeded` -> `StepSucceeded` (+ `RunCompleted{durationMs: runDurationMs}` when every step
 * succeeded or was skipped; + `RunPaused{step_failed}` when only a failed step is left).
 * `StepSucceeded.cumulativeConfidence` (confidence.ts) is recorded when the step gave a confidence or an
 * upstream one lowered it; `review` when the result is held for review (`reviewRequirementOf`): the run then
 * neither completes nor lets the step's dependants start until its `confidence` gate is approved or redirected.
 * `addSteps` (from the tool's result): + `PlanRevised{author: 'tool:<tool>.<action>'}` in the same commit, or
 * + `RunFailed{code}` when the plan cannot take them, e.g. `workflow_depth_exceeded` past 50 steps (added-steps.ts).
 * `usage` is recorded when the tool reported at least one of its fields.
 * @throws DomainError run_not_running (run neither running nor paused), step_not_found,
 *   run_step_not_running (not running with that attempt: callers treat it as "already recorded").
 */
export function recordStepSucceeded({ data }: RecordStepSucceeded, state: RunState, now: string): RunEvent[] {
  const step = requireRunningAttempt(state, data.stepId, data.attempt);
  const { stepId, attempt, output, confidence, lineage, durationMs, reasoning, alternatives } = data;
  const usage = recordedUsage(data.usage);
  const cumulative = cumulativeConfidenceOf(state, stepId, confidence ?? 1);
  const review = reviewRequirementOf(state, step, confidence, cumulative);
  const succeeded: RunEvent = {
    type: 'StepSucceeded',
    data: {
      stepId,
      attempt,
      output,
      ...(confidence === undefined ? {} : { confidence }),
      ...(lineage === undefined ? {} : { lineage }),
      durationMs,
      completedAt: now,
      ...(confidence !== undefined || cumulative < 1 ? { cumulativeConfidence: cumulative } : {}),
      ...(review === undefined ? {} : { review }),
      ...(reasoning === undefined ? {} : { reasoning }),
      ...(alternatives === undefined ? {} : { alternatives }),
      ...(usage === undefined ? {} : { usage }),
    },
  };
  if (data.addSteps === undefined || data.addSteps.length === 0)
    return concludeRun(state, [succeeded], now, data.runDurationMs);
  const added = stepsAddedByTool(state, step, data.addSteps, now);
  return added.type === 'RunFailed'
    ? [succeeded, added]
    : concludeRun(state, [succeeded, added], now, data.runDurationMs);
}

/**
 * `RecordStepFailed` -> `StepFailed`, then `StepRetryScheduled{attempt + 1, delayMs, dueAt}` when the
 * error is retryable and `attempt < retry.maxAttempts` (delay: `retryDelayMs`); otherwise the step stays
 * failed and, when nothing else can move, `RunPaused{reason: 'step_failed', stepId}`.
 * @throws DomainError run_not_running, step_not_found, run_step_not_running.
 */
export function recordStepFailed({ data }: RecordStepFailed, state: RunState, now: string): RunEvent[] {
  const step = requireRunningAttempt(state, data.stepId, data.attempt);
  const { stepId, attempt, error, durationMs } = data;
  return failAttempt(
    state,
    step,
    { type: 'StepFailed', data: { stepId, attempt, error, durationMs, failedAt: now } },
    now,
  );
}

/**
 * `RecordStepInputFailed` -> `StepFailed{durationMs: 0}` for an attempt that never started, then as
 * `RecordStepFailed` (retry when `error.retryable` and attempts remain, else the run pauses when nothing
 * else can move). Accepted while the attempt waits for policy (evaluable at `now`) or is ready to start.
 * @throws DomainError run_not_running, step_not_found, run_step_not_startable (neither evaluable nor
 *   ready with that attempt: it started, ended, awaits approval, or another attempt is current).
 */
export function recordStepInputFailed({ data }: RecordStepInputFailed, state: RunState, now: string): RunEvent[] {
  requireActive(state, false);
  const { step, stepState } = requireStep(state, data.stepId);
  const { stepId, attempt, error } = data;
  const waiting = stepState.status === 'ready' || isEvaluable(state, step, stepState, now);
  if (!waiting || stepState.attempt !== attempt) {
    refuse(
      RunErrorCodes.STEP_NOT_STARTABLE,
      `step "${stepId}" attempt ${attempt} is not about to start: it is ${stepState.status} at attempt ${stepState.attempt}`,
      {
        stepId,
        attempt,
        status: stepState.status,
        currentAttempt: stepState.attempt,
      },
    );
  }
  return failAttempt(
    state,
    step,
    { type: 'StepFailed', data: { stepId, attempt, error, durationMs: 0, failedAt: now } },
    now,
  );
}

/**
 * Records a failed attempt: `StepRetryScheduled` when `error.retryable` and attempts remain, else the step stays
 * failed and the run pauses when nothing else can move (see `concludeRun`).
 */
export function failAttempt(
  state: RunState,
  step: PlanStep,
  failed: Extract<RunEvent, { type: 'StepFailed' }>,
  now: string,
): RunEvent[] {
  const { stepId, attempt, error } = failed.data;
  if (error.retryable && attempt < step.retry.maxAttempts) {
    const delayMs = retryDelayMs(step.retry, attempt);
    return [
      failed,
      {
        type: 'StepRetryScheduled',
        data: { stepId, attempt: attempt + 1, delayMs, dueAt: addMilliseconds(now, delayMs) },
      },
    ];
  }
  return concludeRun(state, [failed], now, 0 /* never used: a failed step cannot complete the run */, stepId);
}
