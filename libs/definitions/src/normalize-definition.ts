import { Cron } from 'croner';
import { MAX_TIMER_DELAY_MS, ValidationError, parseDuration, slaSecondsOf } from '@ledgerflow/domain';
import type { GoalConstraints } from '@ledgerflow/contracts';
import type { EscalationLevel, GateSpec, RetryPolicy } from '@ledgerflow/domain';
import { DefinitionError } from './definition.errors.js';
import { EXTERNAL_ACTION, EXTERNAL_TOOL, GOAL_DEFAULTS } from './definition.types.js';
import type {
  CatchUp,
  DefinitionIssue,
  GoalSpec,
  JsonSchema,
  StepDefinition,
  TriggerSpec,
  WorkflowDefinition,
} from './definition.types.js';

/** Defaults of the definition format: 4 concurrent steps, a 30 s timeout per attempt, one attempt (no retry). */
export const DEFINITION_DEFAULTS = {
  concurrency: 4,
  timeoutMs: 30_000,
  retry: { maxAttempts: 1, backoffMs: 1_000, multiplier: 2, maxBackoffMs: 60_000 },
} as const;

type Duration = string | number;

/** A gate as written (`gate`, `confidenceGate`): durations unparsed. */
export interface RawGate {
  reviewers: string[];
  sla?: Duration;
  escalateTo?: string[];
  escalation?: { reviewers: string[]; sla?: Duration }[];
}
/** The file's shape once the JSON Schema has accepted it. */
export interface RawStep {
  id: string;
  name?: string;
  kind?: 'tool' | 'external';
  tool?: string;
  action?: string;
  agent: string;
  when?: string;
  reviewers?: string[];
  dependsOn?: string[];
  input?: unknown;
  outputSchema?: JsonSchema;
  timeout?: Duration;
  optional?: boolean;
  minConfidence?: number;
  policyTags?: string[];
  retry?: { maxAttempts?: number; backoff?: Duration; multiplier?: number; maxBackoff?: Duration };
  gate?: RawGate;
  confidenceGate?: RawGate;
}
/** `goal` as written: durations unparsed. */
export interface RawGoal {
  generator: 'catalog' | 'llm';
  llm?: { model: string; baseUrl: string; apiKeyEnv: string; timeout?: Duration };
  adaptive?: boolean;
  maxAttempts?: number;
  review?: { reviewers: string[]; sla?: Duration };
  desiredOutputs?: JsonSchema;
  constraints?: GoalConstraints;
}
/** `trigger` as written: `schedule` is the cron expression, `timezone` and `catchUp` its settings. */
export interface RawTrigger {
  type?: string;
  input?: string;
  schedule?: string;
  timezone?: string;
  catchUp?: CatchUp;
}
export interface RawDefinition {
  id: string;
  version: string;
  title?: string;
  trigger?: RawTrigger;
  inputSchema?: JsonSchema;
  timeout?: Duration;
  tools: Record<string, string[]>;
  agents: Record<string, string[]>;
  /** Absent on a goal template (`goal`): parse-definition.ts requires exactly one of them. */
  steps?: RawStep[];
  goal?: RawGoal;
  concurrency?: number;
  maxConcurrentRuns?: number;
  maxSteps?: number;
  requiredSecrets?: string[];
  policies?: string[];
  memoryScope?: string[];
  minConfidence?: number;
  confidenceGate?: RawGate;
  recoveries?: { id?: string; on: { step?: string; code: string }; steps: RawStep[] }[];
}

/**
 * Fills defaults and turns durations into milliseconds (whole seconds, rounded up, for a gate's SLAs).
 * Limits (docs/definitions.md, "Durations"): the workflow's `timeout` (a whole run), a step's `timeout` and `retry.backoff`/`retry.maxBackoff` at most
 * {@link MAX_TIMER_DELAY_MS} (2^31 - 1 ms, about 24.8 days: the longest Node.js timer; refused, not chained);
 * a gate's `sla` and each escalation level's at most {@link MAX_GATE_SLA_SECONDS} (366 days; the approval
 * service chains timers past 24.8 days).
 * @throws DefinitionError `duration_too_long` (or `duration_invalid`) at the field's JSON pointer, naming the
 *   value and the limit; details `{field, value, limitMs, actualMs}`.
 */
export function normalizeDefinition(raw: RawDefinition, source: string): WorkflowDefinition {
  try {
    return normalize(raw, source);
  } catch (error) {
    if (!(error instanceof ValidationError) || !error.code.startsWith('duration_')) throw error;
    const path = String(error.details.field);
    const message = error.message.startsWith(`${path}: `) ? error.message.slice(path.length + 2) : error.message;
    throw new DefinitionError(error.code, source, [{ path, rule: error.code, message }], error.details);
  }
}

