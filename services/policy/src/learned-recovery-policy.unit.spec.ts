import type { PolicyEvaluateRequest, PolicyEvaluation } from '@ledgerflow/contracts';
import { decide, foldRun } from '@ledgerflow/domain';
import type { RunCommand, RunEvent } from '@ledgerflow/domain';
import { compilePolicyPacks, corePack, parseCapabilityPack } from '@ledgerflow/policy-engine';
import { GrantSigner } from './grant-signer.js';
import { PolicyEvaluator, factsOf } from './policy-evaluator.js';
import { aPlan, aStep } from '@ledgerflow/testing';
import { CLAIM_REVIEW, DIGEST, NOW, RUN_ID, assess, ev, grantKeys, payout, runsOf } from './policy.spec-util.js';

/**
 * Whether a learned recovery rule added the step is read from the run's plan (`PlanRevised` of `RecoverStep` with a
 * recommendation id), never from the request; a pack can then forbid learned recoveries of a tool.
 */

const packs = compilePolicyPacks([
  corePack(),
  parseCapabilityPack(
    `// @pack no-learned-billing@1.0.0
@id("no-learned-billing")
@rationale("learned recovery rule {learnedRule} may not call {capability}")
forbid (principal, action, resource == System::"billing") when { context.learnedRecovery };
`,
    'no-learned-billing@1.0.0.cedar',
  ),
]);
const signer = new GrantSigner(grantKeys().privatePem, 300);
const refund = aStep('refund_fee', { tool: 'billing', action: 'payout', agent: 'payout-agent', dependsOn: [] });
const plan = aPlan([assess, payout], CLAIM_REVIEW);

/** The run after `payout` failed and was recovered by `refund_fee`, by a learned rule or a definition's. */
function recovered(recommendationId?: string): RunEvent[] {
  const history: RunEvent[] = [
    ...ev.started(plan),
    ...ev.assessed(),
    ev.evaluated('payout'),
    ev.stepStarted(payout),
    ev.failed('payout'),
  ];
  const recover: RunCommand = {
    type: 'RecoverStep',
    data: {
      stepId: 'payout',
      attempt: 1,
      rule: recommendationId === undefined ? 'refresh' : 'learned-1',
      recoverySteps: [refund],
      ...(recommendationId === undefined ? {} : { recommendationId }),
    },
  };
  return [...history, ...decide(recover, foldRun(history), { now: NOW })];
}
const request: PolicyEvaluateRequest = {
  runId: RUN_ID,
  stepId: 'refund_fee',
  attempt: 1,
  input: { amount: 10 },
  inputDigest: DIGEST,
};
const ask = (events: RunEvent[]): Promise<PolicyEvaluation> =>
  new PolicyEvaluator(packs, signer, runsOf({ [RUN_ID]: events })).evaluate(request);

describe('lf.policy.evaluate on a step a learned recovery rule added', () => {
  it('the facts name the learned rule and recommendation from the plan', () => {
    const state = foldRun(recovered('billing.add_recovery_rule.0123456789ab'));
    const step = state.plan!.steps.find((s) => s.id === 'refund_fee')!;
    expect(factsOf(state, step, request).learnedFrom).toEqual({
      rule: 'learned-1',
      recommendationId: 'billing.add_recovery_rule.0123456789ab',
    });
    const plain = foldRun(recovered());
    expect(
      factsOf(
        plain,
        plain.plan!.steps.find((s) => s.id === 'refund_fee')!,
        request,
      ),
    ).not.toHaveProperty('learnedFrom');
  });

  it('is denied by a pack forbidding learned recoveries for the tool, without a grant', async () => {
    const { decision, grant, withheld } = await ask(recovered('billing.add_recovery_rule.0123456789ab'));
    expect(decision.outcome).toBe('deny');
    expect(decision.rationale).toBe(
      'no-learned-billing@1.0.0/no-learned-billing: learned recovery rule learned-1 may not call billing.payout',
    );
    expect(grant).toBeUndefined();
    expect(withheld?.code).toBe('denied');
  });

  it("is allowed when a definition's rule added the same step", async () => {
    const { decision, grant } = await ask(recovered());
    expect(decision.outcome).toBe('allow');
    expect(grant).toEqual(expect.any(String));
  });
});
