import { reviewSettled } from './confidence.js';
import { planStepOf } from './run-rules.js';
import type { RunState } from './state.js';

/**
 * The lineage of a step's output (docs/events.md, "StepSucceeded": every step output carries lineage): where it came from
 * (`source` system, read `fresh` rather than from a cache, both as the tool reported them in
 * `StepSucceeded.lineage`), how sure the tool was (`confidence`, 0..1; `cumulativeConfidence` along its
 * paths, confidence.ts), the `upstream` steps it was computed from (the plan step's `dependsOn`: step inputs
 * are expressions over the run input and upstream outputs, and may read only steps the step depends on),
 * whether a reviewer vouched for it (`reviewed`: its confidence gate was approved or redirected;
 * `corrected`: the reviewer replaced the output) and whether it was carried over from a fork's origin.
 */
export interface StepLineage {
  readonly stepId: string;
  readonly status: string;
  readonly source?: string;
  readonly fresh?: boolean;
  readonly confidence?: number;
  readonly cumulativeConfidence?: number;
  readonly upstream: readonly string[];
  readonly reviewed: boolean;
  readonly corrected: boolean;
  readonly carriedOver: boolean;
}

/** The lineage of `stepId` in `state`; undefined when the plan has no such step. */
export function lineageOf(state: RunState, stepId: string): StepLineage | undefined {
  const step = planStepOf(state, stepId);
  const stepState = state.steps[stepId];
  if (!step || !stepState) return undefined;
  const { lineage, confidence, cumulativeConfidence } = stepState;
  return {
    stepId,
    status: stepState.status,
    ...(lineage?.source === undefined ? {} : { source: lineage.source }),
    ...(lineage?.fresh === undefined ? {} : { fresh: lineage.fresh }),
    ...(confidence === undefined ? {} : { confidence }),
    ...(cumulativeConfidence === undefined ? {} : { cumulativeConfidence }),
    upstream: [...step.dependsOn],
    reviewed: stepState.review !== undefined && reviewSettled(state, stepState),
    corrected: stepState.originalOutput !== undefined,
    carriedOver: stepState.carriedOver === true,
  };
}
