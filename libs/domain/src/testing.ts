import type { Plan, PlanStep } from './plan.js';

/**
 * Plan builders for tests, the one copy every spec uses (`@ledgerflow/domain/testing`, re-exported by
 * `@ledgerflow/testing`; the domain's own specs import it directly, as libs/domain may depend on nothing else).
 * Not part of the domain's main entry point.
 */

/**
 * A plan step: agent `clerk` reads the CRM (`crm.read`), no dependencies, input `{ ref: "$.trigger.<id>" }`, three
 * attempts (backoff 1 s doubling up to 5 s), a 30 s timeout, required; `overrides` replaces any field.
 */
export function aStep(id: string, overrides: Partial<PlanStep> = {}): PlanStep {
  return {
    id,
    name: `Step ${id}`,
    tool: 'crm',
    action: 'read',
    agent: 'clerk',
    dependsOn: [],
    input: { ref: `$.trigger.${id}` },
    retry: { maxAttempts: 3, backoffMs: 1000, multiplier: 2, maxBackoffMs: 5000 },
    timeoutMs: 30_000,
    optional: false,
    policyTags: [],
    ...overrides,
  };
}

/**
 * A plan of `steps`: workflow `claims` 1.0.0, two steps at a time, agents `clerk` (`crm.read`) and `payer`
 * (`billing.payout`); `overrides` replaces any field.
 */
export function aPlan(steps: PlanStep[], overrides: Partial<Plan> = {}): Plan {
  return {
    workflowId: 'claims',
    workflowVersion: '1.0.0',
    concurrency: 2,
    agents: { clerk: ['crm.read'], payer: ['billing.payout'] },
    steps,
    ...overrides,
  };
}
