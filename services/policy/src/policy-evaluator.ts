import type { PolicyEvaluateRequest, PolicyEvaluation, PolicyFacts } from '@ledgerflow/contracts';
import { LedgerflowError, findPlanStep, stepIdempotencyKey } from '@ledgerflow/domain';
import type { PlanStep, RunState } from '@ledgerflow/domain';
import { evaluate } from '@ledgerflow/policy-engine';
import type { PolicyPackSet } from '@ledgerflow/policy-engine';
import { grantEligibility } from './grant-eligibility.js';
import type { GrantSigner } from './grant-signer.js';

/** Where decisions take their packs from: the catalog following the store (PolicyPackCatalog), or a fixed set. */
export interface DecisionPacks {
  forDecision(): PolicyPackSet | Promise<PolicyPackSet>;
}

/** The run's state, folded from its events (the service runtime's RunRepository, which caches folds). */
export type LoadRun = (runId: string) => Promise<RunState>;

/**
 * The use case behind `lf.policy.evaluate`. The request only names the attempt (run, step, attempt) and
 * carries what the executor computed (input, input digest); the facts of the decision come from the run's
 * events: workflow, the step's agent (a substitute from an operator retry included), the agent's declared
 * capabilities, tool, action, policy tags and the learned rule that added the step (if one did) from the run's plan
 * (revisions and added steps included).
 * The decision is always answered (the executor records it as `StepPolicyEvaluated`); a grant is signed
 * only when {@link grantEligibility} says the attempt may run now, else `withheld` says why.
 * @throws LedgerflowError `run_not_found` (no such run) or `step_not_found` (not in the run's plan), not retryable.
 */
export class PolicyEvaluator {
  private readonly packs: DecisionPacks;

  constructor(
    packs: PolicyPackSet | DecisionPacks,
    private readonly signer: GrantSigner,
    private readonly loadRun: LoadRun,
  ) {
    this.packs = 'forDecision' in packs ? packs : { forDecision: () => packs };
  }

  async evaluate(request: PolicyEvaluateRequest): Promise<PolicyEvaluation> {
    const { runId, stepId, attempt, input } = request;
    const state = await this.loadRun(runId);
    if (state.status === 'none')
      throw new LedgerflowError('run_not_found', `run ${runId} does not exist`, false, { runId });
    const step = state.plan === undefined ? undefined : findPlanStep(state.plan, stepId);
    if (step === undefined)
      throw new LedgerflowError('step_not_found', `step ${stepId} is not in the plan of run ${runId}`, false, {
        runId,
        stepId,
      });
    const decision = evaluate(factsOf(state, step, request), await this.packs.forDecision());
    const eligibility = grantEligibility(state, step, attempt, input, decision);
    if (!eligibility.eligible) return { decision, withheld: { code: eligibility.code, message: eligibility.message } };
    const grant = this.signer.sign(
      {
        runId,
        stepId,
        attempt,
        agent: step.agent,
        tool: step.tool,
        action: step.action,
        idempotencyKey: stepIdempotencyKey(runId, stepId, attempt),
        inputDigest: request.inputDigest,
      },
      decision,
    );
    return { decision, grant };
  }
}

/**
 * The decision's facts: the attempt and input from the request, everything else from the run's plan, including
 * whether a learned recovery rule added the step (`learnedFrom`, recorded by `PlanRevised`).
 */
export function factsOf(state: RunState, step: PlanStep, request: PolicyEvaluateRequest): PolicyFacts {
  return {
    runId: request.runId,
    workflowId: state.workflowId ?? '',
    stepId: step.id,
    attempt: request.attempt,
    agent: step.agent,
    agentCapabilities: state.plan?.agents[step.agent] ?? [],
    tool: step.tool,
    action: step.action,
    policyTags: step.policyTags,
    input: request.input,
    ...(step.learnedFrom === undefined
      ? {}
      : { learnedFrom: { rule: step.learnedFrom.rule, recommendationId: step.learnedFrom.recommendationId } }),
  };
}
