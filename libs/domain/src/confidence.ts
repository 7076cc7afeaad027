import type { ReviewRequirement } from './events.js';
import { gateIdOf } from './events.js';
import type { PlanStep } from './plan.js';
import type { RunState, StepState } from './state.js';

/**
 * Confidence along the paths of a run (docs/definitions.md, "Gates and confidence": a tool result
 * may carry `confidence` in 0..1).
 *
 * Rule (documented in docs/events.md, "Confidence"):
 * - A step's **factor** is its own `confidence` (1 when the tool gave none). A step whose confidence gate was
 *   approved or redirected counts 1: a human vouched for it (the reviewer's decision is ground truth).
 *   A skipped step counts 1 (it passes its dependencies' confidence on).
 * - A step's **cumulative confidence** is its factor times the cumulative confidence of its weakest
 *   dependency: `cumulative(s) = factor(s) * min(1, cumulative(d) for d in dependsOn(s))`. Along one
 *   path this is the product of the step confidences on it; where paths join, the weakest path counts.
 * - Figures are rounded to 6 decimals (so 0.9 * 0.9 is 0.81, not 0.8100000000000001).
 *
 * A result is held for review when its own confidence is below the step's `minConfidence` (basis `step`),
 * else when its cumulative confidence is below the plan's `minConfidence` (basis `workflow`), and the step
 * has had no gate yet (one gate per step: a step approved before it ran is not gated again).
 */

const round6 = (value: number): number => Math.round(value * 1e6) / 1e6;

/** True when the step's review (if any) was settled: its confidence gate was approved or redirected. */
export function reviewSettled(state: RunState, stepState: StepState): boolean {
  if (stepState.review === undefined) return true;
  const gate = state.runId === undefined ? undefined : state.gates[gateIdOf(state.runId, stepState.stepId)];
  return gate?.source === 'confidence' && (gate.status === 'approved' || gate.status === 'redirected');
}

/** True when the step succeeded but its result is held for review (its dependants may not start yet). */
export function underReview(state: RunState, stepState: StepState): boolean {
  return stepState.status === 'succeeded' && !reviewSettled(state, stepState);
}

function factorOf(state: RunState, stepState: StepState | undefined): number {
  if (stepState?.status !== 'succeeded') return 1;
  if (stepState.review !== undefined && reviewSettled(state, stepState)) return 1;
  return stepState.confidence ?? 1;
}

/**
 * The cumulative confidence of `stepId` in 0..1 (see the rule above). `ownConfidence`, when given, stands
 * for the step's own confidence (for a result about to be recorded). Unknown steps count 1.
 */
export function cumulativeConfidenceOf(state: RunState, stepId: string, ownConfidence?: number): number {
  const byId = new Map((state.plan?.steps ?? []).map((step) => [step.id, step] as const));
  const memo = new Map<string, number>();
  const visit = (id: string, seen: ReadonlySet<string>): number => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const step = byId.get(id);
    if (!step || seen.has(id)) return 1;
    const next = new Set(seen).add(id);
    const weakest = Math.min(1, ...step.dependsOn.map((dependency) => visit(dependency, next)));
    const factor = id === stepId && ownConfidence !== undefined ? ownConfidence : factorOf(state, state.steps[id]);
    const value = round6(factor * weakest);
    memo.set(id, value);
    return value;
  };
  return visit(stepId, new Set());
}

/**
 * Whether a result of `step` with `confidence` must be held for review, and against which threshold;
 * undefined when not (no threshold crossed, or the step already had a gate).
 */
export function reviewRequirementOf(
  state: RunState,
  step: PlanStep,
  confidence: number | undefined,
  cumulative: number,
): ReviewRequirement | undefined {
  if (state.runId !== undefined && state.gates[gateIdOf(state.runId, step.id)] !== undefined) return undefined;
  if (step.minConfidence !== undefined && confidence !== undefined && confidence < step.minConfidence) {
    return { minConfidence: step.minConfidence, basis: 'step' };
  }
  const threshold = state.plan?.minConfidence;
  if (threshold !== undefined && cumulative < threshold) return { minConfidence: threshold, basis: 'workflow' };
  return undefined;
}
