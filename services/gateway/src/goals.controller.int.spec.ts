import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, NestFactory } from '@nestjs/core';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import fc from 'fast-check';
import { nextPageOf, subjects } from '@ledgerflow/contracts';
import type { ErrorBody, Principal, StartGoalResult, ToolCatalogEntry } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { announceTools, ensureToolCatalog } from '@ledgerflow/messaging';
import { NATS_CONNECTION } from '@ledgerflow/service-runtime';
import { aCatalogEntry, startNatsServer } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { AuthGuard } from './auth.guard.js';
import { Authenticator } from './authenticator.js';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { GoalsController } from './goals.controller.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { InputShapeInterceptor } from './input-shape.interceptor.js';
import { ServicesClient } from './services.client.js';
import { ToolsController } from './tools.controller.js';

/** Bearer credentials of the test and who each is; `lfk_...` is a service account's API key. */
const PRINCIPALS: Record<string, Principal> = {
  reader: { kind: 'human', id: 'rita', scopes: ['runs:read'] },
  starter: { kind: 'human', id: 'ana', scopes: ['runs:start'] },
};
const API_KEY = 'lfk_0123456789abcdef_secret';
const ACCOUNT: Principal = { kind: 'service', id: 'svc:ci:0123456789abcdef', scopes: ['runs:start'] };

const entry = (tool: string, action: string): ToolCatalogEntry =>
  aCatalogEntry(tool, action, {
    description: `${action} of ${tool}`,
    ...(action === 'payout' ? { cost: { usd: 0.02 } } : {}),
  });

/**
 * Goals and the tool catalog over HTTP (Nest + express, the gateway's guard, interceptor, pipe and filter) against a
 * real nats-server with JetStream: the catalog as workers put it into `LF_TOOLS`, and a stand-in for the planner
 * answering `lf.planner.start-goal` as its contract says (libs/contracts, planning.ts): what the gateway forwards and
 * how it answers the planner's replies and refusals.
 */
