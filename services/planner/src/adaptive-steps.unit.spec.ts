import { fileURLToPath } from 'node:url';
import type { PolicyDryRunRequest, ToolCatalogEntry } from '@ledgerflow/contracts';
import { DefinitionRegistry, parseDefinition } from '@ledgerflow/definitions';
import { decide, foldRun } from '@ledgerflow/domain';
import type { PolicyDecision, RunCommand, RunEvent } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { evaluate, loadPolicyPacks } from '@ledgerflow/policy-engine';
import { RunRepository } from '@ledgerflow/service-runtime';
import { createLogger } from '@ledgerflow/telemetry';
import { aCatalogEntry, startModelServer, type ModelServer, type RecordedModelResponse } from '@ledgerflow/testing';
import { AdaptiveSteps, llmProposerFor } from './adaptive-steps.js';
import { RunForker } from './fork-run.js';
import { generatorFor } from './planning/goal-generators.js';
import { stepsSchema } from './planning/steps-schema.js';
import { GoalStarter } from './start-goal.js';

const NOW = '2026-05-01T10:00:00.000Z';
const KEY_ENV = { LEDGERFLOW_TEST_MODEL_KEY: 'sk-test-not-a-real-key' };
const packs = loadPolicyPacks([fileURLToPath(new URL('./fixtures/goal-policies', import.meta.url))]);
/** The policy service's dry run, in process, over the goal e2e's pack (no agent may call bench.record). */
const dryRun = async (request: PolicyDryRunRequest) => ({
  steps: request.steps.map((step) => ({
    stepId: step.stepId,
    decision: evaluate(
      { ...step, runId: `dry-run:${request.workflowId}`, workflowId: request.workflowId, attempt: 1 },
      packs,
    ),
  })),
});
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
  entry('record', { type: 'object' }, { type: 'object', properties: { recorded: { type: 'boolean' } } }),
];
const step = (id: string, dependsOn: string[], input: unknown, action = 'noop') => ({
  id,
  tool: 'bench',
  action,
  agent: 'worker',
  dependsOn,
  input,
});
/** The generated plan: `echo` the number, and `hold` alongside (so the run is still running after `echo`). */
const planned: RecordedModelResponse = {
  json: { steps: [step('echo', [], { n: '=input.n' }), step('hold', [], { n: 0 })] },
};
/** The adaptive answer after `echo`: `double`, reading echo's recorded output. */
const double: RecordedModelResponse = {
  json: { steps: [step('double', ['echo'], { n: '=steps.echo.output.echo.n' })] },
  usage: { prompt_tokens: 700, completion_tokens: 40 },
};
const allow: PolicyDecision = { outcome: 'allow', rules: [], rationale: 'ok', auditId: 'aud-1' };

let model: ModelServer;
afterEach(async () => model?.stop());

/** A run of an adaptive (or not) llm goal template, planned by the model server's first answer. */
/** The in-memory store, counting the stream reads made of it (what a step outcome costs the planner). */
class ReadCountingStore extends InMemoryEventStore {
  reads = 0;
  override async readStream(...args: Parameters<InMemoryEventStore['readStream']>) {
    this.reads += 1;
    return super.readStream(...args);
  }
}

