import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { TOOLS_BUCKET, subjects, toolCatalogKey } from '@ledgerflow/contracts';
import type { StartGoalResult, ToolCatalogEntry } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { requestJson } from '@ledgerflow/messaging';
import {
  authHeader,
  benchWorkers,
  devToken,
  eventually,
  startModelServer,
  startStack,
  tempDir,
  TEST_ADMIN,
} from '@ledgerflow/testing';
import type { ModelServer, Stack } from '@ledgerflow/testing';

const EMAIL = 'ada.lovelace@example.com';
const API_KEY = 'sk-e2e-not-a-real-key';

/** The one tool the template's agent may call, as a worker would announce it (typed, so a plan can be checked). */
const noop: ToolCatalogEntry = {
  tool: 'bench',
  action: 'noop',
  description: 'echoes its input',
  inputSchema: { type: 'object', required: ['n'], properties: { n: { type: 'number' } } },
  outputSchema: { type: 'object', required: ['echo'], properties: { echo: { type: 'object' } } },
  capability: 'bench.noop',
  worker: 'start-goal-llm-e2e',
  announcedAt: '2026-12-06T10:00:00.000Z',
};

/** The plan the recorded model answers: one step echoing the number. */
const answer = {
  steps: [
    {
      id: 'echo',
      name: 'echo the number',
      tool: 'bench',
      action: 'noop',
      agent: 'worker',
      dependsOn: [],
      input: { n: '=input.n' },
    },
  ],
};

/** A plan the policy denies: it records with bench.record, which the test pack goal-guard forbids to every agent. */
const denied = {
  steps: [
    { id: 'keep', name: 'keep the number', tool: 'bench', action: 'record', agent: 'worker', dependsOn: [], input: {} },
    {
      id: 'echo',
      name: 'echo the number',
      tool: 'bench',
      action: 'noop',
      agent: 'worker',
      dependsOn: ['keep'],
      input: { n: '=input.n' },
    },
  ],
};

/** bench.record as a worker would announce it. */
const record: ToolCatalogEntry = {
  ...noop,
  action: 'record',
  description: 'records a call',
  inputSchema: { type: 'object', properties: { sleepMs: { type: 'number' } } },
  outputSchema: { type: 'object', required: ['recorded'], properties: { recorded: { type: 'boolean' } } },
  capability: 'bench.record',
};

/**
 * The `llm` generator through the real stack (services as OS processes, the bench workers): a goal template registered
 * over HTTP names a local server that speaks the OpenAI chat-completions protocol and answers from a recorded response
 * (libs/testing model-server.ts; no model is reachable on these machines). The planner asks it once, with the key
 * from its own environment and the run input tokenized (no email in plaintext); the plan is recorded as PlanGenerated
 * (model, prompt, response) then PlanCreated by `planner:llm` and runs; a fork of the run asks the model nothing. A plan
 * the policy denies (test pack goal-guard) is sent back with the denial and refused after 3 attempts, recording nothing.
 */
