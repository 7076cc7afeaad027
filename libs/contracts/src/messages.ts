import type { PlanStepDraft, PolicyDecision, TriggerSource } from '@ledgerflow/domain';
import type { EvaluationTag, StepUsage } from './memory.js';
import type { Actor } from './metadata.js';

/** The error half of every reply: a stable code, a message naming the field/rule/limit, and whether a retry can help. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;
}

/** Every request/reply answer: `{ ok: true, value }` or `{ ok: false, error }`. */
export type Reply<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: ErrorBody };

/**
 * Where a trigger came from (defined with the run's events in @ledgerflow/domain, re-exported for the wire);
 * `schedule` only from the planner's own scheduler (`lf.planner.start-run` refuses it).
 */
export type { TriggerSource } from '@ledgerflow/domain';

/**
 * A trigger: start a run of `workflowId` (subject `lf.trigger.<workflowId>` or request `lf.planner.start-run`).
 * `idempotencyKey` is the sender's key: the same key for the same workflow never makes a second run.
 * `payload` is the enterprise system's event as received; the definition's trigger mapping turns it into
 * the run input (or the payload is the input when the definition has no mapping).
 */
export interface TriggerMessage {
  readonly workflowId: string;
  readonly idempotencyKey: string;
  readonly source: TriggerSource;
  readonly payload: unknown;
  /**
   * Tags an evaluation run of a golden set (`ledgerflow eval`), recorded as `RunTriggered.evaluation`: memory keeps it
   * out of production statistics. `goldenSet`, `caseId`: 1..128 of `[A-Za-z0-9._:-]`.
   */
  readonly evaluation?: EvaluationTag;
}

export interface StartRunResult {
  readonly runId: string;
  /** false when the idempotency key had already started this run. */
  readonly created: boolean;
}

/**
 * The facts a policy decision is made on (the policy engine's input, `evaluate` in `@ledgerflow/policy-engine`,
 * and `ledgerflow policy test` cases). The policy service builds them from the run's events (plan, agents)
 * and the request's input, never from what a caller claims about agent, capabilities, tool or action.
 */
export interface PolicyFacts {
  readonly runId: string;
  readonly workflowId: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly agent: string;
  /** Capabilities the definition declares for `agent`, e.g. `["claims.read", "billing.payout"]`. */
  readonly agentCapabilities: readonly string[];
  readonly tool: string;
  readonly action: string;
  readonly policyTags: readonly string[];
  /** The step's resolved input (after expression evaluation). */
  readonly input: unknown;
  /**
   * Set when a learned recovery rule added the step (the plan step's `learnedFrom`, from `PlanRevised`): the rule's id
   * and the accepted recommendation it came from. Absent otherwise (so facts, and audit ids, of other steps are as
   * before). Cedar sees it as `context.learnedRecovery` and `context.learnedRule`.
   */
  readonly learnedFrom?: { readonly rule: string; readonly recommendationId: string };
}

/**
 * Request on `lf.policy.evaluate`: may this step attempt run now? It names the attempt and carries only
 * what the executor computed; everything else (workflow, agent, capabilities, tool, action, policy tags,
 * gates) the policy service reads from the run's events. Any other field is refused (`request_invalid`).
 * Only the executor may publish this subject (NATS permissions): the policy service cannot check
 * `inputDigest` (it never sees plaintext PII) and signs it into the grant as the executor computed it.
 */
export interface PolicyEvaluateRequest {
  readonly runId: string;
  readonly stepId: string;
  /** 1-based; must be the step's current attempt (or its next scheduled one) for a grant. */
  readonly attempt: number;
  /** The step's resolved input as the executor persists it (PII tokenized); the decision's facts use it. */
  readonly input: unknown;
  /**
   * `inputDigestOf` (`@ledgerflow/audit`) of the input exactly as the tool will receive it (PII tokens
   * revealed): `sha256:<64 hex>` (grants.ts `INPUT_DIGEST_FORMAT`); becomes the grant's `digest` claim.
   */
  readonly inputDigest: string;
}

