import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LedgerflowError } from '@ledgerflow/domain';
import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';
import { evaluateAction } from './evaluate-action.js';
import { loadPolicyPacks, parsePolicyPack } from './policy-pack.js';

const examplePolicies = fileURLToPath(new URL('../../../examples/claim-review/policies', import.meta.url));

const packYaml = (rules: string, header = 'id: claims-payout\nversion: 1.0.0'): string => `${header}\nrules:\n${rules}`;
const approvalRule = `
  - id: payout-approval
    kind: approval_threshold
    tags: [payout]
    field: amount
    above: 50000
    rationale: a claims lead approves
    reviewers: [claims-lead]
    sla: 4h
    escalateTo: [claims-director]
`;

/** The error `fn` throws (fails the test when it throws nothing). */
function thrown(fn: () => unknown): LedgerflowError {
  try {
    fn();
  } catch (error) {
    return error as LedgerflowError;
  }
  throw new Error('expected an error');
}

describe('parsePolicyPack', () => {
  it('reads a pack and turns `sla: 4h` into slaSeconds 14400', () => {
    const pack = parsePolicyPack(packYaml(approvalRule), 'packs/claims.yaml');
    expect(pack).toEqual({
      id: 'claims-payout', version: '1.0.0', source: 'packs/claims.yaml',
      rules: [{
        id: 'payout-approval', kind: 'approval_threshold', tags: ['payout'], field: 'amount', above: 50_000,
        rationale: 'a claims lead approves', reviewers: ['claims-lead'], slaSeconds: 14_400, escalateTo: ['claims-director'],
      }],
    });
    expect(pack.rules[0]).not.toHaveProperty('sla');
  });

  it('reads a numeric sla as milliseconds', () => {
    const pack = parsePolicyPack(packYaml(approvalRule.replace('sla: 4h', 'sla: 90000')), 'p.yaml');
    expect(pack.rules[0]).toMatchObject({ slaSeconds: 90 });
  });

  it.each([
    ['a non-numeric ceiling', approvalRule.replace('above: 50000', 'above: lots'), '/rules/0/above must be number'],
    ['an approval rule without reviewers', approvalRule.replace('    reviewers: [claims-lead]\n', ''), "/rules/0 must have required property 'reviewers'"],
    ['an unknown rule kind', approvalRule.replace('kind: approval_threshold', 'kind: vibes'), '/rules/0/kind must be equal to one of the allowed values'],
    ['an unknown property', `${approvalRule}    colour: red\n`, '/rules/0 must NOT have additional properties'],
  ])('refuses %s, naming the file and the JSON pointer', (_label, rules, problem) => {
    const error = thrown(() => parsePolicyPack(packYaml(rules), 'packs/bad.yaml'));
    expect(error).toBeInstanceOf(LedgerflowError);
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toMatch(/^packs\/bad\.yaml: /);
    expect(error.message).toContain(problem);
  });

  it('refuses a malformed version at /version', () => {
    const error = thrown(() => parsePolicyPack(packYaml(approvalRule, 'id: claims-payout\nversion: v1'), 'packs/v.yaml'));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toContain('packs/v.yaml: /version must match pattern');
  });

  it('refuses text that is not YAML, naming the file', () => {
    const error = thrown(() => parsePolicyPack('id: [unclosed\nrules: {', 'packs/broken.yaml'));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toMatch(/^packs\/broken\.yaml: /);
  });

  it('refuses an sla that is not a duration as policy_pack_invalid, naming the file and /rules/0/sla', () => {
    const error = thrown(() => parsePolicyPack(packYaml(approvalRule.replace('sla: 4h', 'sla: 4 hours')), 'packs/sla.yaml'));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toMatch(/^packs\/sla\.yaml: /);
    expect(error.message).toContain('/rules/0/sla');
  });
});

