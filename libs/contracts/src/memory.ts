import type { ForwardedCaller } from './metadata.js';

/**
 * Operational memory as events and queries (docs/memory.md). Memory is the one writer of one stream per workflow,
 * `memory-<workflowId>` (category `memory`), holding what it learned and what humans decided about it:
 * `RecommendationProposed`, `RecommendationAccepted`, `RecommendationRejected`, `RecommendationApplied`,
 * `RecommendationImpactMeasured`, `DriftDetected` and `EvaluationRecorded`. Everything else memory knows (statistics,
 * failure clusters, operator fixes, calibration, usage, labels) is a projection of the run events, rebuilt from
 * position 0 when its database is lost.
 */

/** Prefix of every memory stream id (the stream category `memory`). */
export const MEMORY_STREAM_PREFIX = 'memory-';
/** Stream category of memory streams, as relayed events name it (`lf.evt.memory.<streamId>.<EventType>`). */
export const MEMORY_CATEGORY = 'memory';
/** Stream id of a workflow's memory. */
export const memoryStreamId = (workflowId: string): string => `${MEMORY_STREAM_PREFIX}${workflowId}`;

/** The event types of a memory stream, past tense. */
export const MEMORY_EVENT_TYPES = [
  'RecommendationProposed',
  'RecommendationAccepted',
  'RecommendationRejected',
  'RecommendationApplied',
  'RecommendationImpactMeasured',
  'DriftDetected',
  'EvaluationRecorded',
] as const;
export type MemoryEventType = (typeof MEMORY_EVENT_TYPES)[number];

/**
 * A definition's `memoryScope` tags, sorted and deduplicated; `[]` when it declares none. Learnings of one scope
 * never apply to another: a learned rule or insight applies only to runs whose plan has the same scope key.
 */
export type MemoryScope = readonly string[];
/** The scope as one comparable key: the sorted tags joined by `,` (`''` for no tags). */
export const memoryScopeKey = (scope: MemoryScope | undefined): string => [...new Set(scope ?? [])].sort().join(',');

/**
 * Token and cost usage a tool result may report (`usage` beside `output`); all optional, non-negative.
 * `costUsd`: US dollars as the tool computed them.
 */
export interface StepUsage {
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly costUsd?: number;
}

/** What a recommendation proposes. */
export type RecommendationKind =
  'add_recovery_rule' | 'raise_step_timeout' | 'add_pre_validation' | 'adjust_confidence_threshold';

/** A recovery step as a learned rule adds it (same fields as a definition's recovery step). */
export interface LearnedRecoveryStep {
  readonly id: string;
  readonly agent: string;
  readonly tool: string;
  readonly action: string;
  readonly input?: unknown;
  readonly timeoutMs?: number;
}

/**
 * A recovery rule learned from operator fixes: when step `on.step` fails for good with `on.code`, the planner adds
 * `steps` and retries the step after them (as a definition's `recoveries` rule does). `id` is `learned-<n>` unique
 * within the workflow; `scope` is the memory scope the evidence came from (the rule applies to runs of that scope only).
 */
export interface LearnedRecoveryRule {
  readonly id: string;
  readonly recommendationId: string;
  readonly workflowId: string;
  readonly scope: MemoryScope;
  readonly on: { readonly step: string; readonly code: string };
  readonly steps: readonly LearnedRecoveryStep[];
}

/** Evidence behind a recommendation: counts over a window of runs, and some of those runs. */
export interface RecommendationEvidence {
  /** Runs of the workflow (in scope, not evaluation runs) the figures were computed over. */
  readonly runs: number;
  /** Occurrences of the pattern (e.g. operator fixes of the code by the action). */
  readonly occurrences: number;
  /** Of those, how many had the wanted outcome (e.g. the step then succeeded). */
  readonly succeeded?: number;
  /** First and last occurrence, ISO-8601 UTC (event times). */
  readonly from: string;
  readonly to: string;
  /** Up to 10 run ids showing the pattern, oldest first. */
  readonly exampleRunIds: readonly string[];
  /** Kind-specific figures, e.g. `{ p99DurationMs, timeoutMs }`. */
  readonly figures?: Readonly<Record<string, number>>;
}

