import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { TOOLS_BUCKET, subjects, toolCatalogKey } from '@ledgerflow/contracts';
import type { StartGoalResult, ToolCatalogEntry } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { requestJson } from '@ledgerflow/messaging';
import {
  aCatalogEntry,
  authHeader,
  benchWorkers,
  devToken,
  eventually,
  startStack,
  tempDir,
  TEST_ADMIN,
} from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

/**
 * Goals over the real stack (services as OS processes, the bench workers, nats-server, SQLite): the bench template
 * `goal-echo` (examples/bench/workflows) is planned by the catalog generator from LF_TOOLS, recorded as PlanGenerated
 * then PlanCreated (author planner:catalog) and run to completion; a fork of it generates nothing; an unreachable goal
 * and a policy-denied plan are refused with plan_generation_failed and record nothing; a plan of the template
 * `goal-review` waits for its reviewer, runs once approved and fails once rejected. The policy service also loads
 * the test pack services/planner/src/fixtures/goal-policies (no agent may call bench.record).
 *
 * The catalog entries are put into LF_TOOLS by this test over an admin connection, with typed schemas: the bench
 * workers announce theirs with no schemas (`true`), which a backward-chaining planner cannot chain.
 */
const entry = (action: string, input: Record<string, unknown>, output: Record<string, unknown>): ToolCatalogEntry =>
  aCatalogEntry('bench', action, {
    description: `bench.${action} (test entry)`,
    inputSchema: input,
    outputSchema: output,
    worker: 'start-goal-e2e',
    announcedAt: '2026-05-01T10:00:00.000Z',
  });

const catalog = [
  entry(
    'noop',
    { type: 'object', required: ['n'], properties: { n: { type: 'number' } } },
    { type: 'object', required: ['echo'], properties: { echo: { type: 'object' } } },
  ),
  entry(
    'record',
    { type: 'object', properties: { sleepMs: { type: 'number' } } },
    { type: 'object', required: ['recorded'], properties: { recorded: { type: 'boolean' } } },
  ),
];

