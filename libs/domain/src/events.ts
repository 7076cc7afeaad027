import { STEP_ID_PATTERN } from './plan.js';
import type { EscalationLevel, Plan, PlanStep } from './plan.js';
import type { StepUsage } from './usage.js';

/**
 * The event catalog of the Run aggregate (stream `run-<runId>`), docs/events.md.
 * Events are past tense, shaped `{ type, data }` as in Emmett; metadata (event id, actor, occurredAt,
 * trace context) travels beside them in the event store, not in `data`. Times are ISO-8601 UTC text,
 * durations and delays are milliseconds. Never rename a stored type: add new ones and upcast old shapes.
 */
export type DomainEvent<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

/** `schedule`: started by the planner on a tick of the definition's `trigger.schedule` (idempotency key `schedule:<tick>`). */
export type TriggerSource = 'api' | 'webhook' | 'nats' | 'schedule';

/**
 * Where a run came from; `idempotencyKey` is the sender's key (one key, one run). `payloadDigest`: `sha256:<hex>`
 * of the canonical JSON of the trigger payload (`inputDigestOf` in `@ledgerflow/audit`), so a repeat with the same
 * key and another payload is refused (`idempotency_key_reused`); absent on runs started before it was recorded.
 */
export interface RunTrigger {
  readonly source: TriggerSource;
  readonly idempotencyKey: string;
  readonly payloadDigest?: string;
}

/** One rule's verdict. `pack` is `id@version`, e.g. `privacy@1.2.0`. */
export interface RuleResult {
  readonly rule: string;
  readonly pack: string;
  readonly result: 'pass' | 'fail' | 'enforced';
  readonly message: string;
}

/** The policy service's answer for one step attempt (docs/policies.md). */
export interface PolicyDecision {
  readonly outcome: 'allow' | 'deny' | 'require_approval';
  readonly rules: readonly RuleResult[];
  readonly rationale: string;
  readonly auditId: string;
  /** With `require_approval`: who must approve and why. */
  readonly gate?: {
    readonly reviewers: readonly string[];
    readonly slaSeconds?: number;
    readonly escalateTo?: readonly string[];
    /** An escalation chain (levels in order); wins over `escalateTo` (see `GateSpec`). */
    readonly escalation?: readonly EscalationLevel[];
    readonly reason: string;
  };
}

export interface StepError {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
}

export interface Lineage {
  readonly source?: string;
  readonly fresh?: boolean;
}

export type GateSource = 'definition' | 'policy' | 'confidence';

/** Which threshold a result crossed: the step's `minConfidence` (its own confidence) or the plan's (the cumulative one). */
export type ConfidenceBasis = 'step' | 'workflow';

/** Recorded in `StepSucceeded` when the result is held for review (confidence.ts). */
export interface ReviewRequirement {
  readonly minConfidence: number;
  readonly basis: ConfidenceBasis;
}

/**
 * The explainable-exception package of a `confidence` gate (in `GateOpened.exception`): what the reviewer
 * needs to judge a low-confidence result. `input`: the step's resolved input as started; `output`: the
 * tool's output; `reasoning`/`alternatives`: as the tool gave them; `confidence`: the step's own (absent when
 * the tool gave none); `cumulativeConfidence`: see confidence.ts; `minConfidence`/`basis`: the threshold crossed.
 */
export interface ConfidenceException {
  readonly input: unknown;
  readonly output: unknown;
  readonly reasoning?: string;
  readonly alternatives?: readonly unknown[];
  readonly confidence?: number;
  readonly cumulativeConfidence: number;
  readonly minConfidence: number;
  readonly basis: ConfidenceBasis;
}

/** A reviewer's plan revision from the gated step on (`DecideGate` with `redirect`). */
export interface GateRevision {
  readonly addSteps: readonly PlanStep[];
  readonly removeStepIds: readonly string[];
}
/** Where a forked run came from (`ForkRun`, decide-fork.ts): the origin run, its checkpoint (`cp-N`) and that checkpoint's stream revision. */
export interface ForkOrigin {
  readonly runId: string;
  readonly checkpoint: string;
  readonly revision: number;
}
/**
 * Tags a run as an evaluation run of a golden set (`ledgerflow eval`): `goldenSet` names the set, `caseId` the case;
 * each 1..128 of `[A-Za-z0-9._:-]`. Memory keeps evaluation runs out of production statistics. Same shape as
 * `EvaluationTag` in `@ledgerflow/contracts` (memory.ts).
 */
