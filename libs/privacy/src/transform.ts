import { detectPii } from './detectors.js';
import type { PathMatcher } from './json-path.js';
import { isPiiToken, tokenPatternGlobal } from './pii-key.js';
import type { PiiKind } from './pii-kind.js';

/** How {@link transformValue} replaces what it finds. */
export interface Replacer {
  /** Replacement of a whole value selected by a path (never called for null, undefined, '' or a token). */
  whole(value: unknown): unknown;
  /** Replacement of one detector finding `text` of `kind` inside a string. */
  inline(kind: PiiKind, text: string): string;
}

/**
 * A deep copy of `value` (JSON semantics: `toJSON` applied, functions and symbols kept as they are) where
 * values selected by `matcher` go through `replacer.whole` and every detector finding inside any other string
 * through `replacer.inline`. Object keys, tokens, null, undefined and empty strings are left as they are.
 */
export function transformValue(
  value: unknown,
  matcher: PathMatcher,
  detectors: readonly PiiKind[],
  replacer: Replacer,
): unknown {
  const walk = (node: unknown, state: readonly number[]): unknown => {
    const json = toJsonValue(node);
    if (state.length > 0 && matcher.matches(state)) {
      return json === null || json === undefined || json === '' || isPiiToken(json) ? json : replacer.whole(json);
    }
    if (typeof json === 'string') return replaceInString(json, detectors, replacer.inline);
    if (Array.isArray(json))
      return json.map((item, i) => walk(item, state.length > 0 ? matcher.child(state, i) : state));
    if (json !== null && typeof json === 'object') {
      // fromEntries defines own properties, so a `__proto__` key stays data and never becomes a prototype.
      return Object.fromEntries(
        Object.entries(json).map(([key, item]) => [
          key,
          walk(item, state.length > 0 ? matcher.child(state, key) : state),
        ]),
      );
    }
    return json;
  };
  return walk(value, matcher.empty ? [] : matcher.root());
}

function toJsonValue(node: unknown): unknown {
  const toJSON = (node as { toJSON?: unknown } | null)?.toJSON;
  return node !== null && typeof node === 'object' && typeof toJSON === 'function'
    ? (toJSON as () => unknown).call(node)
    : node;
}

/**
 * `text` with every detector finding replaced by `inline(kind, finding)`. Tokens already in the text are
 * kept and never searched (their characters could look like digits of a phone or card number).
 */
export function replaceInString(
  text: string,
  detectors: readonly PiiKind[],
  inline: (kind: PiiKind, text: string) => string,
): string {
  if (detectors.length === 0 || !/[\d@]/.test(text)) return text;
  let out = '';
  let last = 0;
  const replaceSegment = (segment: string): string => {
    let result = '';
    let at = 0;
    for (const finding of detectPii(segment, detectors)) {
      result += segment.slice(at, finding.start) + inline(finding.kind, segment.slice(finding.start, finding.end));
      at = finding.end;
    }
    return result + segment.slice(at);
  };
  for (const m of text.matchAll(tokenPatternGlobal())) {
    out += replaceSegment(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + replaceSegment(text.slice(last));
}
