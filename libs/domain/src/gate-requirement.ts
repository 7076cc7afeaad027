import type { GateSource, PolicyDecision, ReviewRequirement } from './events.js';
import type { EscalationLevel, GateSpec, Plan, PlanStep } from './plan.js';

/**
 * The gate a step needs, derived from its last policy decision and its plan step (or, for a result held
 * for review, from the confidence gate spec): what `OpenGate` records in `GateOpened` (and what
 * `RecordStepPolicyDecision` checks names at least one reviewer).
 * `slaSeconds`: seconds from the gate's opening to its `dueAt`; `escalation`: the chain, level 1 first,
 * each level's `slaSeconds` resolved (its own, else the gate's); `escalateTo`: level 1's reviewers (empty
 * when no escalation); `chained`: true when the chain is more than the one flat `escalateTo` level.
 */
export interface GateRequirement {
  readonly source: GateSource;
  readonly reviewers: readonly string[];
  readonly slaSeconds?: number;
  readonly escalateTo: readonly string[];
  readonly escalation: readonly EscalationLevel[];
  readonly chained: boolean;
  readonly reason: string;
}

type EscalationSpec = Pick<GateSpec, 'escalateTo' | 'escalation'> | undefined;

function union(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

/**
 * The escalation levels a gate spec declares: `escalation` when set, else one level of `escalateTo`
 * (a flat list is one level, as every plan and decision stored before chains meant), else none.
 */
export function escalationChainOf(spec: EscalationSpec): EscalationLevel[] {
  if (spec?.escalation !== undefined)
    return spec.escalation.map((level) => ({ ...level, reviewers: [...level.reviewers] }));
  return spec?.escalateTo !== undefined && spec.escalateTo.length > 0 ? [{ reviewers: [...spec.escalateTo] }] : [];
}

/** Level-wise merge: level i names both sides' reviewers (first's first); its SLA is the first's, else the second's. */
function mergeChains(first: EscalationSpec, second: EscalationSpec): { levels: EscalationLevel[]; chained: boolean } {
  const a = escalationChainOf(first);
  const b = escalationChainOf(second);
  const levels = Array.from({ length: Math.max(a.length, b.length) }, (_, i) => {
    const slaSeconds = a[i]?.slaSeconds ?? b[i]?.slaSeconds;
    return {
      reviewers: union(a[i]?.reviewers ?? [], b[i]?.reviewers ?? []),
      ...(slaSeconds === undefined ? {} : { slaSeconds }),
    };
  });
  return { levels, chained: levels.length > 1 || levels.some((level) => level.slaSeconds !== undefined) };
}

function requirement(
  source: GateSource,
  reviewers: readonly string[],
  reason: string,
  slaSeconds: number | undefined,
  first: EscalationSpec,
  second: EscalationSpec,
): GateRequirement {
  const { levels, chained } = mergeChains(first, second);
  const escalation = levels.map((level) => {
    const sla = level.slaSeconds ?? slaSeconds;
    return { reviewers: level.reviewers, ...(sla === undefined ? {} : { slaSeconds: sla }) };
  });
  return {
    source,
    reviewers,
    reason,
    escalateTo: escalation[0]?.reviewers ?? [],
    escalation,
    chained,
    ...(slaSeconds === undefined ? {} : { slaSeconds }),
  };
}

/**
 * The gate requirement of `step` after `decision`:
 * - `require_approval` -> source `policy`: reviewers, `slaSeconds`, escalation and `reason` from `decision.gate`
 *   (reason falls back to `decision.rationale`).
 * - otherwise -> source `definition`, from `step.gate`, reason `step "<id>" declares an approval gate`.
 *
 * Merge rule when both ask for a gate (`require_approval` on a step that declares `gate`): the policy's
 * reviewers come first and the definition's are added, deduplicated; escalation level by level likewise
 * (policy's first; a level's SLA the policy's, else the definition's); `slaSeconds` is the policy's, or the
 * definition's when the policy sets none; the reason and source stay the policy's. Neither side's reviewers
 * are dropped, so whoever either rule names may decide.
 * The result may name no reviewer: callers refuse that with `run_gate_without_reviewers`.
 */
export function gateRequirementOf(step: PlanStep, decision: PolicyDecision | undefined): GateRequirement {
  const declared = step.gate;
  if (decision?.outcome === 'require_approval') {
    const policy = decision.gate;
    return requirement(
      'policy',
      union(policy?.reviewers ?? [], declared?.reviewers ?? []),
      policy?.reason ?? decision.rationale,
      policy?.slaSeconds ?? declared?.slaSeconds,
      policy,
      declared,
    );
  }
  return requirement(
    'definition',
    [...(declared?.reviewers ?? [])],
    `step "${step.id}" declares an approval gate`,
    declared?.slaSeconds,
    declared,
    undefined,
  );
}

/**
 * The confidence gate of a result held for review: reviewers, SLA and escalation from the step's
 * `confidenceGate`, else the plan's, else `fallback` (the approval service's default); reason
 * `step "<id>": confidence <c> is below minConfidence <m>` (basis `step`) or
 * `step "<id>": cumulative confidence <c> is below the workflow's minConfidence <m>` (basis `workflow`).
 */
export function confidenceRequirementOf(
  plan: Plan | undefined,
  step: PlanStep,
  review: ReviewRequirement,
  figures: { confidence?: number; cumulativeConfidence: number },
  fallback?: GateSpec,
): GateRequirement {
  const spec = step.confidenceGate ?? plan?.confidenceGate ?? fallback;
  const reason =
    review.basis === 'step'
      ? `step "${step.id}": confidence ${figures.confidence ?? 1} is below minConfidence ${review.minConfidence}`
      : `step "${step.id}": cumulative confidence ${figures.cumulativeConfidence} is below the workflow's minConfidence ${review.minConfidence}`;
  return requirement('confidence', [...(spec?.reviewers ?? [])], reason, spec?.slaSeconds, spec, undefined);
}
