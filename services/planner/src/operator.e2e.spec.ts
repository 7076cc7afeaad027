import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { benchWorkers, devToken, repoRoot, runEventsWhen, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

/**
 * Failure and recovery end to end, every service and the bench tool workers as OS processes (workflows in
 * examples/bench/workflows): operator actions through the gateway (retry as a substitute agent, skip of an optional
 * step, refused skip of a required one, revision, cancel), the planner's automatic token refresh, a step added by a
 * tool result, and a tool result asking for more than 50 steps (`workflow_depth_exceeded`).
 */
describe('failure handling and operator actions', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let token: string;

  beforeAll(async () => {
    stack = await startStack({
      dataDir: await tempDir('ledgerflow-operator-'),
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows' },
      extras: [benchWorkers()],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    token = await devToken(stack, {
      sub: 'ops-ann',
      scopes: ['runs:start', 'runs:read', 'runs:operate'],
      roles: ['ops'],
    });
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  async function post(
    path: string,
    body: unknown,
    bearer: string | null = token,
  ): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string } } }> {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify(body),
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & { error?: { code: string } },
    };
  }

  async function start(workflowId: string, input: Record<string, unknown> = {}): Promise<string> {
    const { status, body } = await post(`/v1/workflows/${workflowId}/runs`, { input });
    expect(status).toBe(202);
    return body.runId as string;
  }

  /** The run's events once `done` holds for them (polls the store). */
  const until = (runId: string, done: (events: StoredEvent[]) => boolean, what: string): Promise<StoredEvent[]> =>
    runEventsWhen(store, runId, done, what, 20_000, 100);

  const has = (type: string) => (events: StoredEvent[]) => events.some((event) => event.type === type);
  const paused = (events: StoredEvent[]) => events.at(-1)?.type === 'RunPaused';
  const ofStep = (events: StoredEvent[], stepId: string) =>
    events.filter((event) => (event.data as { stepId?: string }).stepId === stepId);
  const data = (event: StoredEvent | undefined) => event?.data as Record<string, unknown>;

  it('retry as a substitute agent, skip an optional step, refuse to skip a required one, revise, complete', async () => {
    const runId = await start('ops-failures');
    await until(
      runId,
      (events) =>
        paused(events) &&
        ['pay', 'notify', 'archive'].every((id) => ofStep(events, id).some((e) => e.type === 'StepFailed')),
      'three failed steps',
    );

    expect(await post(`/v1/runs/${runId}/retry`, { stepId: 'pay', agent: 'backup' }, null)).toMatchObject({
      status: 401,
    });
    const retried = await post(
      `/v1/runs/${runId}/retry`,
      { stepId: 'pay', agent: 'backup', reason: 'clerk is throttled' },
      token,
    );
    expect(retried).toMatchObject({
      status: 200,
      body: { runId, command: 'retry', events: ['RunResumed', 'StepRetryScheduled'] },
    });
    let events = await until(
      runId,
      (all) => ofStep(all, 'pay').some((e) => e.type === 'StepSucceeded'),
      'pay to succeed as backup',
    );
    const pay = ofStep(events, 'pay');
    expect(data(pay.find((e) => e.type === 'StepRetryScheduled'))).toMatchObject({
      attempt: 2,
      agent: 'backup',
      reason: 'clerk is throttled',
      requestedBy: 'ops-ann',
    });
    expect(data(pay.find((e) => e.type === 'StepStarted' && data(e).attempt === 2))).toMatchObject({ agent: 'backup' });
    expect(data(pay.find((e) => e.type === 'StepSucceeded'))?.output).toEqual({ attempt: 2, agent: 'backup' });
    await until(runId, paused, 'the run to pause again');

    const refused = await post(`/v1/runs/${runId}/skip`, { stepId: 'archive', reason: 'not needed' }, token);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'run_step_not_optional' } } });
    const skipped = await post(`/v1/runs/${runId}/skip`, { stepId: 'notify', reason: 'claimant opted out' }, token);
    expect(skipped).toMatchObject({ status: 200, body: { events: ['StepSkipped'], status: 'paused' } });

    const revised = await post(
      `/v1/runs/${runId}/revise`,
      {
        reason: 'archive by hand',
        addSteps: [
          {
            id: 'archive_by_hand',
            tool: 'bench',
            action: 'noop',
            agent: 'clerk',
            dependsOn: ['prepare'],
            input: { n: 3 },
          },
          {
            id: 'finish',
            tool: 'bench',
            action: 'noop',
            agent: 'clerk',
            dependsOn: ['pay', 'notify', 'archive_by_hand'],
            input: { n: 2 },
          },
        ],
        removeStepIds: ['archive', 'finish'],
      },
      token,
    );
    expect(revised).toMatchObject({ status: 200, body: { events: ['RunResumed', 'PlanRevised'] } });
    events = await until(runId, has('RunCompleted'), 'the run to complete');
    expect(data(events.find((e) => e.type === 'StepSkipped'))).toEqual({
      stepId: 'notify',
      reason: 'claimant opted out',
      requestedBy: 'ops-ann',
    });
    expect(data(events.find((e) => e.type === 'PlanRevised'))).toMatchObject({
      author: 'ops-ann',
      reason: 'archive by hand',
      removedStepIds: ['archive', 'finish'],
    });
    expect(events.filter((e) => e.type === 'StepSucceeded').map((e) => data(e).stepId)).toEqual(
      expect.arrayContaining(['prepare', 'pay', 'archive_by_hand', 'finish']),
    );
    expect(events.filter((e) => e.type === 'StepStarted' && data(e).stepId === 'prepare')).toHaveLength(1);
    // Who acted: the operator (her token, verified by the planner) for her start and commands; the executor for its own.
    const ann = { kind: 'human', id: 'ops-ann', via: 'planner' };
    const actorsOf = (...types: string[]) => events.filter((e) => types.includes(e.type)).map((e) => e.metadata.actor);
    const commands = events.filter((e) => e.metadata.causationId.startsWith('operator:'));
    expect(commands.map((e) => e.type)).toEqual([
      'RunResumed',
      'StepRetryScheduled',
      'StepSkipped',
      'RunResumed',
      'PlanRevised',
    ]);
    expect([...actorsOf('RunTriggered', 'PlanCreated'), ...commands.map((e) => e.metadata.actor)]).toEqual(
      Array(7).fill(ann),
    );
    expect(
      new Set(
        actorsOf('StepStarted', 'StepSucceeded', 'StepFailed', 'RunCompleted').map((actor) => JSON.stringify(actor)),
      ),
    ).toEqual(new Set([JSON.stringify({ kind: 'service', id: 'executor' })]));
  }, 60_000);

  it('records a service account that starts a run, and the person who forks it, as the actors', async () => {
    const admin = await devToken(stack, { sub: 'admin-ada', scopes: ['admin'] });
    const account = await post('/v1/service-accounts', { name: 'crm', scopes: ['runs:start'] }, admin);
    expect(account.status).toBe(201);
    const { status, body } = await post('/v1/workflows/noop-chain/runs', { input: {} }, account.body.apiKey as string);
    expect(status).toBe(202);
    const runId = body.runId as string;
    const events = await until(runId, has('RunCompleted'), 'the run to complete');
    const crm = { kind: 'service', id: `svc:crm:${account.body.id as string}`, via: 'planner' };
    expect(events.slice(0, 2).map((e) => e.metadata.actor)).toEqual([crm, crm]);
    const forked = await post(`/v1/runs/${runId}/fork`, { at: 'cp-1' }, token);
    expect(forked.status).toBe(202);
    const fork = await store.readStream(`run-${forked.body.runId as string}`);
    expect(fork[0]).toMatchObject({
      type: 'RunTriggered',
      metadata: { actor: { kind: 'human', id: 'ops-ann', via: 'planner' } },
    });
  }, 40_000);

  it('cancel: the run ends with the operator recorded; a second cancel is refused', async () => {
    const runId = await start('ops-failures');
    await until(runId, paused, 'the run to pause');
    expect(await post(`/v1/runs/${runId}/cancel`, { reason: 'duplicate order' }, token)).toMatchObject({
      status: 200,
      body: { status: 'cancelled', events: ['RunCancelled'] },
    });
    const events = await store.readStream(`run-${runId}`);
    expect(events.at(-1)).toMatchObject({
      type: 'RunCancelled',
      data: { reason: 'duplicate order', requestedBy: 'ops-ann' },
    });
    expect(await post(`/v1/runs/${runId}/cancel`, { reason: 'again' }, token)).toMatchObject({
      status: 409,
      body: { error: { code: 'run_already_ended' } },
    });
    expect(await post('/v1/runs/no-such-run/cancel', { reason: 'x' }, token)).toMatchObject({
      status: 404,
      body: { error: { code: 'run_not_found' } },
    });
  }, 40_000);

  it('takes the same commands from the command line (ledgerflow runs skip|cancel)', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [join(repoRoot(), 'tools/cli/dist/main.js'), ...args], {
        env: { ...process.env, LEDGERFLOW_URL: stack.gatewayUrl, LEDGERFLOW_TOKEN: token },
      });
    const runId = await start('ops-failures');
    await until(runId, paused, 'the run to pause');
    await expect(cli('runs', 'skip', runId, 'archive', '--reason', 'not needed')).rejects.toMatchObject({ code: 1 });
    await cli('runs', 'cancel', runId, '--reason', 'entered twice');
    const events = await store.readStream(`run-${runId}`);
    expect(events.at(-1)).toMatchObject({
      type: 'RunCancelled',
      data: { reason: 'entered twice', requestedBy: 'ops-ann' },
    });
  }, 40_000);

  it('recovers an expired token on its own: refresh_token runs, then the failed step again', async () => {
    const runId = await start('ops-token');
    const events = await until(runId, has('RunCompleted'), 'the recovered run to complete');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['StepFailed', 'RunPaused', 'RunResumed', 'PlanRevised', 'StepRetryScheduled']),
    );
    expect(data(ofStep(events, 'call_api').find((e) => e.type === 'StepFailed'))?.error).toMatchObject({
      code: 'token_expired',
    });
    const revision = events.find((e) => e.type === 'PlanRevised');
    expect(data(revision)).toMatchObject({
      author: 'planner',
      rule: 'refresh-expired-token',
      addedSteps: [{ id: 'refresh_token' }],
      addedDependencies: { call_api: ['refresh_token'] },
    });
    const order = events.filter((e) => e.type === 'StepSucceeded').map((e) => data(e).stepId);
    expect(order).toEqual(['prepare', 'refresh_token', 'call_api']);
    expect(data(ofStep(events, 'call_api').find((e) => e.type === 'StepSucceeded'))?.attempt).toBe(2);
  }, 40_000);

  it('adds a currency conversion step asked for by a tool result', async () => {
    const runId = await start('ops-invoice', { currency: 'USD' });
    const events = await until(runId, has('RunCompleted'), 'the invoice run to complete');
    expect(data(events.find((e) => e.type === 'PlanRevised'))).toMatchObject({
      author: 'tool:bench.invoice',
      addedSteps: [
        { id: 'convert_currency', dependsOn: ['read_invoice'], input: { from: 'USD', to: 'EUR', total: 120 } },
      ],
    });
    expect(ofStep(events, 'convert_currency').map((e) => e.type)).toEqual([
      'StepPolicyEvaluated',
      'StepStarted',
      'StepSucceeded',
    ]);
    const same = await start('ops-invoice', { currency: 'EUR' });
    expect(
      (await until(same, has('RunCompleted'), 'the EUR run to complete')).some((e) => e.type === 'PlanRevised'),
    ).toBe(false);
  }, 40_000);

  it('fails the run with workflow_depth_exceeded when a tool result asks for more than 50 steps', async () => {
    const runId = await start('ops-depth', { count: 60 });
    const events = await until(runId, has('RunFailed'), 'the run to fail');
    expect(events.slice(-2).map((e) => e.type)).toEqual(['StepSucceeded', 'RunFailed']);
    expect(data(events.at(-1))).toMatchObject({ code: 'workflow_depth_exceeded', stepId: 'expand' });
    expect(events.some((e) => e.type === 'PlanRevised')).toBe(false);
  }, 40_000);
});
