import fc from 'fast-check';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { authHeader, benchWorkers, devToken, eventually, startStack, tempDir, TEST_ADMIN } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { encodeCursor } from './list-page.js';

/**
 * The API's contract against the real gateway process (with NATS, SQLite and the other services as processes):
 * every list is paged by cursor and paging reaches every item exactly once in order; hostile `limit`/`cursor` values
 * are 400s naming the parameter, never 5xx; the OpenAPI document is served; an unavailable service is a 503 with
 * `Retry-After`, its code in the NATS category.
 */
describe('the API contract (real gateway)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({
      dataDir: await tempDir('ledgerflow-api-contract-'),
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows' },
      extras: [benchWorkers()],
    });
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: { ...(await authHeader(stack)), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as unknown,
    };
  };

  /**
   * Every page of `path` with `limit`, following `Link: rel="next"`; the items and the page sizes. The items are the
   * body, or its array `field` (a list inside an object, as `GET /v1/runs/{runId}/checkpoints` answers).
   */
  const pageThrough = async (path: string, limit: number, field?: string) => {
    const items: Array<Record<string, unknown>> = [];
    const sizes: number[] = [];
    let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
    while (next) {
      const page = await call('GET', next);
      expect([next, page.status]).toEqual([next, 200]);
      const body = (field === undefined ? page.body : (page.body as Record<string, unknown>)[field]) as Array<
        Record<string, unknown>
      >;
      items.push(...body);
      sizes.push(body.length);
      next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      expect(sizes.length).toBeLessThan(400);
    }
    return { items, sizes };
  };

  it('pages runs, service accounts and workflows: every item once, in order, `limit` per page', async () => {
    for (let i = 0; i < 5; i += 1) {
      expect((await call('POST', '/v1/workflows/noop-chain/runs', { input: {} })).status).toBe(202);
      expect((await call('POST', '/v1/service-accounts', { name: `crm-${i}`, scopes: ['runs:read'] })).status).toBe(
        201,
      );
    }
    const firstPage = await call('GET', '/v1/runs?limit=2');
    expect(firstPage.body).toHaveLength(2);
    expect(firstPage.headers.get('link')).toMatch(/^<\/v1\/runs\?limit=2&cursor=[A-Za-z0-9_-]+>; rel="next"$/);

    const everything = {
      runs: (await call('GET', '/v1/runs?limit=1000')).body as Array<{ runId: string }>,
      accounts: (await call('GET', '/v1/service-accounts?limit=1000')).body as Array<{ id: string }>,
      workflows: (await call('GET', '/v1/workflows?limit=1000')).body as Array<{ workflowId: string }>,
    };
    expect(everything.runs.length).toBeGreaterThanOrEqual(5);
    expect(everything.accounts.length).toBeGreaterThanOrEqual(5);
    expect(everything.workflows.length).toBeGreaterThanOrEqual(3);
    for (const limit of [1, 2, 3]) {
      const runs = await pageThrough('/v1/runs', limit);
      expect(runs.items.map((run) => run['runId'])).toEqual(everything.runs.map((run) => run.runId));
      expect(runs.sizes.slice(0, -1).every((size) => size === limit)).toBe(true);
      const accounts = await pageThrough('/v1/service-accounts', limit);
      expect(accounts.items.map((account) => account['id'])).toEqual(everything.accounts.map((account) => account.id));
      const workflows = await pageThrough('/v1/workflows', limit);
      expect(workflows.items.map((w) => w['workflowId'])).toEqual(everything.workflows.map((w) => w.workflowId));
    }
    // Filters stay in the next link.
    const filtered = await pageThrough('/v1/runs?workflowId=noop-chain', 2);
    expect(filtered.items.every((run) => run['workflowId'] === 'noop-chain')).toBe(true);
    expect(filtered.items).toHaveLength(
      everything.runs.filter((run) => (run as { workflowId?: string }).workflowId === 'noop-chain').length,
    );
  }, 120_000);

  it("pages a workflow's versions inside its answer, newest first, and keeps the workflow's own fields on each page", async () => {
    const definition = (version: string) => ({
      id: 'versioned-desk-task',
      version,
      title: `Desk task ${version}`,
      inputSchema: { type: 'object' },
      tools: {},
      agents: { desk: [] },
      steps: [{ id: 'desk', name: 'Desk', kind: 'external', agent: 'desk', dependsOn: [], reviewers: ['dana'] }],
    });
    for (let minor = 0; minor < 5; minor += 1)
      expect((await call('PUT', '/v1/workflows/versioned-desk-task', definition(`1.${minor}.0`))).status).toBe(201);
    const whole = (await call('GET', '/v1/workflows/versioned-desk-task?limit=1000')).body as {
      latestVersion: string;
      versions: Array<{ version: string }>;
    };
    expect(whole.versions.map((v) => v.version)).toEqual(['1.4.0', '1.3.0', '1.2.0', '1.1.0', '1.0.0']);
    const paged = await pageThrough('/v1/workflows/versioned-desk-task', 2, 'versions');
    expect(paged.items.map((v) => v['version'])).toEqual(whole.versions.map((v) => v.version));
    expect(paged.sizes).toEqual([2, 2, 1]);
    const second = await call('GET', '/v1/workflows/versioned-desk-task?limit=2');
    expect(second.body).toMatchObject({ workflowId: 'versioned-desk-task', latestVersion: '1.4.0', inputSchema: {} });
  }, 60_000);

  /** A completed run of the 50-step bench chain: 50 checkpoints, 50 steps in memory's statistics. */
  const completedChainRun = async (): Promise<string> => {
    const started = await call('POST', '/v1/workflows/noop-chain-50/runs', { input: {} });
    const runId = (started.body as { runId: string }).runId;
    await eventually(
      async () =>
        ((await call('GET', `/v1/runs/${runId}`)).body as { status?: string }).status === 'completed' || undefined,
      60_000,
      'the 50-step run to complete',
    );
    return runId;
  };

  /**
   * A run of over 300 events: its one step is an external task (it waits for a person without a timeout), and the
   * run is paused and resumed 150 times meanwhile (`RunPaused` and `RunResumed` each time).
   */
  const longRun = async (): Promise<string> => {
    const definition = {
      id: 'long-desk-task',
      version: '1.0.0',
      title: 'One external task, waiting',
      inputSchema: { type: 'object' },
      tools: {},
      agents: { desk: [] },
      steps: [
        { id: 'desk_check', name: 'Desk check', kind: 'external', agent: 'desk', dependsOn: [], reviewers: ['dana'] },
      ],
    };
    expect((await call('PUT', '/v1/workflows/long-desk-task', definition)).status).toBe(201);
    const runId = ((await call('POST', '/v1/workflows/long-desk-task/runs', { input: {} })).body as { runId: string })
      .runId;
    await eventually(
      async () =>
        ((await call('GET', `/v1/runs/${runId}/events?limit=1000`)).body as Array<{ type: string }>).some(
          (e) => e.type === 'StepStarted',
        ) || undefined,
      30_000,
      'the external task to start',
    );
    for (let i = 0; i < 150; i += 1) {
      expect((await call('POST', `/v1/runs/${runId}/pause`, {})).status).toBe(200);
      expect((await call('POST', `/v1/runs/${runId}/resume`, {})).status).toBe(200);
    }
    return runId;
  };

  it("pages a 300-event run's events by revision, with and without after, and the SDK reads them all", async () => {
    const runId = await longRun();
    const events = (await call('GET', `/v1/runs/${runId}/events?limit=1000`)).body as Array<{ revision: number }>;
    expect(events.length).toBeGreaterThanOrEqual(300);
    const revisions = events.map((event) => event.revision);
    expect(revisions).toEqual(revisions.map((_, index) => index));

    // The default page is 100 events, as every list's; the rest is named by the Link header.
    const first = await call('GET', `/v1/runs/${runId}/events`);
    expect((first.body as Array<{ revision: number }>).map((event) => event.revision)).toEqual(revisions.slice(0, 100));
    expect(first.headers.get('link')).toMatch(
      new RegExp(`^</v1/runs/${runId}/events\\?limit=100&cursor=[A-Za-z0-9_-]+>; rel="next"$`),
    );
    for (const limit of [100, 7]) {
      const paged = await pageThrough(`/v1/runs/${runId}/events`, limit);
      expect(paged.items.map((event) => event['revision'])).toEqual(revisions);
      expect(paged.sizes.slice(0, -1).every((size) => size === limit)).toBe(true);
    }
    // `after` stays in the next links: the pages hold exactly the events past it.
    const afterPages = await pageThrough(`/v1/runs/${runId}/events?after=149`, 40);
    expect(afterPages.items.map((event) => event['revision'])).toEqual(revisions.slice(150));
    expect((await call('GET', `/v1/runs/${runId}/events?after=${revisions.length + 5}`)).body).toEqual([]);
    expect((await call('GET', '/v1/runs/no-such-run/events')).status).toBe(404);

    // The SDK reads them all, as stored.
    const client = new LedgerflowClient({ baseUrl: stack.gatewayUrl, token: await devToken(stack, TEST_ADMIN) });
    expect(await client.getEvents(runId)).toEqual(events);
    expect((await client.getEvents(runId, { after: 199 })).map((event) => event['revision'])).toEqual(
      revisions.slice(200),
    );
  }, 120_000);

  it("pages a run's checkpoints and its workflow's step statistics", async () => {
    const runId = await completedChainRun();
    const checkpoints = (await call('GET', `/v1/runs/${runId}/checkpoints?limit=1000`)).body as {
      runId: string;
      checkpoints: Array<{ id: string }>;
    };
    expect(checkpoints.checkpoints.length).toBeGreaterThanOrEqual(50);
    const pagedCheckpoints = await pageThrough(`/v1/runs/${runId}/checkpoints`, 7, 'checkpoints');
    expect(pagedCheckpoints.items.map((checkpoint) => checkpoint['id'])).toEqual(
      checkpoints.checkpoints.map((_, index) => `cp-${index + 1}`),
    );

    const stats = await eventually(
      async () => {
        const answer = (await call('GET', '/v1/workflows/noop-chain-50/stats?limit=1000')).body as Array<{
          stepId: string;
          runs: number;
        }>;
        return answer.length === 50 && answer.every((step) => step.runs === 1) ? answer : undefined;
      },
      30_000,
      "memory's statistics of the 50 steps",
    );
    const pagedStats = await pageThrough('/v1/workflows/noop-chain-50/stats', 7);
    expect(pagedStats.items.map((step) => step['stepId'])).toEqual(stats.map((step) => step.stepId));
    expect(pagedStats.sizes).toHaveLength(8);
  }, 120_000);

  it('refuses a hostile limit or cursor on every list with 400 naming it, never a 5xx', async () => {
    const started = await call('POST', '/v1/workflows/noop-chain/runs', { input: {} });
    const runId = (started.body as { runId: string }).runId;
    const lists = [
      `/v1/runs/${runId}/events`,
      `/v1/runs/${runId}/events?after=2`,
      `/v1/runs/${runId}/checkpoints`,
      '/v1/workflows/noop-chain/stats',
      '/v1/workflows/noop-chain',
      '/v1/runs',
      '/v1/gates',
      '/v1/workflows',
      '/v1/policy-packs',
      '/v1/subscriptions',
      '/v1/service-accounts',
    ];
    const hostile = fc.oneof(
      fc.record({ limit: fc.oneof(fc.constantFrom('0', '1001', '-1', '1.5', 'x', ''), fc.string({ maxLength: 8 })) }),
      fc.record({
        cursor: fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.base64String({ maxLength: 40 }),
          fc.constant(encodeCursor('gates', ['2026-01-01T00:00:00.000Z', 'r1'])),
          fc.constantFrom(...['-1', '1.5', '01', 'x', '9'.repeat(20)].map((key) => encodeCursor('run-events', [key]))),
          fc.constant('x'.repeat(2000)),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), hostile, async (list, query) => {
        const search = new URLSearchParams(query as Record<string, string>);
        const answer = await call('GET', `${list}${list.includes('?') ? '&' : '?'}${search}`);
        expect(answer.status).toBeLessThan(500);
        if (answer.status !== 200) {
          expect(answer.status).toBe(400);
          const field = 'limit' in query ? 'limit' : 'cursor';
          expect(answer.body).toMatchObject({ error: { code: 'request_invalid', details: { field, in: 'query' } } });
        }
      }),
      { numRuns: 100 },
    );
    const refused = await call('GET', '/v1/runs?limit=1001');
    expect(refused.status).toBe(400);
    expect((refused.body as { error: { message: string } }).error.message).toContain('1 to 1000');
  }, 120_000);

  it('serves the OpenAPI document with the error schema and the security schemes', async () => {
    const document = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as {
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      paths: Record<
        string,
        Record<string, { responses: Record<string, { headers?: unknown }>; parameters?: Array<{ name: string }> }>
      >;
    };
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['ErrorResponse', 'ErrorBody']));
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
      'apiKey',
      'bearer',
      'hmacSignature',
      'standardWebhooks',
    ]);
    expect(Object.keys(document.paths['/v1/gates/{gateId}/decision']?.['post']?.responses ?? {})).toContain('200');
    for (const path of [
      '/v1/runs/{runId}/events',
      '/v1/runs/{runId}/checkpoints',
      '/v1/workflows/{workflowId}/stats',
      '/v1/runs',
    ]) {
      const get = document.paths[path]?.['get'];
      expect([path, get?.parameters?.map((parameter) => parameter.name)]).toEqual([
        path,
        expect.arrayContaining(['limit', 'cursor']),
      ]);
      expect([path, get?.responses['200']?.headers]).toEqual([path, { Link: expect.anything() }]);
    }
  });

  it('answers 503 with Retry-After and a NATS code when the planner is down, and recovers when it is back', async () => {
    await stack.process('planner').stop();
    const down = await call('POST', '/v1/workflows/noop-chain/runs', { input: {} });
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1');
    expect(down.body).toMatchObject({ error: { code: expect.stringMatching(/^nats_/), retryable: true } });
    await stack.restart('planner');
    expect((await call('POST', '/v1/workflows/noop-chain/runs', { input: {} })).status).toBe(202);
  }, 90_000);
});
