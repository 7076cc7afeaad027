import type { Insight, MemoryScope, StepCalibration, UsageTotals, WorkflowInsights } from '@ledgerflow/contracts';
import type { OperatorFix, StepTiming } from './memory-facts.js';

/** A failure cluster is reported from this many failed attempts of the same step, code and tool. */
export const FAILURE_CLUSTER_MIN_COUNT = 3;
/** ... and when at least this share of the scope's runs had one (runs affected / runs). */
export const FAILURE_CLUSTER_MIN_SHARE = 0.05;
/** A step is slow when its p99 attempt duration reaches this share of the timeout it ran with. */
export const SLOW_STEP_SHARE_OF_TIMEOUT = 0.8;
/** ... over at least this many attempts. */
export const SLOW_STEP_MIN_SAMPLES = 20;
/** A step's gate wait is reported from this many decided gates. */
export const GATE_WAIT_MIN_DECISIONS = 5;
/** A fix pattern (step, code, action, added steps' tools) is reported from this many occurrences. */
export const OPERATOR_FIX_MIN_OCCURRENCES = 3;
/** A step's confidence is reported miscalibrated from this expected calibration error ... */
export const CALIBRATION_MAX_ECE = 0.1;
/** ... over at least this many reviewed results. */
export const CALIBRATION_MIN_REVIEWED = 20;
/** Run ids an insight's evidence lists at most. */
export const INSIGHT_EXAMPLES = 10;

/** Where and when a figure was seen: its first and last event time (ISO-8601) and example runs, oldest first. */
export interface Seen {
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly exampleRunIds: readonly string[];
}

/** Failed attempts of one step with one error code through one tool (`tool.action` of the attempt's `StepStarted`). */
export interface FailureCluster extends Seen {
  readonly stepId: string;
  readonly code: string;
  readonly tool: string;
  /** Failed attempts. */
  readonly count: number;
  /** Distinct runs with at least one. */
  readonly runs: number;
}

/** Time gates of one step waited between `GateOpened` and `GateDecided` (ms; p95 over the latest 1,000). */
export interface GateWait extends Seen {
  readonly stepId: string;
  readonly count: number;
  readonly totalMs: number;
  readonly p95WaitMs: number;
}

/** What memory knows of a workflow's current scope, as the insights read it (`MemoryProjection.snapshot`). */
export interface MemorySnapshot {
  readonly workflowId: string;
  readonly scope: MemoryScope;
  readonly runs: number;
  readonly clusters: readonly FailureCluster[];
  readonly timings: readonly (StepTiming & Seen)[];
  readonly gateWaits: readonly GateWait[];
  readonly fixes: readonly OperatorFix[];
  readonly calibration: readonly (StepCalibration & Seen)[];
  readonly usage: UsageTotals & { readonly byStep: Readonly<Record<string, UsageTotals & Seen>> };
}

/**
 * The typed findings of a workflow's memory (docs/memory.md, "Insights"), a pure function of the snapshot. Kinds, in
 * this order, each sorted by step id:
 * - `failure_cluster`: count ≥ {@link FAILURE_CLUSTER_MIN_COUNT} and runs affected / runs ≥ {@link FAILURE_CLUSTER_MIN_SHARE};
 * - `slow_step`: p99 ≥ {@link SLOW_STEP_SHARE_OF_TIMEOUT} · timeout over ≥ {@link SLOW_STEP_MIN_SAMPLES} attempts;
 * - `gate_wait`: the p95 wait of a step's gates, from {@link GATE_WAIT_MIN_DECISIONS} decisions;
 * - `operator_fix`: one fix pattern seen ≥ {@link OPERATOR_FIX_MIN_OCCURRENCES} times (cancels are not fixes);
 * - `calibration`: expected calibration error ≥ {@link CALIBRATION_MAX_ECE} over ≥ {@link CALIBRATION_MIN_REVIEWED} reviews;
 * - `usage`: the step with the highest cost (else tokens), when any usage was reported.
 */
