import type { RecommendationProposed, StepCalibration } from '@ledgerflow/contracts';
import type { ProposalInput } from './proposal-input.js';
import { recommendationIdOf } from './recommendation-ids.js';

/** Fewest timed attempts of a step (`StepTiming.samples`) before its timeout is judged. */
export const MIN_TIMING_SAMPLES = 20;
/** A step whose p99 duration reaches this share of its timeout gets a `raise_step_timeout` proposal. */
export const TIMEOUT_PROXIMITY = 0.8;
/** The proposed timeout is the p99 duration times this factor, rounded up to a whole second. */
export const TIMEOUT_HEADROOM = 1.5;
/** Fewest reviewed results at or above a confidence threshold for it to be proposed. */
export const MIN_CALIBRATION_REVIEWS = 20;
/** Least share of reviewed results at or above a threshold that reviewers accepted unchanged. */
export const MIN_ACCEPTED_SHARE = 0.95;

/** The timeout proposed for a p99 duration, in ms: `ceil(p99 × {@link TIMEOUT_HEADROOM} / 1000) × 1000`. */
export const proposedTimeoutMs = (p99DurationMs: number): number =>
  Math.ceil((p99DurationMs * TIMEOUT_HEADROOM) / 1000) * 1000;

/**
 * `raise_step_timeout`: a step with >= {@link MIN_TIMING_SAMPLES} attempts whose p99 duration is >=
 * {@link TIMEOUT_PROXIMITY} × the timeout it ran with; proposes {@link proposedTimeoutMs} when above that timeout.
 * Projected effect: `timeoutMs` and `p99Headroom` (proposed timeout / p99, about 1.5).
 */
export function proposeTimeouts(input: ProposalInput): RecommendationProposed[] {
  return input.facts.stepTimings(input.workflowId).flatMap((timing): RecommendationProposed[] => {
    const timeoutMs = proposedTimeoutMs(timing.p99DurationMs);
    if (
      timing.samples < MIN_TIMING_SAMPLES ||
      timing.p99DurationMs < TIMEOUT_PROXIMITY * timing.timeoutMs ||
      timeoutMs <= timing.timeoutMs
    )
      return [];
    const pattern = `${timing.stepId}|${timing.timeoutMs}`;
    return [
      {
        recommendationId: recommendationIdOf(input.workflowId, 'raise_step_timeout', input.scopeKey, pattern),
        workflowId: input.workflowId,
        scope: input.scope,
        kind: 'raise_step_timeout',
        summary: `raise the timeout of ${timing.stepId} from ${timing.timeoutMs} ms to ${timeoutMs} ms: its p99 duration is ${Math.round(timing.p99DurationMs)} ms over ${timing.samples} attempts`,
        evidence: {
          runs: input.runs,
          occurrences: timing.samples,
          ...input.window,
          exampleRunIds: [],
          figures: {
            p95DurationMs: timing.p95DurationMs,
            p99DurationMs: timing.p99DurationMs,
            timeoutMs: timing.timeoutMs,
          },
        },
        projectedEffect: { timeoutMs, p99Headroom: timeoutMs / Math.max(timing.p99DurationMs, 1) },
        proposal: { stepId: timing.stepId, timeoutMs },
        proposedAt: input.now,
      },
    ];
  });
}

/**
 * The lowest lower bound `t` of a bucket with reviews such that the reviewed results of the buckets from `t` up number >=
 * {@link MIN_CALIBRATION_REVIEWS} and were accepted unchanged in >= {@link MIN_ACCEPTED_SHARE} of them (bucket
 * counts pooled; an empty bucket is never a bound, as nothing says how results in it fare); with the pooled `reviewed` and `accepted` counts; undefined when no bound qualifies.
 */
export function calibratedThreshold(
  calibration: StepCalibration,
): { threshold: number; reviewed: number; accepted: number } | undefined {
  const buckets = [...calibration.buckets].sort((a, b) => a.from - b.from);
  for (const bucket of buckets.filter((candidate) => candidate.count > 0)) {
    const above = buckets.filter((other) => other.from >= bucket.from);
    const reviewed = above.reduce((sum, other) => sum + other.count, 0);
    const accepted = above.reduce((sum, other) => sum + other.accepted, 0);
    if (reviewed >= MIN_CALIBRATION_REVIEWS && accepted >= MIN_ACCEPTED_SHARE * reviewed) {
      return { threshold: Math.round(bucket.from * 1e4) / 1e4, reviewed, accepted };
    }
  }
  return undefined;
}

/**
 * `adjust_confidence_threshold`: per step with calibration, the {@link calibratedThreshold}, proposed when it
 * differs from the threshold in force (the step's `minConfidence`, else the workflow's) or when that is unknown
 * (no definition at hand; the summary says so). Projected effect: `acceptedShare` at or above the threshold and
 * `reviewedShare` (reviewed results at or above it / all reviewed), the share of results it would let through.
 */
export function proposeConfidenceThresholds(input: ProposalInput): RecommendationProposed[] {
  return input.facts.calibration(input.workflowId).flatMap((calibration): RecommendationProposed[] => {
    const found = calibratedThreshold(calibration);
    if (found === undefined) return [];
    const step = input.definition?.steps.find((candidate) => candidate.id === calibration.stepId);
    const current =
      input.definition === undefined ? undefined : (step?.minConfidence ?? input.definition.minConfidence);
    if (current !== undefined && Math.abs(current - found.threshold) < 1e-9) return [];
    const pattern = `${calibration.stepId}|${current ?? 'unknown'}|${found.threshold}`;
    const from = current === undefined ? 'an unknown threshold' : String(current);
    return [
      {
        recommendationId: recommendationIdOf(input.workflowId, 'adjust_confidence_threshold', input.scopeKey, pattern),
        workflowId: input.workflowId,
        scope: input.scope,
        kind: 'adjust_confidence_threshold',
        summary: `set the confidence threshold of ${calibration.stepId} from ${from} to ${found.threshold}: reviewers accepted ${found.accepted} of ${found.reviewed} results at or above it unchanged`,
        evidence: {
          runs: input.runs,
          occurrences: found.reviewed,
          succeeded: found.accepted,
          ...input.window,
          exampleRunIds: [],
          figures: {
            threshold: found.threshold,
            ...(current === undefined ? {} : { currentThreshold: current }),
            reviewed: calibration.reviewed,
            expectedCalibrationError: calibration.expectedCalibrationError,
          },
        },
        projectedEffect: {
          acceptedShare: found.accepted / found.reviewed,
          reviewedShare: found.reviewed / Math.max(calibration.reviewed, found.reviewed),
        },
        proposal: { stepId: calibration.stepId, minConfidence: found.threshold },
        proposedAt: input.now,
      },
    ];
  });
}
