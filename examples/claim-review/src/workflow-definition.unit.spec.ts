import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mapTriggerPayload, parseDefinition, resolveStepInput, validateRunInput } from '@ledgerflow/definitions';
import type { WorkflowDefinition } from '@ledgerflow/definitions';
import { packageDir } from './paths.js';
import { checkCoverage } from './tools/coverage-rules.js';
import type { PolicyRecord } from './tools/coverage-rules.js';
import { screenClaim } from './tools/fraud-rules.js';

interface SampleClaim {
  claimId: string;
  policyNumber: string;
  amount: number;
  currency: string;
  incidentDate: string;
  submittedAt: string;
  description: string;
  attachments: string[];
  claimant: { name: string };
}

const readJson = async <T>(path: string): Promise<T> => JSON.parse(await readFile(path, 'utf8')) as T;

describe('workflows/claim-review.yaml with the sample claims', () => {
  let definition: WorkflowDefinition;
  let claims: SampleClaim[];
  let policies: Record<string, PolicyRecord>;
  beforeAll(async () => {
    const file = join(packageDir, 'workflows', 'claim-review.yaml');
    definition = parseDefinition(await readFile(file, 'utf8'), file);
    const dir = join(packageDir, 'claims');
    const names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort();
    claims = await Promise.all(names.map((name) => readJson<SampleClaim>(join(dir, name))));
    policies = await readJson(join(packageDir, 'data', 'policies.json'));
  });

  it('loads as claim-review@1.0.0: four steps, coverage and fraud in parallel after extraction', () => {
    expect(`${definition.id}@${definition.version}`).toBe('claim-review@1.0.0');
    expect(definition.steps.map((s) => [s.id, `${s.tool}.${s.action}`, s.dependsOn])).toEqual([
      ['extract_documents', 'documents.extract', []],
      ['check_coverage', 'policy_admin.check_coverage', ['extract_documents']],
      ['fraud_screen', 'fraud.screen', ['extract_documents']],
      ['payout', 'billing.payout', ['check_coverage', 'fraud_screen']],
    ]);
    expect(definition.steps.find((s) => s.id === 'fraud_screen')?.retry).toMatchObject({ maxAttempts: 3 });
    expect(definition.policies).toEqual([
      'claims-payout@1.0.0',
      'claims-approval@1.0.0',
      'claims-privacy@1.0.0',
      'claims-compliance@1.0.0',
    ]);
  });

  it('accepts every sample claim as run input, with attachments that exist', async () => {
    const attachments = new Set(await readdir(join(packageDir, 'claims', 'attachments')));
    expect(claims.length).toBeGreaterThanOrEqual(6);
    for (const claim of claims) {
      const input = await mapTriggerPayload(definition, claim);
      expect(() => validateRunInput(definition, input)).not.toThrow();
      for (const file of claim.attachments) expect(attachments).toContain(file);
    }
  });

  it('rejects a run input that names a path instead of a file', () => {
    const claim = { ...claims[0], attachments: ['../data/policies.json'] };
    expect(() => validateRunInput(definition, claim)).toThrow(/attachments\/0/);
  });

  it('pays nothing for an uncovered claim, even when no document stated an amount', async () => {
    const payoutStep = definition.steps.find((s) => s.id === 'payout');
    const steps = {
      extract_documents: { output: { documents: [], totalAmount: null, currency: null, lossType: null } },
      check_coverage: {
        output: checkCoverage(
          { policyNumber: 'POL-HOME-100050', amount: null, currency: null, incidentDate: '2026-01-05', lossType: null },
          policies['POL-HOME-100050'],
        ),
      },
      fraud_screen: { output: { score: 0.25, flags: ['no_documented_amount'] } },
    };
    expect(await resolveStepInput(payoutStep?.input, { input: claims[0], steps }, { stepId: 'payout' })).toMatchObject({
      amount: 0,
      covered: false,
    });
  });

  it('resolves each sample to the payout its README outcome depends on', async () => {
    const payouts: Record<string, unknown> = {};
    for (const claim of claims) {
      const lossType =
        {
          'POL-AUTO-200417': 'collision',
          'POL-HOME-100877': 'theft',
          'POL-HOME-101552': 'fire',
          'POL-COM-900015': 'storm',
        }[claim.policyNumber] ?? 'water_damage';
      const extracted = { documents: [], totalAmount: claim.amount, currency: claim.currency, lossType };
      const steps: Record<string, { output: unknown }> = { extract_documents: { output: extracted } };
      for (const step of definition.steps.slice(1, 3)) {
        const input = await resolveStepInput(step.input, { input: claim, steps }, { stepId: step.id });
        const output =
          step.id === 'check_coverage'
            ? checkCoverage(input as Parameters<typeof checkCoverage>[0], policies[claim.policyNumber])
            : screenClaim(input as Parameters<typeof screenClaim>[0]);
        steps[step.id] = { output };
      }
      const payoutStep = definition.steps[3];
      payouts[claim.claimId] = await resolveStepInput(payoutStep?.input, { input: claim, steps }, { stepId: 'payout' });
    }
    expect(payouts).toMatchObject({
      'CLM-2026-0001': { amount: 4820.5, currency: 'EUR', payee: 'Ada Lovelace', covered: true, fraudScore: 0.05 },
      'CLM-2026-0002': { amount: 12345.67, covered: true },
      'CLM-2026-0003': { amount: 2150, covered: true, fraudScore: 0.15 },
      'CLM-2026-0004': { amount: 72_500, covered: true, fraudScore: 0.2 },
      'CLM-2026-0005': { amount: 1_250_000, covered: true, fraudScore: 0.35 },
      'CLM-2026-0006': { amount: 8900, covered: true },
    });
  });
});