export interface EvaluationTag {
  readonly goldenSet: string;
  readonly caseId: string;
}
/** `EvaluationTag.goldenSet` and `.caseId`: 1..128 of `[A-Za-z0-9._:-]`. */
export const EVALUATION_TAG_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/**
 * `forkedFrom`: set on a run forked from another run's checkpoint. `evaluation`: set on an evaluation run (and on a
 * fork of one).
 */
export type RunTriggered = DomainEvent<
  'RunTriggered',
  {
    runId: string;
    workflowId: string;
    workflowVersion: string;
    trigger: RunTrigger;
    input: unknown;
    forkedFrom?: ForkOrigin;
    evaluation?: EvaluationTag;
  }
>;
/**
 * `author`: who made the plan, when not the definition's written steps: `planner:<generator>` for a plan generated
 * from a goal (`planner:catalog`, `planner:llm`; `PlanGenerated` precedes it); absent for a written plan.
 */
export type PlanCreated = DomainEvent<'PlanCreated', { plan: Plan; author?: string }>;
/** The plan generators (docs/planning.md): `catalog` (backward chaining over the tool catalog, no model), `llm`. */
export type PlanGeneratorName = 'catalog' | 'llm';
/** One problem a generated plan's validation found: the rule broken, where (`/steps/2/tool`) and why. */
export interface PlanIssueRecord {
  readonly rule: string;
  readonly path: string;
  readonly message: string;
}
/**
 * How a plan was generated from a goal. The same shape as `PlanGeneratedData` in `@ledgerflow/contracts`
 * (planning.ts), which cannot be imported here (the contracts depend on the domain). `prompt`/`response`: the model's
 * exchange with personal data tokenized (`llm` only); `usage`: tokens and US dollars the model reported; `attempts`:
 * each attempt's validation issues (the accepted last attempt's are empty); `catalogDigest`: `sha256:<hex>` of the
 * canonical JSON of the catalog entries the generator saw.
 */
export interface PlanGeneration {
  readonly generator: PlanGeneratorName;
  readonly goal: string;
  readonly model?: string;
  readonly prompt?: string;
  readonly response?: string;
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number; readonly costUsd?: number };
  readonly attempts: readonly { readonly issues: readonly PlanIssueRecord[] }[];
  readonly catalogDigest: string;
}
/**
 * A plan was generated from a goal (`StartRun` with `generated`): recorded between `RunTriggered` and `PlanCreated`
 * (author `planner:<generator>`), so replay and forks read the plan and never ask a generator again.
 */
export type PlanGenerated = DomainEvent<'PlanGenerated', PlanGeneration>;
/**
 * `revision` is 1-based; `author`: the operator's or reviewer's id, `planner` (a recovery) or `tool:<tool>.<action>`
 * (steps a tool result added); `rule` names the recovery rule that produced it, if any; `recommendationId`: set when
 * that rule is a learned one, the accepted recommendation it came from (its added steps carry `learnedFrom`);
 * `addedDependencies`: step id -> dependencies added to that (existing) step, e.g. a recovered step now waiting for
 * its recovery steps. `generated`: set when a plan generator proposed the added steps (adaptive steps of a goal run,
 * author `planner:llm`): the model's exchange and each attempt's issues, as `PlanGenerated` records them.
 */
export type PlanRevised = DomainEvent<
  'PlanRevised',
  {
    revision: number;
    author: string;
    reason: string;
    rule?: string;
    recommendationId?: string;
    addedSteps: readonly PlanStep[];
    removedStepIds: readonly string[];
    addedDependencies?: Readonly<Record<string, readonly string[]>>;
    generated?: PlanGeneration;
  }
>;
export type StepPolicyEvaluated = DomainEvent<
  'StepPolicyEvaluated',
  { stepId: string; attempt: number; decision: PolicyDecision }
>;
/** `policies`: the failing rules as `pack/rule`; `code`: `policy_denied` or `gate_rejected`. */
export type StepBlocked = DomainEvent<
  'StepBlocked',
  { stepId: string; attempt: number; code: string; reason: string; policies: readonly string[] }
>;
/**
 * `escalateTo`: the first escalation level's reviewers (what readers before chains know); `escalation`: every
 * level with its SLA resolved, set only when the gate has a chain of more than one level or a level SLA;
 * `slaSeconds`: the first deadline's SLA; `exception`: the package of a `confidence` gate.
 */