/** Why the policy service answered a decision without a grant (`PolicyEvaluation.withheld.code`). */
export type GrantWithheldCode =
  | 'denied'
  | 'run_not_running'
  | 'attempt_not_current'
  | 'step_finished'
  | 'dependencies_not_done'
  | 'gate_not_approved'
  | 'input_mismatch';

/**
 * The answer of `lf.policy.evaluate`: the decision, which the executor records as `StepPolicyEvaluated`,
 * and, when the run's events let the attempt run now, a step-scoped grant (see grants.ts) that travels
 * only in the tool call's `lf-grant` header: it is never recorded. Without a grant, `withheld` says why
 * (e.g. `gate_not_approved` for a step whose gate is not approved yet: the executor asks again once it is).
 * Errors: `run_not_found`, `step_not_found` (not retryable), `request_invalid` (a missing or unknown field).
 */
export interface PolicyEvaluation {
  readonly decision: PolicyDecision;
  readonly grant?: string;
  readonly withheld?: { readonly code: GrantWithheldCode; readonly message: string };
}

export type PolicyEvaluateReply = Reply<PolicyEvaluation>;

/** Request on `lf.tool.<tool>.<action>`. Headers carry trace context, run id, idempotency key and grant. */
export interface ToolRequest {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly input: unknown;
}

/** Provenance of a tool result. `fresh`: read from the source system now (not from a cache). */
export interface Lineage {
  readonly source?: string;
  readonly fresh?: boolean;
}

export interface ToolResult {
  readonly output: unknown;
  /** 0..1, when the tool can tell how sure it is. */
  readonly confidence?: number;
  readonly lineage?: Lineage;
  /** Why the tool produced this output (shown to a reviewer when a confidence gate holds it). */
  readonly reasoning?: string;
  /** Other outputs the tool considered (suggested alternatives for a reviewer). */
  readonly alternatives?: readonly unknown[];
  /**
   * Steps the tool asks to add to the run now (e.g. a currency conversion): validated like any plan
   * revision, governed by policy like any step, within the 50-step cap (`workflow_depth_exceeded`).
   */
  readonly addSteps?: readonly PlanStepDraft[];
  /**
   * Tokens and cost the call used (each field optional, a finite number >= 0), recorded as `StepSucceeded.usage`.
   * Anything else (a negative or non-finite value, another key) fails the attempt with `output_invalid`.
   */
  readonly usage?: StepUsage;
}

export type ToolReply = Reply<ToolResult>;

/** A reviewer as authenticated by the gateway: the token's subject, with its `roles` and `teams` claims. */
export interface Reviewer extends Actor {
  readonly roles?: readonly string[];
  readonly teams?: readonly string[];
}

/**
 * Request on `lf.approval.decide-gate`, sent by the gateway for a reviewer. `token` is the reviewer's own
 * bearer JWT as the gateway received it: the approval service verifies it and takes the reviewer (its `sub`,
 * `roles`, `teams`) from it, never from the message. `redirect` carries a plan `revision` from the gated step
 * on (validated like any plan); `correctedOutput` replaces a result held for review by a confidence gate
 * (recorded as ground truth).
 */
export interface DecideGateRequest {
  readonly gateId: string;
  readonly token: string;
  readonly outcome: 'approve' | 'reject' | 'redirect';
  readonly comment?: string;
  readonly revision?: {
    readonly addSteps: ReadonlyArray<Record<string, unknown>>;
    readonly removeStepIds: readonly string[];
  };
  readonly correctedOutput?: unknown;
}

export interface DecideGateResult {
  readonly gateId: string;
  readonly runId: string;
  readonly outcome: 'approved' | 'rejected' | 'redirected';
}

/** Per-step statistics of a workflow, served by memory on `lf.memory.step-stats`. Durations in milliseconds. */
export interface StepStats {
  readonly workflowId: string;
  readonly stepId: string;
  readonly runs: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly successRate: number;
  readonly p50DurationMs: number;
  readonly p95DurationMs: number;
}

export interface StepStatsRequest {
  readonly workflowId: string;
}