/** Data of `RecommendationProposed`. `id`: `<workflowId>.<kind>.<12 hex>` (name-based, so one pattern is proposed once). */
export interface RecommendationProposed {
  readonly recommendationId: string;
  readonly workflowId: string;
  readonly scope: MemoryScope;
  readonly kind: RecommendationKind;
  /** One sentence a reviewer reads, e.g. `add recovery refresh_token before retrying fetch_invoice on token_expired`. */
  readonly summary: string;
  readonly evidence: RecommendationEvidence;
  /** The effect projected from the history, e.g. `{ operatorFixesAvoided: 0.3, successRate: 0.97 }` (see docs/memory.md). */
  readonly projectedEffect: Readonly<Record<string, number>>;
  /** What accepting applies: a rule (`add_recovery_rule`) or a definition change (step id and new value). */
  readonly proposal:
    | { readonly rule: Omit<LearnedRecoveryRule, 'recommendationId' | 'workflowId' | 'scope'> }
    | { readonly stepId: string; readonly timeoutMs: number }
    | { readonly stepId: string; readonly minConfidence: number }
    | { readonly beforeStepId: string; readonly step: LearnedRecoveryStep };
  readonly proposedAt: string;
}

/** Data of `RecommendationAccepted` / `RecommendationRejected`: the human's decision (also `metadata.actor`). */
export interface RecommendationDecided {
  readonly recommendationId: string;
  readonly decidedBy: string;
  readonly comment?: string;
  readonly decidedAt: string;
}

/** Data of `RecommendationApplied`: the learned rule now in force, or the definition version that carries the change. */
export interface RecommendationApplied {
  readonly recommendationId: string;
  readonly kind: RecommendationKind;
  readonly rule?: LearnedRecoveryRule;
  readonly workflowVersion?: string;
  readonly appliedAt: string;
}

/** Outcome figures over a set of runs (before or after a change). Durations in milliseconds. */
export interface ImpactFigures {
  readonly runs: number;
  readonly successRate: number;
  readonly meanDurationMs: number;
  readonly meanGateWaitMs: number;
  /** Runs in which an operator acted (retry, skip, revise) on a failed step. */
  readonly operatorInterventions: number;
}

/** Data of `RecommendationImpactMeasured`: the same figures over the runs just before and just after `appliedAt`. */
export interface RecommendationImpactMeasured {
  readonly recommendationId: string;
  readonly before: ImpactFigures;
  readonly after: ImpactFigures;
  readonly measuredAt: string;
}

/** Data of `DriftDetected`: a window's distribution moved from the reference window's past the threshold. */
export interface DriftDetected {
  readonly workflowId: string;
  readonly stepId: string;
  readonly signal: 'confidence' | 'escalation_rate';
  /** `psi`: population stability index over 10 equal-width confidence buckets; `two_proportion_z`: |z| of escalation rates. */
  readonly statistic: 'psi' | 'two_proportion_z';
  readonly value: number;
  readonly threshold: number;
  readonly referenceWindow: number;
  readonly currentWindow: number;
  readonly detectedAt: string;
}

/** One matcher of a golden-set expectation. */
export type GoldenMatcher =
  { readonly exact: unknown } | { readonly jsonata: string } | { readonly number: number; readonly tolerance: number };

/** One case's result as `ledgerflow eval` saw it. */
export interface EvaluationCaseResult {
  readonly caseId: string;
  readonly runId: string;
  readonly passed: boolean;
  /** Each failed expectation: the step (or `final`), the JSON path in its output and why. */
  readonly failures: readonly { readonly stepId: string; readonly path: string; readonly message: string }[];
  readonly durationMs: number;
  readonly escalations: number;
  /** Per step checked: passed, and the step's confidence when it reported one. */
  readonly steps: readonly { readonly stepId: string; readonly passed: boolean; readonly confidence?: number }[];
}

/** Data of `EvaluationRecorded`: one run of a golden set against a workflow version. */
export interface EvaluationRecorded {
  readonly evaluationId: string;
  readonly workflowId: string;
  readonly workflowVersion: string;
  readonly goldenSet: string;
  /** `sha256:<hex>` of the golden set's canonical JSON, so runs of the same set compare over versions. */
  readonly goldenSetDigest: string;
  readonly passRate: number;
  readonly cases: readonly EvaluationCaseResult[];
  readonly recordedAt: string;
}