export type GateOpened = DomainEvent<
  'GateOpened',
  {
    gateId: string;
    stepId: string;
    attempt: number;
    reviewers: readonly string[];
    reason: string;
    source: GateSource;
    dueAt?: string;
    escalateTo?: readonly string[];
    escalation?: readonly EscalationLevel[];
    slaSeconds?: number;
    exception?: ConfidenceException;
  }
>;
/** `level`: 1 after the first escalation; `dueAt`: the deadline of this level, set when a further level exists. */
export type GateEscalated = DomainEvent<
  'GateEscalated',
  { gateId: string; level: number; reviewers: readonly string[]; dueAt?: string }
>;
/**
 * `reviewer`: the deciding human's id; `matchedAs`: the gate entry that named them (e.g. `role:claims-lead`),
 * absent when it was their bare id; `correctedOutput`: the reviewer's corrected output of a `confidence`
 * gate's step (ground truth, seen downstream instead of the tool's); `redirected` comes with `PlanRevised`.
 */
export type GateDecided = DomainEvent<
  'GateDecided',
  {
    gateId: string;
    stepId: string;
    outcome: 'approved' | 'rejected' | 'redirected';
    reviewer: string;
    comment?: string;
    matchedAs?: string;
    correctedOutput?: unknown;
  }
>;
/** `executor`: the executor instance that started the attempt and runs its tool call (absent on events recorded before replicas). */
export type StepStarted = DomainEvent<
  'StepStarted',
  {
    stepId: string;
    attempt: number;
    idempotencyKey: string;
    agent: string;
    tool: string;
    action: string;
    input: unknown;
    timeoutMs: number;
    startedAt: string;
    executor?: string;
  }
>;
/**
 * An executor instance took over a running attempt whose executor is gone (executor-presence.ts): it dispatches the
 * same attempt again with the same idempotency key. `previousExecutor`: who had it (absent: nobody was recorded).
 */
export type StepReclaimed = DomainEvent<
  'StepReclaimed',
  { stepId: string; attempt: number; executor: string; previousExecutor?: string; reclaimedAt: string }
>;
/**
 * `cumulativeConfidence`: set when the step or an upstream step reported a confidence (confidence.ts);
 * `review`: set when the result is held for review (its dependants wait for a `confidence` gate);
 * `reasoning`, `alternatives`: as the tool gave them; `usage`: the tokens and cost the tool reported (usage.ts),
 * absent when it reported none.
 */
export type StepSucceeded = DomainEvent<
  'StepSucceeded',
  {
    stepId: string;
    attempt: number;
    output: unknown;
    confidence?: number;
    lineage?: Lineage;
    durationMs: number;
    completedAt: string;
    cumulativeConfidence?: number;
    review?: ReviewRequirement;
    reasoning?: string;
    alternatives?: readonly unknown[];
    /** true on a result carried over from the origin run by `ForkRun` (the step did not run again). */
    carriedOver?: boolean;
    /** An external task's: the id of the person who completed it (`CompleteExternalStep`); `matchedAs`: the reviewer entry that named them, when not their bare id. */
    completedBy?: string;
    matchedAs?: string;
    usage?: StepUsage;
  }
>;
/** `failedBy`: an external task's, the id of the person who reported the failure (`FailExternalStep`). */
export type StepFailed = DomainEvent<
  'StepFailed',
  { stepId: string; attempt: number; error: StepError; durationMs: number; failedAt: string; failedBy?: string }
>;
/**
 * `attempt` is the attempt that will run next. Set by an operator retry: `agent` (a substitute: the step runs as
 * this agent from now on), `reason`, `requestedBy` (the operator's id). Set by a recovery: `waitsFor`, the recovery
 * steps the attempt waits for (the step is `pending` until they are done, then evaluated like any step).
 */
export type StepRetryScheduled = DomainEvent<
  'StepRetryScheduled',
  {
    stepId: string;
    attempt: number;
    delayMs: number;
    dueAt: string;
    agent?: string;
    reason?: string;
    requestedBy?: string;
    waitsFor?: readonly string[];
  }
>;
/**
 * `reason`: the operator's, or `condition_false` when the step's `when` condition was false (`SkipStepByCondition`);
 * `carriedOver`: true on a skip carried over from the origin run by `ForkRun`; `requestedBy`: the operator who skipped it.
 */
export type StepSkipped = DomainEvent<
  'StepSkipped',
  { stepId: string; reason: string; carriedOver?: boolean; requestedBy?: string }
