import { ValidationError } from '@ledgerflow/domain';

/** One step of a parsed path: which children it selects, and whether at any depth (`..`). */
export interface PathSegment {
  readonly descend: boolean;
  readonly select:
    | { readonly kind: 'name'; readonly name: string }
    | { readonly kind: 'wildcard' }
    | { readonly kind: 'index'; readonly index: number };
}

/** A key on the way from the root to a value: an object property name or an array index. */
export type PathKey = string | number;

const MAX_SEGMENTS = 64;
const TOKEN = /^(\.\.|\.)(\*|[^.[\]\s'"*]+)|^(\.\.)?\[(?:(\*)|(\d+)|'([^']*)'|"([^"]*)")\]/;

/**
 * Parses the JSONPath subset of privacy packs (RFC 9535 syntax, a subset of it): `$` then any of `.name`,
 * `..name` (recursive descent: at any depth), `.*`, `..*`, `[*]`, `[0]`, `['name']`, `["name"]`.
 * `$` alone selects the whole value.
 * @throws ValidationError `json_path_invalid` naming the path and the offset of the first unreadable character.
 * @example parseJsonPath('$.claimants[*].email')
 */
export function parseJsonPath(path: string): PathSegment[] {
  if (!path.startsWith('$')) throw invalid(path, 0, 'a path starts with $');
  const segments: PathSegment[] = [];
  let rest = path.slice(1);
  while (rest !== '') {
    const m = TOKEN.exec(rest);
    if (m === null)
      throw invalid(path, path.length - rest.length, "expected .name, ..name, .*, [*], [index] or ['name']");
    if (m[1] !== undefined) {
      const descend = m[1] === '..';
      segments.push({ descend, select: m[2] === '*' ? { kind: 'wildcard' } : { kind: 'name', name: m[2]! } });
    } else {
      const descend = m[3] !== undefined;
      const name = m[6] ?? m[7];
      if (m[4] !== undefined) segments.push({ descend, select: { kind: 'wildcard' } });
      else if (m[5] !== undefined) segments.push({ descend, select: { kind: 'index', index: Number(m[5]) } });
      else segments.push({ descend, select: { kind: 'name', name: name! } });
    }
    if (segments.length > MAX_SEGMENTS)
      throw invalid(path, path.length - rest.length, `at most ${MAX_SEGMENTS} segments`);
    rest = rest.slice(m[0].length);
  }
  return segments;
}

function invalid(path: string, offset: number, rule: string): ValidationError {
  return new ValidationError(
    'json_path_invalid',
    `JSON path ${JSON.stringify(path)} is invalid at offset ${offset}: ${rule}`,
    { field: 'path', rule, path, offset },
  );
}

/**
 * A compiled set of paths, walked from the root one key at a time. A state is the set of partial matches at
 * a node; {@link PathMatcher.matches} says whether some path selects the node itself.
 */
export class PathMatcher {
  private readonly paths: readonly (readonly PathSegment[])[];

  /** @throws ValidationError `json_path_invalid` for the first invalid path. */
  constructor(paths: readonly string[]) {
    this.paths = paths.map(parseJsonPath);
  }

  /** True when no path is configured: walking can be skipped. */
  get empty(): boolean {
    return this.paths.length === 0;
  }

  /** The state at the root. */
  root(): readonly number[] {
    return this.paths.map((_, p) => p * MAX_SEGMENTS * 2);
  }

  /** True when some path ends at the node of `state`. */
  matches(state: readonly number[]): boolean {
    return state.some(
      (code) => code % (MAX_SEGMENTS * 2) === this.paths[Math.floor(code / (MAX_SEGMENTS * 2))]!.length,
    );
  }

  /** The state at the child `key` of the node of `state` (empty when no path can match below). */
  child(state: readonly number[], key: PathKey): readonly number[] {
    const next = new Set<number>();
    for (const code of state) {
      const p = Math.floor(code / (MAX_SEGMENTS * 2));
      const s = code % (MAX_SEGMENTS * 2);
      const segment = this.paths[p]![s];
      if (segment === undefined) continue;
      if (segment.descend) next.add(code);
      if (selects(segment, key)) next.add(code + 1);
    }
    return [...next];
  }
}

function selects(segment: PathSegment, key: PathKey): boolean {
  const { select } = segment;
  if (select.kind === 'wildcard') return true;
  if (select.kind === 'index') return key === select.index;
  return key === select.name;
}

/**
 * Locations of the values `paths` select in `value` (outermost only: nothing below a selected value),
 * in document order. Object keys are compared exactly; array elements by index.
 * @example selectPaths({ a: [{ b: 1 }, { b: 2 }] }, ['$.a[*].b']) // [['a', 0, 'b'], ['a', 1, 'b']]
 */
export function selectPaths(value: unknown, paths: readonly string[]): PathKey[][] {
  const matcher = new PathMatcher(paths);
  const out: PathKey[][] = [];
  const walk = (node: unknown, state: readonly number[], at: PathKey[]): void => {
    if (state.length === 0) return;
    if (matcher.matches(state)) {
      out.push(at);
      return;
    }
    if (Array.isArray(node)) node.forEach((item, i) => walk(item, matcher.child(state, i), [...at, i]));
    else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) walk(item, matcher.child(state, key), [...at, key]);
    }
  };
  walk(value, matcher.root(), []);
  return out;
}
