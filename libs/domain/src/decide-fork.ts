import type { ForkRun } from './commands.js';
import { reviewSettled } from './confidence.js';
import { concludeRun, refuse } from './decide-support.js';
import { DomainError, RunErrorCodes } from './errors.js';
import type { RunEvent } from './events.js';
import { queuedFor } from './decide-run.js';
import { validatePlan } from './plan-validation.js';
import type { RunState, StepState } from './state.js';

/** Codes of `ForkRun`'s own refusals (besides `run_already_started`). */
export const ForkErrorCodes = {
  /** The origin state has no plan (it was never started). */
  ORIGIN_NOT_STARTED: 'run_fork_origin_not_started',
  /** `forkedFrom.runId` is not the origin state's run, or the new run id is the origin's. */
  ORIGIN_MISMATCH: 'run_fork_origin_mismatch',
} as const;

/** Done in the origin: skipped, or succeeded with no review pending (a held result is not done). */
function done(origin: RunState, step: StepState | undefined): boolean {
  return (
    step !== undefined && (step.status === 'skipped' || (step.status === 'succeeded' && reviewSettled(origin, step)))
  );
}

/** Ids of the origin's done steps whose dependencies are all carried too (fixpoint), in plan order. */
export function carriedStepIds(origin: RunState): string[] {
  const steps = origin.plan?.steps ?? [];
  const carried = new Set(steps.filter((step) => done(origin, origin.steps[step.id])).map((step) => step.id));
  for (let changed = true; changed;) {
    changed = false;
    for (const step of steps) {
      if (carried.has(step.id) && step.dependsOn.some((dependency) => !carried.has(dependency))) {
        carried.delete(step.id);
        changed = true;
      }
    }
  }
  return steps.filter((step) => carried.has(step.id)).map((step) => step.id);
}

function carriedEvent(step: StepState, now: string): RunEvent {
  if (step.status === 'skipped')
    return {
      type: 'StepSkipped',
      data: { stepId: step.stepId, reason: step.skipReason ?? 'skipped in the origin run', carriedOver: true },
    };
  // A result a reviewer vouched for is ground truth (confidence.ts: factor 1): its tool confidence is not carried.
  const reviewed = step.review !== undefined;
  return {
    type: 'StepSucceeded',
    data: {
      stepId: step.stepId,
      attempt: step.attempt,
      output: step.output,
      durationMs: step.durationMs ?? 0,
      completedAt: step.completedAt ?? now,
      ...(step.confidence === undefined || reviewed ? {} : { confidence: step.confidence }),
      ...(step.cumulativeConfidence === undefined || reviewed
        ? {}
        : { cumulativeConfidence: step.cumulativeConfidence }),
      ...(step.lineage === undefined ? {} : { lineage: step.lineage }),
      ...(step.reasoning === undefined ? {} : { reasoning: step.reasoning }),
      ...(step.alternatives === undefined ? {} : { alternatives: step.alternatives }),
      carriedOver: true,
    },
  };
}

/**
 * `ForkRun` -> `RunTriggered{forkedFrom}`, `PlanCreated` (the origin's plan at the checkpoint, revisions
 * applied, with the origin's `author`: a generated plan is read from the record, never generated again), then for each step done at the checkpoint (succeeded, with no review pending, or skipped) whose
 * dependencies are carried too, in plan order: `StepSucceeded{carriedOver: true}` with its output (a
 * reviewer's corrected output when there is one), lineage and timings, or `StepSkipped{carriedOver: true}`;
 * `RunCompleted` (durationMs 0) when that leaves nothing to run, else `RunQueued` when the plan has `maxConcurrentRuns`. The executor then runs the other steps anew
 * (pending at attempt 1) under the policies in force: carried steps are `succeeded` and never start again.
 * `origin` is the origin run's state at the checkpoint (`stateAt`).
 * @throws DomainError run_already_started (the new stream already holds a run: the fork was made before),
 *   run_fork_origin_not_started, run_fork_origin_mismatch. @throws ValidationError from `validatePlan`.
 */
export function forkRun({ data }: ForkRun, state: RunState, now: string): RunEvent[] {
  const { runId, trigger, origin, forkedFrom } = data;
  if (state.status !== 'none')
    refuse(
      RunErrorCodes.ALREADY_STARTED,
      `run "${state.runId ?? runId}" was already started (status ${state.status})`,
      { runId, status: state.status },
    );
  const { plan, workflowId, workflowVersion } = origin;
  if (!plan || workflowId === undefined || workflowVersion === undefined) {
    throw new DomainError(
      ForkErrorCodes.ORIGIN_NOT_STARTED,
      `run "${forkedFrom.runId}" has no plan at ${forkedFrom.checkpoint}: nothing to fork`,
      { origin: forkedFrom.runId },
    );
  }
  if (origin.runId !== forkedFrom.runId || runId === forkedFrom.runId) {
    throw new DomainError(
      ForkErrorCodes.ORIGIN_MISMATCH,
      `forkedFrom.runId "${forkedFrom.runId}" must be the origin state's run ("${origin.runId ?? ''}") and differ from the new run "${runId}"`,
      { runId, origin: forkedFrom.runId },
    );
  }
  validatePlan(plan);
  const started: RunEvent[] = [
    {
      type: 'RunTriggered',
      data: {
        runId,
        workflowId,
        workflowVersion,
        trigger,
        input: origin.input,
        forkedFrom,
        // A fork of an evaluation run replays the same case: it stays out of production statistics too.
        ...(origin.evaluation === undefined ? {} : { evaluation: origin.evaluation }),
      },
    },
    // A generated plan is copied as recorded, with its author: a fork never generates again (no PlanGenerated).
    { type: 'PlanCreated', data: { plan, ...(origin.planAuthor === undefined ? {} : { author: origin.planAuthor }) } },
  ];
  const carried = carriedStepIds(origin).map((stepId) => carriedEvent(origin.steps[stepId] as StepState, now));
  const concluded = concludeRun(state, [...started, ...carried], now, 0);
  // A fork of a limited workflow waits for a slot like any run, unless nothing is left to run.
  return concluded.some((event) => event.type === 'RunCompleted') ? concluded : [...concluded, ...queuedFor(plan)];
}
