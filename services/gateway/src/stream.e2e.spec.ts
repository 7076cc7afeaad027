import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { LedgerflowClient } from '@ledgerflow/sdk';
import type { RunUpdate } from '@ledgerflow/sdk';
import {
  authHeader,
  benchWorkers,
  eventually,
  repoRoot,
  startRunOverHttp,
  startStack,
  tempDir,
} from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { openStream } from './stream.spec-util.js';
import type { OpenStream, ReceivedMessage } from './stream.spec-util.js';

interface StoredEventView {
  type: string;
  revision: number;
  position: number;
  data: { stepId?: string };
}

const MAX_STREAMS = 12;
const run = promisify(execFile);

/**
 * Live updates end to end (docs/api.md, "Live updates"): the six services, nats-server and the bench workers as
 * OS processes; streams read over real HTTP and parsed as SSE. Every update is compared with the run's stored
 * events (`GET /v1/runs/{id}/events`), which are the record the stream must reproduce, position for position.
 */
describe('live updates over Server-Sent Events', () => {
  let stack: Stack;
  let admin: { authorization: string };
  const open: OpenStream[] = [];

  const stream = async (path: string, headers: Record<string, string> = {}) => {
    const opened = await openStream(`${stack.gatewayUrl}${path}`, { ...admin, ...headers });
    open.push(opened);
    return opened;
  };
  const get = async (path: string, headers: Record<string, string> = admin) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, { headers });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & {
        error?: { code: string; message: string; details?: Record<string, unknown> };
      },
    };
  };
  const storedEvents = async (runId: string) =>
    (await get(`/v1/runs/${runId}/events`)).body as unknown as StoredEventView[];
  const positions = (messages: readonly ReceivedMessage[]) => messages.map((message) => Number(message.id));

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-stream-');
    stack = await startStack({
      dataDir,
      env: {
        LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows',
        LEDGERFLOW_STREAM_HEARTBEAT_MS: '200',
        LEDGERFLOW_STREAM_MAX_CONNECTIONS: String(MAX_STREAMS),
      },
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
    });
    admin = await authHeader(stack);
  }, 90_000);

  afterEach(() => {
    for (const opened of open.splice(0)) opened.close();
  });

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  it('streams a run to its end, and a stream resumed with Last-Event-ID mid-run loses and repeats nothing', async () => {
    const runId = await startRunOverHttp(stack, 'recorded-chain', { input: { sleepMs: 400 } });
    const first = await stream(`/v1/runs/${runId}/stream`);
    expect([first.status, first.headers.get('content-type')]).toEqual([200, 'text/event-stream; charset=utf-8']);
    await first.waitFor(6);
    first.close();
    expect(await first.ended).toBe('closed-by-client');
    const seen = [...first.messages];
    expect(seen.map((m) => m.event)).not.toContain('RunCompleted');

    const resumed = await stream(`/v1/runs/${runId}/stream`, { 'last-event-id': String(seen[seen.length - 1]!.id) });
    expect(await resumed.ended).toBe('closed-by-server');
    const union = [...seen, ...resumed.messages];
    const stored = await storedEvents(runId);
    expect(positions(union)).toEqual(stored.map((event) => event.position));
    expect(union.map((m) => m.event)).toEqual(stored.map((event) => event.type));
    expect(union.map((m) => [m.data.type, m.data.runId, m.data.revision, m.data.position, m.data.stepId])).toEqual(
      stored.map((event) => [event.type, runId, event.revision, event.position, event.data.stepId]),
    );
    expect(union[0]!.data.status).toBe('running');
    expect(union[union.length - 1]!.data).toMatchObject({ type: 'RunCompleted', status: 'completed' });

    // ?lastEventId= for clients that cannot set headers; resuming after the terminal event ends at once.
    const middle = stored[4]!.position;
    const fromQuery = await stream(`/v1/runs/${runId}/stream?lastEventId=${middle}`);
    expect(await fromQuery.ended).toBe('closed-by-server');
    expect(positions(fromQuery.messages)).toEqual(
      stored.filter((event) => event.position > middle).map((event) => event.position),
    );
    const afterEnd = await stream(`/v1/runs/${runId}/stream`, {
      'last-event-id': String(stored[stored.length - 1]!.position),
    });
    expect([await afterEnd.ended, afterEnd.messages.length]).toEqual(['closed-by-server', 0]);
  }, 60_000);

  it("the SDK's watchRun reads every update of a run and waitForRun returns it completed", async () => {
    const client = new LedgerflowClient({
      baseUrl: stack.gatewayUrl,
      token: admin.authorization.slice('Bearer '.length),
    });
    const runId = await startRunOverHttp(stack, 'recorded-chain', { input: { sleepMs: 100 } });
    const watched = (async () => {
      const updates: RunUpdate[] = [];
      for await (const update of client.watchRun(runId)) updates.push(update);
      return updates;
    })();
    const [run, updates] = await Promise.all([client.waitForRun(runId, { timeoutMs: 30_000 }), watched]);
    expect(run).toMatchObject({ runId, status: 'completed' });
    expect(updates.map((u) => [u.position, u.type])).toEqual(
      (await storedEvents(runId)).map((e) => [e.position, e.type]),
    );
    await expect(client.waitForRun('no-such-run', { timeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'run_not_found',
    });
  }, 60_000);

  it('ledgerflow token signs a token the gateway takes; runs start --watch and runs watch follow runs to their outcome and exit code', async () => {
    const cli = (env: Record<string, string>, ...args: string[]) =>
      run(process.execPath, [join(repoRoot(), 'tools/cli/dist/main.js'), ...args], {
        env: { ...process.env, LEDGERFLOW_URL: stack.gatewayUrl, ...env },
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const minted = await cli(
      { LEDGERFLOW_AUTH_SECRET: stack.authSecret },
      'token',
      '--user',
      'ci',
      '--scopes',
      'runs:start,runs:read,runs:operate',
    );
    expect(minted.code).toBe(0);
    const env = { LEDGERFLOW_TOKEN: minted.stdout.trim() };
    const input = join(stack.dataDir, 'input.json');
    await writeFile(input, JSON.stringify({ sleepMs: 50 }));

    const watched = await cli(
      env,
      'runs',
      'start',
      'recorded-chain',
      '--input',
      input,
      '--idempotency-key',
      'cli-watch-1',
      '--watch',
    );
    expect([watched.code, watched.stderr]).toEqual([0, '']);
    const runId = /^run (\S+) started$/m.exec(watched.stdout)?.[1] as string;
    const stored = await storedEvents(runId);
    expect(watched.stdout).toContain(`[${stored[stored.length - 1]!.position}] `);
    expect(watched.stdout.match(/^\[\d+\] /gm)).toHaveLength(stored.length);
    expect(watched.stdout).toMatch(/^r4 +succeeded +1 +\d+ ms$/m);
    expect(watched.stdout.trimEnd().split('\n').at(-1)).toBe(`run ${runId} completed`);

    const started = await cli(env, 'runs', 'start', 'ops-failures');
    const failing = /^run (\S+) started$/m.exec(started.stdout)?.[1] as string;
    const watching = cli(env, 'runs', 'watch', failing);
    await eventually(
      async () => ((await storedEvents(failing)).some((e) => e.type === 'StepFailed') ? true : undefined),
      30_000,
      'a failed step',
    );
    const cancel = await fetch(`${stack.gatewayUrl}/v1/runs/${failing}/cancel`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'stream e2e' }),
    });
    expect(cancel.status).toBe(200);
    const outcome = await watching;
    expect([outcome.code, outcome.stdout.trimEnd().split('\n').at(-1)]).toEqual([1, `run ${failing} cancelled`]);
    expect((await cli({}, 'runs', 'watch', failing)).stderr).toContain('LEDGERFLOW_TOKEN is not set');
  }, 90_000);

  it('sends only the filtered workflow and event types on /v1/stream, from the moment it opens', async () => {
    const before = await startRunOverHttp(stack, 'recorded-chain', { input: { sleepMs: 0 } });
    await eventually(
      async () => ((await get(`/v1/runs/${before}`)).body.status === 'completed' ? true : undefined),
      30_000,
      'the earlier run',
    );
    const filtered = await stream('/v1/stream?workflowId=recorded-chain&types=StepSucceeded,%20RunCompleted');
    expect(filtered.status).toBe(200);
    const other = await startRunOverHttp(stack, 'noop-chain', { input: {} });
    const runId = await startRunOverHttp(stack, 'recorded-chain', { input: { sleepMs: 50 } });
    await filtered.waitFor(5);
    await eventually(
      async () => ((await get(`/v1/runs/${other}`)).body.status === 'completed' ? true : undefined),
      30_000,
      'the noop-chain run',
    );
    const stored = (await storedEvents(runId)).filter(
      (event) => event.type === 'StepSucceeded' || event.type === 'RunCompleted',
    );
    expect(filtered.messages.map((m) => [m.data.runId, m.event, Number(m.id)])).toEqual(
      stored.map((event) => [runId, event.type, event.position]),
    );
  }, 60_000);

  it('resumes /v1/stream after a Last-Event-ID with every update after it, in position order', async () => {
    const runId = await startRunOverHttp(stack, 'recorded-chain', { input: { sleepMs: 0 } });
    await eventually(
      async () => ((await get(`/v1/runs/${runId}`)).body.status === 'completed' ? true : undefined),
      30_000,
      'the run',
    );
    const stored = await storedEvents(runId);
    const resumed = await stream(`/v1/stream?workflowId=recorded-chain`, {
      'last-event-id': String(stored[2]!.position),
    });
    await resumed.waitFor(stored.length - 3);
    expect(positions(resumed.messages.filter((m) => m.data.runId === runId))).toEqual(
      stored.slice(3).map((event) => event.position),
    );
    const all = positions(resumed.messages);
    expect(all).toEqual([...all].sort((a, b) => a - b));
  }, 60_000);

  it('refuses without a token (401), an unknown run (404) and malformed filters or positions (400 naming the field)', async () => {
    const runId = await startRunOverHttp(stack, 'noop-chain', { input: {} });
    expect((await get(`/v1/runs/${runId}/stream`, {})).status).toBe(401);
    expect((await get('/v1/stream', {})).status).toBe(401);
    const unknown = await get('/v1/runs/no-such-run/stream');
    expect([unknown.status, unknown.body.error?.code]).toEqual([404, 'run_not_found']);
    for (const [path, headers, field] of [
      ['/v1/stream?types=StepSucceeded,Nope', {}, 'types'],
      ['/v1/stream?types=', {}, 'types'],
      ['/v1/stream?workflowId=Bad_Id', {}, 'workflowId'],
      ['/v1/stream?lastEventId=-1', {}, 'lastEventId'],
      [`/v1/runs/${runId}/stream`, { 'last-event-id': 'abc' }, 'Last-Event-ID'],
      [`/v1/runs/${runId}/events?after=x`, {}, 'after'],
      [`/v1/runs/${runId}/events?after=-2`, {}, 'after'],
    ] as const) {
      const answer = await get(path, { ...admin, ...headers });
      expect([path, answer.status, answer.body.error?.code, answer.body.error?.details?.field]).toEqual([
        path,
        400,
        'request_invalid',
        field,
      ]);
    }
  }, 30_000);

  it('returns only the events after a revision from /v1/runs/{id}/events?after=', async () => {
    const runId = await startRunOverHttp(stack, 'noop-chain', { input: {} });
    await eventually(
      async () => ((await get(`/v1/runs/${runId}`)).body.status === 'completed' ? true : undefined),
      30_000,
      'the run',
    );
    const all = await storedEvents(runId);
    expect(
      ((await get(`/v1/runs/${runId}/events?after=3`)).body as unknown as StoredEventView[]).map((e) => e.revision),
    ).toEqual(all.slice(4).map((e) => e.revision));
    expect(((await get(`/v1/runs/${runId}/events?after=-1`)).body as unknown as StoredEventView[]).length).toBe(
      all.length,
    );
    expect(
      ((await get(`/v1/runs/${runId}/events?after=${all.length - 1}`)).body as unknown as StoredEventView[]).length,
    ).toBe(0);
  }, 30_000);

  it('sends heartbeat comments at the configured interval on an idle stream', async () => {
    const idle = await stream('/v1/stream?types=RunCancelled&workflowId=ops-token');
    await eventually(
      async () => (idle.comments.filter((c) => c === 'heartbeat').length >= 3 ? true : undefined),
      5_000,
      'three heartbeats',
    );
    expect(idle.messages).toEqual([]);
  }, 15_000);

  it(`refuses stream ${MAX_STREAMS + 1} with 503 stream_limit_reached, and takes a stream again once one closes`, async () => {
    const streams = [];
    for (let i = 0; i < MAX_STREAMS; i++) streams.push(await stream('/v1/stream'));
    expect(streams.map((s) => s.status)).toEqual(Array(MAX_STREAMS).fill(200));
    const refused = await get('/v1/stream');
    expect([refused.status, refused.body.error?.code, refused.body.error?.details?.limit]).toEqual([
      503,
      'stream_limit_reached',
      MAX_STREAMS,
    ]);
    streams[0]!.close();
    await eventually(
      async () => {
        const again = await stream('/v1/stream');
        if (again.status === 200) return true;
        again.close();
        return undefined;
      },
      5_000,
      'a free stream slot',
    );
  }, 30_000);

  it('never answers 5xx to arbitrary query parameters and Last-Event-ID headers of the stream endpoints', async () => {
    const runId = await startRunOverHttp(stack, 'noop-chain', { input: {} });
    const text = fc.string({ unit: 'grapheme', maxLength: 30 });
    const value = fc.oneof(
      text,
      fc.integer().map(String),
      fc.constantFrom('RunCompleted', 'StepSucceeded,RunFailed', ',', 'noop-chain', '9007199254740993', '1e3', ''),
    );
    const query = fc
      .array(fc.tuple(fc.constantFrom('workflowId', 'types', 'lastEventId', 'after', 'x', 'types[]'), value), {
        maxLength: 4,
      })
      .map((pairs) =>
        pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`,
      );
    const header = fc.option(
      fc.oneof(
        fc.integer().map(String),
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/v1/stream', `/v1/runs/${runId}/stream`, `/v1/runs/${runId}/events`),
        query,
        header,
        async (path, search, lastEventId) => {
          const opened = await openStream(`${stack.gatewayUrl}${path}${search}`, {
            ...admin,
            ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }),
          });
          opened.close();
          if (opened.status < 200 || opened.status >= 500)
            throw new Error(`${path}${search} (Last-Event-ID ${lastEventId}): ${opened.status} ${opened.text ?? ''}`);
        },
      ),
      { numRuns: 80 },
    );
  }, 60_000);
});