export function computeInsights(snapshot: MemorySnapshot): WorkflowInsights {
  const insights: Insight[] = [
    ...failureClusters(snapshot),
    ...slowSteps(snapshot),
    ...gateWaits(snapshot),
    ...operatorFixes(snapshot),
    ...miscalibrated(snapshot),
    ...topUsage(snapshot),
  ];
  const calibration = snapshot.calibration.map(({ firstSeen: _f, lastSeen: _l, exampleRunIds: _e, ...step }) => step);
  const byStep = Object.fromEntries(
    Object.entries(snapshot.usage.byStep).map(
      ([stepId, { firstSeen: _f, lastSeen: _l, exampleRunIds: _e, ...totals }]) => [stepId, totals],
    ),
  );
  return {
    workflowId: snapshot.workflowId,
    scope: snapshot.scope,
    runs: snapshot.runs,
    insights,
    calibration,
    usage: { ...totalsOf(snapshot.usage), byStep },
  };
}

function failureClusters({ clusters, runs }: MemorySnapshot): Insight[] {
  return clusters
    .filter((c) => c.count >= FAILURE_CLUSTER_MIN_COUNT && runs > 0 && c.runs / runs >= FAILURE_CLUSTER_MIN_SHARE)
    .map((c) => ({
      kind: 'failure_cluster',
      stepId: c.stepId,
      summary: `${c.stepId} fails with ${c.code} in ${percent(c.runs / runs)} of runs since ${c.firstSeen.slice(0, 10)}`,
      evidence: evidence(runs, c.count, c, { runsAffected: c.runs, share: c.runs / runs }),
    }));
}

function slowSteps({ timings, runs }: MemorySnapshot): Insight[] {
  return timings
    .filter(
      (t) =>
        t.samples >= SLOW_STEP_MIN_SAMPLES &&
        t.timeoutMs > 0 &&
        t.p99DurationMs >= SLOW_STEP_SHARE_OF_TIMEOUT * t.timeoutMs,
    )
    .map((t) => ({
      kind: 'slow_step',
      stepId: t.stepId,
      summary: `${t.stepId} takes ${duration(t.p99DurationMs)} at p99, ${percent(t.p99DurationMs / t.timeoutMs)} of its ${duration(t.timeoutMs)} timeout (${t.samples} attempts)`,
      evidence: evidence(runs, t.samples, t, {
        p95DurationMs: t.p95DurationMs,
        p99DurationMs: t.p99DurationMs,
        timeoutMs: t.timeoutMs,
      }),
    }));
}

function gateWaits({ gateWaits: waits, runs }: MemorySnapshot): Insight[] {
  return waits
    .filter((w) => w.count >= GATE_WAIT_MIN_DECISIONS)
    .map((w) => ({
      kind: 'gate_wait',
      stepId: w.stepId,
      summary: `${w.stepId} waits ${duration(w.p95WaitMs)} at its gate at p95 (${w.count} decisions)`,
      evidence: evidence(runs, w.count, w, { p95WaitMs: w.p95WaitMs, meanWaitMs: Math.round(w.totalMs / w.count) }),
    }));
}

