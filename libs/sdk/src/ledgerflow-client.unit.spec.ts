import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LedgerflowError } from '@ledgerflow/domain';
import { Webhook } from 'standardwebhooks';
import { LedgerflowClient, webhookSignatureHeaders } from './index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  raw: string;
}

/** A local gateway stand-in: answers by `method url` from `routes`, records every request. */
let server: Server;
let baseUrl: string;
const seen: Seen[] = [];
/** A route answers `[status, body]`, or `[status, body, content type]` (default JSON), and other headers. */
type Answer = [number, string] | [number, string, string] | [number, string, string, Record<string, string>];
let routes: Record<string, (n: number, seen: Seen) => Answer> = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: raw === '' ? undefined : JSON.parse(raw),
        raw,
      });
      const route = routes[`${req.method} ${req.url}`];
      const calls = seen.filter((s) => `${s.method} ${s.url}` === `${req.method} ${req.url}`).length;
      const [status, body, type = 'application/json', headers = {}] =
        route === undefined
          ? [404, '{"error":{"code":"route_unknown","message":"no route"}}']
          : route(calls, seen[seen.length - 1]!);
      // A `+hold` content type keeps the response open, as a stream with nothing new to say.
      if (type.endsWith('+hold')) res.writeHead(status, { 'content-type': type.slice(0, -'+hold'.length) }).write(body);
      else res.writeHead(status, { ...headers, 'content-type': type }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
);

beforeEach(() => {
  seen.length = 0;
  routes = {};
});

const json = (status: number, body: unknown) => (): [number, string] => [status, JSON.stringify(body)];

