import { fileURLToPath } from 'node:url';
import type { PolicyDryRunRequest, ToolCatalogEntry } from '@ledgerflow/contracts';
import { runIdFor } from '@ledgerflow/contracts';
import { DefinitionRegistry, parseDefinition } from '@ledgerflow/definitions';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { evaluate, loadPolicyPacks } from '@ledgerflow/policy-engine';
import { RunRepository } from '@ledgerflow/service-runtime';
import { aCatalogEntry, rejectionOf } from '@ledgerflow/testing';
import { CatalogGenerator } from './planning/catalog-generator.js';
import { GoalStarter } from './start-goal.js';

const NOW = '2026-05-01T10:00:00.000Z';
const packs = loadPolicyPacks([
  fileURLToPath(new URL('../../../examples/claim-review/policies', import.meta.url)),
  fileURLToPath(new URL('./fixtures/goal-policies', import.meta.url)),
]);
/** The policy service's dry run, in process: the same `evaluate` over real Cedar packs, attempt 1, no run. */
const dryRun = async (request: PolicyDryRunRequest) => ({
  steps: request.steps.map((step) => ({
    stepId: step.stepId,
    decision: evaluate(
      { ...step, runId: `dry-run:${request.workflowId}`, workflowId: request.workflowId, attempt: 1 },
      packs,
    ),
  })),
});

const template = (goal: string) =>
  parseDefinition(
    `
id: goal-echo
version: 1.0.0
inputSchema: { type: object }
tools: { bench: [noop, record] }
agents: { worker: [bench.noop, bench.record] }
goal:
${goal}
`,
    'goal-echo.yaml',
  );
const entry = (action: string, input: unknown, output: unknown): ToolCatalogEntry =>
  aCatalogEntry('bench', action, {
    description: action,
    inputSchema: input as Record<string, unknown>,
    outputSchema: output as Record<string, unknown>,
    worker: 'test',
    announcedAt: NOW,
  });
const catalog = [
  entry(
    'noop',
    { type: 'object', required: ['n'], properties: { n: { type: 'number' } } },
    { type: 'object', required: ['echo'], properties: { echo: { type: 'object' } } },
  ),
  entry(
    'record',
    { type: 'object' },
    { type: 'object', required: ['recorded'], properties: { recorded: { type: 'boolean' } } },
  ),
];

function starter(goalYaml: string, entries: readonly ToolCatalogEntry[] = catalog) {
  const store = new InMemoryEventStore();
  const runs = new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW));
  const definitions = new DefinitionRegistry([template(goalYaml)]);
  return {
    store,
    goals: new GoalStarter(
      definitions,
      runs,
      async () => entries,
      dryRun,
      () => new CatalogGenerator(),
    ),
  };
}

describe('GoalStarter', () => {
  it('records RunTriggered, PlanGenerated and PlanCreated (author planner:catalog) once per key, the review gate on the first step', async () => {
    const { store, goals } = starter(
      '  generator: catalog\n  desiredOutputs: { type: object, required: [echo] }\n  review: { reviewers: [role:lead], sla: 10m }',
    );
    const request = { template: 'goal-echo', goal: 'echo', input: { n: 1 }, idempotencyKey: 'k1' };
    const result = await goals.start(request);
    const runId = runIdFor('goal-echo', 'k1');
    expect(result).toEqual({ runId, created: true, generator: 'catalog', steps: 1 });
    const events = await store.readStream(`run-${runId}`);
    expect(events.map((e) => e.type)).toEqual(['RunTriggered', 'PlanGenerated', 'PlanCreated']);
    expect(events[2]?.data).toMatchObject({
      author: 'planner:catalog',
      plan: { steps: [{ action: 'noop', gate: { reviewers: ['role:lead'], slaSeconds: 600 } }] },
    });
    expect(await goals.start(request)).toEqual({ ...result, created: false });
    expect((await rejectionOf(goals.start({ ...request, goal: 'another' }))).code).toBe('idempotency_key_reused');
    expect(await store.readStream(`run-${runId}`)).toHaveLength(3);
  });

  it('refuses a plan the dry run denies with plan_generation_failed naming policy_denied, recording nothing', async () => {
    const { store, goals } = starter('  generator: catalog\n  desiredOutputs: { type: object, required: [recorded] }');
    const error = await rejectionOf(
      goals.start({ template: 'goal-echo', goal: 'record', input: {}, idempotencyKey: 'k2' }),
    );
    expect(error.code).toBe('plan_generation_failed');
    expect(error.message).toContain('goal-guard@1.0.0/no-bench-record');
    expect(await store.readAll({ maxCount: 10 })).toEqual([]);
  });

  it('refuses a goal when no catalog entry is usable: plan_generation_failed, reason catalog_empty', async () => {
    const { goals } = starter('  generator: catalog\n  desiredOutputs: { type: object, required: [echo] }', []);
    const error = await rejectionOf(goals.start({ template: 'goal-echo', goal: 'echo', input: { n: 1 } }));
    expect([error.code, error.details.reason]).toEqual(['plan_generation_failed', 'catalog_empty']);
  });
});
