import type { PiiKind } from './pii-kind.js';
import { matcherOf, type PrivacyRules } from './privacy-rules.js';
import { replaceInString, transformValue } from './transform.js';

/** Label of a path-masked value in masked output. */
export const MASKED_LABEL = '[masked]';

/** Label of a detector finding in masked output: `[email]`, `[phone]`, ... */
export function maskLabel(kind: PiiKind): string {
  return `[${kind}]`;
}

/**
 * Irreversible masking for what must never hold tokens or PII (log lines, span attributes): a deep copy of
 * `value` where each whole value at `rules.paths` becomes `[masked]` (null, undefined, '' kept) and each
 * detector finding inside any string becomes `[<kind>]`. Object keys are not touched; tokens are kept.
 * @example mask({ note: 'call +44 20 7946 0958' }, rules) // { note: 'call [phone]' }
 */
export function mask(value: unknown, rules: PrivacyRules): unknown {
  return transformValue(value, matcherOf(rules), rules.detectors, { whole: () => MASKED_LABEL, inline: maskLabel });
}

/** `text` with each finding of `detectors` replaced by its `[<kind>]` label; tokens are kept. */
export function maskText(text: string, detectors: readonly PiiKind[]): string {
  return replaceInString(text, detectors, maskLabel);
}