describe('LedgerflowClient', () => {
  it('sends the documented requests with the client token', async () => {
    routes = {
      'POST /v1/workflows/claim-review/runs': json(201, { runId: 'r1', created: true }),
      'POST /v1/webhooks/claim-review': json(202, { runId: 'r2', created: true }),
      'GET /v1/runs?limit=1000': json(200, { runs: [{ runId: 'r1', status: 'running' }] }),
      'GET /v1/runs/r%2F1/events?limit=1000': json(200, [{ type: 'RunTriggered' }]),
    };
    const client = new LedgerflowClient({ baseUrl, token: 'svc-token' });
    await expect(client.startRun('claim-review', { claimId: 'c1' }, { idempotencyKey: 'k1' })).resolves.toEqual({
      runId: 'r1',
      created: true,
    });
    await client.sendWebhook('claim-review', { claim: { id: 'c1' } }, 'hook-1');
    await expect(client.listRuns()).resolves.toEqual([{ runId: 'r1', status: 'running' }]);
    await expect(client.getEvents('r/1')).resolves.toEqual([{ type: 'RunTriggered' }]);
    expect(seen[0]).toMatchObject({
      body: { input: { claimId: 'c1' }, idempotencyKey: 'k1' },
      headers: { authorization: 'Bearer svc-token' },
    });
    expect(seen[1]).toMatchObject({ body: { claim: { id: 'c1' } }, headers: { 'idempotency-key': 'hook-1' } });
  });

  it('signs a webhook with Standard Webhooks over the exact body sent; the key is the webhook-id', async () => {
    routes = { 'POST /v1/webhooks/claim-review': json(202, { runId: 'r3', created: true }) };
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const client = new LedgerflowClient({ baseUrl });
    await client.sendWebhook('claim-review', { claim: { id: 'c1', note: 'é' } }, 'delivery-7', {
      signing: { scheme: 'standard-webhooks', secret },
    });
    const headers = seen[0]!.headers as Record<string, string>;
    expect(headers['webhook-id']).toBe('delivery-7');
    expect(headers['idempotency-key']).toBeUndefined();
    expect(() => new Webhook(secret).verify(seen[0]!.raw, headers)).not.toThrow();
    expect(() => new Webhook(`whsec_${randomBytes(32).toString('base64')}`).verify(seen[0]!.raw, headers)).toThrow(
      'No matching signature found',
    );
  });

  it('signs a webhook with a GitHub-style HMAC header, or with the configured header and prefix', () => {
    const body = '{"ref":"main"}';
    const hex = createHmac('sha256', 'shared-secret-0123').update(body).digest('hex');
    expect(webhookSignatureHeaders(body, 'd-1', { scheme: 'hmac-sha256', secret: 'shared-secret-0123' })).toEqual({
      'X-Hub-Signature-256': `sha256=${hex}`,
      'X-GitHub-Delivery': 'd-1',
    });
    expect(
      webhookSignatureHeaders(body, 'd-1', {
        scheme: 'hmac-sha256',
        secret: 'shared-secret-0123',
        header: 'X-Sig',
        prefix: '',
        idempotencyHeader: 'X-Id',
      }),
    ).toEqual({ 'X-Sig': hex, 'X-Id': 'd-1' });
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(
      webhookSignatureHeaders(
        body,
        'm',
        { scheme: 'standard-webhooks', secret: `whsec_${randomBytes(24).toString('base64')}` },
        at,
      )['webhook-timestamp'],
    ).toBe('1767323045');
  });

  it('decides a gate with the reviewer token', async () => {
    routes = { 'POST /v1/gates/r1.pay_out/decision': json(200, { gateId: 'r1.pay_out', outcome: 'approved' }) };
    const client = new LedgerflowClient({ baseUrl, token: 'svc-token' });
    await client.decideGate('r1.pay_out', 'approve', { comment: 'ok', token: 'reviewer-token' });
    expect(seen[0]).toMatchObject({
      body: { outcome: 'approve', comment: 'ok' },
      headers: { authorization: 'Bearer reviewer-token' },
    });
  });

  it("maps an error reply to a LedgerflowError with the server's code and message", async () => {
    routes = {
      'POST /v1/gates/g1/decision': json(409, {
        error: { code: 'run_gate_already_decided', message: 'gate g1 was decided already', details: { gateId: 'g1' } },
      }),
      'GET /v1/runs/r9': json(503, {
        error: { code: 'store_unavailable', message: 'event store down', retryable: true },
      }),
    };
    const client = new LedgerflowClient({ baseUrl });
    const decided = await client.decideGate('g1', 'reject', { token: 't' }).catch((e: unknown) => e);
    expect(decided).toBeInstanceOf(LedgerflowError);
    expect(decided).toMatchObject({
      code: 'run_gate_already_decided',
      message: 'gate g1 was decided already',
      retryable: false,
      details: { gateId: 'g1', status: 409 },
    });
    await expect(client.getRun('r9')).rejects.toMatchObject({
      code: 'store_unavailable',
      retryable: true,
      details: { status: 503 },
    });
    await expect(client.getTrace('nope')).rejects.toMatchObject({ code: 'route_unknown', details: { status: 404 } });
  });

  it('maps a body without an error object to http_<status>', async () => {
    routes = { 'GET /v1/runs/r1': () => [502, 'Bad Gateway'] };
    await expect(new LedgerflowClient({ baseUrl }).getRun('r1')).rejects.toMatchObject({
      code: 'http_502',
      retryable: true,
      message: 'GET /v1/runs/r1 failed with HTTP 502: Bad Gateway',
    });
  });

  it('reports an unreachable gateway as retryable', async () => {
    const client = new LedgerflowClient({ baseUrl: 'http://127.0.0.1:1' });
    await expect(client.listRuns()).rejects.toMatchObject({ code: 'gateway_unreachable', retryable: true });
  });

  it("reads every event of a 300-event run page by page, following the gateway's Link rel=next (docs/api.md, Lists)", async () => {
    const events = Array.from({ length: 300 }, (_, revision) => ({ type: 'StepSucceeded', revision }));
    const page = (from: number, cursor?: string): Answer => [
      200,
      JSON.stringify(events.slice(from, from + 100)),
      'application/json',
      cursor === undefined ? {} : { link: `</v1/runs/r1/events?after=-1&limit=1000&cursor=${cursor}>; rel="next"` },
    ];
    routes = {
      'GET /v1/runs/r1/events?limit=1000&after=-1': () => page(0, 'c99'),
      'GET /v1/runs/r1/events?after=-1&limit=1000&cursor=c99': () => page(100, 'c199'),
      'GET /v1/runs/r1/events?after=-1&limit=1000&cursor=c199': () => page(200),
    };
    const client = new LedgerflowClient({ baseUrl });
    const read = await client.getEvents('r1', { after: -1 });
    expect(read.map((event) => event.revision)).toEqual(events.map((event) => event.revision));
    expect(seen.map((request) => request.url)).toHaveLength(3);
  });

  it('waits for a terminal status over the run stream, or times out naming the last status', async () => {
    routes = {
      'GET /v1/runs/r1': (n) => [200, JSON.stringify({ runId: 'r1', status: n < 2 ? 'running' : 'completed' })],
      'GET /v1/runs/r1/stream': () =>
        sse(
          update('r1', 'RunTriggered', 1, 'running'),
          update('r1', 'StepSucceeded', 2, 'running'),
          update('r1', 'RunCompleted', 3, 'completed'),
        ),
      'GET /v1/runs/r2': json(200, { runId: 'r2', status: 'waiting_for_gate' }),
      'GET /v1/runs/r2/stream': () => [200, ': heartbeat\n\n', 'text/event-stream+hold'],
      'GET /v1/runs/r2/events?limit=1000': json(200, []),
    };
    const client = new LedgerflowClient({ baseUrl });
    await expect(client.waitForRun('r1', { timeoutMs: 5_000 })).resolves.toEqual({ runId: 'r1', status: 'completed' });
    // Read once before the stream and once after the terminal update: no polling.
    expect(seen.filter((s) => s.url === '/v1/runs/r1').length).toBe(2);
    await expect(
      client.waitForRun('r2', { timeoutMs: 5_000, until: (run) => run.status === 'waiting_for_gate' }),
    ).resolves.toMatchObject({ status: 'waiting_for_gate' });
    seen.length = 0;
    await expect(client.waitForRun('r2', { timeoutMs: 300 })).rejects.toMatchObject({
      code: 'run_wait_timeout',
      retryable: true,
      message: expect.stringContaining('last status: waiting_for_gate'),
    });
    expect(seen.filter((s) => s.url === '/v1/runs/r2/stream').length).toBe(1);
  });

  it('watches a run: skips heartbeats, reconnects once with Last-Event-ID after a drop, and ends after the terminal update', async () => {
    routes = {
      'GET /v1/runs/r1/stream': (n, request) =>
        n === 1
          ? sse(update('r1', 'RunTriggered', 4, 'running'), update('r1', 'StepStarted', 9, 'running'))
          : request.headers['last-event-id'] === '9'
            ? sse(
                update('r1', 'StepSucceeded', 12, 'running'),
                update('r1', 'RunFailed', 13, 'failed'),
                update('r1', 'Never', 14, 'failed'),
              )
            : [400, '{"error":{"code":"request_invalid","message":"wrong Last-Event-ID"}}'],
      'GET /v1/runs/r1': json(200, { runId: 'r1', status: 'running' }),
    };
    const client = new LedgerflowClient({ baseUrl, token: 't' });
    const got = [];
    for await (const u of client.watchRun('r1')) got.push([u.position, u.type, u.status]);
    expect(got).toEqual([
      [4, 'RunTriggered', 'running'],
      [9, 'StepStarted', 'running'],
      [12, 'StepSucceeded', 'running'],
      [13, 'RunFailed', 'failed'],
    ]);
    expect(
      seen
        .filter((s) => s.url === '/v1/runs/r1/stream')
        .map((s) => [s.headers['last-event-id'], s.headers.accept, s.headers.authorization]),
    ).toEqual([
      [undefined, 'text/event-stream', 'Bearer t'],
      ['9', 'text/event-stream', 'Bearer t'],
    ]);
  });

  it('gives up with stream_dropped when the reopened stream drops again with nothing new; returns when the run ended before lastEventId', async () => {
    routes = {
      'GET /v1/runs/r1/stream': () => sse(),
      'GET /v1/runs/r1': json(200, { runId: 'r1', status: 'running' }),
      'GET /v1/runs/r3/stream': () => sse(),
      'GET /v1/runs/r3': json(200, { runId: 'r3', status: 'completed' }),
      'GET /v1/runs/r3/events?limit=1000': json(200, [{ type: 'RunCompleted', position: 20 }]),
      'GET /v1/runs/nope/stream': json(404, { error: { code: 'run_not_found', message: 'run nope does not exist' } }),
    };
    const client = new LedgerflowClient({ baseUrl });
    const drain = async (iterator: AsyncIterable<unknown>) => {
      for await (const _ of iterator);
    };
    await expect(drain(client.watchRun('r1', { lastEventId: 5 }))).rejects.toMatchObject({
      code: 'stream_dropped',
      retryable: true,
      details: { lastEventId: '5' },
    });
    expect(seen.filter((s) => s.url === '/v1/runs/r1/stream').length).toBe(2);
    await expect(drain(client.watchRun('r3', { lastEventId: 20 }))).resolves.toBeUndefined();
    await expect(drain(client.watchRun('nope'))).rejects.toMatchObject({
      code: 'run_not_found',
      details: { status: 404 },
    });
    const aborted = new AbortController();
    aborted.abort(new Error('caller stopped'));
    await expect(drain(client.watchRun('r1', { signal: aborted.signal }))).rejects.toThrow('caller stopped');
  });
});

/** An SSE body of `updates` as the gateway frames them. */
function sse(...updates: Array<Record<string, unknown>>): [number, string, string] {
  const text = updates
    .map((u) => `id: ${String(u.position)}\nevent: ${String(u.type)}\ndata: ${JSON.stringify(u)}\n\n`)
    .join(': heartbeat\n\n');
  return [200, `retry: 1000\n\n${text}`, 'text/event-stream; charset=utf-8'];
}

function update(runId: string, type: string, position: number, status: string): Record<string, unknown> {
  return { type, runId, status, revision: position, position, occurredAt: '2026-05-01T10:00:00.000Z' };
}
