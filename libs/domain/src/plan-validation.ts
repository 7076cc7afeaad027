import { ValidationError } from './errors.js';
import {
  MAX_CONCURRENT_RUNS_LIMIT,
  MAX_MEMORY_SCOPE_TAGS,
  MAX_PLAN_STEPS,
  MEMORY_SCOPE_TAG_PATTERN,
  STEP_ID_PATTERN,
} from './plan.js';
import type { GateSpec, Plan, PlanStep } from './plan.js';
import { parseReviewerEntry } from './reviewers.js';

function reject(code: string, message: string, details: Record<string, unknown>): never {
  throw new ValidationError(code, message, details);
}

/**
 * Longest delay a Node.js timer takes: 2^31 - 1 ms, about 24.86 days (nodejs.org/api/timers.html, `setTimeout`:
 * a larger delay is set to 1 ms). A step's `timeoutMs` (the tool call's request timeout) and a retry's
 * `backoffMs`/`maxBackoffMs` must not exceed it: longer waits inside a step are refused, not chained (a wait of
 * weeks is a gate SLA, or a trigger later, not a tool call or a retry).
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * Longest gate or escalation SLA, in seconds: 366 days. Gate deadlines of weeks are legitimate; the approval
 * service chains timers for them (one timer never waits more than {@link MAX_TIMER_DELAY_MS}). The bound keeps a
 * deadline a real date (`dueAt = opening + slaSeconds`) and catches a unit slip (`sla: 40000d`).
 */
export const MAX_GATE_SLA_SECONDS = 366 * 86_400;

const isNonEmptyString = (value: unknown): boolean => typeof value === 'string' && value !== '';
const isPositiveInteger = (value: number): boolean => Number.isInteger(value) && value >= 1;
const isNonNegative = (value: number): boolean => Number.isFinite(value) && value >= 0;

function validateStepFields(step: PlanStep, plan: Plan): void {
  const stepId = step.id;
  const { learnedFrom } = step;
  if (
    learnedFrom !== undefined &&
    !(isNonEmptyString(learnedFrom?.rule) && isNonEmptyString(learnedFrom?.recommendationId))
  ) {
    reject('plan_invalid_step', `step "${stepId}": learnedFrom must be {rule, recommendationId}, non-empty strings`, {
      stepId,
      field: 'learnedFrom',
    });
  }
  if (!Object.prototype.hasOwnProperty.call(plan.agents, step.agent)) {
    reject('plan_unknown_agent', `step "${stepId}": agent "${step.agent}" is not declared in plan.agents`, {
      stepId,
      field: 'agent',
      agent: step.agent,
    });
  }
  const { retry } = step;
  if (
    !isPositiveInteger(retry.maxAttempts) ||
    !isNonNegative(retry.backoffMs) ||
    !isNonNegative(retry.maxBackoffMs) ||
    !(retry.multiplier >= 1)
  ) {
    reject(
      'plan_invalid_retry',
      `step "${stepId}": retry needs maxAttempts >= 1 (integer), backoffMs >= 0, maxBackoffMs >= 0, multiplier >= 1`,
      { stepId, field: 'retry', retry },
    );
  }
  for (const key of ['backoffMs', 'maxBackoffMs'] as const) {
    if (retry[key] > MAX_TIMER_DELAY_MS) {
      reject(
        'plan_invalid_retry',
        `step "${stepId}": retry.${key} must be at most ${MAX_TIMER_DELAY_MS} ms (about 24.8 days), got ${retry[key]}`,
        { stepId, field: `retry.${key}`, limit: MAX_TIMER_DELAY_MS, value: retry[key] },
      );
    }
  }
  if (!(step.timeoutMs > 0)) {
    reject('plan_invalid_timeout', `step "${stepId}": timeoutMs must be > 0, got ${step.timeoutMs}`, {
      stepId,
      field: 'timeoutMs',
      timeoutMs: step.timeoutMs,
    });
  }
  if (step.timeoutMs > MAX_TIMER_DELAY_MS) {
    reject(
      'plan_invalid_timeout',
      `step "${stepId}": timeoutMs must be at most ${MAX_TIMER_DELAY_MS} ms (about 24.8 days), got ${step.timeoutMs}`,
      { stepId, field: 'timeoutMs', timeoutMs: step.timeoutMs, limit: MAX_TIMER_DELAY_MS },
    );
  }
  if (step.minConfidence !== undefined && !(step.minConfidence >= 0 && step.minConfidence <= 1)) {
    reject(
      'plan_invalid_confidence',
      `step "${stepId}": minConfidence must be within 0..1, got ${step.minConfidence}`,
      { stepId, field: 'minConfidence' },
    );
  }
  if (step.gate) validateGateSpec(step.gate, 'gate', stepId);
  if (step.confidenceGate) validateGateSpec(step.confidenceGate, 'confidenceGate', stepId);
  if (step.when !== undefined && (typeof step.when !== 'string' || step.when.trim() === '')) {
    reject('plan_invalid_condition', `step "${stepId}": when must be a non-empty JSONata expression`, {
      stepId,
      field: 'when',
    });
  }
  validateExternalStep(step);
}

