import type { CancelRun, DequeueRun, PauseRun, ResumeRun, StartRun } from './commands.js';
import { refuse } from './decide-support.js';
import { RunErrorCodes, ValidationError } from './errors.js';
import { EVALUATION_TAG_PATTERN } from './events.js';
import type { EvaluationTag, PlanGeneration, PlanGeneratorName, RunEvent, RunQueued } from './events.js';
import type { Plan } from './plan.js';
import { validatePlan } from './plan-validation.js';
import { firstFailedStep, isStalled } from './run-rules.js';
import type { RunState } from './state.js';

const ENDED = new Set(['completed', 'failed', 'cancelled']);

/** `RunQueued` for a plan with `maxConcurrentRuns` (the run waits for a slot), else nothing. */
export function queuedFor(plan: Plan): RunQueued[] {
  return plan.maxConcurrentRuns === undefined
    ? []
    : [{ type: 'RunQueued', data: { workflowId: plan.workflowId, maxConcurrentRuns: plan.maxConcurrentRuns } }];
}

/**
 * `StartRun` -> `RunTriggered` (with `evaluation` when given), `PlanGenerated` when the plan was generated from a goal
 * (`generated`), `PlanCreated` (`author: planner:<generator>` for a generated plan), and `RunQueued` when the plan
 * declares `maxConcurrentRuns` (the run is `queued` until `DequeueRun`).
 * @throws DomainError run_already_started (the stream already holds a run), run_plan_mismatch (the plan is
 *   of another workflow id/version). @throws ValidationError from `validatePlan`; `run_invalid_evaluation` (a
 *   `goldenSet` or `caseId` that is not 1..128 of `[A-Za-z0-9._:-]`, `details.field` naming it);
 *   `run_invalid_generation` (`generated.generator` not `catalog` or `llm`, an empty `goal`, no `attempts`, or a last
 *   attempt with issues: a refused plan is never recorded).
 */
export function startRun({ data }: StartRun, state: RunState): RunEvent[] {
  const { runId, workflowId, workflowVersion, trigger, input, plan, evaluation, generated } = data;
  if (state.status !== 'none')
    refuse(
      RunErrorCodes.ALREADY_STARTED,
      `run "${state.runId ?? runId}" was already started (status ${state.status})`,
      { runId, status: state.status },
    );
  if (plan.workflowId !== workflowId || plan.workflowVersion !== workflowVersion) {
    refuse(
      RunErrorCodes.PLAN_MISMATCH,
      `plan is of ${plan.workflowId}@${plan.workflowVersion}, the run of ${workflowId}@${workflowVersion}`,
      { workflowId, workflowVersion },
    );
  }
  validatePlan(plan);
  if (evaluation !== undefined) validateEvaluationTag(evaluation);
  if (generated !== undefined) validateGeneration(generated);
  return [
    {
      type: 'RunTriggered',
      data: {
        runId,
        workflowId,
        workflowVersion,
        trigger,
        input,
        ...(evaluation === undefined
          ? {}
          : { evaluation: { goldenSet: evaluation.goldenSet, caseId: evaluation.caseId } }),
      },
    },
    ...(generated === undefined ? [] : [{ type: 'PlanGenerated' as const, data: generated }]),
    {
      type: 'PlanCreated',
      data: { plan, ...(generated === undefined ? {} : { author: `planner:${generated.generator}` }) },
    },
    ...queuedFor(plan),
  ];
}

const GENERATORS: ReadonlySet<string> = new Set<PlanGeneratorName>(['catalog', 'llm']);

/**
 * `generated` may be recorded: a known generator, a non-empty goal, at least one attempt, the last one without issues.
 * @throws ValidationError `run_invalid_generation` naming the field (`details.field`: `generated.<field>`).
 */
