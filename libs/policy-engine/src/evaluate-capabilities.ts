import type { PolicyFacts } from '@ledgerflow/contracts';
import type { RuleResult } from '@ledgerflow/domain';
import { cedarRequestOf, interpolate } from './cedar-request.js';
import { cedarAnswers } from './cedar-memo.js';
import type { CedarPolicy, PolicyPackSet } from './pack.types.js';

/** The Cedar part of a decision: one result per Cedar policy, and the permits that allowed the action. */
export interface CapabilityResults {
  readonly results: RuleResult[];
  /** Satisfied permits (Cedar's determining policies on allow). */
  readonly permitting: RuleResult[];
}

/**
 * Evaluates every capability pack's Cedar policies with the pre-parsed set (`statefulIsAuthorized`, through
 * `cedarAnswers`: one Cedar call per distinct request as the policies see it).
 * Result per policy (`rule` = its `@id`, `pack` = `<id>@<version>`):
 * - a satisfied `forbid` (in Cedar's `diagnostics.reason`): `fail`, message `@rationale`;
 * - an unsatisfied `forbid`: `pass`, message `@otherwise` (or "does not apply");
 * - a satisfied `permit`: `pass`, message `@rationale`;
 * - an unsatisfied `permit`: `fail` with `@otherwise` when no permit is satisfied (Cedar's default deny),
 *   else `pass` ("another policy permits");
 * - a policy Cedar could not evaluate (e.g. a missing attribute without `has`): `fail` (fail closed,
 *   although Cedar itself skips it).
 * `{name}` placeholders in messages are filled from `values` (see `messageValuesOf`).
 */
export function evaluateCapabilities(
  request: PolicyFacts,
  set: PolicyPackSet,
  values: ReadonlyMap<string, string>,
): CapabilityResults {
  const { answer, permits } = cedarAnswers(cedarRequestOf(request), set);
  if (answer.type === 'failure') {
    const problem = answer.errors.map((e) => e.message).join('; ');
    return {
      results: [
        {
          rule: 'cedar-request',
          pack: 'cedar',
          result: 'fail',
          message: `Cedar could not evaluate the request, so it is denied: ${problem}`,
        },
      ],
      permitting: [],
    };
  }
  const {
    decision,
    diagnostics: { reason, errors },
  } = answer.response;
  const satisfied = new Set(reason);
  if (decision === 'deny' && reason.length > 0 && permits?.type === 'success') {
    // Denied by a forbid: Cedar names only the forbids, so the permits-only set said which permits hold.
    for (const key of permits.response.diagnostics.reason) satisfied.add(key);
  }
  const errored = new Map(errors.map((e) => [e.policyId, e.error.message]));
  const anyPermit = set.cedarPolicies.some(
    (p) => p.policy.effect === 'permit' && satisfied.has(p.key) && !errored.has(p.key),
  );
  const capability = `${request.tool}.${request.action}`;
  const results: RuleResult[] = [];
  const permitting: RuleResult[] = [];
  for (const { pack, key, policy } of set.cedarPolicies) {
    const base = { rule: policy.id, pack };
    const error = errored.get(key);
    if (error !== undefined) {
      results.push({
        ...base,
        result: 'fail',
        message: `could not be evaluated, so the action is denied (fail closed): ${error}`,
      });
    } else if (policy.effect === 'forbid') {
      results.push(
        satisfied.has(key)
          ? {
              ...base,
              result: 'fail',
              message: policy.rationale ? interpolate(policy.rationale, values).text : 'forbids the action',
            }
          : { ...base, result: 'pass', message: messageOf(policy.otherwise, values, 'does not apply') },
      );
    } else if (satisfied.has(key)) {
      const result: RuleResult = {
        ...base,
        result: 'pass',
        message: messageOf(policy.rationale, values, `permits ${capability}`),
      };
      results.push(result);
      permitting.push(result);
    } else {
      results.push(
        anyPermit
          ? { ...base, result: 'pass', message: 'does not apply (another policy permits the action)' }
          : { ...base, result: 'fail', message: messageOf(policy.otherwise, values, `does not permit ${capability}`) },
      );
    }
  }
  if (!set.cedarPolicies.some((p) => p.policy.effect === 'permit')) {
    results.push({
      rule: 'default-deny',
      pack: 'cedar',
      result: 'fail',
      message: `no capability pack has a permit policy, so Cedar denies ${capability}`,
    });
  }
  return { results, permitting };
}

function messageOf(template: CedarPolicy['rationale'], values: ReadonlyMap<string, string>, fallback: string): string {
  if (template === undefined) return fallback;
  const { text, missing } = interpolate(template, values);
  return missing.length === 0 ? text : `${fallback} (no ${missing.join(', ')} in the request)`;
}