>;
/** `reason`: `step_failed` (with `stepId`) when a failed step holds the run, else the operator's; `requestedBy`: the operator. */
/** `code`/`secrets`: why the executor paused it, e.g. `secrets_missing` with the names of the secrets it could not resolve. */
export type RunPaused = DomainEvent<
  'RunPaused',
  { reason: string; stepId?: string; requestedBy?: string; code?: string; secrets?: string[] }
>;
/** `requestedBy`: the operator who resumed the run. */
export type RunResumed = DomainEvent<'RunResumed', { reason: string; requestedBy?: string }>;
export type RunCompleted = DomainEvent<'RunCompleted', { completedAt: string; durationMs: number }>;
/** `code`: e.g. `policy_denied`, `gate_rejected`, `run_timed_out` (the plan's `timeoutMs` passed: `TimeOutRun`). */
export type RunFailed = DomainEvent<'RunFailed', { code: string; reason: string; stepId?: string; failedAt: string }>;
/**
 * The run waits for a slot of its workflow's concurrent-run limit (`plan.maxConcurrentRuns`): recorded by `StartRun`
 * (and `ForkRun`) with `RunTriggered` and `PlanCreated`; nothing runs until `RunDequeued`. `workflowId` and
 * `maxConcurrentRuns` repeat the plan's so the executor finds queued runs from this event alone (run-slots.ts).
 */
export type RunQueued = DomainEvent<'RunQueued', { workflowId: string; maxConcurrentRuns: number }>;
/** The executor granted the queued run a slot (`RunSlotAcquired` in `runslots-<workflowId>`); it runs from now (`dequeuedAt`, ISO-8601). */
export type RunDequeued = DomainEvent<'RunDequeued', { dequeuedAt: string }>;
/** `requestedBy`: the operator who cancelled the run. */
export type RunCancelled = DomainEvent<'RunCancelled', { reason: string; requestedBy?: string }>;

export type RunEvent =
  | RunTriggered
  | PlanGenerated
  | PlanCreated
  | PlanRevised
  | StepPolicyEvaluated
  | StepBlocked
  | GateOpened
  | GateEscalated
  | GateDecided
  | StepStarted
  | StepReclaimed
  | StepSucceeded
  | StepFailed
  | StepRetryScheduled
  | StepSkipped
  | RunPaused
  | RunResumed
  | RunCompleted
  | RunFailed
  | RunCancelled
  | RunQueued
  | RunDequeued;

/** Every event type of the Run aggregate, in catalog order. */
export const RUN_EVENT_TYPES = [
  'RunTriggered',
  'PlanCreated',
  'PlanRevised',
  'StepPolicyEvaluated',
  'StepBlocked',
  'GateOpened',
  'GateEscalated',
  'GateDecided',
  'StepStarted',
  'StepSucceeded',
  'StepFailed',
  'StepRetryScheduled',
  'StepSkipped',
  'RunPaused',
  'RunResumed',
  'RunCompleted',
  'RunFailed',
  'RunCancelled',
  'RunQueued',
  'RunDequeued',
  'StepReclaimed',
  'PlanGenerated',
] as const;

export type RunEventType = (typeof RUN_EVENT_TYPES)[number];

// Compile-time check: the array and the union name the same types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _catalogMatches: Same<RunEventType, RunEvent['type']> = true;
void _catalogMatches;

/** The event of type `T`. */
export type RunEventOf<T extends RunEventType> = Extract<RunEvent, { type: T }>;

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(RUN_EVENT_TYPES);

/** True when `type` is a Run event type (for read-side parsing of stored events). */
export function isRunEventType(type: string): type is RunEventType {
  return EVENT_TYPE_SET.has(type);
}

/** Id of the (single) gate of a step: `<runId>.<stepId>` (step ids never contain a dot). */
export function gateIdOf(runId: string, stepId: string): string {
  return `${runId}.${stepId}`;
}

/** The run and step of a gate id (split at the last dot), or undefined when it is not of the shape `<runId>.<stepId>`. */
export function parseGateId(gateId: string): { runId: string; stepId: string } | undefined {
  const dot = gateId.lastIndexOf('.');
  if (dot <= 0 || dot === gateId.length - 1) return undefined;
  const stepId = gateId.slice(dot + 1);
  if (!STEP_ID_PATTERN.test(stepId)) return undefined;
  return { runId: gateId.slice(0, dot), stepId };
}

/** The idempotency key every tool call of a step attempt carries: `<runId>/<stepId>/<attempt>` (docs/events.md, "StepStarted"). */
export function stepIdempotencyKey(runId: string, stepId: string, attempt: number): string {
  return `${runId}/${stepId}/${attempt}`;
}
