import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LedgerflowError } from '@ledgerflow/domain';
import { InMemoryVaultStore, PiiVault } from '@ledgerflow/privacy';
import { loadModelResponses, startModelServer, type ModelServer } from '@ledgerflow/testing';
import { catalogDigest, generatePlan } from './generate-plan.js';
import { LlmGenerator } from './llm-generator.js';
import { generatedPlanIssues } from './plan-issues.js';
import type { GenerateRequest } from './plan-generator.js';
import { stepsSchema } from './steps-schema.js';
import { ticketRequest } from './planning-fixtures.spec-util.js';

const RESPONSES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'model-responses');
const EMAIL = 'jane.doe@example.com';
const API_KEY = 'sk-test-not-a-real-key';

let server: ModelServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** The ticket goal with its input tokenized by the real vault, as the planner does before calling a generator. */
async function tokenizedRequest(): Promise<GenerateRequest> {
  const vault = new PiiVault({ store: new InMemoryVaultStore(), key: randomBytes(32) });
  const rules = { packs: [], paths: [], detectors: ['email' as const] };
  const { value } = await vault.tokenize(
    { ticketText: `Please refund me, write to ${EMAIL}`, customerId: 'c-42' },
    rules,
    { runId: 'run-1' },
  );
  return { ...ticketRequest, input: value };
}

async function serve(...names: string[]): Promise<{ server: ModelServer; generator: LlmGenerator }> {
  server = await startModelServer({ responses: loadModelResponses(RESPONSES, ...names) });
  const generator = new LlmGenerator({
    model: 'planner-test-model',
    baseUrl: server.url,
    apiKeyEnv: 'LEDGERFLOW_TEST_MODEL_KEY',
    env: { LEDGERFLOW_TEST_MODEL_KEY: API_KEY },
    timeoutMs: 1_000,
  });
  return { server, generator };
}

async function refusal(promise: Promise<unknown>): Promise<LedgerflowError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LedgerflowError) return error;
    throw error;
  }
  throw new Error('expected plan_generation_failed');
}

