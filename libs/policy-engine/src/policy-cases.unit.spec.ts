import { join } from 'node:path';
import { loadPolicyCases, parsePolicyCases, runPolicyCases } from './policy-cases.js';
import { EXAMPLE_POLICIES, thrown } from './policy-engine.spec-util.js';

const cases = (body: string): string =>
  `defaults:\n  agent: payout-agent\n  capabilities: [billing.payout]\n  capability: billing.payout\n  tags: [payout]\ncases:\n${body}`;

describe('runPolicyCases', () => {
  it('passes every case of examples/claim-review/policies/cases.yaml', () => {
    const report = runPolicyCases([EXAMPLE_POLICIES], loadPolicyCases(join(EXAMPLE_POLICIES, 'cases.yaml')));
    expect(report.results.filter((r) => !r.passed).map((r) => [r.name, r.mismatches])).toEqual([]);
    expect(report.failed).toBe(0);
    expect(report.passed).toBeGreaterThanOrEqual(4);
    expect(new Set(report.results.map((r) => r.decision.outcome))).toEqual(
      new Set(['allow', 'require_approval', 'deny']),
    );
  });

  it('reports each mismatch: outcome, failing and enforced rule sets, gate fields and rationale', () => {
    const parsed = parsePolicyCases(
      cases(`  - name: wrong on purpose
    input: { amount: 72500 }
    expect:
      outcome: allow
      failing: [payout-ceiling]
      enforced: [claims-approval@1.0.0/payout-approval]
      gate: { reviewers: [someone-else], slaSeconds: 14400 }
      rationale: nothing like this
`),
      'c.yaml',
    );
    const [result] = runPolicyCases([EXAMPLE_POLICIES], parsed).results;
    expect(result?.passed).toBe(false);
    expect(result?.mismatches).toEqual([
      'outcome: expected allow, got require_approval',
      'failing: expected [payout-ceiling], got []',
      'enforced: expected [claims-approval@1.0.0/payout-approval], got [claims-approval@1.0.0/payout-approval, claims-compliance@1.0.0/audit, claims-privacy@1.0.0/privacy]',
      'gate.reviewers: expected ["someone-else"], got ["claims-lead"]',
      expect.stringMatching(
        /^rationale: expected to contain "nothing like this", got "claims-approval@1\.0\.0\/payout-approval: amount 72,500/,
      ),
    ]);
  });
});

describe('parsePolicyCases', () => {
  it('merges defaults, splits `capability` and fills run, step and attempt', () => {
    const [first] = parsePolicyCases(
      cases('  - name: one\n    input: { amount: 1 }\n    expect: { outcome: allow }\n'),
      'c.yaml',
    );
    expect(first).toEqual({
      name: 'one',
      line: 7,
      expect: { outcome: 'allow' },
      request: {
        runId: 'policy-test',
        workflowId: 'policy-test',
        stepId: 'billing-payout',
        attempt: 1,
        agent: 'payout-agent',
        agentCapabilities: ['billing.payout'],
        tool: 'billing',
        action: 'payout',
        policyTags: ['payout'],
        input: { amount: 1 },
      },
    });
  });

  it.each([
    [
      'an unknown outcome',
      cases('  - name: x\n    expect: { outcome: maybe }\n'),
      'c.yaml:8:24: /cases/0/expect/outcome must be equal to one of the allowed values (allow, deny, require_approval)',
    ],
    ['a case without expect', cases('  - name: x\n'), "c.yaml:7:5: /cases/0 must have required property 'expect'"],
    [
      'a case without a tool',
      'cases:\n  - { name: x, agent: a, expect: { outcome: allow } }\n',
      'c.yaml:2:5: /cases/0 needs tool and action',
    ],
  ])('refuses %s with file and line', (_label, text, message) => {
    const error = thrown(() => parsePolicyCases(text, 'c.yaml'));
    expect(error.code).toBe('policy_cases_invalid');
    expect(error.message).toContain(message);
  });

  it('names a cases file it cannot read', () => {
    expect(thrown(() => loadPolicyCases('/nonexistent/cases.yaml')).message).toMatch(
      /^\/nonexistent\/cases\.yaml:1:1: cannot read the cases file/,
    );
  });
});
