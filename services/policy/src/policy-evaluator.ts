import { evaluate } from '@ledgerflow/policy-engine';
import type { PolicyPackSet } from '@ledgerflow/policy-engine';
import type { PolicyEvaluateRequest, PolicyEvaluation } from '@ledgerflow/contracts';
import type { GrantSigner } from './grant-signer.js';

/** Whether the gate of a run's step is recorded as approved (read from the run's events). */
export type GateApproval = (runId: string, stepId: string) => Promise<boolean>;

/**
 * The use case behind `lf.policy.evaluate`: the engine's decision over the loaded packs and a signed
 * step-scoped grant (it travels in the tool call's `lf-grant` header and is never recorded) when the
 * action may run now: on `allow`, or on `require_approval` once the run's events show the step's gate
 * approved by its reviewer. The approval is read from the store, never taken from the caller's word.
 */
export class PolicyEvaluator {
  constructor(
    readonly packs: PolicyPackSet,
    private readonly signer: GrantSigner,
    private readonly gateApproved: GateApproval,
  ) {}

  async evaluate(request: PolicyEvaluateRequest): Promise<PolicyEvaluation> {
    const decision = evaluate(request, this.packs);
    const mayRun =
      decision.outcome === 'allow' ||
      (decision.outcome === 'require_approval' && (await this.gateApproved(request.runId, request.stepId)));
    if (!mayRun) return { decision };
    return { decision, grant: await this.signer.sign(request, decision) };
  }
}
