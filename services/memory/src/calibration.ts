import type { StepCalibration } from '@ledgerflow/contracts';

/** Confidence buckets of the reliability table: 10 of width 0.1, `[0, 0.1)`, ..., `[0.9, 1.0]` (1.0 in the last). */
export const CALIBRATION_BUCKETS = 10;

/** The bucket (0..9) of a confidence in [0, 1]: `floor(c · 10)`, with 1.0 in bucket 9. */
export function bucketOf(confidence: number): number {
  return Math.min(CALIBRATION_BUCKETS - 1, Math.max(0, Math.floor(confidence * CALIBRATION_BUCKETS)));
}

/** One stored bucket: counts of verdicts and the sum of confidences in micro-units (integers, so sums are exact). */
export interface BucketCounts {
  readonly bucket: number;
  readonly count: number;
  readonly confidenceMicros: number;
  readonly accepted: number;
  readonly corrected: number;
  readonly rejected: number;
}

/**
 * A step's calibration from its reviewed `confidence` gates: per bucket b (all 10 listed, empty ones with zeros)
 * `meanConfidence_b` and the verdict counts; `expectedCalibrationError` = Σ_b (n_b / N)·|acc_b − conf_b| where
 * acc_b = accepted_b / n_b (accepted unchanged: approved without `correctedOutput`), conf_b = mean confidence,
 * N = reviewed (Guo et al., "On Calibration of Modern Neural Networks", 2017, eq. 3), rounded to 9 decimals; 0 when
 * nothing was reviewed.
 */
export function stepCalibration(stepId: string, rows: readonly BucketCounts[], scale: number): StepCalibration {
  const byBucket = new Map(rows.map((row) => [row.bucket, row]));
  const reviewed = rows.reduce((sum, row) => sum + row.count, 0);
  let ece = 0;
  const buckets = Array.from({ length: CALIBRATION_BUCKETS }, (_, b) => {
    const row = byBucket.get(b);
    const count = row?.count ?? 0;
    const meanConfidence = count === 0 ? 0 : row!.confidenceMicros / scale / count;
    if (count > 0) ece += (count / reviewed) * Math.abs(row!.accepted / count - meanConfidence);
    return {
      from: b / CALIBRATION_BUCKETS,
      to: (b + 1) / CALIBRATION_BUCKETS,
      count,
      meanConfidence,
      accepted: row?.accepted ?? 0,
      corrected: row?.corrected ?? 0,
      rejected: row?.rejected ?? 0,
    };
  });
  // Rounded to 1e-9: an error of exactly 0.1 reads 0.1 (not 0.09999999999999998) against the insight's threshold.
  return { stepId, reviewed, expectedCalibrationError: Math.round(ece * 1e9) / 1e9, buckets };
}