/** An `external` step names who may report it (well-formed reviewer entries) and has no approval gate of its own. */
function validateExternalStep(step: PlanStep): void {
  const stepId = step.id;
  const fail = (message: string, field: string): never =>
    reject('plan_invalid_external_step', `step "${stepId}": ${message}`, { stepId, field });
  if (step.kind === undefined || step.kind === 'tool') {
    if (step.reviewers !== undefined)
      fail('reviewers are for external steps (kind: external); a tool step uses gate.reviewers', 'reviewers');
    return;
  }
  if (step.kind !== 'external') fail(`kind must be tool or external, got ${String(step.kind)}`, 'kind');
  const reviewers = step.reviewers ?? [];
  if (reviewers.length === 0)
    fail('an external step must name at least one reviewer (who may complete or fail it)', 'reviewers');
  const malformed = reviewers.find((entry) => parseReviewerEntry(entry) === undefined);
  if (malformed !== undefined)
    fail(`reviewers names "${malformed}": a reviewer is user:<id>, role:<role>, team:<team> or a bare id`, 'reviewers');
  if (step.gate !== undefined)
    fail('an external step cannot have a gate: its reviewers already decide its result', 'gate');
}

const isSla = (value: number | undefined): boolean =>
  value === undefined || (Number.isFinite(value) && value >= 0 && value <= MAX_GATE_SLA_SECONDS);

/**
 * A gate spec: at least one reviewer; every reviewer entry well-formed (`user:`, `role:`, `team:` or a bare id,
 * reviewers.ts); SLAs within 0..{@link MAX_GATE_SLA_SECONDS} seconds; every escalation level names a reviewer. Code `plan_invalid_gate`.
 */
function validateGateSpec(gate: GateSpec, field: string, stepId?: string): void {
  const where = stepId === undefined ? `plan.${field}` : `step "${stepId}": ${field}`;
  const fail = (message: string, subfield: string): never =>
    reject('plan_invalid_gate', `${where}${message}`, {
      ...(stepId === undefined ? {} : { stepId }),
      field: `${field}.${subfield}`,
    });
  if (gate.reviewers.length === 0) fail('.reviewers must name at least one reviewer', 'reviewers');
  const levels = gate.escalation ?? [];
  const entries = [...gate.reviewers, ...(gate.escalateTo ?? []), ...levels.flatMap((level) => level.reviewers)];
  const malformed = entries.find((entry) => parseReviewerEntry(entry) === undefined);
  if (malformed !== undefined)
    fail(` names "${malformed}": a reviewer is user:<id>, role:<role>, team:<team> or a bare id`, 'reviewers');
  if (!isSla(gate.slaSeconds))
    fail(`.slaSeconds must be within 0..${MAX_GATE_SLA_SECONDS} (366 days), got ${gate.slaSeconds}`, 'slaSeconds');
  levels.forEach((level, i) => {
    if (level.reviewers.length === 0)
      fail(`.escalation[${i}].reviewers must name at least one reviewer`, `escalation[${i}].reviewers`);
    if (!isSla(level.slaSeconds))
      fail(
        `.escalation[${i}].slaSeconds must be within 0..${MAX_GATE_SLA_SECONDS} (366 days), got ${level.slaSeconds}`,
        `escalation[${i}].slaSeconds`,
      );
  });
}

