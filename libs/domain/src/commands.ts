import type {
  EvaluationTag,
  ForkOrigin,
  GateRevision,
  Lineage,
  PlanGeneration,
  PolicyDecision,
  RunTrigger,
  StepError,
} from './events.js';
import type { GateSpec, Plan, PlanStep } from './plan.js';
import type { PlanStepDraft } from './plan-step-draft.js';
import type { ReviewerActor } from './reviewers.js';
import type { RunState } from './state.js';
import type { StepUsage } from './usage.js';

/**
 * Commands of the Run aggregate: imperative, shaped `{ type, data }` like events (Emmett).
 * Durations are milliseconds. A service builds a command, folds the run's stream, calls `decide`
 * and appends the events at the revision it read.
 */
export type DomainCommand<Type extends string, Data> = Readonly<{ type: Type; data: Readonly<Data> }>;

/** What `decide` receives besides the command: the time (ISO-8601), since the domain has no clock. */
export interface DecideContext {
  readonly now: string;
}

/** Who decides a gate. Only `human` may (docs/operations.md, "Gates"). Same shape as the contracts' `Actor`. */
export interface CommandActor {
  readonly kind: 'service' | 'human' | 'agent' | 'system';
  readonly id: string;
}

/**
 * `evaluation`: tags an evaluation run of a golden set (recorded as `RunTriggered.evaluation`). `generated`: the plan
 * was generated from a goal (recorded as `PlanGenerated` before `PlanCreated`, whose `author` is then
 * `planner:<generator>`).
 */
export type StartRun = DomainCommand<
  'StartRun',
  {
    runId: string;
    workflowId: string;
    workflowVersion: string;
    trigger: RunTrigger;
    input: unknown;
    plan: Plan;
    evaluation?: EvaluationTag;
    generated?: PlanGeneration;
  }
>;
/** The policy decision for a step attempt; when it (or the step's `gate`) needs approval, the step waits for `OpenGate`. */
export type RecordStepPolicyDecision = DomainCommand<
  'RecordStepPolicyDecision',
  { stepId: string; attempt: number; decision: PolicyDecision }
>;
/**
 * Opens the gate of a step awaiting approval (the approval service opens gates; `RecordStepPolicyDecision`
 * only marks the step `awaiting_approval`). Reviewers, SLA and reason come from the step's last decision
 * and its plan step (see `openGate` in decide-gate.ts). `confidenceDefault`: the approval service's default
 * reviewers of confidence gates, used when neither the step nor the plan declares `confidenceGate`.
 */
export type OpenGate = DomainCommand<'OpenGate', { stepId: string; confidenceDefault?: GateSpec }>;
/**
 * A reviewer's decision. `reviewer` carries the roles and teams of their token (reviewers.ts). `redirect`
 * needs `revision` (from the gated step on); `correctedOutput` only on a `confidence` gate, with approve;
 * `runDurationMs`: the whole run's duration, used if the decision completes the run (default 0).
 */
export type DecideGate = DomainCommand<
  'DecideGate',
  {
    gateId: string;
    reviewer: ReviewerActor;
    outcome: 'approve' | 'reject' | 'redirect';
    comment?: string;
    revision?: GateRevision;
    correctedOutput?: unknown;
    runDurationMs?: number;
  }
>;
export type EscalateGate = DomainCommand<'EscalateGate', { gateId: string }>;
/**
 * `input`: the step input resolved by the executor; `idempotencyKey`: `<runId>/<stepId>/<attempt>`; `executor`: the
 * executor instance starting it (recorded, so other replicas know whose the running attempt is).
 */
export type StartStep = DomainCommand<
  'StartStep',
  { stepId: string; attempt: number; idempotencyKey: string; input: unknown; executor?: string }
>;
/** `executor` takes over running attempt `attempt` of `stepId` from an executor instance that is gone. */
export type ReclaimStep = DomainCommand<'ReclaimStep', { stepId: string; attempt: number; executor: string }>;
/**
 * `durationMs`: the attempt's duration; `runDurationMs`: the whole run's, used if this completes the run.
 * `addSteps`: steps the tool's result asks for (e.g. a currency conversion), recorded as a `PlanRevised` whose
 * author is `tool:<tool>.<action>`; drafts get the defaults of `planStepOfDraft`. An invalid addition (or more
 * than 50 steps) fails the run with the validation's code, after the step's success is recorded.
 * `usage`: the tokens and cost the tool reported (usage.ts), checked by the executor (`stepUsageIssue`) beforehand.
 */
export type RecordStepSucceeded = DomainCommand<
  'RecordStepSucceeded',
  {
    stepId: string;
    attempt: number;
    output: unknown;
    confidence?: number;
    lineage?: Lineage;
    durationMs: number;
    runDurationMs: number;
    reasoning?: string;
    alternatives?: readonly unknown[];
    addSteps?: readonly PlanStepDraft[];
    usage?: StepUsage;
  }
>;
export type RecordStepFailed = DomainCommand<
  'RecordStepFailed',
  { stepId: string; attempt: number; error: StepError; durationMs: number }
>;
/**
 * The executor could not build the input of a step attempt it was about to evaluate or start (an input
 * expression failed: `error.code` `input_expression_failed`); the step never ran.
 */
