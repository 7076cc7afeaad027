import type { PlanIssue, PolicyDryRunRequest, PolicyDryRunResult } from '@ledgerflow/contracts';
import type { GateSpec } from '@ledgerflow/domain';
import { resolveStepInput } from '@ledgerflow/definitions';
import type { StepDefinition } from '@ledgerflow/definitions';
import { generatedPlanIssues } from './plan-issues.js';
import type { GenerateRequest } from './plan-generator.js';

/** Asks the policy service for decisions on proposed steps (`lf.policy.dry-run`). */
export type PolicyDryRunner = (request: PolicyDryRunRequest) => Promise<PolicyDryRunResult>;

/**
 * A step's input as far as the run resolves it for the dry run: expressions over `input` (as recorded: tokenized) and
 * over the `outputs` of steps that ran (none before a run starts) evaluated; `{}` when an expression fails.
 */
export async function dryRunInput(
  step: StepDefinition,
  input: unknown,
  outputs: Record<string, { output: unknown }>,
): Promise<unknown> {
  try {
    return await resolveStepInput(step.input, { input, steps: outputs }, { stepId: step.id });
  } catch {
    return {};
  }
}

/**
 * The validation of a generated plan before it is recorded: the structural checks of a written plan
 * (`generatedPlanIssues`: catalog tools, template agents holding the capabilities, constraints, step limit, inputs
 * resolvable, the domain's `validatePlan`), then, once those pass, a policy dry run of every step
 * (`lf.policy.dry-run`, the packs in force): a denied step is an issue `policy_denied` at `/steps/<i>` whose message
 * names the failing rules. A step whose decision is `require_approval` passes: the run's own evaluation of it opens
 * the approval gate, as for a written plan (docs/planning.md).
 * @returns every issue, empty when the plan may be recorded.
 */
export async function goalStepIssues(
  request: GenerateRequest,
  steps: readonly StepDefinition[],
  dryRun: PolicyDryRunner,
): Promise<PlanIssue[]> {
  const structural = generatedPlanIssues(request, steps);
  if (structural.length > 0) return structural;
  const outputs = {};
  return policyIssues(request, steps, (step) => dryRunInput(step, request.input, outputs), dryRun);
}

/**
 * The policy dry run of `steps` (`lf.policy.dry-run`: each with its agent's capabilities from the template, its tool,
 * action, policy tags and its input as `inputOf` resolves it): an issue `policy_denied` at `/steps/<i>` (the index in
 * `steps`) naming the failing rules for each denied step, `policy_unanswered` for a step the answer leaves out; a
 * `require_approval` step passes (its run-time evaluation opens the gate).
 */
export async function policyIssues(
  request: GenerateRequest,
  steps: readonly StepDefinition[],
  inputOf: (step: StepDefinition) => Promise<unknown>,
  dryRun: PolicyDryRunner,
): Promise<PlanIssue[]> {
  const proposed = await Promise.all(
    steps.map(async (step) => ({
      stepId: step.id,
      agent: step.agent,
      agentCapabilities: request.template.agents[step.agent] ?? [],
      tool: step.tool,
      action: step.action,
      policyTags: step.policyTags,
      input: await inputOf(step),
    })),
  );
  const { steps: decisions } = await dryRun({ workflowId: request.template.id, steps: proposed });
  return steps.flatMap((step, i): PlanIssue[] => {
    const decision = decisions.find((d) => d.stepId === step.id)?.decision;
    if (decision === undefined)
      return [
        {
          rule: 'policy_unanswered',
          path: `/steps/${i}`,
          message: `the policy dry run gave no decision for step ${step.id}`,
        },
      ];
    if (decision.outcome !== 'deny') return [];
    const failed = decision.rules.filter((rule) => rule.result === 'fail').map((rule) => `${rule.pack}/${rule.rule}`);
    return [
      {
        rule: 'policy_denied',
        path: `/steps/${i}`,
        message: `step ${step.id} (${step.agent}: ${step.tool}.${step.action}) is denied by ${failed.join(', ')}: ${decision.rationale}`,
      },
    ];
  });
}

/**
 * The template's `goal.review` gate on each first step of a generated plan (no dependencies; an `external` step,
 * which takes no gate, and a step with a gate of its own are left as they are): reviewers see the plan before any
 * step runs and approve, reject or redirect it (`DecideGate`). No review: the steps unchanged.
 */
export function withReviewGate(steps: readonly StepDefinition[], review: GateSpec | undefined): StepDefinition[] {
  if (review === undefined) return [...steps];
  return steps.map((step) =>
    step.dependsOn.length > 0 || step.kind === 'external' || step.gate !== undefined
      ? step
      : { ...step, gate: { ...review, reviewers: [...review.reviewers] } },
  );
}