describe('llm generator against a local OpenAI-compatible model server', () => {
  it('accepts a good plan, recording model, prompt, response and usage; the request carries the schema and no PII', async () => {
    const request = await tokenizedRequest();
    const { server: model, generator } = await serve('good-plan');
    const validate = (steps: Parameters<typeof generatedPlanIssues>[1]) => generatedPlanIssues(request, steps);
    const { steps, data } = await generatePlan(generator, request, validate);

    expect(steps.map((s) => [s.id, s.dependsOn])).toEqual([
      ['classify', []],
      ['lookup_account', []],
      ['draft_reply', ['classify', 'lookup_account']],
    ]);
    expect(steps[0]).toMatchObject({ kind: 'tool', retry: { maxAttempts: 1 }, timeoutMs: 30_000, policyTags: [] });
    expect(data).toMatchObject({
      generator: 'llm',
      goal: 'answer the support ticket',
      model: 'planner-test-model',
      usage: { inputTokens: 812, outputTokens: 164 },
      attempts: [{ issues: [] }],
      catalogDigest: catalogDigest(request.catalog),
    });
    expect(JSON.parse(data.response ?? '')).toEqual(loadModelResponses(RESPONSES, 'good-plan')[0]?.json);
    expect(data.prompt).toContain('answer the support ticket');

    expect(model.requestCount()).toBe(1);
    const [sent] = model.requests();
    expect(sent?.path).toBe('/v1/chat/completions');
    expect(sent?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent?.body.model).toBe('planner-test-model');
    expect(sent?.body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'plan', schema: stepsSchema(50), strict: false },
    });
    expect(sent?.body.messages?.map((m) => m.role)).toEqual(['system', 'user']);
    const user = String(sent?.body.messages?.[1]?.content);
    for (const tool of ['nlp', 'crm', 'mail', 'billing']) expect(user).toContain(`"tool": "${tool}"`);
    expect(user).toMatch(/pii_email_[A-Za-z0-9_-]{22}/);
    // Neither the personal data nor the key is in what was sent or recorded.
    expect(sent?.rawBody).not.toContain(EMAIL);
    expect(data.prompt).not.toContain(EMAIL);
    expect(JSON.stringify(data)).not.toContain(API_KEY);
  });

  it('retries after malformed JSON, sending the parse error back', async () => {
    const request = await tokenizedRequest();
    const { server: model, generator } = await serve('malformed-json', 'good-plan');
    const { steps, data } = await generatePlan(generator, request, (s) => generatedPlanIssues(request, s));
    expect(steps).toHaveLength(3);
    expect(data.attempts).toHaveLength(2);
    expect(data.attempts[0]?.issues[0]).toMatchObject({ rule: 'json', path: '/' });
    expect(data.attempts[1]).toEqual({ issues: [] });
    expect(data.usage).toEqual({ inputTokens: 1624, outputTokens: 204 }); // both attempts
    expect(model.requestCount()).toBe(2);
    const retry = String(model.requests()[1]?.body.messages?.[1]?.content);
    expect(retry).toContain('previousAttempt');
    expect(data.attempts[0]?.issues[0]?.message).toContain('JSON parsing failed');
    expect(retry).toContain('JSON parsing failed');
  });

  it.each([
    ['cycle', 'plan_cycle', 'plan has a dependency cycle'],
    ['undeclared-tool', 'declared_tool', 'crm.delete_account, which is not in the tool catalog'],
    ['fifty-one-steps', 'max_steps', '51 steps exceed the limit of 50 steps for this goal'],
  ])('sends a %s plan back with its issues, then refuses it after 3 attempts naming them', async (file, rule, text) => {
    const request = await tokenizedRequest();
    const { server: model, generator } = await serve(file, file, file);
    const error = await refusal(generatePlan(generator, request, (s) => generatedPlanIssues(request, s)));
    expect(error.code).toBe('plan_generation_failed');
    expect(error.details.reason).toBe('invalid_plan');
    const attempts = error.details.attempts as { issues: { rule: string; message: string }[] }[];
    expect(attempts).toHaveLength(3);
    for (const attempt of attempts) expect(attempt.issues.map((i) => i.rule)).toContain(rule);
    for (const issue of attempts[2]?.issues ?? []) expect(error.message).toContain(issue.message);
    expect(error.message).toContain(text);
    expect(model.requestCount()).toBe(3);
    // Each retry tells the model what was wrong.
    expect(String(model.requests()[1]?.body.messages?.[1]?.content)).toContain(rule);
  });

  it('accepts a corrected plan after a refused one', async () => {
    const request = await tokenizedRequest();
    const { generator } = await serve('undeclared-tool', 'good-plan');
    const { data } = await generatePlan(generator, request, (s) => generatedPlanIssues(request, s));
    // The undeclared tool is named once; its agent does not hold it either.
    expect(data.attempts.map((a) => a.issues.map((i) => i.rule))).toEqual([['declared_tool', 'agent_capability'], []]);
  });

  it('fails model_timeout when the model answers after the timeout, without retrying', async () => {
    const request = await tokenizedRequest();
    const { server: model, generator } = await serve('timeout', 'good-plan');
    const started = Date.now();
    const error = await refusal(generatePlan(generator, request, (s) => generatedPlanIssues(request, s)));
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(error.toJSON()).toMatchObject({
      code: 'plan_generation_failed',
      retryable: true,
      details: { reason: 'model_timeout', model: 'planner-test-model', timeoutMs: 1_000, attempts: [] },
    });
    expect(model.requestCount()).toBe(1);
  });

  it('fails model_error on an HTTP error, and model_not_configured when the key variable is unset', async () => {
    server = await startModelServer({ responses: [{ status: 503, error: 'overloaded' }] });
    const generator = new LlmGenerator({ model: 'm', baseUrl: server.url });
    const error = await refusal(generator.generate(ticketRequest));
    expect(error.details).toMatchObject({ reason: 'model_error', status: 503 });
    expect(error.retryable).toBe(true);

    const unset = new LlmGenerator({ model: 'm', baseUrl: server.url, apiKeyEnv: 'LEDGERFLOW_NO_SUCH_KEY', env: {} });
    const missing = await refusal(unset.generate(ticketRequest));
    expect(missing.details).toMatchObject({ reason: 'model_not_configured', variable: 'LEDGERFLOW_NO_SUCH_KEY' });
    expect(missing.message).toContain('LEDGERFLOW_NO_SUCH_KEY');
    expect(server.requestCount()).toBe(1);
  });
});