describe('loadPolicyPacks', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'lf-policy-packs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const write = (dir: string, name: string, text: string): string => {
    mkdirSync(join(root, dir), { recursive: true });
    writeFileSync(join(root, dir, name), text);
    return join(root, dir, name);
  };

  it('reads *.yaml and *.yml files of every directory and ignores other files', () => {
    write('a', 'claims.yaml', packYaml(approvalRule));
    write('a', 'notes.txt', 'not a pack');
    write('b', 'privacy.yml', packYaml(approvalRule, 'id: privacy\nversion: 2.0.0'));
    const packs = loadPolicyPacks([join(root, 'a'), join(root, 'b')]);
    expect(packs.map((p) => `${p.id}@${p.version}`)).toEqual(['claims-payout@1.0.0', 'privacy@2.0.0']);
    expect(packs[0]?.source).toBe(join(root, 'a', 'claims.yaml'));
  });

  it('keeps two versions of one pack', () => {
    write('a', 'v1.yaml', packYaml(approvalRule));
    write('a', 'v2.yaml', packYaml(approvalRule, 'id: claims-payout\nversion: 1.1.0'));
    expect(loadPolicyPacks([join(root, 'a')]).map((p) => p.version)).toEqual(['1.0.0', '1.1.0']);
  });

  it('refuses the same id@version in two directories, naming both files', () => {
    const first = write('a', 'claims.yaml', packYaml(approvalRule));
    const second = write('b', 'copy.yaml', packYaml(approvalRule));
    const error = thrown(() => loadPolicyPacks([join(root, 'a'), join(root, 'b')]));
    expect(error.code).toBe('policy_pack_duplicate');
    expect(error.message).toBe(`${second}: claims-payout@1.0.0 is already defined in ${first}`);
  });

  it('names the file of an invalid pack', () => {
    const bad = write('a', 'bad.yaml', packYaml(approvalRule.replace('above: 50000', 'above: lots')));
    const error = thrown(() => loadPolicyPacks([join(root, 'a')]));
    expect(error.code).toBe('policy_pack_invalid');
    expect(error.message).toContain(`${bad}: /rules/0/above must be number`);
  });
});

describe('the claim-review pack claims-payout@1.0.0 on the sample claims', () => {
  const packs = loadPolicyPacks([examplePolicies]);
  const payout = (amount: number): PolicyEvaluateRequest => ({
    runId: 'run-claim', workflowId: 'claim-review', stepId: 'payout', attempt: 1, agent: 'payout-agent',
    agentCapabilities: ['billing.payout'], tool: 'billing', action: 'payout', policyTags: ['payout'],
    input: { claimId: 'CLM-2026-0001', amount, currency: 'EUR' },
  });

  it('loads one pack with its ceiling and approval rule, the SLA in seconds', () => {
    expect(packs.map((p) => `${p.id}@${p.version}`)).toEqual(['claims-payout@1.0.0']);
    expect(packs[0]?.rules.find((r) => r.id === 'payout-approval')).toMatchObject({ slaSeconds: 14_400, reviewers: ['claims-lead'], escalateTo: ['claims-director'] });
  });

  it('allows a payout of 4,820.50', () => {
    const decision = evaluateAction(payout(4_820.5), packs);
    expect(decision.outcome).toBe('allow');
    expect(decision.rules.map((r) => r.result)).toEqual(['pass', 'pass', 'pass']);
  });

  it('requires a claims lead to approve 72,500', () => {
    const decision = evaluateAction(payout(72_500), packs);
    expect(decision.outcome).toBe('require_approval');
    expect(decision.gate).toMatchObject({ reviewers: ['claims-lead'], slaSeconds: 14_400, escalateTo: ['claims-director'] });
    expect(decision.rationale).toContain('claims-payout@1.0.0/payout-approval: amount 72,500 is above 50,000');
  });

  it('denies 1,250,000', () => {
    const decision = evaluateAction(payout(1_250_000), packs);
    expect(decision.outcome).toBe('deny');
    expect(decision.rationale).toContain('claims-payout@1.0.0/payout-ceiling: amount 1,250,000 is above the limit of 1,000,000');
    expect(decision.gate).toBeUndefined();
  });
});
