import { mask, maskText } from './mask.js';
import { CLAIM_RULES, sampleClaim } from './vault.spec-util.js';

describe('mask', () => {
  it('replaces path values by [masked] and findings by [<kind>] labels, keeping keys, nulls and other values', () => {
    const out = mask(sampleClaim(), CLAIM_RULES) as Record<string, unknown>;
    expect(out).toMatchObject({
      claimId: 'CLM-2026-0001',
      amount: 12345.67,
      filedOn: '2026-01-15',
      claimant: { name: '[masked]', dob: '[masked]', email: '[email]' },
      payee: { account: '[masked]', iban: '[iban]' },
      notes: ['write to [email] please', 'call [phone] or [email] after 2026-01-20'],
      card: '[card]',
      family: [{ ssn: '[masked]' }, { ssn: null }],
      'ada@example.com': 'keys stay',
    });
  });

  it('keeps tokens, which hold no PII', () => {
    const token = 'pii_email_abcdefghijklmnopqrstuv';
    expect(mask({ claimant: { name: token }, note: `to ${token}` }, CLAIM_RULES)).toEqual({
      claimant: { name: token },
      note: `to ${token}`,
    });
  });
});

describe('maskText', () => {
  it('masks only the detectors asked for', () => {
    const text = 'ada@example.com, +44 20 7946 0958, acct 12345678';
    expect(maskText(text, ['email', 'phone'])).toBe('[email], [phone], acct 12345678');
    expect(maskText(text, ['account'])).toBe('ada@example.com, +44 20 7946 0958, acct [account]');
    expect(maskText(text, [])).toBe(text);
  });
});
