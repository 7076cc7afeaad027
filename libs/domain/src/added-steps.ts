import { LedgerflowError } from './errors.js';
import type { RunEvent } from './events.js';
import type { PlanStep } from './plan.js';
import { checkRevision } from './plan-revision.js';
import { planStepOfDraft } from './plan-step-draft.js';
import type { PlanStepDraft } from './plan-step-draft.js';
import type { RunState } from './state.js';

/**
 * What a tool result's `addSteps` (docs/events.md, "PlanRevised": steps added at run time) makes of the plan, for
 * `RecordStepSucceeded` of `step`: a `PlanRevised{author: 'tool:<tool>.<action>'}` appending them (validated like
 * any revision: shape, ids, agents, dependencies, no cycle, at most 50 steps; each added step is then evaluated by
 * policy like any step), or, when they cannot be taken, `RunFailed` with the validation's code (`workflow_depth_exceeded`
 * above 50 steps, `plan_duplicate_step`, `plan_unknown_agent`, `plan_invalid_step`, `run_step_id_retired`, ...).
 */
export function stepsAddedByTool(
  state: RunState,
  step: PlanStep,
  drafts: readonly PlanStepDraft[],
  now: string,
): RunEvent {
  const author = `tool:${step.tool}.${step.action}`;
  try {
    const addSteps = drafts.map((draft, i) => planStepOfDraft(draft, `${author} addSteps[${i}]`));
    checkRevision(state, addSteps, []);
    const ids = addSteps.map((added) => added.id).join(', ');
    return {
      type: 'PlanRevised',
      data: {
        revision: state.planRevision + 1,
        author,
        reason: `the result of step "${step.id}" added ${ids}`,
        addedSteps: addSteps,
        removedStepIds: [],
      },
    };
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    return {
      type: 'RunFailed',
      data: {
        code: error.code,
        reason: `step "${step.id}" (${step.tool}.${step.action}) asked for steps the plan cannot take: ${error.message}`,
        stepId: step.id,
        failedAt: now,
      },
    };
  }
}
