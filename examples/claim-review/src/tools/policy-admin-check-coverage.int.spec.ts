import { checkCoverageTool } from './policy-admin-check-coverage.tool.js';
import type { CoverageInput, CoverageOutput } from './coverage-rules.js';
import { startToolHarness, valueOf } from './tool-harness.spec-util.js';
import type { ToolHarness } from './tool-harness.spec-util.js';

const claim: CoverageInput = {
  policyNumber: 'POL-HOME-100231',
  amount: 4820.5,
  currency: 'EUR',
  incidentDate: '2026-02-14',
  lossType: 'water_damage',
};

describe('policy_admin.check_coverage over NATS (data/policies.json)', () => {
  let harness: ToolHarness;
  beforeAll(async () => {
    harness = await startToolHarness([checkCoverageTool()]);
  });
  afterAll(async () => harness?.stop());

  const check = async (input: Partial<CoverageInput>) => {
    const value = valueOf(await harness.call('policy_admin', 'check_coverage', { input: { ...claim, ...input } }));
    return { output: value.output as CoverageOutput, lineage: value.lineage };
  };

  it('covers a claim on an active policy for a covered peril within the limit', async () => {
    const { output, lineage } = await check({});
    expect(output).toEqual({ covered: true, limit: 50_000, reason: 'water_damage covered up to 50000 EUR' });
    expect(lineage).toEqual({ source: 'policy-admin', fresh: true });
  });

  it('covers an amount above the limit, payable up to the limit', async () => {
    const { output } = await check({ amount: 60_000 });
    expect(output.covered).toBe(true);
    expect(output.limit).toBe(50_000);
    expect(output.reason).toContain('exceeds the limit 50000');
  });

  it.each([
    [{ policyNumber: 'POL-NOPE-000000' }, 'policy POL-NOPE-000000 does not exist', 0],
    [{ policyNumber: 'POL-HOME-100050' }, 'policy POL-HOME-100050 is not active', 45_000],
    [
      { incidentDate: '2026-06-01' },
      'incident date 2026-06-01 is outside the cover period 2025-06-01..2026-05-31',
      50_000,
    ],
    [
      { lossType: 'collision' },
      'type of loss collision is not covered (covered: water_damage, fire, storm, theft)',
      50_000,
    ],
    [{ lossType: null }, 'the claim documents state no type of loss', 50_000],
    [{ currency: 'USD' }, 'claim currency USD differs from policy currency EUR', 50_000],
    [{ amount: null }, 'the claim documents state no amount claimed', 50_000],
  ])('does not cover %j', async (change, reason, limit) => {
    expect((await check(change)).output).toEqual({ covered: false, limit, reason });
  });

  it('covers each sample policy for its sample claim', async () => {
    const samples: Partial<CoverageInput>[] = [
      { policyNumber: 'POL-AUTO-200417', amount: 12345.67, incidentDate: '2026-03-03', lossType: 'collision' },
      { policyNumber: 'POL-HOME-101552', amount: 72_500, incidentDate: '2026-02-27', lossType: 'fire' },
      { policyNumber: 'POL-COM-900015', amount: 1_250_000, incidentDate: '2026-02-08', lossType: 'storm' },
    ];
    for (const sample of samples) expect((await check(sample)).output.covered).toBe(true);
  });
});
