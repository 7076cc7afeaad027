import { randomBytes } from 'node:crypto';
import type { PrivacyRules } from './privacy-rules.js';

/** A fresh 32-byte vault key. */
export function testKey(): Buffer {
  return randomBytes(32);
}

/** Rules of the claim-review example: two paths and the four default detectors. */
export const CLAIM_RULES: PrivacyRules = {
  packs: ['claims-privacy@1.0.0'],
  paths: ['$.claimant.name', '$.claimant.dob', '$.payee.account', '$..ssn'],
  detectors: ['email', 'phone', 'card', 'iban'],
};

/** A claim with PII at paths, inside free text, and in an array. */
export function sampleClaim(): Record<string, unknown> {
  return {
    claimId: 'CLM-2026-0001',
    policy: 'POL-HOME-100001',
    amount: 12345.67,
    filedOn: '2026-01-15',
    claimant: { name: 'Ada Lovelace', dob: { year: 1815, month: 12 }, email: 'ada@example.com' },
    payee: { account: 12345678, iban: 'DE89 3704 0044 0532 0130 00' },
    notes: ['write to ada@example.com please', 'call +44 20 7946 0958 or ada@example.com after 2026-01-20'],
    card: '4111 1111 1111 1111',
    family: [{ ssn: '078-05-1120' }, { ssn: null }],
    'ada@example.com': 'keys stay',
  };
}
