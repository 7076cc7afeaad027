/** The PII detectors a privacy pack may name (`mask.detectors`). */
export const PII_KINDS = ['email', 'phone', 'card', 'iban', 'account'] as const;

/** One PII detector: see {@link detectPii} for what each matches. */
export type PiiKind = (typeof PII_KINDS)[number];

/** What a token stands for: a detector's kind, or `path` for a whole value masked by a JSON path rule. */
export type TokenKind = PiiKind | 'path';

/** One PII occurrence in a text: `text.slice(start, end)` is the PII (UTF-16 code unit offsets, end exclusive). */
export interface Finding {
  readonly kind: PiiKind;
  readonly start: number;
  readonly end: number;
}

/** True when `value` names a known detector. */
export function isPiiKind(value: unknown): value is PiiKind {
  return typeof value === 'string' && (PII_KINDS as readonly string[]).includes(value);
}
