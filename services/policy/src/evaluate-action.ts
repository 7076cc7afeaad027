import { createHash } from 'node:crypto';
import type { PolicyDecision, RuleResult } from '@ledgerflow/domain';
import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';
import type { PackRule, PolicyPack } from './policy-pack.js';

/** The built-in capability rule: an agent may use only the tool actions its definition declares. */
export const CORE_PACK = 'ledgerflow-core@1.0.0';

/**
 * Decides whether a step's action may run. Pure and deterministic: the same request and packs always
 * give the same decision, including its audit id (a hash of the run, step, attempt and pack versions).
 * - `deny` when a rule fails (tool outside the agent's capabilities, an amount above a ceiling);
 * - `require_approval` when an approval rule is enforced (an amount above a threshold), with the gate's
 *   reviewers, SLA (seconds) and escalation chain from the first such rule;
 * - `allow` otherwise.
 */
export function evaluateAction(request: PolicyEvaluateRequest, packs: readonly PolicyPack[]): PolicyDecision {
  const results: RuleResult[] = [toolScope(request)];
  let gate: PolicyDecision['gate'];
  for (const pack of packs) {
    for (const rule of pack.rules) {
      if (!rule.tags.some((tag) => request.policyTags.includes(tag))) continue;
      const result = evaluateRule(rule, `${pack.id}@${pack.version}`, request.input);
      results.push(result);
      if (result.result === 'enforced' && rule.kind === 'approval_threshold' && !gate) {
        gate = {
          reviewers: [...rule.reviewers],
          reason: result.message,
          ...(rule.slaSeconds !== undefined ? { slaSeconds: rule.slaSeconds } : {}),
          ...(rule.escalateTo ? { escalateTo: [...rule.escalateTo] } : {}),
        };
      }
    }
  }
  const failed = results.filter((r) => r.result === 'fail');
  const enforced = results.filter((r) => r.result === 'enforced');
  const outcome = failed.length > 0 ? 'deny' : enforced.length > 0 ? 'require_approval' : 'allow';
  const determining = outcome === 'deny' ? failed : outcome === 'require_approval' ? enforced : results;
  return {
    outcome,
    rules: results,
    rationale: determining.map((r) => `${r.pack}/${r.rule}: ${r.message}`).join('; '),
    auditId: auditIdOf(request, packs),
    ...(outcome === 'require_approval' && gate ? { gate } : {}),
  };
}

function toolScope(request: PolicyEvaluateRequest): RuleResult {
  const capability = `${request.tool}.${request.action}`;
  const allowed = request.agentCapabilities.includes(capability);
  return {
    rule: 'tool-scope',
    pack: CORE_PACK,
    result: allowed ? 'pass' : 'fail',
    message: allowed
      ? `agent ${request.agent} may use ${capability}`
      : `agent ${request.agent} is not granted ${capability} (granted: ${request.agentCapabilities.join(', ') || 'none'})`,
  };
}

function evaluateRule(rule: PackRule, pack: string, input: unknown): RuleResult {
  const value = numberAt(input, rule.field);
  if (value === undefined) {
    return { rule: rule.id, pack, result: 'pass', message: `no numeric ${rule.field} in the step input` };
  }
  const above = value > rule.above;
  const limit = rule.above.toLocaleString('en-US');
  const amount = value.toLocaleString('en-US');
  if (rule.kind === 'amount_limit') {
    return above
      ? { rule: rule.id, pack, result: 'fail', message: `${rule.field} ${amount} is above the limit of ${limit}: ${rule.rationale}` }
      : { rule: rule.id, pack, result: 'pass', message: `${rule.field} ${amount} is within the limit of ${limit}` };
  }
  return above
    ? { rule: rule.id, pack, result: 'enforced', message: `${rule.field} ${amount} is above ${limit}: ${rule.rationale}` }
    : { rule: rule.id, pack, result: 'pass', message: `${rule.field} ${amount} does not need approval (threshold ${limit})` };
}

function numberAt(input: unknown, field: string): number | undefined {
  let value: unknown = input;
  for (const key of field.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function auditIdOf(request: PolicyEvaluateRequest, packs: readonly PolicyPack[]): string {
  const versions = packs.map((p) => `${p.id}@${p.version}`).sort().join(',');
  const digest = createHash('sha256')
    .update(`${request.runId}\n${request.stepId}\n${request.attempt}\n${versions}`)
    .digest('hex');
  return `aud-${digest.slice(0, 24)}`;
}
