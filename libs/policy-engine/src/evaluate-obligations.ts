import type { PolicyFacts } from '@ledgerflow/contracts';
import type { PolicyDecision, RuleResult } from '@ledgerflow/domain';
import { formatNumber } from './cedar-request.js';
import { packKey } from './pack.types.js';
import type { ApprovalPack, ApprovalRule, CompliancePack, PrivacyPack } from './pack.types.js';

export type Gate = NonNullable<PolicyDecision['gate']>;

/**
 * Approval rules of one pack. Per rule:
 * - out of scope (no tag in common with the step's `policyTags`, another capability, or `learnedRecovery: true`
 *   and no learned recovery rule added the step): `pass`;
 * - with no `field` (a `learnedRecovery` rule): `enforced`, message `step added by learned recovery rule <rule>
 *   (recommendation <id>): <rationale>`;
 * - no finite number at `field` in the step input: `pass`;
 * - the number strictly above `above`: `enforced`, with the gate (reviewers, `slaSeconds`, `escalateTo`,
 *   `reason` = the message); otherwise `pass`.
 */
export function evaluateApprovalPack(
  request: PolicyFacts,
  pack: ApprovalPack,
): Array<{ result: RuleResult; gate?: Gate }> {
  return pack.rules.map((rule) => evaluateApprovalRule(request, rule, packKey(pack)));
}

function evaluateApprovalRule(
  request: PolicyFacts,
  rule: ApprovalRule,
  pack: string,
): { result: RuleResult; gate?: Gate } {
  const base = { rule: rule.id, pack };
  const capability = `${request.tool}.${request.action}`;
  if (rule.tags && !rule.tags.some((tag) => request.policyTags.includes(tag))) {
    return {
      result: {
        ...base,
        result: 'pass',
        message: `does not apply: the step has none of the tags ${rule.tags.join(', ')}`,
      },
    };
  }
  if (rule.capabilities && !rule.capabilities.includes(capability)) {
    return {
      result: {
        ...base,
        result: 'pass',
        message: `does not apply to ${capability} (only ${rule.capabilities.join(', ')})`,
      },
    };
  }
  const learned = request.learnedFrom;
  if (rule.learnedRecovery === true && learned === undefined) {
    return {
      result: { ...base, result: 'pass', message: 'does not apply: no learned recovery rule added the step' },
    };
  }
  const origin =
    rule.learnedRecovery === true && learned !== undefined
      ? `step added by learned recovery rule ${learned.rule} (recommendation ${learned.recommendationId})`
      : '';
  if (rule.field === undefined || rule.above === undefined) return enforced(rule, base, `${origin}: ${rule.rationale}`);
  const value = numberAt(request.input, rule.field);
  if (value === undefined)
    return { result: { ...base, result: 'pass', message: `no numeric ${rule.field} in the step input` } };
  const [amount, limit] = [formatNumber(value), formatNumber(rule.above)];
  if (!(value > rule.above)) {
    return {
      result: {
        ...base,
        result: 'pass',
        message: `${rule.field} ${amount} does not need approval (threshold ${limit})`,
      },
    };
  }
  const above = `${rule.field} ${amount} is above ${limit}`;
  return enforced(rule, base, `${origin === '' ? above : `${origin}, ${above}`}: ${rule.rationale}`);
}

/** The rule's `enforced` result and its gate, `message` as its reason. */
function enforced(
  rule: ApprovalRule,
  base: { rule: string; pack: string },
  message: string,
): { result: RuleResult; gate: Gate } {
  return {
    result: { ...base, result: 'enforced', message },
    gate: {
      reviewers: [...rule.reviewers],
      ...(rule.slaSeconds !== undefined ? { slaSeconds: rule.slaSeconds } : {}),
      ...(rule.escalateTo && rule.escalateTo.length > 0 ? { escalateTo: [...rule.escalateTo] } : {}),
      reason: message,
    },
  };
}

/** A finite number at a dotted path of the input (`payment.amount`), else undefined. */
export function numberAt(input: unknown, field: string): number | undefined {
  let value: unknown = input;
  for (const key of field.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * A privacy pack applies to every step: rule `privacy`, `enforced`, naming the masked paths and detectors.
 * The masking itself happens where data is persisted or exported (`@ledgerflow/privacy`).
 */
export function privacyResult(pack: PrivacyPack): RuleResult {
  const parts = [
    pack.mask.paths.length > 0 ? `masks ${pack.mask.paths.join(', ')}` : '',
    pack.mask.detectors.length > 0 ? `masks values detected as ${pack.mask.detectors.join(', ')}` : '',
  ].filter(Boolean);
  return {
    rule: 'privacy',
    pack: packKey(pack),
    result: 'enforced',
    message: `${parts.join('; ')} before step data is persisted or exported`,
  };
}

/** A compliance pack: rule `audit`, `enforced`: the decision's `StepPolicyEvaluated` event is the audit record. */
export function complianceResult(pack: CompliancePack, request: PolicyFacts, auditId: string): RuleResult {
  const controls = pack.controls && pack.controls.length > 0 ? ` (controls: ${pack.controls.join(', ')})` : '';
  return {
    rule: 'audit',
    pack: packKey(pack),
    result: 'enforced',
    message: `audit record ${auditId}: the StepPolicyEvaluated event of step ${request.stepId} attempt ${request.attempt}${controls}`,
  };
}
