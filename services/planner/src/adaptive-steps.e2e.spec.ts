import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { TOOLS_BUCKET, subjects, toolCatalogKey } from '@ledgerflow/contracts';
import type { StartGoalResult, ToolCatalogEntry } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { requestJson } from '@ledgerflow/messaging';
import {
  authHeader,
  aCatalogEntry,
  benchWorkers,
  devToken,
  eventually,
  startModelServer,
  startStack,
  tempDir,
  TEST_ADMIN,
} from '@ledgerflow/testing';
import type { ModelServer, Stack } from '@ledgerflow/testing';

const API_KEY = 'sk-e2e-not-a-real-key';
/** How long `hold` keeps the run running, ms: the window in which `echo` and `double` succeed and are asked about. */
const HOLD_MS = 8_000;

const entry = (action: string, input: unknown, output: unknown): ToolCatalogEntry =>
  aCatalogEntry('bench', action, {
    description: `bench.${action} (test entry)`,
    inputSchema: input as Record<string, unknown>,
    outputSchema: output as Record<string, unknown>,
    worker: 'adaptive-steps-e2e',
    announcedAt: '2026-12-06T10:00:00.000Z',
  });
const catalog = [
  entry(
    'noop',
    { type: 'object', required: ['n'], properties: { n: { type: 'number' } } },
    { type: 'object', required: ['echo'], properties: { echo: { type: 'object' } } },
  ),
  entry('record', { type: 'object', properties: { sleepMs: { type: 'number' } } }, { type: 'object' }),
];
const step = (id: string, action: string, dependsOn: string[], input: unknown) => ({
  id,
  tool: 'bench',
  action,
  agent: 'worker',
  dependsOn,
  input,
});

/**
 * The model's recorded answers, in the order the planner asks:
 * 1. the plan (`lf.planner.start-goal`): `echo` the number, and `hold` alongside it, which sleeps HOLD_MS so the run
 *    is still running when `echo` and the step added after it have succeeded (a run whose last step succeeds is
 *    completed in that commit, and a completed run takes no more steps);
 * 2. after `echo` succeeded: add `double`, which depends on `echo` and reads its recorded output;
 * 3. after `double` succeeded: `{steps: []}`, nothing more.
 * After `hold` succeeds the run is completed, so the planner asks nothing: exactly 3 requests.
 */
const answers = [
  { json: { steps: [step('echo', 'noop', [], { n: '=input.n' }), step('hold', 'record', [], { sleepMs: HOLD_MS })] } },
  { json: { steps: [step('double', 'noop', ['echo'], { n: '=steps.echo.output.echo.n' })] } },
  { json: { steps: [] } },
];

/**
 * Adaptive steps through the real stack (services as OS processes, the bench workers, nats-server, SQLite; the model
 * a local OpenAI-compatible server answering recorded responses): a `goal.adaptive` template registered over HTTP;
 * after a step succeeds, the planner's durable consumer asks the model for steps to add, records `PlanRevised` by
 * `planner:llm` with the exchange, the executor runs the added step and the run completes; a fork asks nothing.
 */
describe('adaptive steps of an llm goal template, end to end', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let model: ModelServer;
  let token: string;

  beforeAll(async () => {
    model = await startModelServer({ responses: answers });
    const dataDir = await tempDir('ledgerflow-adaptive-');
    stack = await startStack({
      dataDir,
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
      serviceEnv: { planner: { LEDGERFLOW_E2E_MODEL_KEY: API_KEY } },
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('admin');
    const kv = await new Kvm(nc).create(TOOLS_BUCKET);
    for (const item of catalog) await kv.put(toolCatalogKey(item.tool, item.action), JSON.stringify(item));
    token = await devToken(stack, TEST_ADMIN);
    const template = [
      'id: goal-adaptive',
      'version: 1.0.0',
      'title: A goal whose model adds steps as results arrive (tests)',
      'inputSchema: { type: object }',
      'tools: { bench: [noop, record] }',
      'agents: { worker: [bench.noop, bench.record] }',
      'goal:',
      '  generator: llm',
      '  adaptive: true',
      `  llm: { model: adaptive-e2e-model, baseUrl: "${model.url}", apiKeyEnv: LEDGERFLOW_E2E_MODEL_KEY, timeout: 10s }`,
    ].join('\n');
    const registered = await fetch(`${stack.gatewayUrl}/v1/workflows/goal-adaptive`, {
      method: 'PUT',
      headers: { 'content-type': 'application/yaml', authorization: `Bearer ${token}` },
      body: template,
    });
    expect(registered.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await nc?.drain();
    await store?.close();
    await stack?.stop();
    await model?.stop();
  }, 30_000);

  const eventsOf = async (runId: string) => store.readStream(`run-${runId}`);

  it('adds the step the model proposes after a success, runs it, completes the run; a fork asks nothing', async () => {
    const result = await requestJson<StartGoalResult>(
      nc,
      subjects.plannerStartGoal,
      { template: 'goal-adaptive', goal: 'echo the number, then more', input: { n: 7 }, idempotencyKey: 'a-1', token },
      { timeoutMs: 30_000 },
    );
    expect(result).toMatchObject({ created: true, generator: 'llm', steps: 2 });
    await eventually(
      'the run completes',
      async () => (await eventsOf(result.runId)).some((event) => event.type === 'RunCompleted'),
      45_000,
    );
    const events = await eventsOf(result.runId);
    const revisions = events.filter((event) => event.type === 'PlanRevised');
    expect(revisions).toHaveLength(1);
    expect(revisions[0]?.data).toMatchObject({
      revision: 1,
      author: 'planner:llm',
      reason: 'step "echo" succeeded: adaptive-e2e-model added double',
      addedSteps: [{ id: 'double', dependsOn: ['echo'] }],
      removedStepIds: [],
      generated: { generator: 'llm', model: 'adaptive-e2e-model', attempts: [{ issues: [] }] },
    });
    expect(revisions[0]?.metadata.causationId).toBe(`adaptive:${result.runId}/echo/1/succeeded`);
    const succeeded = events.filter((event) => event.type === 'StepSucceeded').map((event) => event.data);
    expect(succeeded).toEqual(
      expect.arrayContaining([expect.objectContaining({ stepId: 'double', output: { echo: { n: 7 } } })]),
    );
    // 1 plan + after echo (added double) + after double ({steps: []}); after hold the run was completed: none.
    expect(model.requestCount()).toBe(3);
    const asked = JSON.parse(String(model.requests()[2]?.body.messages?.[1]?.content)) as Record<string, unknown>;
    expect(asked).toMatchObject({ outcome: { stepId: 'double', status: 'succeeded' }, remainingSteps: 47 });

    const forked = await fetch(`${stack.gatewayUrl}/v1/runs/${result.runId}/fork`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ at: 'cp-1' }),
    });
    expect(forked.status).toBeLessThan(300);
    const { runId: forkId } = (await forked.json()) as { runId: string };
    await eventually(
      'the fork completes',
      async () => (await eventsOf(forkId)).some((event) => event.type === 'RunCompleted'),
      45_000,
    );
    const forkEvents = await eventsOf(forkId);
    expect(forkEvents.map((event) => event.type)).not.toContain('PlanGenerated');
    expect(forkEvents.filter((event) => event.type === 'StepSucceeded').length).toBeGreaterThan(0);
    expect(model.requestCount()).toBe(3);
  }, 120_000);
});
