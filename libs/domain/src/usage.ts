/**
 * Token and cost usage a tool result may report beside its output (`StepSucceeded.usage`). Every field is optional,
 * a finite number >= 0: `inputTokens` and `outputTokens` as the model provider counted them, `costUsd` in US dollars
 * as the tool computed them. The same shape as `StepUsage` in `@ledgerflow/contracts` (memory.ts), which cannot be
 * imported here (the contracts depend on the domain).
 */
export interface StepUsage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
}

/** The fields a usage may carry, in the order they are checked and summed. */
export const STEP_USAGE_FIELDS = ['inputTokens', 'outputTokens', 'costUsd'] as const;

/** What is wrong with a reported usage: `field` is `usage` or `usage.<field>`, `rule` the rule it breaks. */
export interface StepUsageIssue {
  readonly field: string;
  readonly rule: 'type' | 'unknown_field' | 'finite' | 'minimum';
  readonly message: string;
}

/**
 * The first issue of a reported `usage` (undefined when it is valid or absent): it must be a plain object whose keys
 * are among {@link STEP_USAGE_FIELDS}, each value a finite number >= 0.
 * @example stepUsageIssue({ inputTokens: -1 }) // { field: 'usage.inputTokens', rule: 'minimum', message: 'usage.inputTokens must be >= 0, got -1' }
 */
export function stepUsageIssue(usage: unknown): StepUsageIssue | undefined {
  if (usage === undefined) return undefined;
  if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) {
    return { field: 'usage', rule: 'type', message: `usage must be an object, got ${describe(usage)}` };
  }
  const known: readonly string[] = STEP_USAGE_FIELDS;
  for (const [key, value] of Object.entries(usage)) {
    const field = `usage.${key}`;
    if (!known.includes(key)) {
      const message = `${field} is not a usage field (allowed: ${STEP_USAGE_FIELDS.join(', ')})`;
      return { field, rule: 'unknown_field', message };
    }
    if (typeof value !== 'number') {
      return { field, rule: 'type', message: `${field} must be a number, got ${describe(value)}` };
    }
    if (!Number.isFinite(value)) return { field, rule: 'finite', message: `${field} must be finite, got ${value}` };
    if (value < 0) return { field, rule: 'minimum', message: `${field} must be >= 0, got ${value}` };
  }
  return undefined;
}

/** The valid usage as recorded (fields in {@link STEP_USAGE_FIELDS} order), undefined when it reports no field. */
export function recordedUsage(usage: StepUsage | undefined): StepUsage | undefined {
  if (usage === undefined) return undefined;
  const fields = STEP_USAGE_FIELDS.filter((field) => usage[field] !== undefined);
  return fields.length === 0 ? undefined : Object.fromEntries(fields.map((field) => [field, usage[field]]));
}

/**
 * The field-wise sum of usages; a field is present when any usage reports it. Undefined when none reports any.
 * Cost sums are rounded to 1e-9 USD, so that binary floating point shows `0.3`, not `0.30000000000000004`.
 */
export function sumUsage(usages: Iterable<StepUsage | undefined>): StepUsage | undefined {
  const total: Partial<Record<(typeof STEP_USAGE_FIELDS)[number], number>> = {};
  for (const usage of usages) {
    for (const field of STEP_USAGE_FIELDS) {
      const value = usage?.[field];
      if (value !== undefined) total[field] = (total[field] ?? 0) + value;
    }
  }
  if (total.costUsd !== undefined) total.costUsd = Math.round(total.costUsd * 1e9) / 1e9;
  return recordedUsage(total);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? `a string` : typeof value === 'number' ? String(value) : typeof value;
}
