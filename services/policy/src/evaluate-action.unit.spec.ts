import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';
import { CORE_PACK, evaluateAction } from './evaluate-action.js';
import type { PackRule, PolicyPack } from './policy-pack.js';

const request = (overrides: Partial<PolicyEvaluateRequest> = {}): PolicyEvaluateRequest => ({
  runId: 'run-1',
  workflowId: 'claim-review',
  stepId: 'payout',
  attempt: 1,
  agent: 'payout-agent',
  agentCapabilities: ['billing.payout'],
  tool: 'billing',
  action: 'payout',
  policyTags: ['payout'],
  input: { amount: 100 },
  ...overrides,
});

const ceiling: PackRule = {
  id: 'payout-ceiling', kind: 'amount_limit', tags: ['payout'], field: 'amount', above: 1_000_000,
  rationale: 'use the large-loss desk',
};
const approval: PackRule = {
  id: 'payout-approval', kind: 'approval_threshold', tags: ['payout'], field: 'amount', above: 50_000,
  rationale: 'a claims lead approves', reviewers: ['claims-lead'], slaSeconds: 14_400, escalateTo: ['claims-director'],
};
const pack = (rules: PackRule[], id = 'claims-payout', version = '1.0.0'): PolicyPack => ({ id, version, source: `${id}.yaml`, rules });
const payoutPack = pack([ceiling, approval]);

describe('evaluateAction: the built-in tool-scope rule', () => {
  it('passes when the agent declares the tool action, and names it', () => {
    const decision = evaluateAction(request(), []);
    expect(decision.outcome).toBe('allow');
    expect(decision.rules).toEqual([
      { rule: 'tool-scope', pack: CORE_PACK, result: 'pass', message: 'agent payout-agent may use billing.payout' },
    ]);
  });

  it('denies an action outside the agent capabilities, listing what it was granted', () => {
    const decision = evaluateAction(request({ action: 'refund' }), [payoutPack]);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules[0]).toEqual({
      rule: 'tool-scope', pack: CORE_PACK, result: 'fail',
      message: 'agent payout-agent is not granted billing.refund (granted: billing.payout)',
    });
    expect(decision.rationale).toBe(`${CORE_PACK}/tool-scope: agent payout-agent is not granted billing.refund (granted: billing.payout)`);
  });

  it('says "none" when the agent has no capability at all', () => {
    const decision = evaluateAction(request({ agentCapabilities: [] }), []);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules[0]?.message).toContain('(granted: none)');
  });
});

describe('evaluateAction: pack rules', () => {
  it('amount_limit denies an amount above the ceiling, with the figures and the rationale', () => {
    const decision = evaluateAction(request({ input: { amount: 1_250_000 } }), [pack([ceiling])]);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules[1]).toEqual({
      rule: 'payout-ceiling', pack: 'claims-payout@1.0.0', result: 'fail',
      message: 'amount 1,250,000 is above the limit of 1,000,000: use the large-loss desk',
    });
    expect(decision.gate).toBeUndefined();
  });

  it('amount_limit passes at the ceiling itself (only "above" fails)', () => {
    const decision = evaluateAction(request({ input: { amount: 1_000_000 } }), [pack([ceiling])]);
    expect(decision.outcome).toBe('allow');
    expect(decision.rules[1]).toMatchObject({ result: 'pass', message: 'amount 1,000,000 is within the limit of 1,000,000' });
  });

  it('approval_threshold requires approval with the gate reviewers, SLA in seconds and escalation chain', () => {
    const decision = evaluateAction(request({ input: { amount: 72_500 } }), [pack([approval])]);
    expect(decision.outcome).toBe('require_approval');
    expect(decision.rules[1]).toEqual({
      rule: 'payout-approval', pack: 'claims-payout@1.0.0', result: 'enforced',
      message: 'amount 72,500 is above 50,000: a claims lead approves',
    });
    expect(decision.gate).toEqual({
      reviewers: ['claims-lead'], slaSeconds: 14_400, escalateTo: ['claims-director'],
      reason: 'amount 72,500 is above 50,000: a claims lead approves',
    });
  });

  it('a gate without SLA or escalation carries neither key', () => {
    const bare: PackRule = { id: 'review', kind: 'approval_threshold', tags: ['payout'], field: 'amount', above: 10, rationale: 'r', reviewers: ['lead'] };
    const decision = evaluateAction(request({ input: { amount: 11 } }), [pack([bare])]);
    expect(decision.gate).toEqual({ reviewers: ['lead'], reason: 'amount 11 is above 10: r' });
  });

  it('uses the gate of the first enforced approval rule', () => {
    const second: PackRule = { ...approval, id: 'second-approval', reviewers: ['cfo'], above: 60_000 };
    const decision = evaluateAction(request({ input: { amount: 72_500 } }), [pack([approval, second])]);
    expect(decision.rules.filter((r) => r.result === 'enforced')).toHaveLength(2);
    expect(decision.gate?.reviewers).toEqual(['claims-lead']);
  });

  it('applies rules only to steps carrying one of their tags', () => {
    const decision = evaluateAction(request({ policyTags: ['pii'], input: { amount: 5_000_000 } }), [payoutPack]);
    expect(decision.outcome).toBe('allow');
    expect(decision.rules.map((r) => r.rule)).toEqual(['tool-scope']);
  });

  it('a rule applies when any one of the step tags matches', () => {
    const decision = evaluateAction(request({ policyTags: ['pii', 'payout'], input: { amount: 5_000_000 } }), [payoutPack]);
    expect(decision.outcome).toBe('deny');
  });

  it.each([
    ['a missing field', {}],
    ['a numeric string', { amount: '72500' }],
    ['null', { amount: null }],
    ['a non-object input', 'amount=72500'],
  ])('passes a rule when the field is absent or not a number (%s)', (_label, input) => {
    const decision = evaluateAction(request({ input }), [payoutPack]);
    expect(decision.outcome).toBe('allow');
    expect(decision.rules.slice(1)).toEqual([
      { rule: 'payout-ceiling', pack: 'claims-payout@1.0.0', result: 'pass', message: 'no numeric amount in the step input' },
      { rule: 'payout-approval', pack: 'claims-payout@1.0.0', result: 'pass', message: 'no numeric amount in the step input' },
    ]);
  });

  it('reads a dotted field path into nested input', () => {
    const nested: PackRule = { ...ceiling, field: 'payment.amount' };
    const decision = evaluateAction(request({ input: { payment: { amount: 2_000_000 } } }), [pack([nested])]);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules[1]?.message).toContain('payment.amount 2,000,000 is above the limit of 1,000,000');
  });
});

