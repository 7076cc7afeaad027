import { parseCapabilityPack } from './cedar-pack.js';
import { cedarRequestOf, messageValuesOf } from './cedar-request.js';
import { corePack } from './core-pack.js';
import { evaluate } from './evaluate.js';
import { compilePolicyPacks } from './load-packs.js';
import { parseObligationPack } from './obligation-pack.js';
import { parsePolicyCases } from './policy-cases.js';
import { payoutRequest, thrown } from './policy-engine.spec-util.js';

/** Packs over learned recoveries (docs/policies.md, "Learned recoveries"), evaluated by real Cedar. */

const learnedFrom = { rule: 'learned-1', recommendationId: 'billing.add_recovery_rule.3f9a0c12d4e5' };
/** A `payments.refund` step, added by a learned rule or not. */
const refund = (learned: boolean) =>
  payoutRequest({
    stepId: 'refund_fee',
    agent: 'payments-agent',
    agentCapabilities: ['payments.refund', 'crm.refresh_token'],
    tool: 'payments',
    action: 'refund',
    policyTags: [],
    input: { amount: 12 },
    ...(learned ? { learnedFrom } : {}),
  });
const refresh = (learned: boolean) =>
  payoutRequest({ ...refund(learned), stepId: 'refresh_token', tool: 'crm', action: 'refresh_token' });

// The pack of docs/policies.md, "Learned recoveries".
const noLearnedPayments = parseCapabilityPack(
  `// @pack no-learned-payments@1.0.0
@id("no-learned-payments")
@rationale("learned recovery rule {learnedRule} may not call {capability}: payments steps are added by people only")
forbid (principal, action, resource == System::"payments") when { context.learnedRecovery };
`,
  'no-learned-payments@1.0.0.cedar',
);
const learnedApproval = parseObligationPack(
  `id: learned-approval
version: 1.0.0
kind: approval
rules:
  - id: learned-recovery-approval
    learnedRecovery: true
    capabilities: [payments.refund]
    rationale: a payments step added by a learned rule needs a payments lead
    reviewers: [role:payments-lead]
    sla: 2h
`,
  'learned-approval@1.0.0.yaml',
);

describe('learned recoveries in the Cedar request', () => {
  it('context.learnedRecovery and context.learnedRule come from the facts; messages may name them', () => {
    expect(cedarRequestOf(refund(true)).context).toMatchObject({ learnedRecovery: true, learnedRule: 'learned-1' });
    expect(cedarRequestOf(refund(false)).context).toMatchObject({ learnedRecovery: false, learnedRule: '' });
    const values = messageValuesOf(refund(true));
    expect([values.get('learnedRule'), values.get('recommendationId')]).toEqual([
      'learned-1',
      learnedFrom.recommendationId,
    ]);
  });

  it('an input field cannot pose as a learned recovery', () => {
    const spoofed = refund(false);
    const context = cedarRequestOf({ ...spoofed, input: { learnedRecovery: true, learnedRule: 7 } }).context;
    expect(context).toMatchObject({ learnedRecovery: false, learnedRule: '' });
  });
});

describe('a Cedar pack forbidding learned recoveries for tool payments', () => {
  const set = compilePolicyPacks([corePack(), noLearnedPayments]);

  it('allows a payments step nobody learned, and a learned step of another tool', () => {
    expect(evaluate(refund(false), set).outcome).toBe('allow');
    expect(evaluate(refresh(true), set).outcome).toBe('allow');
  });

  it('denies a payments step a learned rule added, naming the rule', () => {
    const decision = evaluate(refund(true), set);
    expect(decision.outcome).toBe('deny');
    expect(decision.rationale).toBe(
      'no-learned-payments@1.0.0/no-learned-payments: learned recovery rule learned-1 may not call payments.refund: payments steps are added by people only',
    );
  });
});

describe('an approval pack requiring approval for learned recoveries', () => {
  const set = compilePolicyPacks([corePack(), learnedApproval]);

  it('passes a step no learned rule added, and a learned step of another capability', () => {
    const plain = evaluate(refund(false), set);
    expect(plain.outcome).toBe('allow');
    expect(plain.rules.find((r) => r.rule === 'learned-recovery-approval')).toMatchObject({
      result: 'pass',
      message: 'does not apply: no learned recovery rule added the step',
    });
    expect(evaluate(refresh(true), set).outcome).toBe('allow');
  });

  it('requires the payments lead for a learned payments step, with the rule and recommendation in the reason', () => {
    const decision = evaluate(refund(true), set);
    expect(decision.outcome).toBe('require_approval');
    expect(decision.gate).toEqual({
      reviewers: ['role:payments-lead'],
      slaSeconds: 7_200,
      reason: `step added by learned recovery rule learned-1 (recommendation ${learnedFrom.recommendationId}): a payments step added by a learned rule needs a payments lead`,
    });
  });

  it('with a threshold too, only a learned step above it needs approval', () => {
    const both = parseObligationPack(
      'id: big-learned\nversion: 1.0.0\nkind: approval\nrules:\n  - id: big\n    learnedRecovery: true\n    field: amount\n    above: 100\n    rationale: big learned refunds need a lead\n    reviewers: [lead]\n',
      'big-learned@1.0.0.yaml',
    );
    const withBoth = compilePolicyPacks([corePack(), both]);
    expect(evaluate(refund(true), withBoth).outcome).toBe('allow');
    const big = evaluate({ ...refund(true), input: { amount: 500 } }, withBoth);
    expect(big.outcome).toBe('require_approval');
    expect(big.gate?.reason).toBe(
      `step added by learned recovery rule learned-1 (recommendation ${learnedFrom.recommendationId}), amount 500 is above 100: big learned refunds need a lead`,
    );
    expect(evaluate({ ...refund(false), input: { amount: 500 } }, withBoth).outcome).toBe('allow');
  });

  it.each([
    ['    field: amount\n', 'needs field and above together (it has only field)'],
    ['', 'needs a condition: field and above (a threshold), learnedRecovery: true, or both'],
  ])('refuses a rule without a complete condition', (condition, problem) => {
    const error = thrown(() =>
      parseObligationPack(
        `id: bad\nversion: 1.0.0\nkind: approval\nrules:\n  - id: r\n${condition}    rationale: x\n    reviewers: [lead]\n`,
        'bad@1.0.0.yaml',
      ),
    );
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toContain(`/rules/0 ${problem}`);
  });
});

describe('policy test cases with learnedFrom', () => {
  it('feed the same facts, so a pack behaves the same in tests and runs', () => {
    const [learned, plain] = parsePolicyCases(
      `defaults: { agent: payments-agent, capabilities: [payments.refund], capability: payments.refund }
cases:
  - name: learned
    learnedFrom: { rule: learned-1, recommendationId: r-1 }
    expect: { outcome: deny }
  - name: plain
    expect: { outcome: allow }
`,
      'cases.yaml',
    );
    const set = compilePolicyPacks([corePack(), noLearnedPayments]);
    expect(learned?.request.learnedFrom).toEqual({ rule: 'learned-1', recommendationId: 'r-1' });
    expect(evaluate(learned!.request, set).outcome).toBe('deny');
    expect(plain?.request).not.toHaveProperty('learnedFrom');
    expect(evaluate(plain!.request, set).outcome).toBe('allow');
  });
});
