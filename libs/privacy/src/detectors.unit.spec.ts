import { ibanChecksumValid, luhnValid } from './checksums.js';
import { detectPii } from './detectors.js';
import type { PiiKind } from './pii-kind.js';

/** The matched substrings of `text` for `kinds`. */
function found(text: string, kinds: readonly PiiKind[]): string[] {
  return detectPii(text, kinds).map((f) => text.slice(f.start, f.end));
}

describe('checksums', () => {
  it('Luhn accepts network test numbers and refuses one changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('378282246310005')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('')).toBe(false);
    expect(luhnValid('4111 1111')).toBe(false);
  });

  it('IBAN MOD 97-10 accepts registry examples and refuses a changed digit', () => {
    expect(ibanChecksumValid('DE89370400440532013000')).toBe(true);
    expect(ibanChecksumValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanChecksumValid('gb82west12345698765432')).toBe(true);
    expect(ibanChecksumValid('DE89370400440532013001')).toBe(false);
    expect(ibanChecksumValid('DE8937040044053201300')).toBe(false);
  });
});

describe('detectPii: email', () => {
  it('finds addresses with positions, including subdomains, plus tags and Unicode', () => {
    const text = 'write to ada@example.com, cc ops+claims@mail.insurer.co.uk or jürgen@beispiel.de.';
    expect(found(text, ['email'])).toEqual(['ada@example.com', 'ops+claims@mail.insurer.co.uk', 'jürgen@beispiel.de']);
    expect(detectPii(text, ['email'])[0]).toEqual({ kind: 'email', start: 9, end: 24 });
  });

  it('ignores a bare @, handles and addresses without a top-level domain', () => {
    expect(found('meet @ noon, ping @ada, root@localhost, a@b.c', ['email'])).toEqual([]);
  });
});

describe('detectPii: phone', () => {
  it.each([
    ['+14155552671'],
    ['+1 (415) 555-2671'],
    ['+1-415-555-2671'],
    ['+44 20 7946 0958'],
    ['+44 (0)20 7946 0958'],
    ['+33 6 12 34 56 78'],
    ['+49 30 12345678'],
    ['(555) 123-4567'],
    ['555-123-4567'],
    ['555.123.4567'],
    ['612 34 56 78'],
    ['347 123 4567'],
    ['020 7946 0958'],
    ['06 12 34 56 78'],
    ['030 12345678'],
  ])('finds %s inside a sentence', (phone) => {
    expect(found(`Call ${phone} today.`, ['phone'])).toEqual([phone]);
  });

  it.each([
    ['an ISO date', 'due 2026-01-15 at the latest'],
    ['an ISO date-time', 'at 2026-01-15T10:30:00Z'],
    ['a date and time', 'on 2026-01-15 10:30'],
    ['a dotted date', 'on 15.01.2026'],
    ['a slashed date', 'on 01/15/2026'],
    ['a US amount', 'paid 12,345.67 USD'],
    ['a large US amount', 'total 1,234,567.89'],
    ['a European amount', 'Betrag 123.456.789,00'],
    ['dot thousands', 'reserve 123.456.789'],
    ['space thousands after a currency', 'EUR 1 234 567 890'],
    ['a claim id', 'claim CLM-2026-0001 opened'],
    ['a policy number', 'policy POL-HOME-100001'],
    ['a two-group id', 'reference 2026-000123'],
    ['a job number', 'Job sheet 2026-0311-07'],
    ['a grouped reference', 'ref 1234 567 890'],
    ['a digit run without separators', 'id 1234567890'],
    ['an IPv4 address', 'from 192.168.100.200'],
    ['a version', 'v 1.2.3'],
    ['a time', 'at 10:30:45'],
    ['a UUID', 'run 550e8400-e29b-41d4-a716-446655440000'],
    ['a too short number', 'ext 555-1234'],
  ])('does not match %s', (_label, text) => {
    expect(found(text, ['phone'])).toEqual([]);
  });
});

