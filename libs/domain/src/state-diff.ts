import diff from 'microdiff';

/**
 * What changed between two JSON values, e.g. a run's state at two checkpoints (docs/operations.md,
 * "Replay, checkpoints, diff, fork"), computed with the maintained `microdiff` library and reported with
 * the operation names and path syntax of JSON Patch (RFC 6902):
 *
 * - `path` is a JSON Pointer (RFC 6901): `/steps/r3/status`, `/plan/steps/4`; `~` and `/` in keys are
 *   escaped as `~0` and `~1`; the whole value is `""`.
 * - `add`: `path` exists only in `to` (`to` holds its value); `remove`: only in `from` (`from` holds it);
 *   `replace`: both hold a different value (a leaf, or a change of kind: object, array, scalar).
 * - Both values are compared as JSON: a property whose value is `undefined` counts as absent.
 */
export interface ValueChange {
  readonly op: 'add' | 'remove' | 'replace';
  readonly path: string;
  readonly from?: unknown;
  readonly to?: unknown;
}

const kindOf = (value: unknown): 'array' | 'object' | 'scalar' =>
  Array.isArray(value) ? 'array' : value !== null && typeof value === 'object' ? 'object' : 'scalar';

/** One JSON Pointer token (RFC 6901, section 3). */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

const asJson = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

/**
 * The changes that turn `from` into `to` (empty when they are deeply equal). Pure; the values are not changed.
 * @example diffValues({ steps: { r3: { status: 'pending' } } }, { steps: { r3: { status: 'succeeded' } } })
 *   // [{ op: 'replace', path: '/steps/r3/status', from: 'pending', to: 'succeeded' }]
 */
export function diffValues(from: unknown, to: unknown): ValueChange[] {
  const a = asJson(from);
  const b = asJson(to);
  if (kindOf(a) === 'scalar' || kindOf(a) !== kindOf(b)) {
    return Object.is(a, b) || JSON.stringify(a) === JSON.stringify(b)
      ? []
      : [{ op: 'replace', path: '', from: a, to: b }];
  }
  return diff(a as Record<string, unknown>, b as Record<string, unknown>).map((change) => {
    const path = change.path.map((key) => `/${pointerToken(String(key))}`).join('');
    if (change.type === 'CREATE') return { op: 'add', path, to: change.value };
    if (change.type === 'REMOVE') return { op: 'remove', path, from: change.oldValue };
    return { op: 'replace', path, from: change.oldValue, to: change.value };
  });
}