function normalize(raw: RawDefinition, source: string): WorkflowDefinition {
  return {
    id: raw.id,
    version: raw.version,
    title: raw.title ?? raw.id,
    source,
    ...(raw.trigger === undefined ? {} : { trigger: normalizeTrigger(raw.trigger, source) }),
    inputSchema: raw.inputSchema ?? true,
    tools: raw.tools,
    agents: raw.agents,
    steps: (raw.steps ?? []).map((step, i) => normalizeStep(step, `/steps/${i}`)),
    ...(raw.goal === undefined ? {} : { goal: normalizeGoal(raw.goal) }),
    ...(raw.timeout === undefined ? {} : { timeoutMs: parseDuration(raw.timeout, '/timeout', MAX_TIMER_DELAY_MS) }),
    ...(raw.minConfidence === undefined ? {} : { minConfidence: raw.minConfidence }),
    ...(raw.confidenceGate === undefined
      ? {}
      : { confidenceGate: normalizeGate(raw.confidenceGate, '/confidenceGate') }),
    concurrency: raw.concurrency ?? DEFINITION_DEFAULTS.concurrency,
    ...(raw.maxConcurrentRuns === undefined ? {} : { maxConcurrentRuns: raw.maxConcurrentRuns }),
    ...(raw.maxSteps === undefined ? {} : { maxSteps: raw.maxSteps }),
    requiredSecrets: raw.requiredSecrets ?? [],
    policies: raw.policies ?? [],
    ...(raw.memoryScope === undefined ? {} : { memoryScope: [...raw.memoryScope] }),
    ...(raw.recoveries === undefined
      ? {}
      : {
          recoveries: raw.recoveries.map((rule, i) => ({
            id: rule.id ?? `recoveries[${i}]`,
            on: { ...rule.on },
            steps: rule.steps.map((step, j) => normalizeStep(step, `/recoveries/${i}/steps/${j}`)),
          })),
        }),
  };
}

/**
 * `goal` with its defaults (`GOAL_DEFAULTS`), `llm.timeout` in ms and `review.sla` in whole seconds; `adaptive` kept
 * only when true.
 */
function normalizeGoal(raw: RawGoal): GoalSpec {
  const { llm, review, adaptive, maxAttempts = GOAL_DEFAULTS.maxAttempts, ...rest } = raw;
  return {
    ...rest,
    maxAttempts,
    ...(adaptive === true ? { adaptive } : {}),
    ...(llm === undefined
      ? {}
      : {
          llm: {
            model: llm.model,
            baseUrl: llm.baseUrl,
            apiKeyEnv: llm.apiKeyEnv,
            timeoutMs:
              llm.timeout === undefined
                ? GOAL_DEFAULTS.llmTimeoutMs
                : parseDuration(llm.timeout, '/goal/llm/timeout', MAX_TIMER_DELAY_MS),
          },
        }),
    ...(review === undefined ? {} : { review: normalizeGate(review, '/goal/review') }),
  };
}

/** Defaults of `trigger.schedule`: ticks read in UTC; after a downtime, one run for the latest missed tick. */
export const SCHEDULE_DEFAULTS = { timezone: 'UTC', catchUp: 'one' } as const;

/**
 * `schedule`, `timezone`, `catchUp` -> `schedule: { cron, timezone, catchUp }` with defaults filled in.
 * @throws DefinitionError `definition_invalid`: `/trigger/schedule` rule `cron_expression` (not a 5- or 6-field cron
 *   expression or nickname, croner's reason quoted) or `cron_no_tick` (never fires, e.g. `0 0 30 2 *`);
 *   `/trigger/timezone` rule `iana_timezone` (neither a time zone name `Intl` knows nor a UTC offset such as `+01:00`).
 */
function normalizeTrigger(raw: RawTrigger, source: string): TriggerSpec {
  const { schedule: cron, timezone = SCHEDULE_DEFAULTS.timezone, catchUp = SCHEDULE_DEFAULTS.catchUp, ...rest } = raw;
  if (cron === undefined) return rest;
  const issues = scheduleIssues(cron, timezone);
  if (issues.length > 0) throw new DefinitionError('definition_invalid', source, issues);
  return { ...rest, schedule: { cron, timezone, catchUp } };
}

