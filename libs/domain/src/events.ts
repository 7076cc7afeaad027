import { STEP_ID_PATTERN } from './plan.js';
import type { Plan, PlanStep } from './plan.js';

/**
 * The event catalog of the Run aggregate (stream `run-<runId>`), design brief "Event catalog".
 * Events are past tense, shaped `{ type, data }` as in Emmett; metadata (event id, actor, occurredAt,
 * trace context) travels beside them in the event store, not in `data`. Times are ISO-8601 UTC text,
 * durations and delays are milliseconds. Never rename a stored type: add new ones and upcast old shapes.
 */
export type DomainEvent<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

export type TriggerSource = 'api' | 'webhook' | 'nats';

/** Where a run came from; `idempotencyKey` is the sender's key (one key, one run). */
export interface RunTrigger {
  readonly source: TriggerSource;
  readonly idempotencyKey: string;
}

/** One rule's verdict. `pack` is `id@version`, e.g. `privacy@1.2.0`. */
export interface RuleResult {
  readonly rule: string;
  readonly pack: string;
  readonly result: 'pass' | 'fail' | 'enforced';
  readonly message: string;
}

/** The policy service's answer for one step attempt (design brief, "Policy"). */
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

export type RunTriggered = DomainEvent<'RunTriggered', { runId: string; workflowId: string; workflowVersion: string; trigger: RunTrigger; input: unknown }>;
export type PlanCreated = DomainEvent<'PlanCreated', { plan: Plan }>;
/** `revision` is 1-based; `rule` names the recovery rule that produced it, if any. */
export type PlanRevised = DomainEvent<'PlanRevised', { revision: number; author: string; reason: string; rule?: string; addedSteps: readonly PlanStep[]; removedStepIds: readonly string[] }>;
export type StepPolicyEvaluated = DomainEvent<'StepPolicyEvaluated', { stepId: string; attempt: number; decision: PolicyDecision }>;
/** `policies`: the failing rules as `pack/rule`; `code`: `policy_denied` or `gate_rejected`. */
export type StepBlocked = DomainEvent<'StepBlocked', { stepId: string; attempt: number; code: string; reason: string; policies: readonly string[] }>;
export type GateOpened = DomainEvent<'GateOpened', { gateId: string; stepId: string; attempt: number; reviewers: readonly string[]; reason: string; source: GateSource; dueAt?: string; escalateTo?: readonly string[] }>;
export type GateEscalated = DomainEvent<'GateEscalated', { gateId: string; level: number; reviewers: readonly string[]; dueAt?: string }>;
export type GateDecided = DomainEvent<'GateDecided', { gateId: string; stepId: string; outcome: 'approved' | 'rejected'; reviewer: string; comment?: string }>;
export type StepStarted = DomainEvent<'StepStarted', { stepId: string; attempt: number; idempotencyKey: string; agent: string; tool: string; action: string; input: unknown; timeoutMs: number; startedAt: string }>;
export type StepSucceeded = DomainEvent<'StepSucceeded', { stepId: string; attempt: number; output: unknown; confidence?: number; lineage?: Lineage; durationMs: number; completedAt: string }>;
export type StepFailed = DomainEvent<'StepFailed', { stepId: string; attempt: number; error: StepError; durationMs: number; failedAt: string }>;
/** `attempt` is the attempt that will run next. */
export type StepRetryScheduled = DomainEvent<'StepRetryScheduled', { stepId: string; attempt: number; delayMs: number; dueAt: string }>;
export type StepSkipped = DomainEvent<'StepSkipped', { stepId: string; reason: string }>;
export type RunPaused = DomainEvent<'RunPaused', { reason: string; stepId?: string }>;
export type RunResumed = DomainEvent<'RunResumed', { reason: string }>;
export type RunCompleted = DomainEvent<'RunCompleted', { completedAt: string; durationMs: number }>;
export type RunFailed = DomainEvent<'RunFailed', { code: string; reason: string; stepId?: string; failedAt: string }>;
export type RunCancelled = DomainEvent<'RunCancelled', { reason: string }>;

export type RunEvent =
  | RunTriggered | PlanCreated | PlanRevised | StepPolicyEvaluated | StepBlocked | GateOpened | GateEscalated
  | GateDecided | StepStarted | StepSucceeded | StepFailed | StepRetryScheduled | StepSkipped | RunPaused
  | RunResumed | RunCompleted | RunFailed | RunCancelled;

/** Every event type of the Run aggregate, in catalog order. */
export const RUN_EVENT_TYPES = [
  'RunTriggered', 'PlanCreated', 'PlanRevised', 'StepPolicyEvaluated', 'StepBlocked', 'GateOpened', 'GateEscalated',
  'GateDecided', 'StepStarted', 'StepSucceeded', 'StepFailed', 'StepRetryScheduled', 'StepSkipped', 'RunPaused',
  'RunResumed', 'RunCompleted', 'RunFailed', 'RunCancelled',
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

/** The idempotency key every tool call of a step attempt carries: `<runId>/<stepId>/<attempt>` (design brief, "Invariants"). */
export function stepIdempotencyKey(runId: string, stepId: string, attempt: number): string {
  return `${runId}/${stepId}/${attempt}`;
}