describe('lf.planner.start-goal with the llm generator, end to end', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let nc: NatsConnection;
  let model: ModelServer;
  let token: string;

  beforeAll(async () => {
    model = await startModelServer({
      responses: [
        { json: answer, usage: { prompt_tokens: 900, completion_tokens: 60 } },
        // The second goal: three attempts, each a plan the policy denies.
        ...Array.from({ length: 3 }, () => ({ json: denied })),
      ],
    });
    stack = await startStack({
      dataDir: await tempDir('ledgerflow-goal-llm-'),
      extras: [benchWorkers()],
      serviceEnv: {
        planner: { LEDGERFLOW_E2E_MODEL_KEY: API_KEY },
        // goal-guard: no agent may call bench.record (a plan using it is refused by the policy dry run).
        policy: {
          LEDGERFLOW_POLICY_DIRS: 'examples/claim-review/policies,services/planner/src/fixtures/goal-policies',
        },
      },
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    nc = await stack.connect('admin');
    const kv = await new Kvm(nc).create(TOOLS_BUCKET);
    for (const item of [noop, record]) await kv.put(toolCatalogKey(item.tool, item.action), JSON.stringify(item));
    token = await devToken(stack, TEST_ADMIN);
    const template = [
      'id: goal-llm',
      'version: 1.0.0',
      'title: A goal planned by a language model (tests)',
      'inputSchema: { type: object }',
      'tools: { bench: [noop, record] }',
      'agents: { worker: [bench.noop, bench.record] }',
      'goal:',
      '  generator: llm',
      `  llm: { model: planner-e2e-model, baseUrl: "${model.url}", apiKeyEnv: LEDGERFLOW_E2E_MODEL_KEY, timeout: 10s }`,
      '  desiredOutputs: { type: object, required: [echo] }',
    ].join('\n');
    const registered = await fetch(`${stack.gatewayUrl}/v1/workflows/goal-llm`, {
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

  it('records the model exchange, runs the plan, and a fork asks the model nothing', async () => {
    const result = await requestJson<StartGoalResult>(
      nc,
      subjects.plannerStartGoal,
      {
        template: 'goal-llm',
        goal: 'echo the number back',
        input: { n: 7, note: `questions to ${EMAIL}` },
        idempotencyKey: 'goal-llm-1',
        token,
      },
      { timeoutMs: 30_000 },
    );
    expect(result).toMatchObject({ created: true, generator: 'llm', steps: 1 });
    expect(model.requestCount()).toBe(1);
    const [request] = model.requests();
    expect(request?.body.model).toBe('planner-e2e-model');
    expect(request?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request?.body.response_format?.type).toBe('json_schema');
    const sent = JSON.stringify(request?.body.messages);
    expect(sent).toContain('echo the number back');
    expect(sent).not.toContain(EMAIL);

    const events = await store.readStream(`run-${result.runId}`);
    expect(events.slice(0, 3).map((event) => event.type)).toEqual(['RunTriggered', 'PlanGenerated', 'PlanCreated']);
    const generated = events[1]?.data as Record<string, unknown>;
    expect(generated).toMatchObject({ generator: 'llm', model: 'planner-e2e-model', attempts: [{ issues: [] }] });
    expect(String(generated['prompt'])).not.toContain(EMAIL);
    expect(JSON.stringify(events)).not.toContain(API_KEY);
    expect(events[2]?.data).toMatchObject({ author: 'planner:llm', plan: { steps: [{ id: 'echo' }] } });
    await eventually(
      'the generated run completes',
      async () => (await store.readStream(`run-${result.runId}`)).some((event) => event.type === 'RunCompleted'),
      30_000,
    );

    const forked = await fetch(`${stack.gatewayUrl}/v1/runs/${result.runId}/fork`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ at: 'cp-1' }),
    });
    expect(forked.status).toBeLessThan(300);
    const { runId: forkId } = (await forked.json()) as { runId: string };
    const forkEvents = await store.readStream(`run-${forkId}`);
    expect(forkEvents.map((event) => event.type)).not.toContain('PlanGenerated');
    expect(forkEvents.find((event) => event.type === 'PlanCreated')?.data).toMatchObject({ author: 'planner:llm' });
    expect(model.requestCount()).toBe(1);
  }, 90_000);
  it('sends a policy-denied plan back to the model with the denial, and refuses the goal after 3 attempts', async () => {
    const before = model.requestCount();
    let refusal: { code?: string; message?: string; details?: Record<string, unknown> } | undefined;
    try {
      await requestJson<StartGoalResult>(
        nc,
        subjects.plannerStartGoal,
        {
          template: 'goal-llm',
          goal: 'keep and echo the number',
          input: { n: 3 },
          idempotencyKey: 'goal-llm-2',
          token,
        },
        { timeoutMs: 30_000 },
      );
    } catch (error) {
      refusal = error as typeof refusal;
    }
    expect(refusal?.code).toBe('plan_generation_failed');
    expect(refusal?.message).toContain('goal-guard@1.0.0/no-bench-record');
    const attempts = refusal?.details?.['attempts'] as { issues: { rule: string; path: string }[] }[];
    expect(attempts.map((attempt) => attempt.issues.map((issue) => `${issue.rule} ${issue.path}`))).toEqual([
      ['policy_denied /steps/0'],
      ['policy_denied /steps/0'],
      ['policy_denied /steps/0'],
    ]);
    expect(model.requestCount() - before).toBe(3);
    // Each retry told the model why.
    expect(JSON.stringify(model.requests()[before + 1]?.body.messages)).toContain('policy_denied');
    // Nothing was recorded for the refused goal: the store holds the first goal's run and its fork only.
    const triggered = (await store.readAll()).filter((event) => event.type === 'RunTriggered');
    expect(triggered).toHaveLength(2);
  }, 60_000);
});
