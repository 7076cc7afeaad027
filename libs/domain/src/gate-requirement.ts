import type { GateSource, PolicyDecision } from './events.js';
import type { PlanStep } from './plan.js';

/**
 * The gate a step needs, derived from its last policy decision and its plan step: what `OpenGate`
 * records in `GateOpened` (and what `RecordStepPolicyDecision` checks names at least one reviewer).
 * `slaSeconds`: seconds from the gate's opening to its `dueAt`; `escalateTo`: empty when no escalation.
 */
export interface GateRequirement {
  readonly source: Extract<GateSource, 'policy' | 'definition'>;
  readonly reviewers: readonly string[];
  readonly slaSeconds?: number;
  readonly escalateTo: readonly string[];
  readonly reason: string;
}

function union(first: readonly string[], second: readonly string[]): string[] {
  return [...new Set([...first, ...second])];
}

/**
 * The gate requirement of `step` after `decision`:
 * - `require_approval` -> source `policy`: reviewers, `slaSeconds`, `escalateTo` and `reason` from `decision.gate`
 *   (reason falls back to `decision.rationale`).
 * - otherwise -> source `definition`, from `step.gate`, reason `step "<id>" declares an approval gate`.
 *
 * Merge rule when both ask for a gate (`require_approval` on a step that declares `gate`): the policy's
 * reviewers come first and the definition's are added, deduplicated; `escalateTo` likewise (policy's first,
 * then the definition's); `slaSeconds` is the policy's, or the definition's when the policy sets none; the
 * reason and source stay the policy's. Neither side's reviewers are dropped, so whoever either rule names may decide.
 * The result may name no reviewer: callers refuse that with `RUN.GATE_WITHOUT_REVIEWERS`.
 */
export function gateRequirementOf(step: PlanStep, decision: PolicyDecision | undefined): GateRequirement {
  const declared = step.gate;
  if (decision?.outcome === 'require_approval') {
    const policy = decision.gate;
    const slaSeconds = policy?.slaSeconds ?? declared?.slaSeconds;
    return {
      source: 'policy',
      reviewers: union(policy?.reviewers ?? [], declared?.reviewers ?? []),
      escalateTo: union(policy?.escalateTo ?? [], declared?.escalateTo ?? []),
      reason: policy?.reason ?? decision.rationale,
      ...(slaSeconds === undefined ? {} : { slaSeconds }),
    };
  }
  return {
    source: 'definition',
    reviewers: [...(declared?.reviewers ?? [])],
    escalateTo: [...(declared?.escalateTo ?? [])],
    reason: `step "${step.id}" declares an approval gate`,
    ...(declared?.slaSeconds === undefined ? {} : { slaSeconds: declared.slaSeconds }),
  };
}