async function goalRun(responses: RecordedModelResponse[], options: { adaptive?: boolean; maxAttempts?: number } = {}) {
  model = await startModelServer({ responses: [planned, ...responses] });
  const template = parseDefinition(
    [
      'id: goal-adaptive',
      'version: 1.0.0',
      'inputSchema: { type: object }',
      'tools: { bench: [noop, record] }',
      'agents: { worker: [bench.noop, bench.record] }',
      'goal:',
      '  generator: llm',
      `  llm: { model: adaptive-test-model, baseUrl: "${model.url}", apiKeyEnv: LEDGERFLOW_TEST_MODEL_KEY, timeout: 2s }`,
      `  maxAttempts: ${options.maxAttempts ?? 2}`,
      ...(options.adaptive === false ? [] : ['  adaptive: true']),
    ].join('\n'),
    'goal-adaptive.yaml',
  );
  const store = new ReadCountingStore();
  const runs = new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW));
  const definitions = new DefinitionRegistry([template]);
  const goals = new GoalStarter(
    definitions,
    runs,
    async () => catalog,
    dryRun,
    (t) => generatorFor(t, KEY_ENV),
  );
  const { runId } = await goals.start({ template: 'goal-adaptive', goal: 'echo the number twice', input: { n: 7 } });
  const warnings: string[] = [];
  const logger = createLogger('planner', { level: 'warn', write: (line) => warnings.push(line) });
  const adaptive = new AdaptiveSteps(
    runs,
    definitions,
    async () => catalog,
    dryRun,
    (t) => llmProposerFor(t, KEY_ENV),
    logger,
  );
  const apply = (command: RunCommand) =>
    runs.execute(runId, (state, now) => decide(command, state, { now }), { causationId: 'test' });
  /** The executor's part: policy allows, the step starts and succeeds with `output` (or fails with `code`). */
  const run = async (stepId: string, result: { output?: unknown; code?: string }) => {
    await apply({ type: 'RecordStepPolicyDecision', data: { stepId, attempt: 1, decision: allow } });
    await apply({ type: 'StartStep', data: { stepId, attempt: 1, idempotencyKey: `${runId}/${stepId}/1`, input: {} } });
    await apply(
      result.code === undefined
        ? {
            type: 'RecordStepSucceeded',
            data: { stepId, attempt: 1, output: result.output, durationMs: 1, runDurationMs: 1 },
          }
        : {
            type: 'RecordStepFailed',
            data: { stepId, attempt: 1, error: { code: result.code, message: 'no', retryable: false }, durationMs: 1 },
          },
    );
  };
  const events = async () =>
    (await store.readStream(`run-${runId}`)).map((event) => ({ type: event.type, data: event.data }) as RunEvent);
  return { runId, runs, adaptive, run, events, warnings, store };
}

const userMessage = (n: number): Record<string, unknown> =>
  JSON.parse(String(model.requests()[n]?.body.messages?.[1]?.content)) as Record<string, unknown>;

