import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { SignJWT } from 'jose';
import { ALL_SCOPES } from '@ledgerflow/contracts';
import type { Scope } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { authHeader, devToken, eventually, repoRoot, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack, DevTokenClaims } from '@ledgerflow/testing';
import { documentedOperations } from './openapi-docs.spec-util.js';

/**
 * The HTTP authorization matrix (docs/security.md, "HTTP"): every endpoint of the gateway x every way a
 * credential can be wrong. A `chaos-gated` run waits at its gate (g2, reviewer chaos-lead) while the matrix
 * runs; afterwards the store holds exactly the events it held before, no tool ran (the bench.record ledger
 * has the same lines), and the gate is still open. Every service is its own OS process.
 */
describe('HTTP authorization matrix', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let runId: string;
  let gateId: string;

  const allEvents = () => store.readAll({ maxCount: 1_000_000 });
  const ledgerLines = () =>
    existsSync(stack.benchLedger) ? readFileSync(stack.benchLedger, 'utf8').split('\n').filter(Boolean).length : 0;

  async function call(
    method: string,
    path: string,
    body: unknown,
    authorization?: string,
  ): Promise<{ status: number; code?: string }> {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(authorization === undefined ? {} : { authorization }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const code = text.startsWith('{') ? (JSON.parse(text) as { error?: { code?: string } }).error?.code : undefined;
    return { status: response.status, ...(code ? { code } : {}) };
  }

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-authz-', {
      definitionsDirs: ['services/executor/src/fixtures/workflows'],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    runId = await startRunOverHttp(stack, 'chaos-gated', { input: { sleepMs: 0 }, idempotencyKey: 'authz-matrix' });
    gateId = `${runId}.g2`;
    await eventually(
      async () => ((await store.readStream(`run-${runId}`)).some((e) => e.type === 'GateOpened') ? true : undefined),
      30_000,
      'the gate of the matrix run',
    );
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  /** Every endpoint but webhooks (signed, see webhooks.e2e.spec.ts), with the scopes any one of which lets a caller in. */
  const endpoints = (): Array<{ method: string; path: string; body?: unknown; scopes: Scope[] }> => [
    {
      method: 'POST',
      path: '/v1/workflows/chaos-gated/runs',
      body: { input: { sleepMs: 0 }, idempotencyKey: 'authz-forbidden' },
      scopes: ['runs:start'],
    },
    { method: 'GET', path: '/v1/runs', scopes: ['runs:read'] },
    { method: 'GET', path: `/v1/runs/${runId}`, scopes: ['runs:read'] },
    { method: 'GET', path: `/v1/runs/${runId}/events`, scopes: ['runs:read'] },
    { method: 'GET', path: `/v1/runs/${runId}/trace`, scopes: ['runs:read'] },
    { method: 'GET', path: `/v1/runs/${runId}/checkpoints`, scopes: ['runs:read'] },
    { method: 'GET', path: `/v1/runs/${runId}/state?at=cp-1`, scopes: ['runs:read'] },
    { method: 'GET', path: `/v1/runs/${runId}/diff?from=cp-1&to=cp-1`, scopes: ['runs:read'] },
    { method: 'GET', path: `/v1/runs/${runId}/audit`, scopes: ['audit:read'] },
    { method: 'POST', path: `/v1/runs/${runId}/fork`, body: { at: 'cp-1' }, scopes: ['runs:operate'] },
    { method: 'POST', path: `/v1/runs/${runId}/retry`, body: { stepId: 'g1' }, scopes: ['runs:operate'] },
    { method: 'POST', path: `/v1/runs/${runId}/skip`, body: { stepId: 'g2', reason: 'x' }, scopes: ['runs:operate'] },
    {
      method: 'POST',
      path: `/v1/runs/${runId}/revise`,
      body: { addSteps: [], removeStepIds: ['g3'] },
      scopes: ['runs:operate'],
    },
    { method: 'POST', path: `/v1/runs/${runId}/cancel`, body: { reason: 'x' }, scopes: ['runs:operate'] },
    { method: 'GET', path: '/v1/gates', scopes: ['gates:decide', 'runs:read'] },
    { method: 'GET', path: `/v1/gates/${gateId}`, scopes: ['gates:decide', 'runs:read'] },
    { method: 'POST', path: `/v1/gates/${gateId}/decision`, body: { outcome: 'approve' }, scopes: ['gates:decide'] },
    { method: 'GET', path: '/v1/workflows/chaos-gated/stats', scopes: ['runs:read'] },
    { method: 'GET', path: '/v1/tools', scopes: ['runs:read'] },
    { method: 'POST', path: '/v1/goals', body: { goal: 'record it', template: 'chaos-gated' }, scopes: ['runs:start'] },
    { method: 'GET', path: '/v1/service-accounts', scopes: ['admin'] },
    {
      method: 'POST',
      path: '/v1/service-accounts',
      body: { name: 'intruder', scopes: ['runs:start'] },
      scopes: ['admin'],
    },
    { method: 'POST', path: '/v1/service-accounts/0123456789abcdef/revoke', body: {}, scopes: ['admin'] },
  ];

  const now = () => Math.floor(Date.now() / 1000);
  const jwt = (claims: Record<string, unknown>, edit: (token: SignJWT) => SignJWT, key = stack.authSecret) =>
    edit(new SignJWT({ scope: 'admin', ...claims }).setProtectedHeader({ alg: 'HS256' }).setSubject('chaos-lead')).sign(
      new TextEncoder().encode(key),
    );
  const unsigned = () => {
    const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: 'chaos-lead', iss: stack.authIssuer, aud: stack.authAudience, exp: now() + 600, scope: 'admin' })}.`;
  };

  /** Credentials that must all be refused with 401, by name. */
  const badCredentials = (): Array<[string, () => Promise<string | undefined>]> => [
    ['no token', async () => undefined],
    ['a non-bearer scheme', async () => `Basic ${Buffer.from('chaos-lead:secret').toString('base64')}`],
    [
      'an expired token',
      async () =>
        `Bearer ${await jwt({}, (t) =>
          t
            .setIssuer(stack.authIssuer)
            .setAudience(stack.authAudience)
            .setIssuedAt(now() - 7200)
            .setExpirationTime(now() - 3600),
        )}`,
    ],
    [
      'a token not yet valid',
      async () =>
        `Bearer ${await jwt({}, (t) =>
          t
            .setIssuer(stack.authIssuer)
            .setAudience(stack.authAudience)
            .setNotBefore(now() + 3600)
            .setExpirationTime(now() + 7200),
        )}`,
    ],
    [
      'a wrong issuer',
      async () =>
        `Bearer ${await jwt({}, (t) => t.setIssuer('https://evil.example.com').setAudience(stack.authAudience).setExpirationTime('10m'))}`,
    ],
    [
      'a wrong audience',
      async () =>
        `Bearer ${await jwt({}, (t) => t.setIssuer(stack.authIssuer).setAudience('another-api').setExpirationTime('10m'))}`,
    ],
    ['alg none', async () => `Bearer ${unsigned()}`],
    [
      'a wrong key',
      async () =>
        `Bearer ${await jwt({}, (t) => t.setIssuer(stack.authIssuer).setAudience(stack.authAudience).setExpirationTime('10m'), 'another-secret-of-at-least-32-characters')}`,
    ],
    ['a forged API key', async () => `Bearer lfk_0123456789abcdef_${'A'.repeat(43)}`],
  ];

  const as = async (claims: DevTokenClaims) => (await authHeader(stack, claims)).authorization;

  it('refuses every endpoint with a bad credential (401) or without its scope (403), and nothing is recorded or run', async () => {
    const eventsBefore = (await allEvents()).length;
    const ledgerBefore = ledgerLines();
    const outcomes: string[] = [];
    const expect_ = (what: string, got: { status: number; code?: string }, status: number, code?: string) => {
      if (got.status !== status || (code !== undefined && got.code !== code))
        outcomes.push(`${what}: got ${got.status} ${got.code ?? ''}, expected ${status} ${code ?? ''}`);
    };
    for (const endpoint of endpoints()) {
      const label = `${endpoint.method} ${endpoint.path}`;
      for (const [name, credential] of badCredentials()) {
        expect_(
          `${label} with ${name}`,
          await call(endpoint.method, endpoint.path, endpoint.body, await credential()),
          401,
          'unauthorized',
        );
      }
      const others = ALL_SCOPES.filter((scope) => scope !== 'admin' && !endpoint.scopes.includes(scope));
      expect_(
        `${label} without its scope`,
        await call(
          endpoint.method,
          endpoint.path,
          endpoint.body,
          await as({ sub: 'chaos-lead', scopes: others, roles: ['admin'] }),
        ),
        403,
        'forbidden',
      );
    }
    expect(outcomes).toEqual([]);
    expect((await allEvents()).length).toBe(eventsBefore);
    expect(ledgerLines()).toBe(ledgerBefore);
  }, 120_000);

  it('keeps a gate closed to a reviewer of another gate, a service account and a revoked key', async () => {
    const eventsBefore = (await allEvents()).length;
    const ledgerBefore = ledgerLines();
    const stranger = await as({ sub: 'other-lead', scopes: ['gates:decide'] });
    expect(await call('POST', `/v1/gates/${gateId}/decision`, { outcome: 'approve' }, stranger)).toEqual({
      status: 403,
      code: 'run_reviewer_not_named',
    });
    expect(await call('GET', `/v1/gates/${gateId}`, undefined, stranger)).toEqual({ status: 403, code: 'forbidden' });
    const listed = await fetch(`${stack.gatewayUrl}/v1/gates?status=open`, { headers: { authorization: stranger } });
    expect(await listed.json()).toEqual([]);

    const admin = await as({ sub: 'ops-admin', scopes: ['admin'] });
    const created = await fetch(`${stack.gatewayUrl}/v1/service-accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: admin },
      body: JSON.stringify({ name: 'crm', scopes: ['gates:decide', 'runs:read'] }),
    });
    expect(created.status).toBe(201);
    const account = (await created.json()) as { id: string; apiKey: string };
    const eventsWithAccount = (await allEvents()).length;
    expect(eventsWithAccount).toBe(eventsBefore + 1);
    const apiKey = `Bearer ${account.apiKey}`;
    expect(await call('GET', `/v1/runs/${runId}`, undefined, apiKey)).toEqual({ status: 200 });
    expect(await call('POST', `/v1/gates/${gateId}/decision`, { outcome: 'approve' }, apiKey)).toEqual({
      status: 403,
      code: 'human_required',
    });
    expect(await call('POST', '/v1/service-accounts', { name: 'escalate', scopes: ['runs:start'] }, apiKey)).toEqual({
      status: 403,
      code: 'forbidden',
    });
    expect(await call('POST', '/v1/service-accounts', { name: 'too-strong', scopes: ['admin'] }, admin)).toMatchObject({
      status: 400,
    });
    expect(await call('POST', `/v1/service-accounts/${account.id}/revoke`, { reason: 'rotated' }, admin)).toEqual({
      status: 200,
    });
    expect(await call('GET', `/v1/runs/${runId}`, undefined, apiKey)).toEqual({ status: 401, code: 'unauthorized' });
    expect(await call('POST', `/v1/service-accounts/${account.id}/revoke`, {}, admin)).toEqual({
      status: 409,
      code: 'service_account_revoked',
    });

    expect((await allEvents()).length).toBe(eventsWithAccount + 1);
    expect((await allEvents()).slice(eventsBefore).map((e) => e.type)).toEqual([
      'ServiceAccountCreated',
      'ServiceAccountRevoked',
    ]);
    expect(ledgerLines()).toBe(ledgerBefore);
    expect((await store.readStream(`run-${runId}`)).some((e) => e.type === 'GateDecided')).toBe(false);
  }, 60_000);

  it('lets each endpoint through with its scope, keeps health and OpenAPI public, and the named reviewer opens the gate', async () => {
    for (const endpoint of endpoints().filter((e) => e.method === 'GET')) {
      const got = await call(
        endpoint.method,
        endpoint.path,
        undefined,
        await as({ sub: 'reader', scopes: endpoint.scopes }),
      );
      expect([`${endpoint.path}`, got.status]).toEqual([`${endpoint.path}`, 200]);
    }
    expect((await fetch(`${stack.gatewayUrl}/openapi.json`)).status).toBe(200);
    const reviewer = `Bearer ${await devToken(stack, { sub: 'chaos-lead', scopes: ['gates:decide'] })}`;
    expect(await call('GET', `/v1/gates/${gateId}`, undefined, reviewer)).toEqual({ status: 200 });
    expect(await call('POST', `/v1/gates/${gateId}/decision`, { outcome: 'approve' }, reviewer)).toEqual({
      status: 200,
    });
    await eventually(
      async () => ((await store.readStream(`run-${runId}`)).some((e) => e.type === 'RunCompleted') ? true : undefined),
      30_000,
      'the run to complete',
    );
    const decided = (await store.readStream(`run-${runId}`)).find((e) => e.type === 'GateDecided');
    expect(decided?.data).toMatchObject({ reviewer: 'chaos-lead', outcome: 'approved' });
    expect(ledgerLines()).toBe(3);
  }, 60_000);

  it('serves a valid OpenAPI document with a request body for every POST and PUT, each operation listed in docs/api.md', async () => {
    const document = (await (await fetch(`${stack.gatewayUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    await SwaggerParser.validate(structuredClone(document) as never);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ id: `${method.toUpperCase()} ${path}`, operation })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(35);
    const withoutBody = operations
      .filter(({ id, operation }) => /^(POST|PUT) /.test(id) && operation.requestBody === undefined)
      .map(({ id }) => id);
    expect(withoutBody).toEqual([]);
    const documented = documentedOperations(readFileSync(join(repoRoot(), 'docs/api.md'), 'utf8'));
    expect(operations.map(({ id }) => id).filter((id) => !documented.has(id))).toEqual([]);
    expect([...documented].filter((id) => !operations.some((o) => o.id === id))).toEqual([]);
  }, 30_000);
});