describe('lf.planner.start-goal end to end', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let token: string;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-goal-');
    stack = await startStack({
      dataDir,
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows' },
      extras: [benchWorkers()],
      serviceEnv: {
        policy: {
          LEDGERFLOW_POLICY_DIRS: 'examples/claim-review/policies,services/planner/src/fixtures/goal-policies',
        },
      },
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('admin');
    const kv = await new Kvm(nc).create(TOOLS_BUCKET);
    for (const item of catalog) await kv.put(toolCatalogKey(item.tool, item.action), JSON.stringify(item));
    token = await devToken(stack, TEST_ADMIN);
  }, 120_000);

  afterAll(async () => {
    await nc?.drain();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const startGoal = (body: Record<string, unknown>) =>
    requestJson<StartGoalResult>(
      nc,
      subjects.plannerStartGoal,
      { template: 'goal-echo', token, ...body },
      { timeoutMs: 20_000 },
    );
  const typesOf = async (runId: string) => (await store.readStream(`run-${runId}`)).map((event) => event.type);
  const refusal = async (body: Record<string, unknown>) => {
    try {
      await startGoal(body);
    } catch (error) {
      return error as { code: string; message: string; details?: Record<string, unknown> };
    }
    throw new Error('expected the goal to be refused');
  };

  it('plans a goal with the catalog generator, records PlanGenerated then PlanCreated by planner:catalog, and runs it', async () => {
    const result = await startGoal({ goal: 'echo the number', input: { n: 7 }, idempotencyKey: 'goal-1' });
    expect(result).toMatchObject({ created: true, generator: 'catalog', steps: 1 });
    const events = await store.readStream(`run-${result.runId}`);
    expect(events.slice(0, 3).map((event) => event.type)).toEqual(['RunTriggered', 'PlanGenerated', 'PlanCreated']);
    expect(events[1]?.data).toMatchObject({
      generator: 'catalog',
      goal: 'echo the number',
      attempts: [{ issues: [] }],
    });
    expect(events[2]?.data).toMatchObject({
      author: 'planner:catalog',
      plan: { steps: [{ tool: 'bench', action: 'noop', agent: 'worker', input: { n: '=input.n' } }] },
    });
    await eventually(
      'the goal run completes',
      async () => (await typesOf(result.runId)).includes('RunCompleted'),
      30_000,
    );

    const again = await startGoal({ goal: 'echo the number', input: { n: 7 }, idempotencyKey: 'goal-1' });
    expect(again).toEqual({ ...result, created: false });

    // A fork reads the recorded plan: no new PlanGenerated.
    const response = await fetch(`${stack.gatewayUrl}/v1/runs/${result.runId}/fork`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ at: 'cp-1' }),
    });
    const fork = (await response.json()) as { runId: string };
    expect(response.status).toBeLessThan(300);
    const forkTypes = await typesOf(fork.runId);
    expect(forkTypes).not.toContain('PlanGenerated');
    const forkPlan = (await store.readStream(`run-${fork.runId}`)).find((event) => event.type === 'PlanCreated');
    expect(forkPlan?.data).toMatchObject({ author: 'planner:catalog' });
  }, 60_000);

  it('refuses an unreachable goal with plan_generation_failed naming the missing input, recording nothing', async () => {
    const before = (await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).length;
    const error = await refusal({ goal: 'echo nothing', input: {}, idempotencyKey: 'goal-2' });
    expect(error.code).toBe('plan_generation_failed');
    expect(error.details).toMatchObject({ reason: 'unreachable' });
    expect(JSON.stringify(error.details?.missing)).toContain('"n"');
    expect((await store.readAll({ streamPrefix: 'run-', maxCount: 100_000 })).length).toBe(before);
  }, 30_000);

  it('refuses a plan whose step the policy dry run denies: policy_denied at /steps/0', async () => {
    const error = await refusal({
      goal: 'record something',
      input: {},
      desiredOutputs: { type: 'object', required: ['recorded'] },
      idempotencyKey: 'goal-3',
    });
    expect(error.code).toBe('plan_generation_failed');
    expect(error.message).toContain('no-bench-record');
    expect(JSON.stringify(error.details)).toContain('"rule":"policy_denied","path":"/steps/0"');
  }, 30_000);

  it('refuses a start-run of the goal template (workflow_requires_goal) and a goal naming a written workflow (workflow_not_goal_template)', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/goal-echo/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'run-1', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: { n: 1 } }),
    });
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('workflow_requires_goal');
    expect((await refusal({ template: 'noop-chain', goal: 'x', input: {} })).code).toBe('workflow_not_goal_template');
  }, 30_000);
  it('holds a generated plan for its reviewers (goal.review): approved, it runs; rejected, the run fails', async () => {
    const decide = async (runId: string, stepId: string, outcome: 'approve' | 'reject') => {
      const events = (await eventually(
        async () => {
          const now = await store.readStream(`run-${runId}`);
          return now.some((event) => event.type === 'GateOpened') ? now : undefined;
        },
        20_000,
        'the review gate to open',
      )) as Awaited<ReturnType<typeof store.readStream>>;
      expect(events.find((event) => event.type === 'GateOpened')?.data).toMatchObject({
        stepId,
        reviewers: ['plan-reviewer'],
        source: 'definition',
      });
      expect(events.map((event) => event.type)).not.toContain('StepStarted');
      const reviewer = await devToken(stack, { sub: 'plan-reviewer', scopes: ['gates:decide'] });
      const decided = await fetch(`${stack.gatewayUrl}/v1/gates/${runId}.${stepId}/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${reviewer}` },
        body: JSON.stringify({ outcome, comment: 'plan reviewed' }),
      });
      expect(decided.status).toBe(200);
    };
    const approved = await startGoal({ template: 'goal-review', goal: 'echo', input: { n: 1 }, idempotencyKey: 'r-1' });
    await decide(approved.runId, 'noop', 'approve');
    await eventually(
      'the approved plan runs',
      async () => (await typesOf(approved.runId)).includes('RunCompleted'),
      30_000,
    );

    const rejected = await startGoal({ template: 'goal-review', goal: 'echo', input: { n: 2 }, idempotencyKey: 'r-2' });
    await decide(rejected.runId, 'noop', 'reject');
    await eventually(
      'the rejected plan fails',
      async () => (await typesOf(rejected.runId)).includes('RunFailed'),
      30_000,
    );
    expect(await typesOf(rejected.runId)).not.toContain('StepStarted');
  }, 90_000);
});
