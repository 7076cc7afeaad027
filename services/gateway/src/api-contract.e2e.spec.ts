import fc from 'fast-check';
import { authHeader, startStack, tempDir } from '@ledgerflow/testing';
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

  /** Every page of `path` with `limit`, following `Link: rel="next"`; the items and the page sizes. */
  const pageThrough = async (path: string, limit: number) => {
    const items: Array<Record<string, unknown>> = [];
    const sizes: number[] = [];
    let next: string | undefined = `${path}${path.includes('?') ? '&' : '?'}limit=${limit}`;
    while (next) {
      const page = await call('GET', next);
      expect([next, page.status]).toEqual([next, 200]);
      const body = page.body as Array<Record<string, unknown>>;
      items.push(...body);
      sizes.push(body.length);
      next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
      expect(sizes.length).toBeLessThan(200);
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

  it('refuses a hostile limit or cursor on every list with 400 naming it, never a 5xx', async () => {
    const lists = [
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
          fc.constant('x'.repeat(2000)),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...lists), hostile, async (list, query) => {
        const search = new URLSearchParams(query as Record<string, string>);
        const answer = await call('GET', `${list}?${search}`);
        expect(answer.status).toBeLessThan(500);
        if (answer.status !== 200) {
          expect(answer.status).toBe(400);
          const field = 'limit' in query ? 'limit' : 'cursor';
          expect(answer.body).toMatchObject({ error: { code: 'request_invalid', details: { field, in: 'query' } } });
        }
      }),
      { numRuns: 60 },
    );
    const refused = await call('GET', '/v1/runs?limit=1001');
    expect(refused.status).toBe(400);
    expect((refused.body as { error: { message: string } }).error.message).toContain('1 to 1000');
  }, 120_000);

  it('serves the OpenAPI document with the error schema and the security schemes', async () => {
    const document = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as {
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.components.schemas)).toEqual(expect.arrayContaining(['ErrorResponse', 'ErrorBody']));
    expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
      'apiKey',
      'bearer',
      'hmacSignature',
      'standardWebhooks',
    ]);
    expect(Object.keys(document.paths['/v1/gates/{gateId}/decision']?.['post']?.responses ?? {})).toContain('200');
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