function scheduleIssues(cron: string, timezone: string): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  let zone = timezone;
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    issues.push({
      path: '/trigger/timezone',
      rule: 'iana_timezone',
      message: `${JSON.stringify(timezone)} is not an IANA time zone name (e.g. Europe/Paris, UTC) or UTC offset (+01:00)`,
    });
    zone = 'UTC'; // still check the expression
  }
  try {
    // The planner reads the expression with croner's defaults, the same for 5 and 6 fields; 7 (years) is refused here.
    if (new Cron(cron, { timezone: zone, mode: '5-or-6-parts', paused: true }).nextRun() === null) {
      issues.push({ path: '/trigger/schedule', rule: 'cron_no_tick', message: `${JSON.stringify(cron)} never fires` });
    }
  } catch (error) {
    const reason = (error as Error).message.replace(/^CronPattern: /, '');
    issues.push({
      path: '/trigger/schedule',
      rule: 'cron_expression',
      message: `${JSON.stringify(cron)} is not a cron expression (5 fields: minute hour day-of-month month day-of-week, or 6 with seconds first): ${reason}`,
    });
  }
  return issues;
}

/** `at`: the step's JSON pointer (`/steps/<i>`, `/recoveries/<i>/steps/<j>`), for duration errors. */
function normalizeStep(raw: RawStep, at: string): StepDefinition {
  const external = raw.kind === 'external';
  return {
    id: raw.id,
    name: raw.name ?? raw.id,
    kind: external ? 'external' : 'tool',
    // The schema requires tool and action of a tool step and refuses them on an external one.
    tool: external ? EXTERNAL_TOOL : (raw.tool as string),
    action: external ? EXTERNAL_ACTION : (raw.action as string),
    agent: raw.agent,
    dependsOn: raw.dependsOn ?? [],
    input: raw.input ?? {},
    ...(raw.outputSchema === undefined ? {} : { outputSchema: raw.outputSchema }),
    retry: normalizeRetry(raw.retry, `${at}/retry`),
    timeoutMs:
      raw.timeout === undefined
        ? DEFINITION_DEFAULTS.timeoutMs
        : parseDuration(raw.timeout, `${at}/timeout`, MAX_TIMER_DELAY_MS),
    optional: raw.optional ?? false,
    ...(raw.gate === undefined ? {} : { gate: normalizeGate(raw.gate, `${at}/gate`) }),
    ...(raw.minConfidence === undefined ? {} : { minConfidence: raw.minConfidence }),
    ...(raw.confidenceGate === undefined
      ? {}
      : { confidenceGate: normalizeGate(raw.confidenceGate, `${at}/confidenceGate`) }),
    policyTags: raw.policyTags ?? [],
    ...(raw.when === undefined ? {} : { when: raw.when }),
    ...(raw.reviewers === undefined ? {} : { reviewers: raw.reviewers }),
  };
}

function normalizeRetry(raw: RawStep['retry'], at: string): RetryPolicy {
  const d = DEFINITION_DEFAULTS.retry;
  return {
    maxAttempts: raw?.maxAttempts ?? d.maxAttempts,
    backoffMs:
      raw?.backoff === undefined ? d.backoffMs : parseDuration(raw.backoff, `${at}/backoff`, MAX_TIMER_DELAY_MS),
    multiplier: raw?.multiplier ?? d.multiplier,
    maxBackoffMs:
      raw?.maxBackoff === undefined
        ? d.maxBackoffMs
        : parseDuration(raw.maxBackoff, `${at}/maxBackoff`, MAX_TIMER_DELAY_MS),
  };
}

/** An SLA in whole seconds, rounded up (a `500ms` SLA is 1 s, never 0); at most {@link MAX_GATE_SLA_SECONDS}. */
const slaSeconds = (sla: Duration | undefined, at: string): { slaSeconds?: number } =>
  sla === undefined ? {} : { slaSeconds: slaSecondsOf(sla, at) };

/** `sla` -> `slaSeconds`, also per escalation level; `escalateTo` and `escalation` as written (gate-checks.ts refuses both). */
function normalizeGate(raw: RawGate, at: string): GateSpec {
  const escalation = raw.escalation?.map((level, i): EscalationLevel => ({
    reviewers: level.reviewers,
    ...slaSeconds(level.sla, `${at}/escalation/${i}/sla`),
  }));
  return {
    reviewers: raw.reviewers,
    ...slaSeconds(raw.sla, `${at}/sla`),
    ...(raw.escalateTo === undefined ? {} : { escalateTo: raw.escalateTo }),
    ...(escalation === undefined ? {} : { escalation }),
  };
}
