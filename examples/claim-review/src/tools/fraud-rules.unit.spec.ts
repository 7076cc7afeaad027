import { FRAUD_RULES, parseClaimList, screenClaim } from './fraud-rules.js';
import type { FraudInput } from './fraud-rules.js';

const ordinary: FraudInput = {
  claimId: 'CLM-2026-0001',
  amount: 4820.5,
  documentedAmount: 4820.5,
  incidentDate: '2026-02-14',
  submittedAt: '2026-02-16T09:30:00Z',
  description: 'A washing machine hose burst in the kitchen.',
};

describe('screenClaim', () => {
  it('gives an ordinary claim the base score and no flags', () => {
    expect(screenClaim(ordinary)).toEqual({ score: FRAUD_RULES.base, flags: [] });
  });

  it('flags each rule and adds its weight, capped at 1', () => {
    expect(screenClaim({ ...ordinary, amount: 1_250_000, documentedAmount: 1_250_000 })).toEqual({
      score: 0.35,
      flags: ['high_value', 'very_high_value'],
    });
    expect(screenClaim({ ...ordinary, documentedAmount: null }).flags).toEqual(['no_documented_amount']);
    expect(screenClaim({ ...ordinary, amount: 4900 }).flags).toEqual(['amount_mismatch']);
    expect(screenClaim({ ...ordinary, amount: 4860 }).flags).toEqual([]); // within 1%
    expect(screenClaim({ ...ordinary, submittedAt: '2026-06-01T00:00:00Z' }).flags).toEqual(['late_report']);
    expect(screenClaim({ ...ordinary, submittedAt: '2026-01-01T00:00:00Z' }).flags).toEqual(['incident_after_report']);
    expect(screenClaim({ ...ordinary, submittedAt: null }).flags).toEqual([]);
    const worst = screenClaim({
      ...ordinary,
      amount: 2_000_000,
      documentedAmount: 10,
      submittedAt: '2025-01-01T00:00:00Z',
      description: 'URGENT: cash only, no receipt, a friend saw it, total loss',
    });
    expect(worst.score).toBe(1);
    expect(worst.flags.filter((flag) => flag.startsWith('keyword:'))).toHaveLength(FRAUD_RULES.maxKeywords);
  });
});

describe('parseClaimList', () => {
  it('reads a comma-separated list of claim ids, ignoring blanks', () => {
    expect(parseClaimList(' CLM-2026-0006, ,CLM-2026-0009 ')).toEqual(['CLM-2026-0006', 'CLM-2026-0009']);
    expect(parseClaimList(undefined)).toEqual([]);
  });
});
