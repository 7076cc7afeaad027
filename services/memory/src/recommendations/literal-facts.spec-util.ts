import type { MemoryScope, StepCalibration } from '@ledgerflow/contracts';
import type { MemoryFacts, OperatorFix, RunOutcome, StepTiming } from '../memory-facts.js';

/** Facts of one workflow written out in a test. */
export interface LiteralFactsInput {
  readonly fixes?: readonly OperatorFix[];
  readonly outcomes?: readonly RunOutcome[];
  readonly timings?: readonly StepTiming[];
  readonly calibration?: readonly StepCalibration[];
  readonly scope?: MemoryScope;
  /** Default: the number of distinct runs in `outcomes` and `fixes`. */
  readonly runs?: number;
}

const byEnd = (a: RunOutcome, b: RunOutcome): number =>
  a.endedAt === b.endedAt ? (a.runId < b.runId ? -1 : 1) : a.endedAt < b.endedAt ? -1 : 1;

/**
 * A `MemoryFacts` over literal facts (every workflow id answers the same), honouring the interface's documented
 * window semantics of `runOutcomes`. Mutable through `input`, so a test can add runs as time passes.
 */
export function literalFacts(input: LiteralFactsInput): MemoryFacts & { input: LiteralFactsInput } {
  const facts = {
    input,
    operatorFixes: () => facts.input.fixes ?? [],
    runOutcomes: (_workflowId: string, window: { after?: string; before?: string; limit: number }) => {
      const sorted = [...(facts.input.outcomes ?? [])].sort(byEnd);
      if (window.after !== undefined)
        return sorted.filter((run) => run.endedAt > (window.after as string)).slice(0, window.limit);
      const upTo =
        window.before === undefined ? sorted : sorted.filter((run) => run.endedAt <= (window.before as string));
      return upTo.slice(Math.max(0, upTo.length - window.limit));
    },
    stepTimings: () => facts.input.timings ?? [],
    calibration: () => facts.input.calibration ?? [],
    scopeOf: () => facts.input.scope ?? [],
    runCount: () =>
      facts.input.runs ??
      new Set([...(facts.input.outcomes ?? []), ...(facts.input.fixes ?? [])].map((item) => item.runId)).size,
  };
  return facts;
}

/** Operator fix number `n` (run `r<n>`, failed `n` minutes after 2026-05-01T10:00Z) adding `refresh_token` (`auth.refresh`). */
export function fix(n: number, overrides: Partial<OperatorFix> = {}): OperatorFix {
  const at = Date.UTC(2026, 4, 1, 10) + n * 60_000;
  return {
    workflowId: 'wf',
    scope: [],
    runId: `r${n}`,
    stepId: 'fetch_invoice',
    code: 'token_expired',
    action: 'revise+retry',
    addedSteps: [{ id: 'refresh_token', agent: 'main', tool: 'auth', action: 'refresh' }],
    actor: 'ana',
    failedAt: new Date(at).toISOString(),
    fixedAt: new Date(at + 30_000).toISOString(),
    succeeded: true,
    ...overrides,
  };
}

/** A finished run of `wf`, ended `minute` minutes after 2026-05-01T10:00Z, lasting `durationMs`. */
export function outcome(runId: string, minute: number, overrides: Partial<RunOutcome> = {}): RunOutcome {
  const endedAt = new Date(Date.UTC(2026, 4, 1, 10, minute)).toISOString();
  return {
    runId,
    workflowId: 'wf',
    scope: [],
    status: 'completed',
    triggeredAt: new Date(Date.parse(endedAt) - 1000).toISOString(),
    endedAt,
    durationMs: 1000,
    gateWaitMs: 0,
    operatorInterventions: 0,
    recoveries: [],
    ...overrides,
  };
}
