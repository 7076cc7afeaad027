import type { PlanIssue } from '@ledgerflow/contracts';
import type { PlanStep, RunState } from '@ledgerflow/domain';
import type { StepDefinition } from '@ledgerflow/definitions';
import { dryRunInput, policyIssues } from './planning/goal-validation.js';
import type { PolicyDryRunner } from './planning/goal-validation.js';
import { generatedPlanIssues } from './planning/plan-issues.js';
import type { GenerateRequest } from './planning/plan-generator.js';

/** A plan step as a definition holds it, so the checks of generated steps can read the plan's existing steps. */
export const stepDefinitionOf = (step: PlanStep): StepDefinition => ({ ...step, kind: step.kind ?? 'tool' });

/** The outputs of the run's succeeded steps, as expressions read them (`steps.<id>.output`). */
export function recordedOutputs(state: RunState): Record<string, { output: unknown }> {
  return Object.fromEntries(
    Object.values(state.steps)
      .filter((step) => step.status === 'succeeded')
      .map((step) => [step.stepId, { output: step.output }]),
  );
}

/**
 * Issues of the whole plan (`generatedPlanIssues` over the existing steps then `added`) told as issues of the added
 * steps: `/steps/<n + i>` becomes `/steps/<i>` (the model's answer holds the added steps only); an issue of an
 * existing step is dropped (that step is recorded and was checked when it was added); plan-wide issues (`/steps`:
 * the step limit, the budget) are kept.
 */
function addedIssues(issues: readonly PlanIssue[], existing: number): PlanIssue[] {
  return issues.flatMap((issue) => {
    const match = /^\/steps\/(\d+)(.*)$/.exec(issue.path);
    if (match === null) return [issue];
    const index = Number(match[1]);
    if (index < existing) return [];
    return [{ ...issue, path: `/steps/${index - existing}${match[2] ?? ''}` }];
  });
}

/**
 * Validation of steps the model proposes to add to a running plan (docs/planning.md, "Adaptive steps"), as for a
 * generated plan: the structural checks over the plan's existing steps plus the added ones (`generatedPlanIssues`:
 * catalog tools, template agents holding the capabilities, the constraints, the step limit over the whole plan,
 * expressions reading only the input and steps of the plan, no duplicate id, no cycle, the budget over every step), an
 * id a revision retired (`step_id_retired`), then a policy dry run of the added steps (`lf.policy.dry-run`) with their
 * inputs resolved over the run input and the recorded outputs: `policy_denied` names the failing rules. Paths point
 * into the added steps (`/steps/<i>`). An empty proposal has no issue.
 * @returns every issue, empty when the steps may be added.
 */
export async function addedStepIssues(
  request: GenerateRequest,
  state: RunState,
  added: readonly StepDefinition[],
  dryRun: PolicyDryRunner,
): Promise<PlanIssue[]> {
  if (added.length === 0) return [];
  const existing = (state.plan?.steps ?? []).map(stepDefinitionOf);
  const structural = addedIssues(generatedPlanIssues(request, [...existing, ...added]), existing.length);
  added.forEach((step, i) => {
    if (state.retiredStepIds.includes(step.id))
      structural.push({
        rule: 'step_id_retired',
        path: `/steps/${i}/id`,
        message: `step id ${step.id} belonged to a removed step of this run; use a new id`,
      });
  });
  if (structural.length > 0) return structural;
  const outputs = recordedOutputs(state);
  return policyIssues(request, added, (step) => dryRunInput(step, request.input, outputs), dryRun);
}
