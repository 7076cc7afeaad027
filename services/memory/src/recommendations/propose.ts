import { memoryScopeKey } from '@ledgerflow/contracts';
import type { RecommendationProposed } from '@ledgerflow/contracts';
import type { MemoryFacts } from '../memory-facts.js';
import type { ProposalContext, ProposalInput } from './proposal-input.js';
import { proposeRecoveryRules, proposePreValidations } from './propose-fixes.js';
import { proposeConfidenceThresholds, proposeTimeouts } from './propose-thresholds.js';

/** How many of the latest finished runs date the evidence of the figures that carry no time (timings, calibration). */
export const EVIDENCE_WINDOW_RUNS = 1000;

/**
 * The recommendations the history of `workflowId` supports (docs/memory.md, "Recommendations"), as
 * `RecommendationProposed` data, in the order: recovery rules, timeouts, pre-validations, confidence thresholds.
 * Pure: the same facts and context give the same proposals, with the same name-based ids (`recommendationIdOf`),
 * so a pattern already proposed (or decided) is recognised by its id and not appended again by the caller.
 * Thresholds: {@link MIN_FIX_EVIDENCE} and {@link MIN_FIX_SUCCESS_RATE} (recovery rules), {@link MIN_TIMING_SAMPLES}
 * and {@link TIMEOUT_PROXIMITY} (timeouts), {@link MIN_INVALID_OCCURRENCES} and {@link MIN_INVALID_RUN_SHARE}
 * (pre-validation), {@link MIN_CALIBRATION_REVIEWS} and {@link MIN_ACCEPTED_SHARE} (confidence).
 */
export function propose(facts: MemoryFacts, workflowId: string, context: ProposalContext): RecommendationProposed[] {
  const scope = [...new Set(facts.scopeOf(workflowId))].sort();
  const outcomes = facts.runOutcomes(workflowId, { limit: EVIDENCE_WINDOW_RUNS });
  const first = outcomes[0];
  const last = outcomes.at(-1);
  const input: ProposalInput = {
    ...context,
    facts,
    workflowId,
    scope,
    scopeKey: memoryScopeKey(scope),
    runs: facts.runCount(workflowId),
    window: { from: first?.triggeredAt ?? context.now, to: last?.endedAt ?? context.now },
  };
  return [
    ...proposeRecoveryRules(input),
    ...proposeTimeouts(input),
    ...proposePreValidations(input),
    ...proposeConfidenceThresholds(input),
  ];
}

export type { DefinitionOutline, ProposalContext, ProposalInput } from './proposal-input.js';
export {
  MIN_FIX_EVIDENCE,
  MIN_FIX_SUCCESS_RATE,
  MIN_INVALID_OCCURRENCES,
  MIN_INVALID_RUN_SHARE,
  PRE_VALIDATION_ACTION,
  isInvalidInputCode,
} from './propose-fixes.js';
export {
  MIN_TIMING_SAMPLES,
  TIMEOUT_PROXIMITY,
  TIMEOUT_HEADROOM,
  MIN_CALIBRATION_REVIEWS,
  MIN_ACCEPTED_SHARE,
  proposedTimeoutMs,
  calibratedThreshold,
} from './propose-thresholds.js';
