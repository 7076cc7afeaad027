import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { authHeader, repoRoot, runEventsWhen, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack, DevTokenClaims } from '@ledgerflow/testing';

/**
 * What definitions promise about steps and runs, over the real stack (fixtures in
 * fixtures/workflows/step-semantics): a tool output failing the step's outputSchema is `output_invalid`; a false
 * `when` skips the step (`condition_false`) and its dependant still runs; pause stops new starts until resume;
 * a run past its `timeout` fails `run_timed_out`, also across an executor restart; an external task is completed
 * through the API by a reviewer it names, refused for anyone else and for an output failing its schema.
 */
describe('step and run semantics of definitions', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;

  beforeAll(async () => {
    const fixtures = join(repoRoot(), 'services/executor/src/fixtures/workflows/step-semantics');
    stack = await startBenchStack('ledgerflow-step-semantics-', { definitionsDirs: [fixtures] });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const eventsOf = (runId: string): Promise<StoredEvent[]> => store.readStream(`run-${runId}`);
  const settled = (runId: string) =>
    runEventsWhen(
      store,
      runId,
      (events) => events.some((e) => ['RunPaused', 'RunCompleted', 'RunFailed'].includes(e.type)),
      'settled',
    );
  const types = (events: StoredEvent[]) => events.map((e) => e.type);
  const has = (type: string) => (events: StoredEvent[]) => types(events).includes(type);
  const reviewStarted = (events: StoredEvent[]) =>
    events.some((e) => e.type === 'StepStarted' && (e.data as { stepId: string }).stepId === 'review');
  const post = async (
    path: string,
    body: unknown,
    claims: DevTokenClaims = { sub: 'ops', scopes: ['runs:operate'] },
  ) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack, claims)) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('a tool output failing the outputSchema fails the step output_invalid, retried by its policy', async () => {
    const runId = await startRunOverHttp(stack, 'output-check', { input: { total: 'twelve' } });
    const events = await settled(runId);
    const failures = events
      .filter((e) => e.type === 'StepFailed')
      .map((e) => e.data as { attempt: number; error: { code: string; message: string; retryable: boolean } });
    expect(failures.map((f) => f.attempt)).toEqual([1, 2]);
    for (const { error } of failures) {
      expect(error).toMatchObject({ code: 'output_invalid', retryable: true });
      expect(error.message).toBe('step shape output is invalid: /echo/total must be number (type)');
    }
    expect(events.some((e) => e.type === 'StepSucceeded')).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'RunPaused', data: { reason: 'step_failed', stepId: 'shape' } });

    const good = await settled(await startRunOverHttp(stack, 'output-check', { input: { total: 12 } }));
    expect(types(good)).toContain('StepSucceeded');
    expect(good.at(-1)?.type).toBe('RunCompleted');
  }, 60_000);

  it('a false when condition skips the step (condition_false); its dependant runs', async () => {
    const runId = await startRunOverHttp(stack, 'conditional', { input: { flag: false, word: '5' } });
    const events = await settled(runId);
    expect(events.find((e) => e.type === 'StepSkipped')?.data).toEqual({ stepId: 'maybe', reason: 'condition_false' });
    const started = events.filter((e) => e.type === 'StepStarted').map((e) => (e.data as { stepId: string }).stepId);
    expect(started).toEqual(['first', 'last']);
    expect(events.at(-1)?.type).toBe('RunCompleted');

    const ran = await settled(await startRunOverHttp(stack, 'conditional', { input: { flag: true, word: '5' } }));
    expect(ran.filter((e) => e.type === 'StepStarted').map((e) => (e.data as { stepId: string }).stepId)).toEqual([
      'first',
      'maybe',
      'last',
    ]);
  }, 60_000);

  it('a condition that fails to evaluate fails the step input_expression_failed', async () => {
    const events = await settled(await startRunOverHttp(stack, 'conditional', { input: { flag: true, word: 'abc' } }));
    const failed = events.find((e) => e.type === 'StepFailed')?.data as {
      stepId: string;
      error: { code: string; message: string };
    };
    expect(failed.stepId).toBe('maybe');
    expect(failed.error.code).toBe('input_expression_failed');
    expect(failed.error.message).toMatch(/^step maybe when: expression ".*" failed: /);
    expect(events.at(-1)).toMatchObject({ type: 'RunPaused', data: { reason: 'step_failed', stepId: 'maybe' } });
  }, 60_000);

  it('pause stops new starts (a running step still records), resume goes on', async () => {
    const runId = await startRunOverHttp(stack, 'pausable', { input: { sleepMs: 1500 } });
    await runEventsWhen(store, runId, has('StepStarted'), 'slow started');
    const paused = await post(`/v1/runs/${runId}/pause`, { reason: 'operator' });
    expect(paused).toMatchObject({ status: 200, body: { command: 'pause', status: 'paused', events: ['RunPaused'] } });
    const whilePaused = await runEventsWhen(store, runId, has('StepSucceeded'), 'slow recorded');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(types(await eventsOf(runId)).filter((t) => t === 'StepStarted')).toHaveLength(1);
    expect(whilePaused.find((e) => e.type === 'RunPaused')).toMatchObject({
      data: { reason: 'operator', requestedBy: 'ops' },
    });
    expect((await post(`/v1/runs/${runId}/pause`, {})).body).toMatchObject({ error: { code: 'run_not_running' } });

    const resumed = await post(`/v1/runs/${runId}/resume`, {});
    expect(resumed).toMatchObject({ status: 200, body: { status: 'running', events: ['RunResumed'] } });
    const events = await runEventsWhen(store, runId, has('RunCompleted'), 'completed');
    expect(events.find((e) => e.type === 'RunResumed')?.data).toEqual({ reason: 'resumed by ops', requestedBy: 'ops' });
    expect(types(events).slice(types(events).indexOf('RunResumed'))).toEqual([
      'RunResumed',
      'StepPolicyEvaluated',
      'StepStarted',
      'StepSucceeded',
      'RunCompleted',
    ]);
  }, 60_000);

  it('pause and resume need runs:operate', async () => {
    const runId = await startRunOverHttp(stack, 'pausable', { input: { sleepMs: 0 } });
    expect((await post(`/v1/runs/${runId}/pause`, {}, { sub: 'viewer', scopes: ['runs:read'] })).status).toBe(403);
  }, 30_000);

  it('a run past its timeout fails run_timed_out, with the timer rebuilt after an executor restart', async () => {
    const runId = await startRunOverHttp(stack, 'run-timeout', { input: {} });
    await runEventsWhen(store, runId, has('StepStarted'), 'external step started');
    await stack.restart('executor');
    const events = await runEventsWhen(store, runId, has('RunFailed'), 'timed out', 20_000);
    const failed = events.find((e) => e.type === 'RunFailed');
    expect(failed?.data).toMatchObject({
      code: 'run_timed_out',
      reason: expect.stringContaining('timeout of 3000 ms'),
    });
    const triggeredAt = Date.parse(events[0]?.metadata.occurredAt as string);
    expect(Date.parse((failed?.data as { failedAt: string }).failedAt) - triggeredAt).toBeGreaterThanOrEqual(3000);
  }, 60_000);

  it('an external task is completed through the API by a reviewer it names; others and bad outputs are refused', async () => {
    const runId = await startRunOverHttp(stack, 'external-task', { input: {} });
    await runEventsWhen(store, runId, reviewStarted, 'review started');
    const path = `/v1/runs/${runId}/steps/review/complete`;

    const stranger = await post(path, { output: { approved: true } }, { sub: 'mallory', scopes: ['runs:operate'] });
    expect(stranger).toMatchObject({ status: 403, body: { error: { code: 'run_reviewer_not_named' } } });
    const invalid = await post(path, { output: { approved: 'yes' } }, { sub: 'dana', scopes: ['runs:operate'] });
    expect(invalid).toMatchObject({ status: 422, body: { error: { code: 'input_invalid' } } });
    expect(String((invalid.body.error as { message: string }).message)).toContain(
      '/output/approved must be boolean (type)',
    );
    expect(types(await eventsOf(runId)).filter((t) => t === 'StepSucceeded')).toHaveLength(1); // prepare only

    const done = await post(path, { output: { approved: true } }, { sub: 'dana', scopes: ['runs:operate'] });
    expect(done).toMatchObject({ status: 200, body: { command: 'complete', events: ['StepSucceeded'] } });
    const events = await runEventsWhen(store, runId, has('RunCompleted'), 'completed');
    const review = events.find((e) => e.type === 'StepSucceeded' && (e.data as { stepId: string }).stepId === 'review');
    expect(review?.data).toMatchObject({ output: { approved: true }, completedBy: 'dana' });
    expect(
      events.find((e) => e.type === 'StepStarted' && (e.data as { stepId: string }).stepId === 'book')?.data,
    ).toMatchObject({ input: { approved: true } });
    expect(
      (await post(path, { output: { approved: true } }, { sub: 'dana', scopes: ['runs:operate'] })).body,
    ).toMatchObject({ error: { code: 'run_not_running' } }); // the run has ended
  }, 60_000);

  it('an external task is completed by a person its reviewers name by role (roles claim of their token)', async () => {
    const runId = await startRunOverHttp(stack, 'external-task', { input: {} });
    await runEventsWhen(store, runId, reviewStarted, 'review started');
    const path = `/v1/runs/${runId}/steps/review/complete`;
    const otherRole = await post(
      path,
      { output: { approved: true } },
      { sub: 'erin', scopes: ['runs:operate'], roles: ['clerk'] },
    );
    expect(otherRole).toMatchObject({ status: 403, body: { error: { code: 'run_reviewer_not_named' } } });
    const lead = await post(
      path,
      { output: { approved: true } },
      { sub: 'erin', scopes: ['runs:operate'], roles: ['claims-lead'] },
    );
    expect(lead).toMatchObject({ status: 200, body: { command: 'complete' } });
    const events = await runEventsWhen(store, runId, has('RunCompleted'), 'completed');
    const review = events.find((e) => e.type === 'StepSucceeded' && (e.data as { stepId: string }).stepId === 'review');
    expect(review?.data).toMatchObject({ completedBy: 'erin', matchedAs: 'role:claims-lead' });
  }, 60_000);
});
