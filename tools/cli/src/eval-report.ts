import type { EvaluationCaseResult } from '@ledgerflow/contracts';
import { failureLocation } from './eval-matchers.js';

/**
 * The figures `ledgerflow eval` reports over a golden set's case results (docs/memory.md, "Golden sets"):
 * - pass rate: cases passed / cases;
 * - per-step accuracy: per step with expectations, cases in which all of its matchers passed / cases checking it;
 * - confidence against correctness: the mean confidence the steps reported, over passed and over failed step checks
 *   (a calibrated step reports less confidence where it is wrong);
 * - latency: p50 and p95 (nearest rank) of the runs' durations, trigger to end, in ms;
 * - escalations: gates the evaluation runs opened, and the cases that opened any.
 */
export interface EvaluationSummary {
  readonly cases: number;
  readonly passed: number;
  readonly passRate: number;
  readonly steps: readonly { readonly stepId: string; readonly passed: number; readonly checked: number }[];
  readonly confidence: {
    readonly passed: { readonly mean?: number; readonly n: number };
    readonly failed: { readonly mean?: number; readonly n: number };
  };
  readonly latency: { readonly p50Ms: number; readonly p95Ms: number };
  readonly escalations: { readonly gates: number; readonly cases: number };
}

/** Nearest-rank percentile of values (0 when none). */
export function nearestRank(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(1, Math.ceil(p * sorted.length)) - 1] as number;
}

export function summarize(results: readonly EvaluationCaseResult[]): EvaluationSummary {
  const passed = results.filter((r) => r.passed).length;
  const steps = new Map<string, { passed: number; checked: number }>();
  const confidences = { passed: [] as number[], failed: [] as number[] };
  for (const result of results) {
    for (const step of result.steps) {
      const row = steps.get(step.stepId) ?? { passed: 0, checked: 0 };
      row.checked += 1;
      if (step.passed) row.passed += 1;
      steps.set(step.stepId, row);
      if (step.confidence !== undefined) confidences[step.passed ? 'passed' : 'failed'].push(step.confidence);
    }
  }
  const mean = (values: number[]) => ({
    ...(values.length ? { mean: values.reduce((a, b) => a + b, 0) / values.length } : {}),
    n: values.length,
  });
  const durations = results.map((r) => r.durationMs);
  return {
    cases: results.length,
    passed,
    passRate: results.length === 0 ? 0 : passed / results.length,
    steps: [...steps].map(([stepId, row]) => ({ stepId, ...row })),
    confidence: { passed: mean(confidences.passed), failed: mean(confidences.failed) },
    latency: { p50Ms: nearestRank(durations, 0.5), p95Ms: nearestRank(durations, 0.95) },
    escalations: {
      gates: results.reduce((sum, r) => sum + r.escalations, 0),
      cases: results.filter((r) => r.escalations > 0).length,
    },
  };
}

const percent = (share: number) => `${(share * 100).toFixed(1)}%`;

/** One line per failed expectation: `case <id>: <location>: <message>`. */
export function failureLines(results: readonly EvaluationCaseResult[]): string[] {
  return results.flatMap((r) => r.failures.map((f) => `case ${r.caseId}: ${failureLocation(f)}: ${f.message}`));
}

/** The report printed after the cases. */
export function formatSummary(summary: EvaluationSummary, minPassRate: number): string {
  const conf = (c: { mean?: number; n: number }) =>
    c.mean === undefined ? `- (n=${c.n})` : `${c.mean.toFixed(3)} (n=${c.n})`;
  const width = Math.max(4, ...summary.steps.map((s) => s.stepId.length));
  return [
    `pass rate: ${summary.passed}/${summary.cases} (${percent(summary.passRate)}), minimum ${percent(minPassRate)}`,
    'per-step accuracy:',
    ...summary.steps.map(
      (s) => `  ${s.stepId.padEnd(width)}  ${s.passed}/${s.checked}  ${percent(s.passed / s.checked)}`,
    ),
    `confidence vs correctness: mean confidence of passed steps ${conf(summary.confidence.passed)}, of failed steps ${conf(summary.confidence.failed)}`,
    `latency: p50 ${summary.latency.p50Ms} ms, p95 ${summary.latency.p95Ms} ms (run duration, trigger to end)`,
    `escalations: ${summary.escalations.gates} gate(s) opened in ${summary.escalations.cases} case(s)`,
    '',
  ].join('\n');
}
