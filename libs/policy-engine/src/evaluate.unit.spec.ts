import { parseCapabilityPack } from './cedar-pack.js';
import { corePack } from './core-pack.js';
import { evaluate } from './evaluate.js';
import { compilePolicyPacks, loadPolicyPacks } from './load-packs.js';
import { parseObligationPack } from './obligation-pack.js';
import { EXAMPLE_POLICIES, payoutRequest } from './policy-engine.spec-util.js';

const claims = loadPolicyPacks([EXAMPLE_POLICIES]);
const payout = (amount: number) => payoutRequest({ input: { claimId: 'CLM-2026-0001', amount, currency: 'EUR' } });
const cedar = (name: string, body: string) => parseCapabilityPack(`// @pack ${name}\n${body}`, `${name}.cedar`);

describe('evaluate: the claim-review packs on the demo amounts', () => {
  it('allows 4,820.50 EUR; every rule result names its pack@version; obligations are enforced', () => {
    const decision = evaluate(payout(4_820.5), claims);
    expect(decision.outcome).toBe('allow');
    expect(decision.rules).toEqual([
      {
        rule: 'payout-ceiling',
        pack: 'claims-payout@1.0.0',
        result: 'pass',
        message: 'amount 4,820.5 is within the limit of 1,000,000',
      },
      {
        rule: 'declared-capability',
        pack: 'ledgerflow-core@1.0.0',
        result: 'pass',
        message: 'agent payout-agent may use billing.payout',
      },
      {
        rule: 'payout-approval',
        pack: 'claims-approval@1.0.0',
        result: 'pass',
        message: 'amount 4,820.5 does not need approval (threshold 50,000)',
      },
      {
        rule: 'audit',
        pack: 'claims-compliance@1.0.0',
        result: 'enforced',
        message: `audit record ${decision.auditId}: the StepPolicyEvaluated event of step payout attempt 1 (controls: claims-handling audit trail)`,
      },
      {
        rule: 'privacy',
        pack: 'claims-privacy@1.0.0',
        result: 'enforced',
        message:
          'masks $.claimant.email, $.claimant.name, $.documents[*].text; masks values detected as email, phone, card, iban before step data is persisted or exported',
      },
    ]);
    expect(decision.rationale).toBe(
      'ledgerflow-core@1.0.0/declared-capability: agent payout-agent may use billing.payout',
    );
    expect(decision.gate).toBeUndefined();
  });

  it('requires a claims lead for 72,500 EUR: gate with reviewers, SLA 4h in seconds, escalation', () => {
    const decision = evaluate(payout(72_500), claims);
    expect(decision.outcome).toBe('require_approval');
    expect(decision.gate).toEqual({
      reviewers: ['claims-lead'],
      slaSeconds: 14_400,
      escalateTo: ['claims-director'],
      reason: "amount 72,500 is above 50,000: payouts above 50,000 need a claims lead's approval",
    });
    expect(decision.rationale).toBe(
      "claims-approval@1.0.0/payout-approval: amount 72,500 is above 50,000: payouts above 50,000 need a claims lead's approval",
    );
  });

  it('denies 1,250,000 EUR with the determining forbid; deny beats the enforced approval; no gate', () => {
    const decision = evaluate(payout(1_250_000), claims);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules.filter((r) => r.result === 'fail').map((r) => `${r.pack}/${r.rule}`)).toEqual([
      'claims-payout@1.0.0/payout-ceiling',
    ]);
    expect(decision.rules.find((r) => r.rule === 'payout-approval')?.result).toBe('enforced');
    expect(decision.rationale).toBe(
      'claims-payout@1.0.0/payout-ceiling: amount 1,250,000 is above the limit of 1,000,000: payouts above 1,000,000 are never automated; settle them through the large-loss desk',
    );
    expect(decision.gate).toBeUndefined();
  });

  it('denies an agent using a tool outside its capabilities, naming what it was granted', () => {
    const decision = evaluate(payoutRequest({ agent: 'fraud-agent', agentCapabilities: ['fraud.screen'] }), claims);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules.filter((r) => r.result === 'fail')).toEqual([
      {
        rule: 'declared-capability',
        pack: 'ledgerflow-core@1.0.0',
        result: 'fail',
        message: 'agent fraud-agent is not granted billing.payout (granted: fraud.screen)',
      },
    ]);
    expect(evaluate(payoutRequest({ agentCapabilities: [] }), claims).rationale).toContain('(granted: none)');
  });

  it('allows the bench request (capability bench.noop, tag payout, amount 10)', () => {
    const decision = evaluate(
      {
        runId: 'bench',
        workflowId: 'noop-chain',
        stepId: 's01',
        attempt: 1,
        agent: 'bench-agent',
        agentCapabilities: ['bench.noop'],
        tool: 'bench',
        action: 'noop',
        policyTags: ['payout'],
        input: { amount: 10 },
      },
      claims,
    );
    expect(decision.outcome).toBe('allow');
  });

  it('says which placeholder is missing when a step has no amount', () => {
    const decision = evaluate(payoutRequest({ input: { claimId: 'x' } }), claims);
    expect(decision.outcome).toBe('allow');
    expect(decision.rules[0]).toMatchObject({
      rule: 'payout-ceiling',
      result: 'pass',
      message: 'does not apply (no amount in the request)',
    });
    expect(decision.rules[2]).toMatchObject({
      rule: 'payout-approval',
      result: 'pass',
      message: 'no numeric amount in the step input',
    });
  });
});