describe('evaluateAction: outcome and rationale', () => {
  it('deny beats require_approval; the rationale names only the failing rule and no gate is offered', () => {
    const decision = evaluateAction(request({ input: { amount: 1_250_000 } }), [payoutPack]);
    expect(decision.outcome).toBe('deny');
    expect(decision.rules.map((r) => r.result)).toEqual(['pass', 'fail', 'enforced']);
    expect(decision.rationale).toBe('claims-payout@1.0.0/payout-ceiling: amount 1,250,000 is above the limit of 1,000,000: use the large-loss desk');
    expect(decision.gate).toBeUndefined();
  });

  it('a tool-scope failure denies even when an approval rule is enforced', () => {
    const decision = evaluateAction(request({ agentCapabilities: ['billing.read'], input: { amount: 72_500 } }), [payoutPack]);
    expect(decision.outcome).toBe('deny');
    expect(decision.rationale).toMatch(/^ledgerflow-core@1\.0\.0\/tool-scope: /);
    expect(decision.rationale).not.toContain('payout-approval');
  });

  it('require_approval: the rationale names the enforced rule only', () => {
    const decision = evaluateAction(request({ input: { amount: 72_500 } }), [payoutPack]);
    expect(decision.rationale).toBe('claims-payout@1.0.0/payout-approval: amount 72,500 is above 50,000: a claims lead approves');
  });

  it('allow: the rationale lists every rule evaluated, in order', () => {
    const decision = evaluateAction(request({ input: { amount: 4_820.5 } }), [payoutPack]);
    expect(decision.rationale.split('; ').map((part) => part.split(':')[0])).toEqual([
      `${CORE_PACK}/tool-scope`, 'claims-payout@1.0.0/payout-ceiling', 'claims-payout@1.0.0/payout-approval',
    ]);
  });
});

describe('evaluateAction: audit id', () => {
  it('is deterministic: the same request and packs give the same decision and audit id', () => {
    const first = evaluateAction(request({ input: { amount: 72_500 } }), [payoutPack]);
    const again = evaluateAction(request({ input: { amount: 72_500 } }), [payoutPack]);
    expect(again).toEqual(first);
    expect(first.auditId).toMatch(/^aud-[0-9a-f]{24}$/);
  });

  it('differs for another attempt, another step or another run', () => {
    const base = evaluateAction(request(), [payoutPack]).auditId;
    expect(evaluateAction(request({ attempt: 2 }), [payoutPack]).auditId).not.toBe(base);
    expect(evaluateAction(request({ stepId: 'refund' }), [payoutPack]).auditId).not.toBe(base);
    expect(evaluateAction(request({ runId: 'run-2' }), [payoutPack]).auditId).not.toBe(base);
  });

  it('depends on the pack versions, not on the order the packs are given in', () => {
    const other = pack([], 'privacy', '2.0.0');
    const ab = evaluateAction(request(), [payoutPack, other]).auditId;
    expect(evaluateAction(request(), [other, payoutPack]).auditId).toBe(ab);
    expect(evaluateAction(request(), [pack([ceiling, approval], 'claims-payout', '1.1.0'), other]).auditId).not.toBe(ab);
  });
});