/**
 * A dependency cycle of `plan` as the path walked, first id repeated last (`['a', 'b', 'a']`: a depends
 * on b, b on a), or undefined when the graph is acyclic. Unknown dependencies are ignored.
 */
export function findCycle(plan: Plan): string[] | undefined {
  const byId = new Map(plan.steps.map((step) => [step.id, step] as const));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    state.set(id, 'visiting');
    path.push(id);
    for (const dependency of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(dependency)) continue;
      const seen = state.get(dependency);
      if (seen === 'visiting') return [...path.slice(path.indexOf(dependency)), dependency];
      if (seen === undefined) {
        const cycle = visit(dependency);
        if (cycle) return cycle;
      }
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const step of plan.steps) {
    if (state.has(step.id)) continue;
    const cycle = visit(step.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Checks a plan against the aggregate's rules, in this order:
 * `plan_empty` (no steps), `plan_invalid_concurrency` (integer >= 1; `maxConcurrentRuns` an integer within
 * 1..{@link MAX_CONCURRENT_RUNS_LIMIT}, `details.field` `maxConcurrentRuns`), `plan_invalid_confidence` (plan.minConfidence
 * within 0..1), `plan_invalid_gate` (plan.confidenceGate), `plan_invalid_timeout` (plan.timeoutMs),
 * `plan_invalid_memory_scope` (not 1..{@link MAX_MEMORY_SCOPE_TAGS} tags of {@link MEMORY_SCOPE_TAG_PATTERN}, sorted,
 * without duplicates: as `buildPlan` writes it), `workflow_depth_exceeded`
 * (more than {@link MAX_PLAN_STEPS} steps; details `{limit, actual}`), per step `plan_invalid_step_id`
 * ({@link STEP_ID_PATTERN}), `plan_duplicate_step`, `plan_invalid_step` (a `learnedFrom` that is not
 * `{rule, recommendationId}`), `plan_unknown_agent`, `plan_invalid_retry` (also a delay above
 * {@link MAX_TIMER_DELAY_MS}), `plan_invalid_timeout` (0 < timeoutMs <= {@link MAX_TIMER_DELAY_MS}),
 * `plan_invalid_confidence`, `plan_invalid_gate` (also an SLA above {@link MAX_GATE_SLA_SECONDS}), `plan_invalid_condition`
 * (an empty `when`), `plan_invalid_external_step` (an external step without well-formed `reviewers`, or with a gate;
 * `reviewers` on a tool step); then
 * `plan_unknown_dependency` (details `{stepId, dependency}`) and `plan_cycle` (details `{cycle}`, the path found).
 * @throws ValidationError with one of the codes above; `details.stepId`/`details.field` name the culprit.
 */
export function validatePlan(plan: Plan): void {
  if (plan.steps.length === 0) reject('plan_empty', 'plan.steps must hold at least one step', { field: 'steps' });
  if (!isPositiveInteger(plan.concurrency)) {
    reject('plan_invalid_concurrency', `plan.concurrency must be an integer >= 1, got ${plan.concurrency}`, {
      field: 'concurrency',
      concurrency: plan.concurrency,
    });
  }
  const maxRuns = plan.maxConcurrentRuns;
  if (maxRuns !== undefined && !(isPositiveInteger(maxRuns) && maxRuns <= MAX_CONCURRENT_RUNS_LIMIT)) {
    reject(
      'plan_invalid_concurrency',
      `plan.maxConcurrentRuns must be an integer within 1..${MAX_CONCURRENT_RUNS_LIMIT}, got ${maxRuns}`,
      { field: 'maxConcurrentRuns', maxConcurrentRuns: maxRuns, limit: MAX_CONCURRENT_RUNS_LIMIT },
    );
  }
  if (plan.minConfidence !== undefined && !(plan.minConfidence >= 0 && plan.minConfidence <= 1)) {
    reject('plan_invalid_confidence', `plan.minConfidence must be within 0..1, got ${plan.minConfidence}`, {
      field: 'minConfidence',
    });
  }
  if (plan.confidenceGate) validateGateSpec(plan.confidenceGate, 'confidenceGate');
  if (plan.timeoutMs !== undefined && !(plan.timeoutMs > 0 && plan.timeoutMs <= MAX_TIMER_DELAY_MS)) {
    reject(
      'plan_invalid_timeout',
      `plan.timeoutMs must be within 1..${MAX_TIMER_DELAY_MS} ms (about 24.8 days), got ${plan.timeoutMs}`,
      { field: 'timeoutMs', timeoutMs: plan.timeoutMs, limit: MAX_TIMER_DELAY_MS },
    );
  }
  if (plan.memoryScope !== undefined) validateMemoryScope(plan.memoryScope);
  if (plan.steps.length > MAX_PLAN_STEPS) {
    reject('workflow_depth_exceeded', `plan has ${plan.steps.length} steps; the limit is ${MAX_PLAN_STEPS}`, {
      limit: MAX_PLAN_STEPS,
      actual: plan.steps.length,
    });
  }
  const ids = new Set<string>();
  for (const step of plan.steps) {
    if (typeof step.id !== 'string' || !STEP_ID_PATTERN.test(step.id)) {
      reject('plan_invalid_step_id', `step id "${String(step.id)}" must match ${STEP_ID_PATTERN.source}`, {
        stepId: step.id,
        field: 'id',
        pattern: STEP_ID_PATTERN.source,
      });
    }
    if (ids.has(step.id))
      reject('plan_duplicate_step', `step id "${step.id}" appears more than once`, { stepId: step.id, field: 'id' });
    ids.add(step.id);
    validateStepFields(step, plan);
  }
  for (const step of plan.steps) {
    for (const dependency of step.dependsOn) {
      if (!ids.has(dependency)) {
        reject('plan_unknown_dependency', `step "${step.id}" depends on unknown step "${dependency}"`, {
          stepId: step.id,
          dependency,
          field: 'dependsOn',
        });
      }
    }
  }
  const cycle = findCycle(plan);
  if (cycle) reject('plan_cycle', `plan has a dependency cycle: ${cycle.join(' -> ')}`, { cycle });
}

/**
 * Step ids in an order where every step comes after its dependencies; ties keep plan order (Kahn's algorithm).
 * @throws ValidationError `plan_cycle` when the plan has a cycle.
 */
export function topologicalOrder(plan: Plan): string[] {
  const done = new Set<string>();
  const order: string[] = [];
  const known = new Set(plan.steps.map((step) => step.id));
  while (order.length < plan.steps.length) {
    const next = plan.steps.find(
      (step) => !done.has(step.id) && step.dependsOn.every((dep) => done.has(dep) || !known.has(dep)),
    );
    if (!next) {
      const cycle = findCycle(plan) ?? [];
      reject('plan_cycle', `plan has a dependency cycle: ${cycle.join(' -> ')}`, { cycle });
    }
    done.add(next.id);
    order.push(next.id);
  }
  return order;
}

function validateMemoryScope(scope: readonly string[]): void {
  const field = 'memoryScope';
  if (!Array.isArray(scope) || scope.length === 0 || scope.length > MAX_MEMORY_SCOPE_TAGS) {
    const size = Array.isArray(scope) ? `${scope.length} tags` : typeof scope;
    reject('plan_invalid_memory_scope', `plan.memoryScope must hold 1..${MAX_MEMORY_SCOPE_TAGS} tags, got ${size}`, {
      field,
      limit: MAX_MEMORY_SCOPE_TAGS,
    });
  }
  scope.forEach((tag, i) => {
    if (typeof tag !== 'string' || !MEMORY_SCOPE_TAG_PATTERN.test(tag)) {
      reject(
        'plan_invalid_memory_scope',
        `plan.memoryScope[${i}] ${JSON.stringify(tag)} must match ${MEMORY_SCOPE_TAG_PATTERN.source}`,
        {
          field: `${field}[${i}]`,
          pattern: MEMORY_SCOPE_TAG_PATTERN.source,
        },
      );
    }
    const previous = scope[i - 1];
    if (previous !== undefined && previous >= tag) {
      reject(
        'plan_invalid_memory_scope',
        `plan.memoryScope must be sorted without duplicates: ${JSON.stringify(previous)} before ${JSON.stringify(tag)}`,
        {
          field: `${field}[${i}]`,
        },
      );
    }
  });
}
