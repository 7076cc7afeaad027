import type { ImpactFigures } from '@ledgerflow/contracts';
import type { RunOutcome } from '../memory-facts.js';

/** Runs measured on each side of a change by default (`LEDGERFLOW_MEMORY_IMPACT_RUNS`). */
export const DEFAULT_IMPACT_RUNS = 10;

const mean = (values: readonly number[]): number =>
  values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;

/**
 * Outcome figures over finished runs (docs/memory.md, "Impact"): `successRate` = completed / runs (0 without
 * runs), `meanDurationMs` and `meanGateWaitMs` the arithmetic means of `durationMs` and `gateWaitMs`, and
 * `operatorInterventions` the number of runs with at least one operator action on a failed step.
 */
export function impactFigures(outcomes: readonly RunOutcome[]): ImpactFigures {
  const runs = outcomes.length;
  return {
    runs,
    successRate: runs === 0 ? 0 : outcomes.filter((run) => run.status === 'completed').length / runs,
    meanDurationMs: mean(outcomes.map((run) => run.durationMs)),
    meanGateWaitMs: mean(outcomes.map((run) => run.gateWaitMs)),
    operatorInterventions: outcomes.filter((run) => run.operatorInterventions > 0).length,
  };
}

/** Finished runs in `endedAt`, then run id, order (the order `MemoryFacts.runOutcomes` promises, made sure of). */
export const byEnd = (outcomes: readonly RunOutcome[]): RunOutcome[] =>
  [...outcomes].sort((a, b) =>
    a.endedAt === b.endedAt ? (a.runId < b.runId ? -1 : 1) : a.endedAt < b.endedAt ? -1 : 1,
  );
