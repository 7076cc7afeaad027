import { PathMatcher } from './json-path.js';
import type { PiiKind } from './pii-kind.js';

/** What to mask, merged over every privacy pack in force. */
export interface PrivacyRules {
  /** `id@version` of each privacy pack merged in, sorted. */
  readonly packs: readonly string[];
  /** JSON paths (see `parseJsonPath`) whose whole values are masked; duplicates removed, in pack order. */
  readonly paths: readonly string[];
  /** Detectors applied to every string value; duplicates removed, in pack order. */
  readonly detectors: readonly PiiKind[];
}

/** Rules that mask nothing. */
export const NO_PRIVACY_RULES: PrivacyRules = { packs: [], paths: [], detectors: [] };

const matchers = new WeakMap<PrivacyRules, PathMatcher>();

/** The compiled {@link PathMatcher} of `rules.paths`, cached per rules object. */
export function matcherOf(rules: PrivacyRules): PathMatcher {
  let matcher = matchers.get(rules);
  if (matcher === undefined) {
    matcher = new PathMatcher(rules.paths);
    matchers.set(rules, matcher);
  }
  return matcher;
}