export function validateGeneration(generated: PlanGeneration): void {
  const fail = (field: string, message: string): never => {
    throw new ValidationError('run_invalid_generation', `generated.${field} ${message}`, {
      field: `generated.${field}`,
    });
  };
  if (!GENERATORS.has(generated.generator))
    fail('generator', `must be catalog or llm, got ${JSON.stringify(generated.generator)}`);
  if (typeof generated.goal !== 'string' || generated.goal.trim() === '') fail('goal', 'must be a non-empty string');
  const last = generated.attempts.at(-1);
  if (last === undefined) fail('attempts', 'must hold at least the accepted attempt');
  else if (last.issues.length > 0)
    fail(`attempts.${generated.attempts.length - 1}.issues`, 'must be empty: the last attempt is the accepted plan');
}

/**
 * `DequeueRun` -> `RunDequeued{dequeuedAt: now}`: the queued run runs (its first steps become next actions).
 * @throws DomainError run_not_queued (not queued: already dequeued by another executor, or ended meanwhile).
 */
export function dequeueRun(_command: DequeueRun, state: RunState, now: string): RunEvent[] {
  if (state.status !== 'queued')
    refuse(RunErrorCodes.NOT_QUEUED, `run is ${state.status}; only a queued run can be dequeued`, {
      status: state.status,
    });
  return [{ type: 'RunDequeued', data: { dequeuedAt: now } }];
}

/**
 * `CancelRun` -> `RunCancelled`.
 * @throws DomainError run_not_running (never started), run_already_ended (completed, failed or cancelled).
 */
export function cancelRun({ data }: CancelRun, state: RunState): RunEvent[] {
  if (state.status === 'none') refuse(RunErrorCodes.NOT_RUNNING, 'run was never started', { status: state.status });
  if (ENDED.has(state.status))
    refuse(RunErrorCodes.ALREADY_ENDED, `run already ended: ${state.status}`, { status: state.status });
  return [{ type: 'RunCancelled', data: { reason: data.reason } }];
}

/** `PauseRun` -> `RunPaused{reason}`: nothing new starts until resumed. @throws DomainError run_not_running (also a queued run). */
export function pauseRun({ data }: PauseRun, state: RunState): RunEvent[] {
  if (state.status !== 'running')
    refuse(RunErrorCodes.NOT_RUNNING, `run is ${state.status}; only a running run can be paused`, {
      status: state.status,
    });
  return [
    {
      type: 'RunPaused',
      data: {
        reason: data.reason,
        ...(data.requestedBy === undefined ? {} : { requestedBy: data.requestedBy }),
        ...(data.code === undefined ? {} : { code: data.code }),
        ...(data.secrets === undefined ? {} : { secrets: [...data.secrets] }),
      },
    },
  ];
}

/**
 * `ResumeRun` -> `RunResumed{reason}`.
 * @throws DomainError run_not_paused; run_stalled when only a failed step is left (retry, skip or revise it).
 */
export function resumeRun({ data }: ResumeRun, state: RunState): RunEvent[] {
  if (state.status !== 'paused')
    refuse(RunErrorCodes.NOT_PAUSED, `run is ${state.status}; only a paused run can be resumed`, {
      status: state.status,
    });
  if (isStalled(state)) {
    const stepId = firstFailedStep(state);
    refuse(
      RunErrorCodes.RUN_STALLED,
      `nothing can run until failed step "${stepId ?? '?'}" is retried, skipped or revised`,
      { stepId },
    );
  }
  return [
    {
      type: 'RunResumed',
      data: { reason: data.reason, ...(data.requestedBy === undefined ? {} : { requestedBy: data.requestedBy }) },
    },
  ];
}

function validateEvaluationTag(evaluation: EvaluationTag): void {
  for (const field of ['goldenSet', 'caseId'] as const) {
    const value: unknown = evaluation[field];
    if (typeof value !== 'string' || !EVALUATION_TAG_PATTERN.test(value)) {
      throw new ValidationError(
        'run_invalid_evaluation',
        `evaluation.${field} must be 1..128 characters of [A-Za-z0-9._:-], got ${JSON.stringify(value)}`,
        { field: `evaluation.${field}`, pattern: EVALUATION_TAG_PATTERN.source },
      );
    }
  }
}
