import { loadPolicyPacks } from '@ledgerflow/policy-engine';
import { validateBody } from '@ledgerflow/service-runtime';
import { fileURLToPath } from 'node:url';
import { PolicyDryRunDto, dryRun } from './policy-dry-run.js';

const packs = loadPolicyPacks([fileURLToPath(new URL('../../../examples/claim-review/policies', import.meta.url))]);

const payout = (stepId: string, amount: number, capabilities = ['billing.payout']) => ({
  stepId,
  agent: 'payout-agent',
  agentCapabilities: capabilities,
  tool: 'billing',
  action: 'payout',
  policyTags: ['payout'],
  input: { claimId: 'CLM-1', amount, currency: 'EUR' },
});

describe('lf.policy.dry-run over the claim-review packs (real Cedar)', () => {
  it('answers each proposed step allow, require_approval or deny with its rules, without a run', () => {
    const result = dryRun(
      {
        workflowId: 'claim-review',
        steps: [
          payout('small', 100),
          payout('large', 72_500),
          payout('ceiling', 2_000_000),
          payout('overreach', 100, ['claims.read']),
        ],
      },
      packs,
    );
    expect(result.steps.map((s) => [s.stepId, s.decision.outcome])).toEqual([
      ['small', 'allow'],
      ['large', 'require_approval'],
      ['ceiling', 'deny'],
      ['overreach', 'deny'],
    ]);
    const ceiling = result.steps[2]?.decision;
    expect(ceiling?.rationale).toContain('payout-ceiling');
    expect(ceiling?.rules).toEqual(
      expect.arrayContaining([expect.objectContaining({ rule: 'payout-ceiling', result: 'fail' })]),
    );
    expect(result.steps[1]?.decision.gate?.reviewers.length).toBeGreaterThan(0);
  });

  it('is deterministic: the same proposal and packs give the same decisions, audit ids included', () => {
    const request = { workflowId: 'claim-review', steps: [payout('small', 100)] };
    expect(dryRun(request, packs)).toEqual(dryRun(request, packs));
  });

  it.each([
    [{ workflowId: 'w', steps: [] }, 'steps'],
    [{ workflowId: 'w', steps: [{ ...payout('a', 1), tool: '' }] }, 'tool'],
    [{ workflowId: 'w', steps: Array.from({ length: 51 }, (_, i) => payout(`s${i}`, 1)) }, 'steps'],
  ])('refuses a malformed request %#: request_invalid naming %s', (body, field) => {
    expect(() => validateBody(PolicyDryRunDto, body)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
    try {
      validateBody(PolicyDryRunDto, body);
    } catch (error) {
      expect((error as Error).message).toContain(field);
    }
  });
});
