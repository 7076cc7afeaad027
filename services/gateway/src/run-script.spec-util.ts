import type { Plan, PlanStep, PolicyDecision } from '@ledgerflow/domain';
import { ALLOW, aPlan, aStep, RunHistoryBuilder } from '@ledgerflow/testing';

/** Test support for the gateway's read side: claim runs driven through the Run aggregate by the shared builder. */

/** A claim run (input `{ claimId: 'CLM-1' }`) whose events happen at the times its script sets (`at`), no tick between. */
export const claimRun = (runId: string): RunHistoryBuilder =>
  new RunHistoryBuilder(runId, { input: { claimId: 'CLM-1' } });

/** {@link aStep} with input `{}` (the gateway's read side resolves nothing). */
export const step = (id: string, overrides: Partial<PlanStep> = {}): PlanStep => aStep(id, { input: {}, ...overrides });

/** {@link aPlan} of workflow `workflowId` at `workflowVersion`. */
export const planOf = (workflowId: string, steps: PlanStep[], workflowVersion = '1.0.0'): Plan =>
  aPlan(steps, { workflowId, workflowVersion });

export const allow: PolicyDecision = ALLOW;
export const deny: PolicyDecision = {
  outcome: 'deny',
  rationale: 'claims-payout@1.0.0/payout-ceiling: amount 1,250,000 is above the limit of 1,000,000',
  auditId: 'aud-deny',
  rules: [
    {
      rule: 'payout-ceiling',
      pack: 'claims-payout@1.0.0',
      result: 'fail',
      message: 'amount 1,250,000 is above the limit of 1,000,000',
    },
  ],
};
export const approval = (reviewers: string[], slaSeconds?: number, escalateTo?: string[]): PolicyDecision => ({
  outcome: 'require_approval',
  rationale: 'payout above 50,000',
  auditId: 'aud-approval',
  rules: [{ rule: 'payout-approval', pack: 'claims-payout@1.0.0', result: 'enforced', message: 'payout above 50,000' }],
  gate: {
    reviewers,
    reason: 'payout above 50,000 needs a claims lead',
    ...(slaSeconds === undefined ? {} : { slaSeconds }),
    ...(escalateTo ? { escalateTo } : {}),
  },
});
