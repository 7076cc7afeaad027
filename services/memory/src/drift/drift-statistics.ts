/**
 * The two drift statistics memory computes (docs/memory.md, "Drift"). No maintained statistics library is a
 * dependency of this repository, and each formula is a few lines, so they are written out here with their sources.
 */

/** Buckets of the confidence histogram: 10 of equal width over [0, 1] (`[0, 0.1)`, ..., `[0.9, 1]`). */
export const CONFIDENCE_BUCKETS = 10;

/**
 * The bucket of a confidence in [0, 1] (values outside are clamped): `floor(confidence * 10)`, 1.0 in the last bucket.
 */
export function confidenceBucket(confidence: number): number {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(confidence) ? confidence : 0));
  return Math.min(CONFIDENCE_BUCKETS - 1, Math.floor(clamped * CONFIDENCE_BUCKETS));
}

/**
 * Shares of `confidences` per bucket ({@link confidenceBucket}). An empty bucket gets the share of half an
 * observation, `1 / (2n)` (0.0025 for a window of 200), so that `ln(a/e)` stays finite: the usual
 * continuity correction for a zero count (Agresti, "Categorical Data Analysis", 3rd ed., section 3.1.1). A smaller
 * epsilon lets sampling noise in rarely hit buckets dominate: with 1e-4 instead, 11 of 2,000 stationary sequences
 * of 1,000 outcomes (Beta(17, 3) confidences) crossed PSI 0.25; with `1 / (2n)`, 2 of 2,000 (drift-monitor.unit.spec.ts
 * generator).
 */
export function bucketShares(confidences: readonly number[]): number[] {
  const counts = new Array<number>(CONFIDENCE_BUCKETS).fill(0);
  for (const confidence of confidences) counts[confidenceBucket(confidence)]++;
  const total = Math.max(1, confidences.length);
  return counts.map((count) => (count === 0 ? 1 / (2 * total) : count / total));
}

/**
 * Population stability index of `actual` against `expected` (confidences in [0, 1]):
 * `PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)` over the {@link CONFIDENCE_BUCKETS} buckets, `a_i`/`e_i` the shares of the
 * actual/expected window in bucket i ({@link bucketShares}). 0 for identical histograms, always >= 0. Conventional
 * reading (Siddiqi, "Credit Risk Scorecards", 2006): < 0.1 no shift, 0.1..0.25 a moderate one, >= 0.25 significant.
 */
export function populationStabilityIndex(expected: readonly number[], actual: readonly number[]): number {
  const e = bucketShares(expected);
  const a = bucketShares(actual);
  let psi = 0;
  for (let i = 0; i < CONFIDENCE_BUCKETS; i++) psi += (a[i] - e[i]) * Math.log(a[i] / e[i]);
  return psi;
}

/**
 * Two-proportion z statistic with the pooled proportion (e.g. Agresti, "Categorical Data Analysis", 3rd ed.,
 * section 3.1.2): `z = (p2 − p1) / sqrt(p · (1 − p) · (1/n1 + 1/n2))`, `p1 = x1/n1`, `p2 = x2/n2`,
 * `p = (x1 + x2) / (n1 + n2)`. Positive when the second proportion is the larger. 0 when either sample is empty or
 * the pooled proportion is 0 or 1 (no variance: both samples all escalated, or none).
 */
export function twoProportionZ(x1: number, n1: number, x2: number, n2: number): number {
  if (n1 === 0 || n2 === 0) return 0;
  const pooled = (x1 + x2) / (n1 + n2);
  const variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2);
  if (variance === 0) return 0;
  return (x2 / n2 - x1 / n1) / Math.sqrt(variance);
}
