import type { PolicyFacts } from '@ledgerflow/contracts';
import type { PolicyDecision, RuleResult } from '@ledgerflow/domain';
import { auditIdOf } from './audit-id.js';
import { messageValuesOf } from './cedar-request.js';
import { evaluateCapabilities } from './evaluate-capabilities.js';
import { complianceResult, evaluateApprovalPack, privacyResult } from './evaluate-obligations.js';
import type { Gate } from './evaluate-obligations.js';
import type { PolicyPackSet } from './pack.types.js';

/**
 * Decides whether a step's action may run (docs/policies.md). Pure and deterministic: the same facts and
 * packs give the same decision, audit id included (no clock, no randomness). The facts are trusted as
 * given: the policy service builds them from the run's events (plan, agents), never from a caller's claims.
 *
 * `rules` holds every rule's result, `pack` = `<id>@<version>`: first each Cedar policy of the capability
 * packs, then the obligation packs in `<id>@<version>` order (approval rules, `privacy`, `audit`).
 * - `outcome`: `deny` when any rule fails; else `require_approval` when an approval rule is enforced;
 *   else `allow` (enforced privacy and compliance obligations do not stop a step);
 * - `rationale`: the determining rules as `<pack>/<rule>: <message>`, `; `-separated: the failing ones
 *   on deny, the enforced approval rules on require_approval, the permitting Cedar policies on allow;
 * - `gate` (require_approval only): reviewers, SLA, escalation and reason of the first enforced approval rule;
 * - `auditId`: see `auditIdOf`.
 * @example evaluate(facts, loadPolicyPacks(['examples/claim-review/policies'])).outcome // 'allow'
 */
export function evaluate(facts: PolicyFacts, set: PolicyPackSet): PolicyDecision {
  const auditId = auditIdOf(facts, set.digest);
  const capabilities = evaluateCapabilities(facts, set, messageValuesOf(facts));
  const rules: RuleResult[] = [...capabilities.results];
  const approvals: RuleResult[] = [];
  let gate: Gate | undefined;
  for (const pack of set.packs) {
    if (pack.kind === 'approval') {
      for (const { result, gate: ruleGate } of evaluateApprovalPack(facts, pack)) {
        rules.push(result);
        if (result.result === 'enforced') approvals.push(result);
        gate ??= ruleGate;
      }
    } else if (pack.kind === 'privacy') {
      rules.push(privacyResult(pack));
    } else if (pack.kind === 'compliance') {
      rules.push(complianceResult(pack, facts, auditId));
    }
  }
  const failed = rules.filter((r) => r.result === 'fail');
  const outcome: PolicyDecision['outcome'] =
    failed.length > 0 ? 'deny' : approvals.length > 0 ? 'require_approval' : 'allow';
  const determining =
    outcome === 'deny' ? failed : outcome === 'require_approval' ? approvals : capabilities.permitting;
  return {
    outcome,
    rules,
    rationale: determining.map((r) => `${r.pack}/${r.rule}: ${r.message}`).join('; '),
    auditId,
    ...(outcome === 'require_approval' && gate ? { gate } : {}),
  };
}
