import type { LearnedRecoveryStep, MemoryScope, StepCalibration } from '@ledgerflow/contracts';

/**
 * What memory's projections know, as the recommendation engine and impact measurement read it. The projection
 * (services/memory/src/memory.projection.ts) implements it; the recommender (recommendations/) only reads it, so each
 * can be tested alone. Every figure is derived from run events only (event times, never the clock), and evaluation
 * runs (`RunTriggered.evaluation`) are left out. Every method but `scopeOf` answers for the workflow's current scope
 * (`scopeOf`): runs of another scope never mix in.
 */
export interface MemoryFacts {
  /** Operator (or planner) actions that followed a step's failure for good, oldest first. */
  operatorFixes(workflowId: string): readonly OperatorFix[];
  /**
   * Finished runs (completed, failed or cancelled), ordered by `endedAt` then run id: those ending strictly after
   * `after` (ISO-8601) when given, else those ending at or before `before` when given (the latest `limit` of them),
   * else the latest `limit`.
   */
  runOutcomes(workflowId: string, window: { after?: string; before?: string; limit: number }): readonly RunOutcome[];
  /** Per step: the timeout it ran with and its duration percentiles over the last 1,000 attempts. */
  stepTimings(workflowId: string): readonly StepTiming[];
  /** Per step with reviewed confidence results: reliability table and expected calibration error. */
  calibration(workflowId: string): readonly StepCalibration[];
  /** The memory scope of the workflow's latest run (`PlanCreated.plan.memoryScope`), `[]` when none declared. */
  scopeOf(workflowId: string): MemoryScope;
  /** Production runs seen (evaluation runs excluded). */
  runCount(workflowId: string): number;
}

/**
 * A failure of step `stepId` with `code` (its retries spent: the step rested in `failed`), followed by what fixed it
 * or tried to: `action` is `retry` (an operator retry alone), `revise+retry` (steps added by an operator, then a
 * retry), `skip`, `recovery:<rule>` (a definition's or learned rule), `cancel`; `addedSteps` the steps an operator
 * added between the failure and the retry; `succeeded` whether the step's next outcome was a success.
 */
export interface OperatorFix {
  readonly workflowId: string;
  readonly scope: MemoryScope;
  readonly runId: string;
  readonly stepId: string;
  readonly code: string;
  readonly action: string;
  readonly addedSteps: readonly LearnedRecoveryStep[];
  readonly actor?: string;
  readonly failedAt: string;
  readonly fixedAt: string;
  readonly succeeded: boolean;
}

/** A finished run's outcome figures. Durations in milliseconds; times ISO-8601 UTC from the events. */
export interface RunOutcome {
  readonly runId: string;
  readonly workflowId: string;
  readonly scope: MemoryScope;
  readonly status: 'completed' | 'failed' | 'cancelled';
  readonly triggeredAt: string;
  readonly endedAt: string;
  readonly durationMs: number;
  /** Time between each gate's `GateOpened` and `GateDecided`, summed. */
  readonly gateWaitMs: number;
  /** Operator actions on failed steps in the run (retry, skip, revise by a person). */
  readonly operatorInterventions: number;
  /** Recovery rules the planner applied in the run (`PlanRevised.rule`). */
  readonly recoveries: readonly string[];
}

/** A step's timing against its timeout (`StepStarted.timeoutMs` of its latest attempt). */
export interface StepTiming {
  readonly workflowId: string;
  readonly stepId: string;
  readonly timeoutMs: number;
  readonly samples: number;
  readonly p95DurationMs: number;
  readonly p99DurationMs: number;
}