describe('AdaptiveSteps', () => {
  it('adds the steps the model proposes after a success, by planner:llm with the exchange recorded, once per outcome', async () => {
    const env = await goalRun([double]);
    await env.run('echo', { output: { echo: { n: 7 } } });
    const outcome = { runId: env.runId, stepId: 'echo', attempt: 1, status: 'succeeded' as const };
    expect(await env.adaptive.afterOutcome(outcome)).toBe('revised');

    const revised = (await env.events()).at(-1);
    expect(revised).toMatchObject({
      type: 'PlanRevised',
      data: {
        revision: 1,
        author: 'planner:llm',
        reason: 'step "echo" succeeded: adaptive-test-model added double',
        addedSteps: [
          { id: 'double', dependsOn: ['echo'], input: { n: '=steps.echo.output.echo.n' }, retry: { maxAttempts: 1 } },
        ],
        generated: {
          generator: 'llm',
          goal: 'echo the number twice',
          model: 'adaptive-test-model',
          usage: { inputTokens: 700, outputTokens: 40 },
          attempts: [{ issues: [] }],
        },
      },
    });
    expect(foldRun(await env.events()).plan?.steps.map((s) => s.id)).toEqual(['echo', 'hold', 'double']);

    // What the model was asked: the plan with statuses and the recorded output, the outcome, the budget; no empty
    // answer refused by the schema.
    expect(model.requestCount()).toBe(2);
    const asked = userMessage(1);
    expect(asked).toMatchObject({
      goal: 'echo the number twice',
      input: { n: 7 },
      outcome: { stepId: 'echo', status: 'succeeded' },
      remainingSteps: 48,
      plan: {
        steps: [
          { id: 'echo', status: 'succeeded', output: { echo: { n: 7 } } },
          { id: 'hold', status: 'pending' },
        ],
      },
    });
    expect(model.requests()[1]?.body.response_format?.json_schema?.schema).toEqual(stepsSchema(48, 0));

    // A redelivery of the same event finds the revision recorded and asks nothing.
    expect(await env.adaptive.afterOutcome(outcome)).toBe('already_revised');
    expect(model.requestCount()).toBe(2);
  });

  it('appends nothing when the model answers {steps: []}', async () => {
    const env = await goalRun([{ json: { steps: [] } }]);
    await env.run('echo', { output: { echo: { n: 7 } } });
    const before = (await env.events()).length;
    expect(await env.adaptive.afterOutcome({ runId: env.runId, stepId: 'echo', attempt: 1, status: 'succeeded' })).toBe(
      'nothing_to_add',
    );
    expect(await env.events()).toHaveLength(before);
  });

  it('sends a refused proposal back with its issues (an unknown dependency), and accepts the corrected one', async () => {
    const env = await goalRun([{ json: { steps: [step('audit', ['echo', 'ghost'], {}, 'record')] } }, double]);
    await env.run('echo', { output: { echo: { n: 7 } } });
    expect(await env.adaptive.afterOutcome({ runId: env.runId, stepId: 'echo', attempt: 1, status: 'succeeded' })).toBe(
      'revised',
    );
    const revised = (await env.events()).at(-1) as Extract<RunEvent, { type: 'PlanRevised' }>;
    expect(revised.data.generated?.attempts.map((a) => a.issues.map((i) => `${i.rule} ${i.path}`))).toEqual([
      ['plan_unknown_dependency /steps/0/dependsOn/1'],
      [],
    ]);
    const retry = userMessage(2).previousAttempt as { issues: { rule: string }[] };
    expect(retry.issues.map((issue) => issue.rule)).toEqual(['plan_unknown_dependency']);
  });

  it('gives up after goal.maxAttempts refused (policy-denied) proposals with a warning; the run goes on, nothing appended', async () => {
    const denied = { json: { steps: [step('audit', ['echo'], {}, 'record')] } };
    const env = await goalRun([denied, denied]);
    await env.run('echo', { output: { echo: { n: 7 } } });
    const before = (await env.events()).length;
    expect(await env.adaptive.afterOutcome({ runId: env.runId, stepId: 'echo', attempt: 1, status: 'succeeded' })).toBe(
      'gave_up',
    );
    expect(await env.events()).toHaveLength(before);
    expect(model.requestCount()).toBe(3);
    expect(JSON.stringify(userMessage(2).previousAttempt)).toContain('policy_denied');
    expect(JSON.stringify(userMessage(2).previousAttempt)).toContain('no-bench-record');
    expect(env.warnings.join('\n')).toContain('adaptive steps: nothing added; the run goes on');
    expect(foldRun(await env.events()).status).toBe('running');
  });

  it('asks after a step failed for good, showing its error code', async () => {
    const env = await goalRun([{ json: { steps: [] } }]);
    await env.run('hold', { code: 'upstream_rejected' });
    expect(await env.adaptive.afterOutcome({ runId: env.runId, stepId: 'hold', attempt: 1, status: 'failed' })).toBe(
      'nothing_to_add',
    );
    expect(userMessage(1)).toMatchObject({
      outcome: { stepId: 'hold', status: 'failed' },
      plan: {
        steps: [
          { id: 'echo', status: 'pending' },
          { id: 'hold', status: 'failed', errorCode: 'upstream_rejected' },
        ],
      },
    });
  });

  it('answers later outcomes of a run it will never ask about without reading the run again', async () => {
    const plain = await goalRun([], { adaptive: false });
    await plain.run('echo', { output: { echo: { n: 7 } } });
    const echoed = { runId: plain.runId, stepId: 'echo', attempt: 1, status: 'succeeded' as const };
    const before = plain.store.reads;
    expect(await plain.adaptive.afterOutcome(echoed)).toBe('not_adaptive');
    expect(plain.store.reads).toBeGreaterThan(before); // the first outcome reads the run
    const after = plain.store.reads;
    expect(await plain.adaptive.afterOutcome(echoed)).toBe('not_adaptive'); // e.g. redelivered
    expect(plain.store.reads).toBe(after); // a later one does not
    await model.stop();
  });

  it('asks nothing for a template without adaptive, an outcome that no longer stands, an ended run or a fork', async () => {
    const plain = await goalRun([], { adaptive: false });
    await plain.run('echo', { output: { echo: { n: 7 } } });
    const echoed = { runId: plain.runId, stepId: 'echo', attempt: 1, status: 'succeeded' as const };
    expect(await plain.adaptive.afterOutcome(echoed)).toBe('not_adaptive');
    await model.stop();

    const env = await goalRun([]);
    await env.run('echo', { output: { echo: { n: 7 } } });
    const outcome = { runId: env.runId, stepId: 'echo', attempt: 1, status: 'succeeded' as const };
    expect(await env.adaptive.afterOutcome({ ...outcome, status: 'failed' })).toBe('outcome_superseded');
    const { runId: forkId } = await new RunForker(env.runs).fork(env.runId, 'cp-1');
    expect(await env.adaptive.afterOutcome({ ...outcome, runId: forkId })).toBe('not_adaptive');
    await env.run('hold', { output: { echo: { n: 0 } } });
    expect(foldRun(await env.events()).status).toBe('completed');
    expect(await env.adaptive.afterOutcome(outcome)).toBe('not_running');
    expect(model.requestCount()).toBe(1); // the plan only
  });
});
