import { LedgerflowError, MAX_PLAN_STEPS } from '@ledgerflow/domain';
import type { GenerateRequest } from './plan-generator.js';

/** The code of every failure to generate a plan (docs/planning.md). */
export const PLAN_GENERATION_FAILED = 'plan_generation_failed';

/**
 * Why a generator gave no plan: the catalog planner's `unreachable`, `no_desired_outputs`, `max_steps`, `budget`,
 * `cycle`; the `llm` generator's `model_timeout`, `model_error`, `model_output_invalid`, `model_not_configured`;
 * `invalid_plan` when every attempt failed validation (`generatePlan`).
 */
export type PlanGenerationReason =
  | 'unreachable'
  | 'no_desired_outputs'
  | 'max_steps'
  | 'budget'
  | 'cycle'
  | 'model_timeout'
  | 'model_error'
  | 'model_output_invalid'
  | 'model_not_configured'
  | 'invalid_plan';

/**
 * A `plan_generation_failed` error: `details.reason` plus the given details. Retryable only when the same request may
 * succeed later unchanged (a model that timed out or failed); a plan the rules refuse never will.
 */
export function planGenerationFailed(
  reason: PlanGenerationReason,
  message: string,
  details: Record<string, unknown> = {},
  retryable = false,
): LedgerflowError {
  return new LedgerflowError(PLAN_GENERATION_FAILED, message, retryable, { reason, ...details });
}

/** The most steps a generated plan may have: the least of 50, the constraints' `maxSteps` and the template's. */
export function stepLimitOf(request: Pick<GenerateRequest, 'constraints' | 'template'>): number {
  return Math.min(
    MAX_PLAN_STEPS,
    request.constraints.maxSteps ?? MAX_PLAN_STEPS,
    request.template.maxSteps ?? MAX_PLAN_STEPS,
  );
}
