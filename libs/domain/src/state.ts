import type {
  ConfidenceException,
  EvaluationTag,
  ForkOrigin,
  GateSource,
  Lineage,
  PlanGeneratorName,
  PolicyDecision,
  ReviewRequirement,
  RunTrigger,
  StepError,
} from './events.js';
import type { EscalationLevel, Plan } from './plan.js';

/**
 * The state of one run, the fold of its events (`evolve`, `foldRun` in evolve.ts). Plain, immutable data:
 * `evolve` returns new objects and never changes the ones it was given.
 */

/** `queued`: waits for a slot of the workflow's `maxConcurrentRuns` (`RunQueued` .. `RunDequeued`); nothing runs meanwhile. */
export type RunStatus = 'none' | 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled';

/**
 * - `pending`: waits for its dependencies, then for a policy decision on `attempt`.
 * - `ready`: policy allowed `attempt` and its gate (if any) is approved; may start.
 * - `awaiting_approval`: policy allowed `attempt` (or required approval) but a gate must be approved first:
 *   first with no gate (the approval service opens it: `gatesToOpen`, `OpenGate`), then with its gate open.
 * - `failed`: the last attempt failed with no retry left; waits for an operator (retry, skip, revision).
 * - `retry_scheduled`: `attempt` is the next attempt, due at `retryDueAt`; it is evaluated again first.
 * - `blocked`: denied by policy or its gate was rejected (the run failed).
 */
export type StepStatus =
  | 'pending'
  | 'ready'
  | 'awaiting_approval'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'retry_scheduled'
  | 'skipped'
  | 'blocked';

export const STEP_STATUSES: readonly StepStatus[] = [
  'pending',
  'ready',
  'awaiting_approval',
  'running',
  'succeeded',
  'failed',
  'retry_scheduled',
  'skipped',
  'blocked',
];

export interface StepState {
  readonly stepId: string;
  readonly status: StepStatus;
  /** The current attempt, 1-based: the one being evaluated, run, or last finished. */
  readonly attempt: number;
  /** The last policy decision recorded for this step. */
  readonly decision?: PolicyDecision;
  /** Set once the step's gate was opened (`GateOpened`); a step has at most one gate. */
  readonly gateId?: string;
  readonly idempotencyKey?: string;
  /** The resolved input of the last started attempt (a re-dispatch after a crash sends it again). */
  readonly input?: unknown;
  readonly startedAt?: string;
  /** The executor instance running the current attempt (`StepStarted.executor`, `StepReclaimed.executor`); absent when none was recorded. */
  readonly executor?: string;
  /** The tool's output, or the reviewer's corrected output once a confidence gate recorded one (ground truth). */
  readonly output?: unknown;
  /** The tool's own output when a reviewer corrected it. */
  readonly originalOutput?: unknown;
  readonly confidence?: number;
  /** As recorded in `StepSucceeded` (confidence.ts); absent when no confidence was reported on its paths. */
  readonly cumulativeConfidence?: number;
  /** Set when the last success was held for review: its dependants wait until its confidence gate is approved or redirected. */
  readonly review?: ReviewRequirement;
  readonly reasoning?: string;
  readonly alternatives?: readonly unknown[];
  readonly lineage?: Lineage;
  /** true when the result (or skip) was carried over from the origin run of a fork (`StepSucceeded.carriedOver`). */
  readonly carriedOver?: boolean;
  readonly completedAt?: string;
  /** Duration of the last finished attempt, in ms. */
  readonly durationMs?: number;
  /** The last failure; cleared when an attempt succeeds. */
  readonly error?: StepError;
  readonly failedAt?: string;
  /** When a scheduled retry becomes due (ISO-8601). */
  readonly retryDueAt?: string;
  readonly skipReason?: string;
  readonly blocked?: { readonly code: string; readonly reason: string; readonly policies: readonly string[] };
}

export interface GateState {
  readonly gateId: string;
  readonly stepId: string;
  /** The step attempt the gate was opened for. */
  readonly attempt: number;
  readonly status: 'open' | 'approved' | 'rejected' | 'redirected';
  readonly source: GateSource;
  readonly reason: string;
  /** Who may decide now (after an escalation: the escalation reviewers). */
  readonly reviewers: readonly string[];
  /** 0 when opened, +1 per escalation. */
  readonly level: number;
  readonly dueAt?: string;
  /** Reviewers of the next escalation (`escalation[level]`); empty when none is left. */
  readonly escalateTo: readonly string[];
  /** The whole escalation chain, level 1 first (a gate opened with a flat `escalateTo` has one level). */
  readonly escalation: readonly EscalationLevel[];
  readonly decidedBy?: string;
  /** The gate entry that named the decider (`role:...`, `team:...`), when it was not their bare id. */
  readonly matchedAs?: string;
  readonly comment?: string;
  /** The explainable-exception package of a `confidence` gate. */
  readonly exception?: ConfidenceException;
  /** A reviewer's corrected output recorded with the decision. */
  readonly correctedOutput?: unknown;
}

export type StepCounts = Readonly<Record<StepStatus, number>>;

export interface RunState {
  readonly status: RunStatus;
  readonly runId?: string;
  readonly workflowId?: string;
  readonly workflowVersion?: string;
  readonly trigger?: RunTrigger;
  /** Set on a forked run: the origin run, checkpoint and revision (`RunTriggered.forkedFrom`). */
  readonly forkedFrom?: ForkOrigin;
  /** Set on an evaluation run of a golden set (`RunTriggered.evaluation`). */
  readonly evaluation?: EvaluationTag;
  readonly input?: unknown;
  /** Set on a run whose plan was generated from a goal (`PlanGenerated`): the generator and how many attempts it took. */
  readonly generated?: { readonly generator: PlanGeneratorName; readonly attempts: number };
  readonly plan?: Plan;
  /** `PlanCreated.author`: `planner:<generator>` for a generated plan; absent for a written one. */
  readonly planAuthor?: string;
  /** 0 for the created plan, then the number of the last `PlanRevised`. */
  readonly planRevision: number;
  /**
   * Ids of steps a revision removed after they had started or opened a gate. A revision may not add them
   * again: their attempt numbers (and so idempotency keys `<runId>/<stepId>/<attempt>`) and gate ids are used.
   */
  readonly retiredStepIds: readonly string[];
  /** Keyed by step id; the order of steps is `plan.steps`. */
  readonly steps: Readonly<Record<string, StepState>>;
  /** Keyed by gate id (`<runId>.<stepId>`). */
  readonly gates: Readonly<Record<string, GateState>>;
  /** Steps per status. */
  readonly counts: StepCounts;
  readonly pause?: { readonly reason: string; readonly stepId?: string };
  readonly completedAt?: string;
  /** Duration of the whole run in ms, once completed. */
  readonly durationMs?: number;
  readonly failure?: {
    readonly code: string;
    readonly reason: string;
    readonly stepId?: string;
    readonly failedAt: string;
  };
  readonly cancelReason?: string;
  /** Number of events folded into this state. */
  readonly eventCount: number;
}

export function countSteps(steps: Readonly<Record<string, StepState>>): StepCounts {
  const counts = Object.fromEntries(STEP_STATUSES.map((status) => [status, 0])) as Record<StepStatus, number>;
  for (const step of Object.values(steps)) counts[step.status] += 1;
  return counts;
}

/** The state before any event: status `none`, no plan. */
export function initialState(): RunState {
  return {
    status: 'none',
    planRevision: 0,
    retiredStepIds: [],
    steps: {},
    gates: {},
    counts: countSteps({}),
    eventCount: 0,
  };
}
