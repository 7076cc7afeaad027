import type { Finding } from './pii-kind.js';

/**
 * Phone number candidates: `+` and up to 15 digits (E.164, compact) or digit groups of 1-8 digits separated by
 * one space, dot or dash, a group optionally led by a parenthesised area code (`(555) 123-4567`,
 * `+44 (0)20 7946 0958`). Not preceded by a word character, dot, comma, slash, plus or dash (so not inside
 * `CLM-2026-0001`, `12,345.67`); not followed by a word character or by `.`/`,`/`/`/`:`/`-` plus a digit
 * (so not a prefix of a decimal amount, a date or a time).
 */
const CANDIDATE =
  /(?<![\w.,/+-])(?:\+\d{1,15}|(?:\(\d{1,5}\) ?)?\d{1,8})(?:[ .-](?:\(\d{1,5}\) ?)?\d{1,8}|\(\d{1,5}\) ?\d{1,8})*(?!\w|[.,/:-]\d)/g;

const CURRENCY_BEFORE = /(?:[$€£¥₹]|\b(?:EUR|USD|GBP|CHF|JPY|CAD|AUD|SEK|NOK|DKK|PLN|INR))\s?$/i;
const CURRENCY_AFTER = /^\s?(?:[$€£¥₹]|(?:EUR|USD|GBP|CHF|JPY|CAD|AUD|SEK|NOK|DKK|PLN|INR)\b)/i;

/** Smallest and largest digit counts: E.164 allows at most 15 digits (ITU-T E.164 section 6.1). */
const INTERNATIONAL_DIGITS = { min: 7, max: 15 };
/** National numbers with their trunk prefix: 9 (ES, IT) to 12 (DE) digits. */
const NATIONAL_DIGITS = { min: 9, max: 12 };

/**
 * Phone numbers in `text`: E.164 (`+14155552671`), international with separators (`+1 (555) 123-4567`,
 * `+33 6 12 34 56 78`) and national formats with separators (`555-123-4567`, `(555) 123-4567`,
 * `020 7946 0958`, `06 12 34 56 78`, `030 12345678`).
 * Not matched: digit runs without separators and without `+`; dates and date-times (`2026-01-15`,
 * `15.01.2026`); amounts (`12,345.67`, `123.456.789,00`, `EUR 1 234 567 890`); IPv4 addresses; ids joined
 * to letters by dashes (`CLM-2026-0001`, `POL-HOME-100001`); numbers like `2026-000123` or `2026-0311-07`
 * (a national number starts with a trunk `0` or a parenthesised area code, or has 3+ groups led by 3 digits).
 */
export function detectPhones(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const candidate = match[0];
    const start = match.index;
    if (
      isPhone(
        candidate,
        text.slice(Math.max(0, start - 5), start),
        text.slice(start + candidate.length, start + candidate.length + 5),
      )
    ) {
      findings.push({ kind: 'phone', start, end: start + candidate.length });
    }
  }
  return findings;
}

function isPhone(candidate: string, before: string, after: string): boolean {
  const digits = candidate.replace(/\D/g, '');
  if (CURRENCY_BEFORE.test(before) || CURRENCY_AFTER.test(after)) return false;
  if (candidate.startsWith('+'))
    return digits.length >= INTERNATIONAL_DIGITS.min && digits.length <= INTERNATIONAL_DIGITS.max;
  if (digits.length < NATIONAL_DIGITS.min || digits.length > NATIONAL_DIGITS.max) return false;
  const groups = candidate.split(/[ .\-()]+/).filter((g) => g !== '');
  const separators = candidate.replace(/[\d()]/g, '');
  const parenthesised = candidate.includes('(');
  if (groups.length < 2) return false;
  // Without a trunk 0 or a parenthesised area code, only shapes led by a 3-digit group (NANP area codes,
  // Spanish and Italian mobiles): `2026-000123` or job numbers like `2026-0311-07` are not phones.
  if (!parenthesised && !candidate.startsWith('0') && (groups.length === 2 || groups[0]!.length !== 3)) return false;
  if (!parenthesised && isThousandsGrouping(groups, separators)) return false;
  if (!parenthesised && isIpv4(groups, separators)) return false;
  if (startsWithDate(groups)) return false;
  return true;
}

/** `1.234.567` style: first group 1-3 digits, every other exactly 3, all separators dots. */
function isThousandsGrouping(groups: readonly string[], separators: string): boolean {
  return /^\.+$/.test(separators) && (groups[0]?.length ?? 0) <= 3 && groups.slice(1).every((g) => g.length === 3);
}

function isIpv4(groups: readonly string[], separators: string): boolean {
  return separators === '...' && groups.length === 4 && groups.every((g) => g.length <= 3 && Number(g) <= 255);
}

/** First three groups form `YYYY MM DD`, `DD MM YYYY` or `MM DD YYYY` with a valid month and day. */
function startsWithDate(groups: readonly string[]): boolean {
  const [a, b, c] = groups;
  if (a === undefined || b === undefined || c === undefined) return false;
  const day = (d: string): boolean => d.length <= 2 && Number(d) >= 1 && Number(d) <= 31;
  const month = (m: string): boolean => m.length <= 2 && Number(m) >= 1 && Number(m) <= 12;
  if (a.length === 4 && month(b) && day(c)) return true;
  if (c.length === 4 && ((day(a) && month(b)) || (month(a) && day(b)))) return true;
  return false;
}