describe('detectPii: card', () => {
  it('finds Luhn-valid numbers of 13-19 digits, grouped or not', () => {
    const text =
      'visa 4111 1111 1111 1111, mc 5500-0000-0000-0004, amex 3782 822463 10005, disc 6011111111111117, short 4222222222222';
    expect(found(text, ['card'])).toEqual([
      '4111 1111 1111 1111',
      '5500-0000-0000-0004',
      '3782 822463 10005',
      '6011111111111117',
      '4222222222222',
    ]);
  });

  it('refuses a failed Luhn check, too few or too many digits, and non-card prefixes', () => {
    expect(found('4111 1111 1111 1112', ['card'])).toEqual([]);
    expect(found('411111111111', ['card'])).toEqual([]);
    expect(found('41111111111111111111', ['card'])).toEqual([]);
    // 1767225600009 looks like an epoch timestamp in milliseconds; it is Luhn-valid but no card starts with 1.
    expect(luhnValid('1767225600009')).toBe(true);
    expect(found('at 1767225600009', ['card'])).toEqual([]);
  });

  it('finds a card after an unrelated digit group', () => {
    expect(found('qty 12 4111 1111 1111 1111', ['card'])).toEqual(['4111 1111 1111 1111']);
  });
});

describe('detectPii: iban', () => {
  it('finds IBANs compact or in groups of four', () => {
    const text = 'pay DE89 3704 0044 0532 0130 00 or GB82WEST12345698765432, FR14 2004 1010 0505 0001 3M02 606.';
    expect(found(text, ['iban'])).toEqual([
      'DE89 3704 0044 0532 0130 00',
      'GB82WEST12345698765432',
      'FR14 2004 1010 0505 0001 3M02 606',
    ]);
  });

  it('stops at the country length even when more groups follow', () => {
    expect(found('IBAN DE89 3704 0044 0532 0130 00 EUR', ['iban'])).toEqual(['DE89 3704 0044 0532 0130 00']);
  });

  it('refuses a wrong check digit, a wrong length and unknown countries', () => {
    expect(found('DE89 3704 0044 0532 0130 01', ['iban'])).toEqual([]);
    expect(found('DE89370400440532013000123', ['iban'])).toEqual([]);
    expect(found('ZZ89370400440532013000', ['iban'])).toEqual([]);
  });
});

describe('detectPii: account', () => {
  it('finds 8-12 digits only after account/acct, covering the digits', () => {
    const text = 'Account no. 12345678; acct# 1234-5678-90; accountNumber: 987654321012; ref 12345678';
    expect(found(text, ['account'])).toEqual(['12345678', '1234-5678-90', '987654321012']);
  });

  it('refuses shorter and longer numbers', () => {
    expect(found('account 1234567 and account 1234567890123', ['account'])).toEqual([]);
  });
});

describe('detectPii: several detectors', () => {
  it('returns sorted, non-overlapping findings and honours the kinds asked for', () => {
    const text = 'ada@example.com paid with 4111111111111111 from DE89370400440532013000, call +44 20 7946 0958';
    expect(detectPii(text).map((f) => f.kind)).toEqual(['email', 'card', 'iban', 'phone']);
    expect(detectPii(text, ['iban']).map((f) => f.kind)).toEqual(['iban']);
    expect(detectPii(text, [])).toEqual([]);
  });

  it('keeps one finding where two detectors match the same text', () => {
    const text = 'acct 555-123-4567';
    expect(detectPii(text, ['phone', 'account'])).toEqual([{ kind: 'account', start: 5, end: 17 }]);
  });
});

describe('detectPii: cost', () => {
  // Trigger and HTTP payloads are limited to 256 KiB (README, "Limits"): adversarial strings of that size.
  const SIZE = 256 * 1024;
  it.each([
    ['a long local part without a domain', `${'a'.repeat(SIZE)}@`],
    ['dotted words before an @', `${'ab.'.repeat(SIZE / 3)}@x`],
    ['an @ followed by a long label', `x@${'b'.repeat(SIZE)}`],
    ['digit groups joined by dashes', `${'1-'.repeat(SIZE / 2)}x`],
    ['digit groups joined by spaces', `${'12 '.repeat(SIZE / 3)}.5`],
    ['one long digit run', '7'.repeat(SIZE)],
    ['IBAN starts', 'DE89 '.repeat(SIZE / 5)],
    ['account words and short numbers', 'account 1234567 '.repeat(SIZE / 16)],
  ])('scans 256 KiB of %s in linear time', (_label, text) => {
    const started = performance.now();
    detectPii(text);
    expect(performance.now() - started).toBeLessThan(1500);
  });
});
