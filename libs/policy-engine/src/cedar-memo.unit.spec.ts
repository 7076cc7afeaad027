import { statefulIsAuthorized } from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import type { PolicyFacts } from '@ledgerflow/contracts';
import { parseCapabilityPack } from './cedar-pack.js';
import { cedarAnswers, contextAttributesRead } from './cedar-memo.js';
import { cedarRequestOf } from './cedar-request.js';
import { CORE_PACK_TEXT, corePack } from './core-pack.js';
import { evaluate } from './evaluate.js';
import { compilePolicyPacks, loadPolicyPacks, permitSetIdOf } from './load-packs.js';
import { EXAMPLE_POLICIES, payoutRequest } from './policy-engine.spec-util.js';
import type { PolicyPackSet } from './pack.types.js';

const claims = loadPolicyPacks([EXAMPLE_POLICIES]);
const cedar = (name: string, body: string) => parseCapabilityPack(`// @pack ${name}\n${body}`, `${name}.cedar`);

/** What Cedar answers without the memo. */
function fresh(facts: PolicyFacts, set: PolicyPackSet) {
  const request = cedarRequestOf(facts);
  const answer = statefulIsAuthorized({ ...request, preparsedPolicySetId: set.cedarSetId });
  const denied =
    answer.type === 'success' && answer.response.decision === 'deny' && answer.response.diagnostics.reason.length > 0;
  return denied
    ? { answer, permits: statefulIsAuthorized({ ...request, preparsedPolicySetId: permitSetIdOf(set.cedarSetId) }) }
    : { answer };
}

describe('contextAttributesRead', () => {
  it('names the top-level context attributes the policies read', () => {
    const payout = claims.cedarPolicies.map((p) => p.policy.text);
    expect(contextAttributesRead(payout)).toEqual(new Set(['capability', 'tags', 'amount']));
    expect(contextAttributesRead([CORE_PACK_TEXT])).toEqual(new Set(['capability']));
    expect(
      contextAttributesRead([
        'permit (principal, action, resource) when { context has exact.amount && context.exact.amount < decimal("1.0") };',
      ]),
    ).toEqual(new Set(['exact']));
  });

  it('gives up (no memo) when a policy uses the context whole', () => {
    expect(contextAttributesRead(['permit (principal, action, resource) unless { context == {} };'])).toBeUndefined();
    expect(
      contextAttributesRead(['permit (principal, action, resource) when { {a: context}.a has runId };']),
    ).toBeUndefined();
  });
});

describe('cedarAnswers (Cedar once per distinct request as the policies see it)', () => {
  it('property: the same answers as asking Cedar every time, across runs, agents, capabilities, tags and amounts', () => {
    const facts = fc
      .record({
        runId: fc.constantFrom('run-1', 'run-2', 'run-3'),
        stepId: fc.constantFrom('s1', 'payout'),
        attempt: fc.integer({ min: 1, max: 3 }),
        agent: fc.constantFrom('payout-agent', 'clerk'),
        agentCapabilities: fc.subarray(['billing.payout', 'claims.read']),
        policyTags: fc.subarray(['payout', 'pii']),
        amount: fc.constantFrom(10, 72_500, 1_000_000, 1_000_000.01, 1_250_000, undefined),
      })
      .map(({ amount, ...rest }) =>
        payoutRequest({ ...rest, input: amount === undefined ? { claimId: 'CLM-1' } : { claimId: 'CLM-1', amount } }),
      );
    fc.assert(
      fc.property(facts, (f) => {
        expect(cedarAnswers(cedarRequestOf(f), claims)).toEqual(fresh(f, claims));
        expect(evaluate(f, claims).rules).toEqual(evaluate(f, claims).rules);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps per-run decisions apart when a policy reads a per-run fact', () => {
    const set = compilePolicyPacks([
      corePack(),
      cedar(
        'run-ban@1.0.0',
        '@id("banned-run")\n@rationale("run {runId} is banned")\nforbid (principal, action, resource) when { context.runId == "run-banned" };\n',
      ),
    ]);
    expect(evaluate(payoutRequest({ runId: 'run-ok' }), set).outcome).toBe('allow');
    expect(evaluate(payoutRequest({ runId: 'run-banned' }), set).outcome).toBe('deny');
    expect(evaluate(payoutRequest({ runId: 'run-ok', stepId: 'other' }), set).outcome).toBe('allow');
  });

  it('keeps the messages of the facts asked about (only the Cedar answer is remembered)', () => {
    const first = evaluate(
      payoutRequest({ runId: 'run-a', agent: 'clerk', agentCapabilities: ['claims.read'] }),
      claims,
    );
    const second = evaluate(
      payoutRequest({ runId: 'run-b', agent: 'clerk', agentCapabilities: ['claims.read'], stepId: 'pay-2' }),
      claims,
    );
    expect(first.outcome).toBe('deny');
    expect(second.rationale).toBe(first.rationale);
    expect(second.auditId).not.toBe(first.auditId);
    expect(second.rules.find((r) => r.rule === 'audit')?.message).toContain('step pay-2');
  });
});