export type RecordStepInputFailed = DomainCommand<
  'RecordStepInputFailed',
  { stepId: string; attempt: number; error: StepError }
>;
/**
 * An operator's retry of a failed step. `agent`: a substitute agent for the new attempt (declared in
 * `plan.agents`; policy then decides with its capabilities); `requestedBy`: the operator's id (recorded).
 */
export type RetryStep = DomainCommand<
  'RetryStep',
  { stepId: string; agent?: string; reason?: string; requestedBy?: string }
>;
/** `runDurationMs`: the whole run's duration, used if the skip completes the run; `requestedBy`: the operator's id. */
export type SkipStep = DomainCommand<
  'SkipStep',
  { stepId: string; reason: string; runDurationMs: number; requestedBy?: string }
>;
/** `requestedBy`: the operator's id, recorded in `RunCancelled`. */
export type CancelRun = DomainCommand<'CancelRun', { reason: string; requestedBy?: string }>;
/** `requestedBy`: the operator's id, recorded in `RunPaused`; or `code` (+ `secrets`) when a service pauses it. */
export type PauseRun = DomainCommand<
  'PauseRun',
  { reason: string; requestedBy?: string; code?: string; secrets?: string[] }
>;
/** `requestedBy`: the operator's id, recorded in `RunResumed`. */
export type ResumeRun = DomainCommand<'ResumeRun', { reason: string; requestedBy?: string }>;
/**
 * The executor found the `when` condition of pending step `stepId` (attempt `attempt`) false: the step is skipped.
 * `runDurationMs`: the whole run's duration, used if the skip completes the run.
 */
export type SkipStepByCondition = DomainCommand<
  'SkipStepByCondition',
  { stepId: string; attempt: number; runDurationMs: number }
>;
/** The plan's `timeoutMs` has passed: `runDurationMs` is the run's age in ms at `now` (since `RunTriggered`). */
export type TimeOutRun = DomainCommand<'TimeOutRun', { runDurationMs: number }>;
/**
 * A person reports the running `external` step done with `output` (already checked against the step's
 * `outputSchema` by the caller). `actor`: as their token proves (id, roles, teams); `runDurationMs` as for `RecordStepSucceeded`.
 */
export type CompleteExternalStep = DomainCommand<
  'CompleteExternalStep',
  { stepId: string; output: unknown; actor: ReviewerActor; runDurationMs: number }
>;
/** A person reports the running `external` step failed, with `reason` (recorded as the error message). */
export type FailExternalStep = DomainCommand<
  'FailExternalStep',
  { stepId: string; reason: string; actor: ReviewerActor }
>;
/**
 * `runDurationMs`: the whole run's duration, used if the revision leaves nothing to run. `generated`: the steps were
 * proposed by a plan generator (the planner's adaptive steps, author `planner:llm`): how, in `PlanGenerated`'s shape,
 * recorded as `PlanRevised.generated` so replay and forks never ask the model again.
 */
export type RevisePlan = DomainCommand<
  'RevisePlan',
  {
    author: string;
    reason: string;
    rule?: string;
    addSteps: readonly PlanStep[];
    removeStepIds: readonly string[];
    runDurationMs: number;
    generated?: PlanGeneration;
  }
>;
/**
 * The planner's automatic recovery of failed attempt `attempt` of `stepId` by recovery rule `rule` (a definition's
 * `recoveries` entry, or a learned rule): `recoverySteps` are added and the failed step runs again after them.
 * `reason`: why (default names the rule and the error code). `recommendationId`: given for a learned rule, the
 * accepted recommendation it came from (recorded as `PlanRevised.recommendationId`, and as `learnedFrom` on each
 * step added).
 */
export type RecoverStep = DomainCommand<
  'RecoverStep',
  {
    stepId: string;
    attempt: number;
    rule: string;
    recoverySteps: readonly PlanStep[];
    reason?: string;
    recommendationId?: string;
  }
>;

/**
 * Starts a new run from another run's checkpoint (decide-fork.ts): `origin` is the origin run's state at the
 * checkpoint (`stateAt`), `forkedFrom` names it; `trigger` is the fork's own (its idempotency key names the
 * origin and checkpoint, so one checkpoint forks into one run).
 */
export type ForkRun = DomainCommand<
  'ForkRun',
  { runId: string; trigger: RunTrigger; origin: RunState; forkedFrom: ForkOrigin }
>;

/** The executor granted the queued run a slot of its workflow's limit (run-slots.ts): the run starts. */
export type DequeueRun = DomainCommand<'DequeueRun', Readonly<Record<string, never>>>;

export type RunCommand =
  | StartRun
  | RecordStepPolicyDecision
  | OpenGate
  | DecideGate
  | EscalateGate
  | StartStep
  | ReclaimStep
  | RecordStepSucceeded
  | RecordStepFailed
  | RecordStepInputFailed
  | RetryStep
  | SkipStep
  | CancelRun
  | PauseRun
  | ResumeRun
  | RevisePlan
  | ForkRun
  | RecoverStep
  | SkipStepByCondition
  | TimeOutRun
  | CompleteExternalStep
  | FailExternalStep
  | DequeueRun;

export type RunCommandType = RunCommand['type'];

/** The command of type `T`. */
export type RunCommandOf<T extends RunCommandType> = Extract<RunCommand, { type: T }>;