describe('GoalsController and ToolsController over HTTP and NATS', () => {
  let server: NatsServerHandle;
  let gatewayNc: NatsConnection;
  let plannerNc: NatsConnection;
  let app: INestApplication;
  let baseUrl: string;
  const received: Array<Record<string, unknown>> = [];
  /** The planner's answer to the next request; default a created run. */
  let answer: (body: Record<string, unknown>) => StartGoalResult = () => ({
    runId: 'run-1',
    created: true,
    generator: 'catalog',
    steps: 3,
  });

  const call = async (method: string, path: string, credential = 'starter', body?: unknown, extra = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${credential}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...extra,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  const errorOf = (json: unknown) => (json as { error: ErrorBody }).error;

  beforeAll(async () => {
    server = await startNatsServer();
    plannerNc = await connect({ servers: server.url });
    gatewayNc = await connect({ servers: server.url });
    plannerNc.subscribe(subjects.plannerStartGoal, {
      callback: (_error, message) => {
        const body = message.json<Record<string, unknown>>();
        received.push(body);
        try {
          message.respond(JSON.stringify({ ok: true, value: answer(body) }));
        } catch (error) {
          const e = error as LedgerflowError;
          message.respond(
            JSON.stringify({
              ok: false,
              error: { code: e.code, message: e.message, retryable: e.retryable, details: e.details },
            }),
          );
        }
      },
    });
    await plannerNc.flush();
    const jwt = {
      verify: (token: string) => {
        const principal = PRINCIPALS[token];
        if (!principal) throw new LedgerflowError('unauthorized', 'unknown token', false);
        return Promise.resolve(principal);
      },
    };
    const accounts = {
      authenticate: (key: string) =>
        key === API_KEY
          ? Promise.resolve(ACCOUNT)
          : Promise.reject(new LedgerflowError('unauthorized', 'unknown key', false)),
    };
    @Module({
      controllers: [GoalsController, ToolsController],
      providers: [
        ServicesClient,
        { provide: NATS_CONNECTION, useValue: gatewayNc },
        { provide: Authenticator, useValue: new Authenticator(jwt, accounts) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: InputShapeInterceptor },
        { provide: APP_PIPE, useClass: BodyValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    })
    class GoalsApiTestModule {}
    app = await NestFactory.create(GoalsApiTestModule, { logger: false, rawBody: true });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 30_000);

  beforeEach(() => {
    received.length = 0;
    answer = () => ({ runId: 'run-1', created: true, generator: 'catalog', steps: 3 });
  });

  afterAll(async () => {
    await app?.close();
    await gatewayNc?.close();
    await plannerNc?.close();
    await server?.stop();
  });

  it('lists an empty catalog before any service created the bucket, then every entry by tool then action, paged', async () => {
    expect(await call('GET', '/v1/tools', 'reader')).toMatchObject({ status: 200, json: [] });
    await ensureToolCatalog(plannerNc);
    await announceTools(plannerNc, [entry('fraud', 'score'), entry('billing', 'refund'), entry('billing', 'payout')]);
    const all = await call('GET', '/v1/tools', 'reader');
    expect(all.status).toBe(200);
    expect(all.json).toEqual([entry('billing', 'payout'), entry('billing', 'refund'), entry('fraud', 'score')]);
    const first = await call('GET', '/v1/tools?limit=2', 'reader');
    expect((first.json as ToolCatalogEntry[]).map((e) => e.capability)).toEqual(['billing.payout', 'billing.refund']);
    const next = nextPageOf(first.headers.get('link'));
    const second = await call('GET', next!, 'reader');
    expect([(second.json as ToolCatalogEntry[]).map((e) => e.capability), second.headers.get('link')]).toEqual([
      ['fraud.score'],
      null,
    ]);
    const bad = await call('GET', '/v1/tools?cursor=nope', 'reader');
    expect([bad.status, errorOf(bad.json).details?.['field']]).toEqual([400, 'cursor']);
    expect((await call('GET', '/v1/tools', 'nobody')).status).toBe(401);
  });

  it("forwards a goal with the caller's JWT and the Idempotency-Key header; 202 with the run and its Location", async () => {
    const body = {
      goal: 'Triage the ticket and refund under 50 USD',
      template: 'goal-triage',
      input: { ticket: { id: 'T-1', text: 'refund please' } },
      desiredOutputs: { type: 'object', required: ['reply'] },
      constraints: { allowedTools: ['billing.refund'], allowedAgents: ['triager'], maxSteps: 5, budgetUsd: 0.5 },
    };
    const started = await call('POST', '/v1/goals', 'starter', body, { 'idempotency-key': 'ticket-T-1' });
    expect([started.status, started.json, started.headers.get('location')]).toEqual([
      202,
      { runId: 'run-1', created: true, generator: 'catalog', steps: 3, location: '/v1/runs/run-1' },
      '/v1/runs/run-1',
    ]);
    expect(received).toEqual([{ ...body, idempotencyKey: 'ticket-T-1', token: 'starter' }]);
  });

  it("forwards a service account's id (never its key), the body's key over the header's, {} for no input, a fresh key when none", async () => {
    const viaKey = await call(
      'POST',
      '/v1/goals',
      API_KEY,
      {
        goal: 'g',
        template: 'goal-triage',
        idempotencyKey: 'body-key',
      },
      { 'idempotency-key': 'header-key' },
    );
    expect(viaKey.status).toBe(202);
    const noKey = await call('POST', '/v1/goals', 'starter', { goal: 'g', template: 'goal-triage', input: null });
    expect(noKey.status).toBe(202);
    expect(received[0]).toEqual({
      goal: 'g',
      template: 'goal-triage',
      input: {},
      idempotencyKey: 'body-key',
      serviceAccount: ACCOUNT.id,
    });
    expect(received[1]).toMatchObject({ input: null, token: 'starter' });
    expect(String(received[1]?.['idempotencyKey'])).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answers the planner's refusals by their category: 422 plan_generation_failed with its details, 404 workflow_unknown", async () => {
    const issues = [{ rule: 'output_unreachable', path: '/desiredOutputs/required/0', message: 'no tool makes reply' }];
    answer = () => {
      throw new LedgerflowError('plan_generation_failed', 'no plan reaches reply', false, { issues });
    };
    const failed = await call('POST', '/v1/goals', 'starter', { goal: 'g', template: 'goal-triage' });
    expect([failed.status, errorOf(failed.json).code, errorOf(failed.json).details]).toEqual([
      422,
      'plan_generation_failed',
      { issues },
    ]);
    answer = () => {
      throw new LedgerflowError('workflow_unknown', 'no workflow nope', false);
    };
    const unknown = await call('POST', '/v1/goals', 'starter', { goal: 'g', template: 'nope' });
    expect([unknown.status, errorOf(unknown.json).code]).toEqual([404, 'workflow_unknown']);
  });

  it('refuses a body breaking a rule with 400 naming the field, a caller without runs:start with 403; nothing forwarded', async () => {
    const refusals: Array<[unknown, string]> = [
      [{ template: 'goal-triage' }, 'goal'],
      [{ goal: '', template: 'goal-triage' }, 'goal'],
      [{ goal: 'x'.repeat(4001), template: 'goal-triage' }, 'goal'],
      [{ goal: 'g', template: 'Goal Triage' }, 'template'],
      [{ goal: 'g', template: 'goal-triage', desiredOutputs: ['reply'] }, 'desiredOutputs'],
      [{ goal: 'g', template: 'goal-triage', constraints: { allowedTools: ['refund'] } }, 'constraints.allowedTools'],
      [{ goal: 'g', template: 'goal-triage', constraints: { allowedAgents: ['a b'] } }, 'constraints.allowedAgents'],
      [{ goal: 'g', template: 'goal-triage', constraints: { maxSteps: 51 } }, 'constraints.maxSteps'],
      [{ goal: 'g', template: 'goal-triage', constraints: { maxSteps: 0 } }, 'constraints.maxSteps'],
      [{ goal: 'g', template: 'goal-triage', constraints: { budgetUsd: -1 } }, 'constraints.budgetUsd'],
      [{ goal: 'g', template: 'goal-triage', constraints: { steps: 3 } }, 'constraints.steps'],
      [{ goal: 'g', template: 'goal-triage', idempotencyKey: '' }, 'idempotencyKey'],
      [{ goal: 'g', template: 'goal-triage', plan: [] }, 'plan'],
    ];
    for (const [body, field] of refusals) {
      const refused = await call('POST', '/v1/goals', 'starter', body);
      const error = errorOf(refused.json);
      const fields = (error.details?.['violations'] as Array<{ field: string }> | undefined)?.map((v) => v.field);
      expect([field, refused.status, error.code, fields?.includes(field) ?? error.details?.['field']]).toEqual([
        field,
        400,
        'request_invalid',
        true,
      ]);
    }
    const forbidden = await call('POST', '/v1/goals', 'reader', { goal: 'g', template: 'goal-triage' });
    expect([forbidden.status, errorOf(forbidden.json).code]).toEqual([403, 'forbidden']);
    expect(received).toEqual([]);
  });

  it('never answers 5xx to any body; what it accepts reaches the planner exactly as the body said', async () => {
    const goalBody = fc.record(
      {
        goal: fc.string({ minLength: 1, maxLength: 50 }),
        template: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
        input: fc.jsonValue({ maxDepth: 3 }),
        desiredOutputs: fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
        constraints: fc.record(
          {
            allowedTools: fc.array(fc.stringMatching(/^[a-z]{1,5}\.[a-z]{1,5}$/), { maxLength: 3 }),
            maxSteps: fc.integer({ min: 1, max: 50 }),
            budgetUsd: fc.double({ min: 0, max: 100, noNaN: true }),
          },
          { requiredKeys: [] },
        ),
        idempotencyKey: fc.string({ minLength: 1, maxLength: 20 }),
      },
      { requiredKeys: ['goal', 'template', 'idempotencyKey'] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          goalBody.map((b) => JSON.stringify(b)),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.string({ maxLength: 100 }),
        ),
        async (text) => {
          received.length = 0;
          const answered = await call('POST', '/v1/goals', 'starter', text);
          expect(answered.status).toBeLessThan(500);
          if (answered.status === 202) {
            const sent = JSON.parse(text) as Record<string, unknown>;
            expect(received).toEqual([
              { input: {}, ...sent, ...(sent['input'] === undefined ? { input: {} } : {}), token: 'starter' },
            ]);
          } else expect(received).toEqual([]);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);
});