describe('evaluate: Cedar semantics', () => {
  const scoped = cedar(
    'scoped@1.0.0',
    `@id("only-billing")
@rationale("{agent} may call billing")
permit (principal, action, resource == System::"billing");
@id("no-weekend-refunds")
@rationale("refunds over {amount} need the desk")
forbid (principal, action == Tool::Action::"billing.refund", resource) when { context.exact.amount.greaterThan(decimal("100.50")) };
`,
  );
  const set = compilePolicyPacks([scoped]);

  it('a permit on the resource allows; forbids on the action and on decimals decide exactly', () => {
    expect(evaluate(payoutRequest({ agentCapabilities: [] }), set).outcome).toBe('allow');
    const refund = (amount: number) => evaluate(payoutRequest({ action: 'refund', input: { amount } }), set);
    expect(refund(100.5).outcome).toBe('allow');
    const denied = refund(100.51);
    expect(denied.outcome).toBe('deny');
    expect(denied.rationale).toBe('scoped@1.0.0/no-weekend-refunds: refunds over 100.51 need the desk');
  });

  it('default deny: when no permit applies, every permit fails and is named', () => {
    const decision = evaluate(payoutRequest({ tool: 'documents', action: 'extract' }), set);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules.filter((r) => r.result === 'fail').map((r) => r.rule)).toEqual(['only-billing']);
    expect(decision.rationale).toBe('scoped@1.0.0/only-billing: does not permit documents.extract');
  });

  it('one satisfied permit is enough: the others pass as "does not apply"', () => {
    const decision = evaluate(payoutRequest(), compilePolicyPacks([scoped, corePack()]));
    expect(decision.outcome).toBe('allow');
    const both = compilePolicyPacks([scoped, corePack()]);
    const viaScope = evaluate(payoutRequest({ agentCapabilities: [] }), both);
    expect(viaScope.outcome).toBe('allow');
    expect(viaScope.rules.find((r) => r.rule === 'declared-capability')).toMatchObject({
      result: 'pass',
      message: 'does not apply (another policy permits the action)',
    });
  });

  it('a policy that errors (attribute read without `has`) fails closed', () => {
    const careless = cedar(
      'careless@1.0.0',
      '@id("limit")\n@rationale("too much")\nforbid (principal, action, resource) when { context.amount > 10 };\n',
    );
    const decision = evaluate(payoutRequest({ input: {} }), compilePolicyPacks([corePack(), careless]));
    expect(decision.outcome).toBe('deny');
    expect(decision.rules.find((r) => r.rule === 'limit')).toMatchObject({ result: 'fail' });
    expect(decision.rationale).toMatch(
      /^careless@1\.0\.0\/limit: could not be evaluated, so the action is denied \(fail closed\): record does not have the attribute `amount`/,
    );
  });

  it('without any permit policy Cedar denies, and the decision says so', () => {
    const decision = evaluate(payoutRequest(), compilePolicyPacks([]));
    expect(decision.outcome).toBe('deny');
    expect(decision.rules).toEqual([
      {
        rule: 'default-deny',
        pack: 'cedar',
        result: 'fail',
        message: 'no capability pack has a permit policy, so Cedar denies billing.payout',
      },
    ]);
  });

  it('rounds a fractional amount up for the Long fact: 1,000,000.01 is above 1,000,000', () => {
    expect(evaluate(payout(1_000_000), claims).outcome).toBe('require_approval');
    expect(evaluate(payout(1_000_000.01), claims).outcome).toBe('deny');
  });
});

