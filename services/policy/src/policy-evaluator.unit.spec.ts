import { createPublicKey } from 'node:crypto';
import { decodeJwt, jwtVerify } from 'jose';
import { evaluate, loadPolicyPacks } from '@ledgerflow/policy-engine';
import { GrantSigner } from './grant-signer.js';
import { PolicyEvaluator } from './policy-evaluator.js';
import { EXAMPLE_POLICIES, grantKeys, payoutRequest } from './policy.spec-util.js';

describe('PolicyEvaluator (lf.policy.evaluate use case) on the claim-review packs', () => {
  const keys = grantKeys();
  const packs = loadPolicyPacks([EXAMPLE_POLICIES]);
  const approved = new Set<string>();
  const evaluator = new PolicyEvaluator(packs, new GrantSigner(keys.privatePem, 300), async (runId, stepId) => approved.has(`${runId}.${stepId}`));

  it('allows 4,820.50 with a grant scoped to the run, step, attempt and tool action', async () => {
    const request = payoutRequest(4_820.5);
    const { decision, grant } = await evaluator.evaluate(request);
    expect(decision).toEqual(evaluate(request, packs));
    expect(decision.outcome).toBe('allow');
    const { payload } = await jwtVerify(grant as string, createPublicKey(keys.publicPem), { issuer: 'ledgerflow-policy', audience: 'lf.tool.billing.payout' });
    expect(payload).toMatchObject({ sub: 'payout-agent', run: 'run-7', step: 'payout', attempt: 2, tool: 'billing', action: 'payout', jti: decision.auditId });
    expect((payload.exp as number) - (payload.iat as number)).toBe(300);
  });

  it('gives no grant for require_approval (72,500) nor for deny (1,250,000)', async () => {
    const gated = await evaluator.evaluate(payoutRequest(72_500));
    expect(gated.decision.outcome).toBe('require_approval');
    expect(gated.decision.gate).toMatchObject({ reviewers: ['claims-lead'], slaSeconds: 14_400, escalateTo: ['claims-director'] });
    expect(gated).not.toHaveProperty('grant');
    const denied = await evaluator.evaluate(payoutRequest(1_250_000));
    expect(denied.decision.outcome).toBe('deny');
    expect(denied.decision.rationale).toContain('above the limit of 1,000,000');
    expect(denied).not.toHaveProperty('grant');
  });

  it('grants a require_approval action once the run records its gate as approved', async () => {
    const request = payoutRequest(72_500);
    approved.add(`${request.runId}.${request.stepId}`);
    try {
      const { decision, grant } = await evaluator.evaluate(request);
      expect(decision.outcome).toBe('require_approval');
      expect(decodeJwt(grant as string)).toMatchObject({ run: request.runId, step: request.stepId, tool: 'billing', action: 'payout' });
      const other = await evaluator.evaluate({ ...request, runId: 'run-other' });
      expect(other).not.toHaveProperty('grant');
    } finally {
      approved.clear();
    }
  });

  it('a new grant for each attempt, bound to that attempt', async () => {
    const [first, second] = await Promise.all([evaluator.evaluate(payoutRequest(10, { attempt: 1 })), evaluator.evaluate(payoutRequest(10, { attempt: 2 }))]);
    expect(decodeJwt(first.grant as string).attempt).toBe(1);
    expect(decodeJwt(second.grant as string).attempt).toBe(2);
  });
});
