import type { LearnedRecoveryStep } from '@ledgerflow/contracts';

/**
 * What memory keeps of one run between batches (column `memory_runs.state`, JSON): enough to attribute a later event
 * to what came before it in the run (the tool of a failed attempt, when a gate opened, which failure an operator
 * fixed). Read once and written once per run per batch.
 */
export interface RunState {
  readonly workflowId: string;
  /** The scope key (`memoryScopeKey`), set by `PlanCreated`; `null` before it. */
  scope: string | null;
  /** An evaluation run (`RunTriggered.evaluation`): nothing of it counts. */
  readonly evaluation: boolean;
  readonly triggeredAt: string;
  /** The revision applied last (the run's high-water mark). */
  appliedRevision: number;
  /** Per step, the latest attempt's tool (`tool.action`) and timeout, from `StepStarted`. */
  attempts: Record<string, { tool: string; timeoutMs: number }>;
  /** Open gates by gate id: the step, when it opened, and a `confidence` gate's package. */
  gates: Record<string, OpenGate>;
  /** Per step: its latest failure, until what follows says whether it was for good. */
  failures: Record<string, PendingFailure>;
  /** Per step: a fix (action decided) waiting for the step's next outcome. */
  fixes: Record<string, DecidedFix>;
  /** Failure clusters this run already counted (`<step>\u0000<code>\u0000<tool>`), for "runs affected". */
  clusters: string[];
  gateWaitMs: number;
  interventions: number;
  recoveries: string[];
}

export interface OpenGate {
  readonly stepId: string;
  readonly openedAt: string;
  readonly confidence?: { readonly value: number; readonly input: unknown; readonly output: unknown };
}

export interface PendingFailure {
  readonly code: string;
  readonly attempt: number;
  readonly failedAt: string;
  /** Steps operators added since the failure (`PlanRevised` by a person), in order. */
  addedSteps: LearnedRecoveryStep[];
  /** Who revised, when an operator did. */
  revisedBy?: string;
}

export interface DecidedFix {
  readonly code: string;
  /** The attempt that failed. */
  readonly attempt: number;
  readonly action: string;
  readonly addedSteps: readonly LearnedRecoveryStep[];
  readonly actor?: string;
  readonly failedAt: string;
  readonly fixedAt: string;
}

export function newRunState(workflowId: string, evaluation: boolean, triggeredAt: string, revision: number): RunState {
  return {
    workflowId,
    scope: null,
    evaluation,
    triggeredAt,
    appliedRevision: revision,
    attempts: {},
    gates: {},
    failures: {},
    fixes: {},
    clusters: [],
    gateWaitMs: 0,
    interventions: 0,
    recoveries: [],
  };
}
