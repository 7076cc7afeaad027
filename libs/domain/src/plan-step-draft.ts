import { ValidationError } from './errors.js';
import type { GateSpec, PlanStep, RetryPolicy } from './plan.js';
import { MAX_GATE_SLA_SECONDS, MAX_TIMER_DELAY_MS } from './plan-validation.js';

/**
 * A step as an operator, a reviewer or a tool writes it when adding it to a running plan: `id`, `tool`, `action`
 * and `agent` are required, the rest defaults (see {@link STEP_DRAFT_DEFAULTS}). A full `PlanStep` is a draft too.
 */
export interface PlanStepDraft {
  readonly id: string;
  readonly tool: string;
  readonly action: string;
  readonly agent: string;
  readonly name?: string;
  readonly dependsOn?: readonly string[];
  readonly input?: unknown;
  readonly retry?: RetryPolicy;
  /** Time limit of one attempt, in ms. */
  readonly timeoutMs?: number;
  readonly optional?: boolean;
  readonly gate?: GateSpec;
  readonly minConfidence?: number;
  readonly confidenceGate?: GateSpec;
  readonly policyTags?: readonly string[];
}

/** Defaults of a drafted step: one attempt (no retry), 30 s per attempt, required, no dependencies, input `{}`, name = id. */
export const STEP_DRAFT_DEFAULTS = {
  retry: { maxAttempts: 1, backoffMs: 1_000, multiplier: 2, maxBackoffMs: 60_000 },
  timeoutMs: 30_000,
} as const;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isStringList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

function invalid(where: string, field: string, rule: string, limit?: { limit: number; value: unknown }): never {
  throw new ValidationError('plan_invalid_step', `${where}: ${field} ${rule}`, { field, rule, ...limit });
}

/** A delay of a step (ms) within 0..{@link MAX_TIMER_DELAY_MS}: the longest a Node.js timer waits. */
function checkDelay(where: string, field: string, value: number): void {
  if (!(value <= MAX_TIMER_DELAY_MS))
    invalid(where, field, `must be at most ${MAX_TIMER_DELAY_MS} ms (about 24.8 days), got ${value}`, {
      limit: MAX_TIMER_DELAY_MS,
      value,
    });
}

/** A gate's SLAs (its own and each escalation level's): numbers of seconds within 0..{@link MAX_GATE_SLA_SECONDS}. */
function checkSlas(where: string, field: string, spec: Record<string, unknown>): void {
  const levels = Array.isArray(spec.escalation) ? (spec.escalation as unknown[]) : [];
  const slas: [string, unknown][] = [
    [`${field}.slaSeconds`, spec.slaSeconds],
    ...levels.map((level, i): [string, unknown] => [
      `${field}.escalation[${i}].slaSeconds`,
      (level as { slaSeconds?: unknown } | null)?.slaSeconds,
    ]),
  ];
  for (const [name, sla] of slas) {
    if (sla === undefined) continue;
    if (typeof sla !== 'number' || !(sla >= 0 && sla <= MAX_GATE_SLA_SECONDS)) {
      invalid(
        where,
        name,
        `must be a number of seconds within 0..${MAX_GATE_SLA_SECONDS} (366 days), got ${JSON.stringify(sla)}`,
        { limit: MAX_GATE_SLA_SECONDS, value: sla },
      );
    }
  }
}

/**
 * The plan step of a draft, defaults filled in. Checks only the shape (types of the fields); the plan rules
 * (ids, agents, retry bounds, dependencies, cycles, 50 steps) are `validatePlan`'s.
 * @param where names the draft in messages, e.g. `addSteps[0]`.
 * @throws ValidationError `plan_invalid_step` naming the field: not an object, `id`/`tool`/`action`/`agent` not a
 *   non-empty string, `dependsOn`/`policyTags` not a list of strings, `retry` not an object of numbers,
 *   `timeoutMs`/`minConfidence` not a number, `optional` not a boolean; a delay above the timer limit
 *   (`timeoutMs`, `retry.backoffMs`, `retry.maxBackoffMs` over {@link MAX_TIMER_DELAY_MS} ms) or a gate SLA
 *   (`gate.slaSeconds`, `gate.escalation[i].slaSeconds`, same for `confidenceGate`) outside
 *   0..{@link MAX_GATE_SLA_SECONDS} s; `details: {field, rule, limit?, value?}`.
 */
export function planStepOfDraft(draft: unknown, where = 'step'): PlanStep {
  if (!isRecord(draft)) invalid(where, 'the step', 'must be an object');
  for (const field of ['id', 'tool', 'action', 'agent'] as const) {
    if (typeof draft[field] !== 'string' || draft[field] === '') invalid(where, field, 'must be a non-empty string');
  }
  const {
    id,
    tool,
    action,
    agent,
    name,
    dependsOn,
    input,
    retry,
    timeoutMs,
    optional,
    gate,
    minConfidence,
    confidenceGate,
    policyTags,
  } = draft;
  if (name !== undefined && typeof name !== 'string') invalid(where, 'name', 'must be a string');
  if (dependsOn !== undefined && !isStringList(dependsOn)) invalid(where, 'dependsOn', 'must be a list of step ids');
  if (policyTags !== undefined && !isStringList(policyTags)) invalid(where, 'policyTags', 'must be a list of strings');
  if (
    retry !== undefined &&
    !(
      isRecord(retry) &&
      ['maxAttempts', 'backoffMs', 'multiplier', 'maxBackoffMs'].every((key) => typeof retry[key] === 'number')
    )
  ) {
    invalid(where, 'retry', 'must be {maxAttempts, backoffMs, multiplier, maxBackoffMs} (numbers)');
  }
  if (retry !== undefined)
    for (const key of ['backoffMs', 'maxBackoffMs'] as const) checkDelay(where, `retry.${key}`, retry[key] as number);
  if (timeoutMs !== undefined && typeof timeoutMs !== 'number') invalid(where, 'timeoutMs', 'must be a number of ms');
  if (timeoutMs !== undefined) checkDelay(where, 'timeoutMs', timeoutMs as number);
  if (minConfidence !== undefined && typeof minConfidence !== 'number')
    invalid(where, 'minConfidence', 'must be a number within 0..1');
  if (optional !== undefined && typeof optional !== 'boolean') invalid(where, 'optional', 'must be a boolean');
  for (const [field, spec] of [
    ['gate', gate],
    ['confidenceGate', confidenceGate],
  ] as const) {
    if (spec !== undefined && !(isRecord(spec) && isStringList(spec.reviewers)))
      invalid(where, field, 'must be a gate {reviewers, slaSeconds?, escalation?}');
    if (spec !== undefined) checkSlas(where, field, spec as Record<string, unknown>);
  }
  return {
    id: id as string,
    name: (name as string | undefined) ?? (id as string),
    tool: tool as string,
    action: action as string,
    agent: agent as string,
    dependsOn: [...((dependsOn as string[] | undefined) ?? [])],
    input: input ?? {},
    retry: (retry as RetryPolicy | undefined) ?? { ...STEP_DRAFT_DEFAULTS.retry },
    timeoutMs: (timeoutMs as number | undefined) ?? STEP_DRAFT_DEFAULTS.timeoutMs,
    optional: (optional as boolean | undefined) ?? false,
    ...(gate === undefined ? {} : { gate: gate as GateSpec }),
    ...(minConfidence === undefined ? {} : { minConfidence: minConfidence as number }),
    ...(confidenceGate === undefined ? {} : { confidenceGate: confidenceGate as GateSpec }),
    policyTags: [...((policyTags as string[] | undefined) ?? [])],
  };
}
