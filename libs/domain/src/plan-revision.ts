import { refuse, requireStep } from './decide-support.js';
import { RunErrorCodes } from './errors.js';
import { applyPlanRevision } from './plan.js';
import type { Plan, PlanStep } from './plan.js';
import { withAddedDependencies } from './plan-changes.js';
import type { AddedDependencies } from './plan-changes.js';
import { validatePlan } from './plan-validation.js';
import { usedStepId } from './run-rules.js';
import type { RunState } from './state.js';

/**
 * Checks a revision of the run's plan and returns the plan after it (removals, additions, then added dependencies):
 * a removed step must exist and be neither running nor succeeded (a revision never re-runs or discards completed
 * work); an added id must not be retired; the result must pass `validatePlan` (at most 50 steps, no cycle, ...).
 * @throws DomainError step_not_found, run_step_already_started, run_step_id_retired.
 * @throws ValidationError from `validatePlan` (`workflow_depth_exceeded`, `plan_cycle`, `plan_duplicate_step`, ...).
 */
export function checkRevision(
  state: RunState,
  addSteps: readonly PlanStep[],
  removeStepIds: readonly string[],
  addedDependencies?: AddedDependencies,
): Plan {
  for (const stepId of removeStepIds) {
    const { stepState } = requireStep(state, stepId);
    if (stepState.status === 'running' || stepState.status === 'succeeded') {
      refuse(RunErrorCodes.STEP_ALREADY_STARTED, `step "${stepId}" is ${stepState.status} and cannot be removed`, {
        stepId,
        status: stepState.status,
      });
    }
  }
  for (const step of addSteps) {
    if (
      state.retiredStepIds.includes(step.id) ||
      (removeStepIds.includes(step.id) && usedStepId(state.steps[step.id]))
    ) {
      refuse(
        RunErrorCodes.STEP_ID_RETIRED,
        `step id "${step.id}" belonged to a removed step that had started or opened a gate; use a new id`,
        { stepId: step.id },
      );
    }
  }
  if (!state.plan) refuse(RunErrorCodes.NOT_RUNNING, 'run has no plan', { status: state.status });
  const revised = withAddedDependencies(applyPlanRevision(state.plan, addSteps, removeStepIds), addedDependencies);
  validatePlan(revised);
  return revised;
}
