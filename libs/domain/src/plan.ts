/**
 * The plan of a run: a directed acyclic graph of named steps (docs/definitions.md).
 * The planner builds it from a versioned definition; the Run aggregate validates it with
 * {@link validatePlan} (see plan-validation.ts) before recording `PlanCreated` or `PlanRevised`.
 */

/** Retry policy of a step. `maxAttempts` counts the first try (1 = never retry). Delays in milliseconds. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  /** Delay before the second attempt, in ms. */
  readonly backoffMs: number;
  /** Factor applied to the delay for each further attempt (1 = constant delay). */
  readonly multiplier: number;
  /** Upper bound of any delay, in ms. */
  readonly maxBackoffMs: number;
}

/**
 * One level of an escalation chain: who decides once the gate escalated to it, and its own SLA in seconds
 * (the time this level has before the gate escalates to the next level; see `escalationChainOf`).
 */
export interface EscalationLevel {
  readonly reviewers: readonly string[];
  readonly slaSeconds?: number;
}

/**
 * A human approval gate. `reviewers` are entries `user:<id>`, `role:<role>`, `team:<team>` or a bare
 * id (= `user:<id>`), see reviewers.ts. `slaSeconds`: time before escalation.
 * Escalation: `escalation` lists the levels in order (a chain); without it, `escalateTo` is one level
 * (the shape every stored plan and policy decision before chains used, which keeps its meaning).
 * When both are set, `escalation` wins.
 */
export interface GateSpec {
  readonly reviewers: readonly string[];
  readonly slaSeconds?: number;
  readonly escalateTo?: readonly string[];
  readonly escalation?: readonly EscalationLevel[];
}

/** One step of a plan. `id` matches {@link STEP_ID_PATTERN}; `agent` is a key of {@link Plan.agents}. */
export interface PlanStep {
  readonly id: string;
  readonly name: string;
  readonly tool: string;
  readonly action: string;
  readonly agent: string;
  /** Ids of the steps that must have succeeded (or been skipped) before this one starts. */
  readonly dependsOn: readonly string[];
  /** Expression template over the trigger and upstream outputs, resolved by the executor. */
  readonly input: unknown;
  readonly retry: RetryPolicy;
  /** Time limit of one attempt, in ms. */
  readonly timeoutMs: number;
  /** An optional step may be skipped by an operator (`SkipStep`). */
  readonly optional: boolean;
  readonly gate?: GateSpec;
  /** 0..1: a result whose own `confidence` is below it is held for review (a `confidence` gate). */
  readonly minConfidence?: number;
  /** Who reviews this step's low-confidence results (else the plan's `confidenceGate`, else the approval service's default). */
  readonly confidenceGate?: GateSpec;
  readonly policyTags: readonly string[];
  /**
   * JSON Schema (draft-07, or 2020-12 when its `$schema` says so) the tool's output must satisfy; the executor
   * validates each result and records a failure `output_invalid` naming the JSON pointer and rule otherwise.
   */
  readonly outputSchema?: Readonly<Record<string, unknown>> | boolean;
  /**
   * A JSONata condition over `{ input, steps: { <id>: { output } } }`, evaluated by the executor once the
   * dependencies are done: `false` (or no match) records `StepSkipped{reason: 'condition_false'}`.
   */
  readonly when?: string;
  /**
   * `tool` (default): the executor calls `tool.action`. `external`: no tool call and no policy decision; the
   * step starts when its dependencies are done and waits for a person named in {@link PlanStep.reviewers} to
   * complete or fail it (`CompleteExternalStep`, `FailExternalStep`).
   */
  readonly kind?: StepKind;
  /** Who may complete or fail an `external` step: reviewer entries as in {@link GateSpec.reviewers}. */
  readonly reviewers?: readonly string[];
  /**
   * Set on a step a learned recovery rule added (`RecoverStep` with `recommendationId`): the rule's id and the
   * accepted recommendation it came from (memory's `RecommendationApplied`). Policy reads it (`context.learnedRecovery`,
   * docs/policies.md). Only `RecoverStep` sets it; a step a definition's rule, an operator or a tool added has none.
   */
  readonly learnedFrom?: LearnedFrom;
}

/** Where a learned recovery step came from: the learned rule's id and the recommendation that became that rule. */
export interface LearnedFrom {
  readonly rule: string;
  readonly recommendationId: string;
}

