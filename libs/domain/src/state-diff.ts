/**
 * What changed between two JSON values, e.g. a run's state at two checkpoints (`diff(a, b)` of the design
 * brief, "Replay, checkpoints, audit"). No maintained JSON diff library is installed in this workspace, so
 * this is a small structural diff with the operation names and path syntax of JSON Patch (RFC 6902):
 *
 * - `path` is a JSON Pointer (RFC 6901): `/steps/r3/status`, `/plan/steps/4`; `~` and `/` in keys are
 *   escaped as `~0` and `~1`; the whole value is `""`.
 * - `add`: `path` exists only in `to` (`to` holds its value); `remove`: only in `from` (`from` holds it);
 *   `replace`: both hold a different value (a leaf, or a change of kind: object, array, scalar).
 * - Objects are compared key by key (keys of `from` in order, then keys new in `to`); arrays index by index,
 *   a longer array adds its tail, a shorter one removes it (last index first, so the list applies in order).
 * - A property whose value is `undefined` counts as absent (as in JSON).
 */
export interface ValueChange {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

type Json = Record<string, unknown>;

const kindOf = (value: unknown): 'array' | 'object' | 'scalar' =>
  Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar';

/** One JSON Pointer token (RFC 6901, section 3). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function walk(from: unknown, to: unknown, path: string, out: ValueChange[]): void {
  const kind = kindOf(from);
  if (kind !== kindOf(to)) {
    out.push({ op: 'replace', path, from, to });
    return;
  }
  if (kind === 'scalar') {
    if (!Object.is(from, to)) out.push({ op: 'replace', path, from, to });
    return;
  }
  if (kind === 'array') {
    const a = from as unknown[];
    const b = to as unknown[];
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) walk(a[i], b[i], `${path}/${i}`, out);
    for (let i = common; i < b.length; i++) out.push({ op: 'add', path: `${path}/${i}`, to: b[i] });
    for (let i = a.length - 1; i >= common; i--) out.push({ op: 'remove', path: `${path}/${i}`, from: a[i] });
    return;
  }
  const a = from as Json;
  const b = to as Json;
  for (const key of Object.keys(a)) {
    if (a[key] === undefined) continue;
    const child = `${path}/${pointerToken(key)}`;
    if (b[key] === undefined) out.push({ op: 'remove', path: child, from: a[key] });
    else walk(a[key], b[key], child, out);
  }
  for (const key of Object.keys(b)) {
    if (b[key] !== undefined && a[key] === undefined) out.push({ op: 'add', path: `${path}/${pointerToken(key)}`, to: b[key] });
  }
}

/**
 * The changes that turn `from` into `to` (empty when they are deeply equal). Pure; the values are not copied.
 * @example diffValues({ steps: { r3: { status: 'pending' } } }, { steps: { r3: { status: 'succeeded' } } })
 *   // [{ op: 'replace', path: '/steps/r3/status', from: 'pending', to: 'succeeded' }]
 */
export function diffValues(from: unknown, to: unknown): ValueChange[] {
  const out: ValueChange[] = [];
  walk(from, to, '', out);
  return out;
}