/** Tags a run as an evaluation run (`RunTriggered.evaluation`): kept out of production statistics. */
export interface EvaluationTag {
  readonly goldenSet: string;
  readonly caseId: string;
}

/** A typed finding with its evidence (`GET /v1/workflows/{id}/insights`). */
export interface Insight {
  readonly kind: 'failure_cluster' | 'slow_step' | 'gate_wait' | 'operator_fix' | 'calibration' | 'drift' | 'usage';
  readonly stepId?: string;
  /** One sentence, e.g. `fraud_screen fails with upstream_timeout in 12% of runs since 2026-11-02`. */
  readonly summary: string;
  readonly evidence: RecommendationEvidence;
}

/** A reviewer's verdict on a held result, as calibration counts it. */
export type ReviewVerdict = 'accepted' | 'corrected' | 'rejected';

/** Calibration of one step: reliability per confidence bucket and the expected calibration error. */
export interface StepCalibration {
  readonly stepId: string;
  readonly reviewed: number;
  /** Σ_b (n_b / N)·|accepted_b − meanConfidence_b| over the buckets (docs/memory.md). */
  readonly expectedCalibrationError: number;
  readonly buckets: readonly {
    readonly from: number;
    readonly to: number;
    readonly count: number;
    readonly meanConfidence: number;
    readonly accepted: number;
    readonly corrected: number;
    readonly rejected: number;
  }[];
}

/** Usage summed per workflow and per step (from `StepSucceeded.usage`). */
export interface UsageTotals {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly costUsd: number;
  readonly steps: number;
}

/** Answer of `lf.memory.insights` and `GET /v1/workflows/{id}/insights`. */
export interface WorkflowInsights {
  readonly workflowId: string;
  readonly scope: MemoryScope;
  /** Production runs (evaluation runs excluded) the figures cover. */
  readonly runs: number;
  readonly insights: readonly Insight[];
  readonly calibration: readonly StepCalibration[];
  readonly usage: UsageTotals & { readonly byStep: Readonly<Record<string, UsageTotals>> };
}

/** A recommendation as `GET /v1/workflows/{id}/recommendations` lists it (folded from the memory stream). */
export interface RecommendationView extends RecommendationProposed {
  readonly status: 'proposed' | 'accepted' | 'rejected' | 'applied';
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  readonly comment?: string;
  readonly applied?: RecommendationApplied;
  readonly impact?: RecommendationImpactMeasured;
}

/** One labelled example: a reviewer's correction of a held result (`GET /v1/workflows/{id}/labels`, JSON lines). */
export interface LabelledExample {
  readonly runId: string;
  readonly stepId: string;
  readonly input: unknown;
  readonly output: unknown;
  readonly correctedOutput: unknown;
  readonly verdict: ReviewVerdict;
  readonly confidence?: number;
  readonly reviewer: string;
  readonly decidedAt: string;
}

/** Requests memory answers over NATS (queue group `memory`). */
export interface MemoryWorkflowRequest {
  readonly workflowId: string;
}
/** `lf.memory.labels`: `after` is the cursor of the previous page (opaque), `limit` 1..1000. */
export interface MemoryLabelsRequest extends MemoryWorkflowRequest {
  readonly stepId?: string;
  readonly after?: string;
  readonly limit?: number;
}
export interface MemoryLabelsPage {
  readonly labels: readonly LabelledExample[];
  readonly next?: string;
}
/** `lf.memory.decide-recommendation`: the human's decision, forwarded by the gateway with the caller's credential. */
export interface DecideRecommendationRequest extends ForwardedCaller {
  readonly recommendationId: string;
  readonly decision: 'accept' | 'reject';
  readonly comment?: string;
}
/** `lf.memory.record-evaluation`: a golden-set result from `ledgerflow eval`, forwarded by the gateway. */
export interface RecordEvaluationRequest extends ForwardedCaller {
  readonly evaluation: Omit<EvaluationRecorded, 'evaluationId' | 'recordedAt'>;
}