/** How a step runs: a tool call, or an external task done outside Ledgerflow and reported through the API. */
export type StepKind = 'tool' | 'external';

/** A plan. `concurrency`: how many steps of the run may run at once (>= 1). `agents`: id -> capabilities. */
export interface Plan {
  readonly workflowId: string;
  readonly workflowVersion: string;
  readonly concurrency: number;
  readonly agents: Readonly<Record<string, readonly string[]>>;
  readonly steps: readonly PlanStep[];
  /** 0..1, the workflow's threshold: a result whose cumulative confidence (confidence.ts) is below it is held for review. */
  readonly minConfidence?: number;
  /** Default reviewers (and SLA, escalation) of confidence gates for every step. */
  readonly confidenceGate?: GateSpec;
  /** Time limit of the whole run in ms, from `RunTriggered` (paused time included): past it the run fails `run_timed_out`. */
  readonly timeoutMs?: number;
  /** Names of the secrets every tool call of the run receives (the workflow's `requiredSecrets`); values are never in events. */
  readonly requiredSecrets?: readonly string[];
  /**
   * Most runs of the workflow (its id, every version that declares a limit) active at once, 1..10000
   * ({@link MAX_CONCURRENT_RUNS_LIMIT}). A run of such a plan starts `queued` (`RunQueued`) and runs once the
   * executor grants it a slot of the workflow's semaphore (`RunDequeued`; run-slots.ts). Absent: no limit, never queued.
   */
  readonly maxConcurrentRuns?: number;
  /**
   * The definition's `memoryScope` tags, sorted and deduplicated (each {@link MEMORY_SCOPE_TAG_PATTERN}, at most
   * {@link MAX_MEMORY_SCOPE_TAGS}); absent when it declares none. Memory keeps what it learns per scope: insights and
   * learned rules of one scope never apply to runs of another (docs/definitions.md, "Memory scope").
   */
  readonly memoryScope?: readonly string[];
}

/** A memory scope tag: a lower-case letter, then up to 62 of `[a-z0-9-]` (docs/definitions.md, "Memory scope"). */
export const MEMORY_SCOPE_TAG_PATTERN = /^[a-z][a-z0-9-]{0,62}$/;
/** Most tags a definition's `memoryScope` may hold. */
export const MAX_MEMORY_SCOPE_TAGS = 16;

/** Upper bound of {@link Plan.maxConcurrentRuns} (docs/definitions.md, "Concurrent runs"). */
export const MAX_CONCURRENT_RUNS_LIMIT = 10_000;

/** True when the step is an external task (no tool call; see {@link PlanStep.kind}). */
export function isExternalStep(step: PlanStep): boolean {
  return step.kind === 'external';
}

/** Most steps a plan may hold (docs/definitions.md, "Validation errors": at most 50 steps, `workflow_depth_exceeded`). */
export const MAX_PLAN_STEPS = 50;

/** Step ids: lower-case letter first, then up to 62 of `[a-z0-9_-]`; never a dot (gate ids are `<runId>.<stepId>`). */
export const STEP_ID_PATTERN = /^[a-z][a-z0-9_-]{0,62}$/;

/** The step of `plan` with this id, if any. */
export function findPlanStep(plan: Plan, stepId: string): PlanStep | undefined {
  return plan.steps.find((step) => step.id === stepId);
}

/**
 * The plan after a revision: `removedStepIds` dropped, then `addedSteps` appended (in that order, so a
 * step may be replaced by removing and adding the same id). Does not validate: see `validatePlan`.
 */
export function applyPlanRevision(
  plan: Plan,
  addedSteps: readonly PlanStep[],
  removedStepIds: readonly string[],
): Plan {
  const removed = new Set(removedStepIds);
  return { ...plan, steps: [...plan.steps.filter((step) => !removed.has(step.id)), ...addedSteps] };
}

/**
 * Delay in ms before the retry that follows failed attempt `attempt` (1-based):
 * `min(maxBackoffMs, backoffMs * multiplier^(attempt - 1))`, rounded to a whole ms.
 * @example retryDelayMs({ maxAttempts: 5, backoffMs: 1000, multiplier: 2, maxBackoffMs: 5000 }, 3) === 4000
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  return Math.round(Math.min(policy.maxBackoffMs, policy.backoffMs * policy.multiplier ** (attempt - 1)));
}