describe('evaluate: obligations and precedence', () => {
  const approvals = parseObligationPack(
    `id: two-step
version: 1.0.0
kind: approval
rules:
  - { id: lead, tags: [payout], field: amount, above: 10, rationale: a lead approves, reviewers: ["user:lead"] }
  - { id: cfo, capabilities: [billing.payout], field: payment.total, above: 20, rationale: the CFO approves, reviewers: ["role:cfo"], sla: 30m }
`,
    'two-step@1.0.0.yaml',
  );
  const set = compilePolicyPacks([corePack(), approvals]);

  it('the gate comes from the first enforced rule; the rationale names every enforced approval', () => {
    const decision = evaluate(payoutRequest({ input: { amount: 11, payment: { total: 21 } } }), set);
    expect(decision.outcome).toBe('require_approval');
    expect(decision.gate).toEqual({ reviewers: ['lead'], reason: 'amount 11 is above 10: a lead approves' });
    expect(decision.rationale).toBe(
      'two-step@1.0.0/lead: amount 11 is above 10: a lead approves; two-step@1.0.0/cfo: payment.total 21 is above 20: the CFO approves',
    );
  });

  it('rules out of scope pass and say why', () => {
    const decision = evaluate(
      payoutRequest({
        policyTags: [],
        action: 'refund',
        agentCapabilities: ['billing.refund'],
        input: { amount: 99, payment: { total: 99 } },
      }),
      set,
    );
    expect(decision.outcome).toBe('allow');
    expect(decision.rules.slice(1).map((r) => r.message)).toEqual([
      'does not apply: the step has none of the tags payout',
      'does not apply to billing.refund (only billing.payout)',
    ]);
  });

  it('a nested field and an SLA in minutes', () => {
    const decision = evaluate(payoutRequest({ input: { payment: { total: 21 } } }), set);
    expect(decision.gate).toMatchObject({ reviewers: ['role:cfo'], slaSeconds: 1_800 });
  });
});

describe('evaluate: determinism and the audit id', () => {
  it('the same request and packs give the same decision and audit id', () => {
    const first = evaluate(payout(72_500), claims);
    expect(evaluate(payout(72_500), loadPolicyPacks([EXAMPLE_POLICIES]))).toEqual(first);
    expect(first.auditId).toMatch(/^aud-[0-9a-f]{32}$/);
  });

  it('does not depend on the order of the packs or of the input keys', () => {
    const reversed = compilePolicyPacks([...claims.packs].reverse());
    const request = payoutRequest({ input: { currency: 'EUR', amount: 72_500, claimId: 'CLM-2026-0001' } });
    expect(evaluate(request, reversed)).toEqual(evaluate(payout(72_500), claims));
  });

  it('differs for another attempt, step, run or input', () => {
    const base = evaluate(payout(10), claims).auditId;
    const others = [
      payoutRequest({ attempt: 2, input: payout(10).input }),
      payoutRequest({ stepId: 'refund', input: payout(10).input }),
      payoutRequest({ runId: 'run-2', input: payout(10).input }),
      payout(11),
    ].map((r) => evaluate(r, claims).auditId);
    expect(new Set([base, ...others]).size).toBe(5);
  });

  it('sanity bound: 2,000 decisions in a row stay correct (the hot path only runs statefulIsAuthorized)', () => {
    const outcomes = new Set<string>();
    for (let i = 0; i < 2_000; i++) outcomes.add(evaluate(payoutRequest({ attempt: i + 1 }), claims).outcome);
    expect([...outcomes]).toEqual(['allow']);
  });
});
