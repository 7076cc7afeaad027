import type { Plan, PlanStep } from '@ledgerflow/domain';

/**
 * A plan step for tests: agent `clerk` reads the CRM (`crm.read`), no dependencies, input `{}`, three attempts
 * (backoff 1 s doubling up to 5 s), a 30 s timeout; `overrides` replaces any field. The domain's own specs build
 * theirs in libs/domain/src/run-fixtures.spec-util.ts (libs/domain may depend on nothing else).
 */
export function aStep(id: string, overrides: Partial<PlanStep> = {}): PlanStep {
  return {
    id,
    name: `Step ${id}`,
    tool: 'crm',
    action: 'read',
    agent: 'clerk',
    dependsOn: [],
    input: {},
    retry: { maxAttempts: 3, backoffMs: 1000, multiplier: 2, maxBackoffMs: 5000 },
    timeoutMs: 30_000,
    optional: false,
    policyTags: [],
    ...overrides,
  };
}

/** A plan of `steps` for tests: workflow `claims` 1.0.0, two steps at a time, agent `clerk` with `crm.read`; `overrides` replaces any field. */
export function aPlan(steps: PlanStep[], overrides: Partial<Plan> = {}): Plan {
  return {
    workflowId: 'claims',
    workflowVersion: '1.0.0',
    concurrency: 2,
    agents: { clerk: ['crm.read'] },
    steps,
    ...overrides,
  };
}