function operatorFixes({ fixes, runs }: MemorySnapshot): Insight[] {
  const patterns = new Map<string, OperatorFix[]>();
  for (const fix of fixes) {
    if (fix.action === 'cancel') continue;
    const key = [fix.stepId, fix.code, fix.action, ...fix.addedSteps.map((s) => `${s.tool}.${s.action}`)].join(
      '\u0000',
    );
    patterns.set(key, [...(patterns.get(key) ?? []), fix]);
  }
  return [...patterns.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .filter(([, list]) => list.length >= OPERATOR_FIX_MIN_OCCURRENCES)
    .map(([, list]) => {
      const [first] = list;
      const succeeded = list.filter((fix) => fix.succeeded).length;
      const times = list.map((fix) => fix.fixedAt).sort();
      const exampleRunIds = [...new Set(list.map((fix) => fix.runId))].slice(-INSIGHT_EXAMPLES);
      return {
        kind: 'operator_fix',
        stepId: first.stepId,
        summary: `${first.stepId} failing with ${first.code} was fixed by ${describeAction(first)} ${list.length} times (${succeeded} then succeeded)`,
        evidence: {
          runs,
          occurrences: list.length,
          succeeded,
          from: times[0],
          to: times[times.length - 1],
          exampleRunIds,
          figures: { successRate: succeeded / list.length },
        },
      } satisfies Insight;
    });
}

function miscalibrated({ calibration, runs }: MemorySnapshot): Insight[] {
  return calibration
    .filter((c) => c.reviewed >= CALIBRATION_MIN_REVIEWED && c.expectedCalibrationError >= CALIBRATION_MAX_ECE)
    .map((c) => ({
      kind: 'calibration',
      stepId: c.stepId,
      summary: `${c.stepId}'s confidence is off by ${c.expectedCalibrationError.toFixed(2)} (expected calibration error over ${c.reviewed} reviewed results)`,
      evidence: evidence(runs, c.reviewed, c, { expectedCalibrationError: c.expectedCalibrationError }),
    }));
}

function topUsage({ usage, runs }: MemorySnapshot): Insight[] {
  const steps = Object.entries(usage.byStep).sort(
    ([a, x], [b, y]) => y.costUsd - x.costUsd || tokens(y) - tokens(x) || (a < b ? -1 : 1),
  );
  if (steps.length === 0) return [];
  const [stepId, top] = steps[0];
  const byCost = usage.costUsd > 0;
  const share = byCost ? top.costUsd / usage.costUsd : tokens(usage) === 0 ? 0 : tokens(top) / tokens(usage);
  const what = byCost
    ? `$${top.costUsd.toFixed(4)} of $${usage.costUsd.toFixed(4)}`
    : `${tokens(top)} of ${tokens(usage)} tokens`;
  return [
    {
      kind: 'usage',
      stepId,
      summary: `${stepId} uses the most: ${what} (${percent(share)}) over ${top.steps} results`,
      evidence: evidence(runs, top.steps, top, {
        costUsd: top.costUsd,
        inputTokens: top.inputTokens,
        outputTokens: top.outputTokens,
        share,
      }),
    },
  ];
}

function evidence(runs: number, occurrences: number, seen: Seen, figures: Record<string, number>): Insight['evidence'] {
  return {
    runs,
    occurrences,
    from: seen.firstSeen,
    to: seen.lastSeen,
    exampleRunIds: seen.exampleRunIds.slice(-INSIGHT_EXAMPLES),
    figures,
  };
}

function describeAction(fix: OperatorFix): string {
  if (fix.action === 'retry') return 'an operator retry';
  if (fix.action === 'skip') return 'skipping it';
  if (fix.action === 'revise') return 'a revision replacing it';
  if (fix.action.startsWith('recovery:')) return `recovery rule ${fix.action.slice('recovery:'.length)}`;
  const added = fix.addedSteps.map((s) => `${s.id} (${s.tool}.${s.action})`).join(', ');
  return `adding ${added} and retrying`;
}

const tokens = (t: UsageTotals): number => t.inputTokens + t.outputTokens;
const totalsOf = (t: UsageTotals): UsageTotals => ({
  inputTokens: t.inputTokens,
  outputTokens: t.outputTokens,
  costUsd: t.costUsd,
  steps: t.steps,
});
const percent = (share: number): string => `${Math.round(share * 100)}%`;

/** A duration for a sentence: `320ms`, `4.1s`, `12m 5s`, `3h 20m`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1).replace(/\.0$/, '')}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m ${Math.round((ms % 60_000) / 1000)}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
