import { IBAN_LENGTHS, ibanChecksumValid, luhnValid } from './checksums.js';
import { detectPhones } from './phone-detector.js';
import { PII_KINDS, type Finding, type PiiKind } from './pii-kind.js';

const LOCAL_CHAR = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?';
/**
 * `local@domain.tld`: dot-atom local part of at most 64 characters (RFC 5322 section 3.4.1, RFC 5321 section
 * 4.5.3.1.1; Unicode letters allowed as in RFC 6531), 2+ letter TLD. The bounded local part keeps matching
 * linear in the text's length (an unbounded one backtracks quadratically over long runs without `@`).
 */
const EMAIL = new RegExp(
  `${LOCAL_CHAR}(?:\\.?${LOCAL_CHAR}){0,63}@(?:${LABEL}\\.)+\\p{L}{2,63}(?![\\p{L}\\p{N}-])`,
  'gu',
);

/** Runs of digit groups joined by single spaces or dashes, not preceded by a digit. */
const DIGIT_RUN = /(?<!\d)\d+(?:[ -]\d+)*/g;
/** Card numbers have 13-19 digits (ISO/IEC 7812-1). */
const CARD_DIGITS = { min: 13, max: 19 };

/** Country code + 2 check digits at a word start; the rest is read char by char, single spaces allowed. */
const IBAN_START = /(?<![\p{L}\p{N}])([A-Za-z]{2})\d{2}/gu;

/** `account`/`acct` (optionally `number`, `no.`, `nr`, `#`, `:`), then 8-12 digits, dashes allowed between. */
const ACCOUNT =
  /\b(?:account|acct)\.?(?:[ \t]*(?:number|num|no\.?|nr\.?|#))?[ \t]*[:#=]?[ \t]*(\d(?:-?\d){7,11})(?!-?\d)/dgi;

/** Detector order when two findings start at the same offset and have the same length. */
const PRIORITY: Readonly<Record<PiiKind, number>> = { email: 0, iban: 1, card: 2, account: 3, phone: 4 };

/**
 * Finds PII in `text` with the detectors `kinds` (default: all of {@link PII_KINDS}).
 * - `email`: `local@domain.tld` (Unicode letters allowed).
 * - `phone`: E.164 and national formats with separators; see `detectPhones` for what is deliberately not
 *   matched (dates, amounts, ids such as `CLM-2026-0001`).
 * - `card`: 13-19 digits, optionally grouped by single spaces or dashes, first digit 2-6 (ISO/IEC 7812 major
 *   industry identifiers of the card networks), Luhn-valid.
 * - `iban`: a country of the SWIFT IBAN registry, its exact length, optional single spaces, MOD 97-10 valid.
 * - `account`: 8-12 digits right after `account`/`acct` (`account no. 12345678`, `acct# 1234-5678`); the
 *   finding covers the digits only.
 * @returns findings sorted by `start`, never overlapping (on overlap the earlier, then longer, then
 *   email > iban > card > account > phone finding wins).
 */
export function detectPii(text: string, kinds: readonly PiiKind[] = PII_KINDS): Finding[] {
  if (kinds.length === 0 || !/[\d@]/.test(text)) return [];
  const found: Finding[] = [];
  for (const kind of new Set(kinds)) {
    if (kind === 'email') found.push(...detectEmails(text));
    else if (kind === 'phone') found.push(...detectPhones(text));
    else if (kind === 'card') found.push(...detectCards(text));
    else if (kind === 'iban') found.push(...detectIbans(text));
    else found.push(...detectAccounts(text));
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end || PRIORITY[a.kind] - PRIORITY[b.kind]);
  const kept: Finding[] = [];
  for (const finding of found) {
    const last = kept[kept.length - 1];
    if (last === undefined || finding.start >= last.end) kept.push(finding);
  }
  return kept;
}

function detectEmails(text: string): Finding[] {
  if (!text.includes('@')) return [];
  return [...text.matchAll(EMAIL)].map((m) => ({ kind: 'email' as const, start: m.index, end: m.index + m[0].length }));
}

/** Within each digit run, the longest Luhn-valid window of whole groups, scanning groups left to right. */
function detectCards(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const run of text.matchAll(DIGIT_RUN)) {
    const groups = [...run[0].matchAll(/\d+/g)].map((g) => ({
      digits: g[0],
      start: run.index + g.index,
      end: run.index + g.index + g[0].length,
    }));
    for (let i = 0; i < groups.length;) {
      let best = -1;
      let digits = '';
      for (let j = i; j < groups.length; j++) {
        digits += groups[j]!.digits;
        if (digits.length > CARD_DIGITS.max) break;
        if (digits.length >= CARD_DIGITS.min && /^[2-6]/.test(digits) && luhnValid(digits)) best = j;
      }
      if (best < 0) {
        i++;
        continue;
      }
      findings.push({ kind: 'card', start: groups[i]!.start, end: groups[best]!.end });
      i = best + 1;
    }
  }
  return findings;
}

function detectIbans(text: string): Finding[] {
  const findings: Finding[] = [];
  const starts = new RegExp(IBAN_START.source, IBAN_START.flags);
  for (let m = starts.exec(text); m !== null; m = starts.exec(text)) {
    const length = IBAN_LENGTHS[m[1]!.toUpperCase()];
    if (length === undefined) continue;
    const end = readIban(text, m.index, length);
    if (end !== undefined) {
      findings.push({ kind: 'iban', start: m.index, end });
      starts.lastIndex = end;
    }
  }
  return findings;
}

/** Reads `length` alphanumerics from `start` (single spaces allowed between); the end offset if they form an IBAN. */
function readIban(text: string, start: number, length: number): number | undefined {
  let compact = '';
  let i = start;
  while (i < text.length && compact.length < length) {
    const ch = text[i]!;
    if (/[A-Za-z0-9]/.test(ch)) compact += ch;
    else if (!(ch === ' ' && compact.length >= 4 && /[A-Za-z0-9]/.test(text[i + 1] ?? ''))) return undefined;
    i++;
  }
  if (compact.length !== length || /[\p{L}\p{N}]/u.test(text[i] ?? '')) return undefined;
  return ibanChecksumValid(compact) ? i : undefined;
}

function detectAccounts(text: string): Finding[] {
  return [...text.matchAll(ACCOUNT)].map((m) => {
    const [start, end] = m.indices![1]!;
    return { kind: 'account' as const, start, end };
  });
}
