import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjects } from '@ledgerflow/contracts';
import { webhookSignatureHeaders } from '@ledgerflow/sdk';
import {
  SERVICE_NAMES,
  authHeader,
  benchWorkers,
  eventually,
  generateWebhookSecret,
  startRunOverHttp,
  startStack,
  tempDir,
  writeWebhookSecrets,
} from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import {
  ENDPOINTS,
  PATH_ID_NAMES,
  hostileBody,
  hostileContentType,
  hostileSegment,
  nestedJson,
} from './hostile-input.spec-util.js';
import type { PathIds } from './hostile-input.spec-util.js';

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly error?: { code: string; message: string; retryable: boolean; details?: Record<string, unknown> };
}

/**
 * Hostile input end to end (docs/operations.md, "Input limits"): the six services, nats-server and the bench
 * workers as OS processes. Keys such as `constructor` stay data, deep nesting and bad path ids are refused
 * with 400, a body that is not JSON with 415; then fast-check sends arbitrary bodies, path segments, queries
 * and content types to every endpoint with an admin token, and no answer may be a 5xx; a canary run completes after.
 */
describe('hostile input end to end', () => {
  const secret = generateWebhookSecret();
  let stack: Stack;
  let nc: NatsConnection;
  let admin: { authorization: string };
  let ids: PathIds;

  const send = async (
    method: string,
    path: string,
    body?: string,
    contentType: string | undefined = 'application/json',
    extra: Record<string, string> = {},
  ): Promise<Answer> => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        ...admin,
        ...(body !== undefined && contentType !== undefined ? { 'content-type': contentType } : {}),
        ...extra,
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let error: Answer['error'];
    try {
      error = (JSON.parse(text) as { error?: Answer['error'] }).error;
    } catch {
      error = undefined;
    }
    return { status: response.status, text, ...(error ? { error } : {}) };
  };
  const signed = (body: string) =>
    webhookSignatureHeaders(body, `msg-${randomUUID()}`, { scheme: 'standard-webhooks', secret });
  const eventsOf = async (runId: string) =>
    JSON.parse((await send('GET', `/v1/runs/${runId}/events`)).text) as Array<{
      type: string;
      data: Record<string, unknown>;
    }>;

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-hostile-');
    const { env } = await writeWebhookSecrets(dataDir, { 'noop-chain': { scheme: 'standard-webhooks', secret } });
    stack = await startStack({
      dataDir,
      env: { ...env, LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows,services/executor/src/fixtures/workflows' },
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
    });
    admin = await authHeader(stack);
    nc = await stack.connect();
    const runId = await startRunOverHttp(stack, 'chaos-gated', {
      input: { sleepMs: 0 },
      idempotencyKey: 'hostile-gated',
    });
    await eventually(
      async () => ((await eventsOf(runId)).some((e) => e.type === 'GateOpened') ? true : undefined),
      30_000,
      'the gate of the chaos-gated run',
    );
    const account = JSON.parse(
      (await send('POST', '/v1/service-accounts', JSON.stringify({ name: 'hostile', scopes: ['runs:read'] }))).text,
    ) as { id: string };
    ids = {
      runId,
      gateId: `${runId}.g2`,
      workflowId: 'noop-chain',
      accountId: account.id,
      subscriptionId: '0123456789abcdef',
    };
  }, 90_000);

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  }, 30_000);

  it('keeps constructor, __proto__ and prototype as ordinary keys of a run input and a webhook payload', async () => {
    const input = '{"constructor":1,"nested":{"__proto__":{"polluted":true},"prototype":[{"constructor":"ACME"}]}}';
    const started = await send('POST', '/v1/workflows/noop-chain/runs', `{"input":${input}}`);
    expect(started.status).toBe(202);
    const runId = (JSON.parse(started.text) as { runId: string }).runId;
    const triggered = (await eventsOf(runId)).find((e) => e.type === 'RunTriggered');
    expect(JSON.stringify(triggered?.data['input'])).toBe(JSON.stringify(JSON.parse(input)));

    const body = '{"building":{"constructor":"ACME"}}';
    const delivered = await send('POST', '/v1/webhooks/noop-chain', body, 'application/json', signed(body));
    expect([delivered.status, delivered.error]).toEqual([202, undefined]);
    const webhookRun = (JSON.parse(delivered.text) as { runId: string }).runId;
    expect(JSON.stringify((await eventsOf(webhookRun)).find((e) => e.type === 'RunTriggered')?.data['input'])).toBe(
      body,
    );
  }, 30_000);

  it('refuses a body nested deeper than 64 levels with 400 payload_too_deep, at the gateway and at the planner', async () => {
    expect((await send('POST', '/v1/workflows/noop-chain/runs', `{"input":${nestedJson(63)}}`)).status).toBe(202);
    for (const inner of [nestedJson(64), nestedJson(10_000), `{"a":${nestedJson(10_000, '1', true)}}`]) {
      const refused = await send('POST', '/v1/workflows/noop-chain/runs', `{"input":${inner}}`);
      expect([
        refused.status,
        refused.error?.code,
        refused.error?.retryable,
        refused.error?.details?.['limit'],
      ]).toEqual([400, 'payload_too_deep', false, 64]);
      expect(refused.error?.message).toContain('deeper than 64 levels');
    }
    const deepWebhook = `{"x":${nestedJson(10_000)}}`;
    const webhook = await send('POST', '/v1/webhooks/noop-chain', deepWebhook, 'application/json', signed(deepWebhook));
    expect([webhook.status, webhook.error?.code]).toEqual([400, 'payload_too_deep']);

    // Straight to the planner, as any publisher allowed on lf.planner.start-run could send it.
    const trigger = `{"workflowId":"noop-chain","idempotencyKey":"deep-${randomUUID()}","source":"nats","payload":${nestedJson(10_000)}}`;
    const reply = (await nc.request(subjects.plannerStartRun, trigger, { timeout: 10_000 })).json<{
      ok: boolean;
      error?: { code: string; details?: { limit?: number } };
    }>();
    expect([reply.ok, reply.error?.code, reply.error?.details?.limit]).toEqual([false, 'payload_too_deep', 64]);
  }, 30_000);

  it('refuses a CR/LF in every path id with 400 request_invalid naming the parameter', async () => {
    const junk = 'abc%0D%0Adef';
    const cases = ENDPOINTS.flatMap((endpoint) =>
      PATH_ID_NAMES.filter((name) => endpoint.path(ids) !== endpoint.path({ ...ids, [name]: junk })).map((name) => ({
        endpoint,
        name,
        path: endpoint.path({ ...ids, [name]: junk }),
      })),
    );
    expect(cases.length).toBeGreaterThanOrEqual(17);
    for (const { endpoint, name, path } of cases) {
      const answer = await send(endpoint.method, path, endpoint.method === 'GET' ? undefined : '{}');
      expect([endpoint.name, answer.status, answer.error?.code, answer.error?.details?.['field']]).toEqual([
        endpoint.name,
        400,
        'request_invalid',
        name,
      ]);
      expect(answer.error?.message).toContain(`path parameter ${name} must be`);
      expect(answer.error?.message).toContain('"abc\\r\\ndef"');
    }
  }, 30_000);

  it('answers 415 to a body that is not JSON, naming the expected type', async () => {
    for (const [path, body, type] of [
      ['/v1/workflows/noop-chain/runs', 'input=1', 'application/x-www-form-urlencoded'],
      ['/v1/workflows/noop-chain/runs', '{"input":{}}', 'text/plain'],
      [`/v1/runs/${ids.runId}/cancel`, 'reason=x', 'application/x-www-form-urlencoded'],
      ['/v1/service-accounts', '<account/>', 'application/xml'],
    ] as const) {
      const answer = await send('POST', path, body, type);
      expect([path, type, answer.status, answer.error?.code, answer.error?.details?.['expected']]).toEqual([
        path,
        type,
        415,
        'unsupported_media_type',
        'application/json',
      ]);
    }
    const webhook = await send('POST', '/v1/webhooks/noop-chain', '{"a":1}', 'text/plain');
    expect([webhook.status, webhook.error?.code]).toEqual([415, 'webhook_body_not_json']);
  }, 30_000);

  it('never answers 5xx to arbitrary bodies, path segments, queries and content types on any endpoint, and the services keep working', async () => {
    const query = fc.oneof(
      fc.constant(''),
      fc
        .array(
          fc.tuple(
            fc.constantFrom('status', 'workflowId', 'reviewer', 'at', 'from', 'to', 'stepId', 'limit', 'cursor', 'x'),
            fc.string({ unit: 'grapheme', maxLength: 30 }),
          ),
          { maxLength: 4 },
        )
        .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`),
      fc.constantFrom(
        '?status[x]=1',
        '?at=cp-1&at=cp-2',
        '?from=cp-1&to=cp-999999999',
        '?reviewer=me',
        '?%zz=1',
        '?at[__proto__][x]=1',
        '?status=open',
        '?status=proposed',
        '?limit=1000&cursor=WyJsYWJlbHMiLCJ4Il0',
        '?stepId=extract&limit=0',
      ),
    );
    const idsArbitrary = fc.record(
      Object.fromEntries(PATH_ID_NAMES.map((name) => [name, fc.option(hostileSegment)])) as Record<
        keyof PathIds,
        fc.Arbitrary<string | null>
      >,
    );
    for (const endpoint of ENDPOINTS) {
      await fc.assert(
        fc.asyncProperty(
          hostileBody,
          hostileContentType,
          idsArbitrary,
          query,
          async (body, contentType, replaced, search) => {
            const path = endpoint.path(
              Object.fromEntries(PATH_ID_NAMES.map((name) => [name, replaced[name] ?? ids[name]])) as PathIds,
            );
            const isPost = endpoint.method !== 'GET';
            const extra = endpoint.name === 'webhook' ? signed(body) : {};
            const answer = await send(
              endpoint.method,
              `${path}${search}`,
              isPost ? body : undefined,
              contentType,
              extra,
            );
            if (answer.status < 200 || answer.status >= 500) {
              throw new Error(
                `${endpoint.method} ${path}${search} (${contentType ?? 'no content-type'}, body ${body.slice(0, 200)}): ${answer.status} ${answer.text.slice(0, 300)}`,
              );
            }
          },
        ),
        { numRuns: 40, endOnFailure: true },
      );
    }
    for (const name of SERVICE_NAMES) {
      expect([
        name,
        await Promise.race([stack.process(name).exited.then(() => 'exited'), Promise.resolve('running')]),
      ]).toEqual([name, 'running']);
    }
    const canary = await startRunOverHttp(stack, 'noop-chain', { input: { canary: true } });
    const done = await eventually(
      async () => {
        const status = (JSON.parse((await send('GET', `/v1/runs/${canary}`)).text) as { status: string }).status;
        return status === 'completed' || status === 'failed' ? status : undefined;
      },
      60_000,
      'the canary run to finish',
    );
    expect(done).toBe('completed');
  }, 150_000);
});
