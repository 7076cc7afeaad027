import type { Insight, StepCalibration, UsageTotals, WorkflowInsights } from '@ledgerflow/contracts';

/**
 * What the memory page shows of `GET /v1/workflows/{id}/insights` (shapes: libs/contracts/src/memory.ts; figures:
 * docs/memory.md, "Insights" and "Calibration"), as plain rows the view renders. No clock, no locale: the same
 * answer gives the same rows.
 */

/** A finding kind as a heading reads it. */
export const INSIGHT_KIND_LABELS: Readonly<Record<Insight['kind'], string>> = {
  failure_cluster: 'Failure cluster',
  slow_step: 'Slow step',
  gate_wait: 'Gate wait',
  operator_fix: 'Operator fix',
  calibration: 'Calibration',
  drift: 'Drift',
  usage: 'Usage',
};

/** An ISO-8601 time as `YYYY-MM-DD HH:MM UTC` (event times are UTC; minutes are enough to place a window). */
export function formatUtc(iso: string): string {
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return iso;
  return `${time.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `from` – `to` of an evidence window; one time when both are the same minute. */
export function windowOf(evidence: { readonly from: string; readonly to: string }): string {
  const from = formatUtc(evidence.from);
  const to = formatUtc(evidence.to);
  return from === to ? from : `${from} – ${to}`;
}

/**
 * US dollars with two significant digits below a cent and cents above (`$0.0044`, `$0.012`, `$1.50`); memory keeps
 * cost in billionths of a dollar, so nothing finer than 9 decimals is shown.
 */
export function formatUsd(amount: number): string {
  if (amount === 0 || Math.abs(amount) >= 0.1) return `$${amount.toFixed(2)}`;
  const decimals = Math.min(9, Math.max(2, 1 - Math.floor(Math.log10(Math.abs(amount)))));
  return `$${amount.toFixed(decimals)}`;
}

/** One bucket of a step's reliability table; `acceptedShare` is accepted unchanged / reviewed in the bucket. */
export interface CalibrationRow {
  readonly stepId: string;
  /** `[0.6, 0.7)`; the last bucket is closed, `[0.9, 1]`. */
  readonly bucket: string;
  readonly count: number;
  readonly meanConfidence: number;
  readonly acceptedShare: number;
  readonly corrected: number;
  readonly rejected: number;
}

/** A step's calibration: its ECE over `reviewed` results and its non-empty buckets, lowest confidence first. */
export interface StepCalibrationRows {
  readonly stepId: string;
  readonly reviewed: number;
  readonly expectedCalibrationError: number;
  readonly rows: readonly CalibrationRow[];
}

export function calibrationRowsOf(calibration: readonly StepCalibration[]): StepCalibrationRows[] {
  return calibration
    .filter((step) => step.reviewed > 0)
    .map((step) => ({
      stepId: step.stepId,
      reviewed: step.reviewed,
      expectedCalibrationError: step.expectedCalibrationError,
      rows: [...step.buckets]
        .filter((bucket) => bucket.count > 0)
        .sort((a, b) => a.from - b.from)
        .map((bucket) => ({
          stepId: step.stepId,
          bucket: `[${trim(bucket.from)}, ${trim(bucket.to)}${bucket.to >= 1 ? ']' : ')'}`,
          count: bucket.count,
          meanConfidence: bucket.meanConfidence,
          acceptedShare: bucket.accepted / bucket.count,
          corrected: bucket.corrected,
          rejected: bucket.rejected,
        })),
    }));
}

/** Usage of one step (or `total`), with the tokens read and written summed. */
export interface UsageRow extends UsageTotals {
  readonly stepId: string;
  readonly tokens: number;
}

/** Per step, the costliest first (then the most tokens, then by id), and the workflow's total. */
export function usageRowsOf(usage: WorkflowInsights['usage']): { rows: UsageRow[]; total: UsageRow } {
  const rowOf = (stepId: string, totals: UsageTotals): UsageRow => ({
    stepId,
    inputTokens: totals.inputTokens,
    outputTokens: totals.outputTokens,
    costUsd: totals.costUsd,
    steps: totals.steps,
    tokens: totals.inputTokens + totals.outputTokens,
  });
  const rows = Object.entries(usage.byStep)
    .map(([stepId, totals]) => rowOf(stepId, totals))
    .sort((a, b) => b.costUsd - a.costUsd || b.tokens - a.tokens || a.stepId.localeCompare(b.stepId));
  return { rows, total: rowOf('total', usage) };
}

/** A bucket bound without float noise: 0.30000000000000004 reads 0.3. */
const trim = (bound: number): string => String(Math.round(bound * 100) / 100);
