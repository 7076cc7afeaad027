import type { StepSucceeded } from '@ledgerflow/domain';
import type { DriftObservation } from './drift-monitor.js';

/**
 * The drift observation of a run event of workflow `workflowId`, if it is one: a `StepSucceeded` (current shape,
 * upcast) that reports a confidence and was not carried over by a fork. `escalated` when the result was held for
 * review (`review` set: a confidence gate opened for it); `at` is its `completedAt`. Evaluation runs
 * (`RunTriggered.evaluation`) are the caller's to leave out: they are not production outcomes.
 */
export function driftObservationOf(
  workflowId: string,
  event: { readonly type: string; readonly data: unknown },
): DriftObservation | undefined {
  if (event.type !== 'StepSucceeded') return undefined;
  const data = event.data as StepSucceeded['data'];
  if (typeof data.confidence !== 'number' || data.carriedOver === true) return undefined;
  return {
    workflowId,
    stepId: data.stepId,
    confidence: data.confidence,
    escalated: data.review !== undefined,
    at: data.completedAt,
  };
}
