import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { runIdFor } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { runUpdateOf, sseMessages } from '@ledgerflow/sdk';
import { eventually, freePort, repoRoot, runEventsWhen, spawnProcess, tempDir } from '@ledgerflow/testing';
import type { ManagedProcess } from '@ledgerflow/testing';

/**
 * `ledgerflow start` as one process on a fresh data directory, fed and watched only from outside (CLI, HTTP, NATS,
 * SSE, an outbound webhook) and never restarted: workflows registered through the CLI; runs triggered over HTTP and
 * NATS complete, SSE delivers every position once across a reconnect, and each run's webhook is signed; a schedule
 * of one run per second misses and doubles no tick across a planner SIGKILL the supervisor repairs; pause and
 * resume, an external task, a `when:` skip, output_invalid and secrets_missing end as stated.
 */
describe('ledgerflow start, used as a server', () => {
  const root = repoRoot();
  const cliPath = join(root, 'tools/cli/dist/main.js');
  let dataDir: string;
  let server: ManagedProcess;
  let gateway: string;
  let token: string;
  let store: SqliteEventStore;
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ headers: IncomingHttpHeaders; body: string }> = [];

  const cli = (...args: string[]) => {
    const done = spawnSync(process.execPath, [cliPath, ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, LEDGERFLOW_DATA_DIR: dataDir, LEDGERFLOW_TOKEN: token, LEDGERFLOW_URL: '', NATS_URL: '' },
    });
    return { code: done.status, out: `${done.stdout}${done.stderr}` };
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${gateway}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return {
      status: response.status,
      body: (await response.json().catch(() => undefined)) as Record<string, unknown> & { runId?: string },
    };
  };
  const events = (runId: string) => store.readStream(`run-${runId}`);
  const types = (all: readonly StoredEvent[]) => all.map((e) => e.type);
  const has = (type: string) => (all: StoredEvent[]) => types(all).includes(type);
  const startRun = async (workflowId: string, input: unknown, idempotencyKey: string) => {
    const started = await api('POST', `/v1/workflows/${workflowId}/runs`, { input, idempotencyKey });
    expect(started.status).toBe(202);
    return started.body.runId as string;
  };

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    dataDir = await tempDir('ledgerflow-server-');
    const port = await freePort();
    server = await spawnProcess({
      name: 'ledgerflow-start',
      command: process.execPath,
      args: [
        cliPath,
        'start',
        '--data-dir',
        dataDir,
        '--port',
        String(port),
        '--nats-port',
        String(await freePort()),
        '--worker',
        `bench-workers=${join(root, 'examples/bench/dist/workers.js')}@lf.tool.bench.>`,
      ],
      cwd: root,
      env: {
        BENCH_LEDGER: join(dataDir, 'bench-ledger.jsonl'),
        LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE: 'true',
        LEDGERFLOW_WEBHOOK_RETRY_DELAYS_MS: '200,200',
        LEDGERFLOW_LOG_LEVEL: 'warn',
        NATS_URL: undefined,
        LEDGERFLOW_SECRET_DB_PASSWORD: 'correct horse',
      },
      readyLine: /^ledgerflow:ready stack$/,
      readyTimeoutMs: 120_000,
    });
    gateway = `http://127.0.0.1:${port}`;
    token = cli('token', '--user', 'ops', '--roles', 'claims-lead', '--scopes', 'admin', '--ttl', '1h').out.trim();
    store = await SqliteEventStore.open(join(dataDir, 'ledgerflow.db'));
  }, 150_000);

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    receiver?.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
  }, 60_000);

  it('registers workflows through the CLI while it runs', () => {
    const applied = cli(
      'workflows',
      'apply',
      'examples/bench/workflows/noop-chain.yaml',
      'services/executor/src/fixtures/workflows/step-semantics',
      'services/executor/src/fixtures/workflows/secrets',
      'services/planner/src/fixtures/schedules/every-second-all.yaml',
    );
    expect([applied.code, applied.out]).toEqual([0, expect.stringContaining('noop-chain@')]);
    for (const id of ['conditional', 'external-task', 'output-check', 'pausable', 'needs-secrets', 'every-second-all'])
      expect(applied.out).toContain(`${id}@1.0.0 created`);
  });

  it('runs triggered over HTTP and NATS; SSE to the end with one reconnect; a signed webhook for each', async () => {
    const subscribed = await api('POST', '/v1/subscriptions', {
      url: receiverUrl,
      eventTypes: ['RunCompleted'],
      workflowId: 'pausable',
    });
    expect(subscribed.status).toBe(201);
    const secret = subscribed.body.secret as string;

    const httpRun = await startRun('pausable', { sleepMs: 1500 }, 'server-http');
    const read = async (lastEventId?: string, stopAfter?: number) => {
      const abort = new AbortController();
      const response = await fetch(`${gateway}/v1/runs/${httpRun}/stream`, {
        headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: abort.signal,
      });
      expect(response.status).toBe(200);
      const positions: number[] = [];
      try {
        for await (const message of sseMessages(response.body as ReadableStream<Uint8Array>, abort.signal)) {
          const update = runUpdateOf(message);
          if (update) positions.push(update.position);
          if (stopAfter !== undefined && positions.length >= stopAfter) break;
        }
      } finally {
        abort.abort();
      }
      return positions;
    };
    const first = await read(undefined, 3);
    const rest = await read(String(first[first.length - 1]));
    const stored = await runEventsWhen(store, httpRun, has('RunCompleted'), 'completed');
    expect([...first, ...rest]).toEqual(stored.map((e) => e.position)); // nothing lost, nothing repeated

    const published = cli('triggers', 'publish', 'pausable', '--idempotency-key', 'server-nats');
    expect(published.code).toBe(0);
    const natsRun = runIdFor('pausable', 'server-nats');
    expect(published.out).toContain(`run ${natsRun}`);
    await runEventsWhen(store, natsRun, has('RunCompleted'), 'completed');
    expect((await events(natsRun))[0]?.data).toMatchObject({
      trigger: { source: 'nats', idempotencyKey: 'server-nats' },
    });

    const deliveries = await eventually(
      async () => (received.length >= 2 ? received : undefined),
      20_000,
      'two signed deliveries',
    );
    const verified = deliveries.map(
      (d) => new Webhook(secret).verify(d.body, d.headers as Record<string, string>) as { data: { runId: string } },
    );
    expect(verified.map((v) => v.data.runId).sort()).toEqual([httpRun, natsRun].sort());
  }, 90_000);

  it('a schedule of one run per second makes one run per tick across a planner SIGKILL', async () => {
    const ticks = async () =>
      (await store.readAll({ fromPosition: 0, streamPrefix: 'run-', maxCount: 100_000 }))
        .filter(
          (e) => e.type === 'RunTriggered' && (e.data as { workflowId: string }).workflowId === 'every-second-all',
        )
        .map((e) => (e.data as { input: { scheduledAt: string } }).input.scheduledAt);
    await eventually(async () => ((await ticks()).length >= 2 ? true : undefined), 20_000, 'the first scheduled runs');
    const status = JSON.parse(readFileSync(join(dataDir, 'status.json'), 'utf8')) as {
      processes: Array<{ name: string; pid: number }>;
    };
    process.kill(status.processes.find((p) => p.name === 'planner')?.pid as number, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    // Stop the schedule: a version without it (versions are immutable; the latest decides).
    const v2 = join(dataDir, 'every-second-all-2.yaml');
    writeFileSync(
      v2,
      readFileSync(join(root, 'services/planner/src/fixtures/schedules/every-second-all.yaml'), 'utf8')
        .replace('version: 1.0.0', 'version: 2.0.0')
        .replace(/trigger: .*\n/, 'trigger: { type: test.started }\n'),
    );
    expect(
      await eventually(
        async () => (cli('workflows', 'apply', v2).code === 0 ? true : undefined),
        30_000,
        'v2 applied once the planner is back',
      ),
    ).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const seen = (await ticks()).sort();
    expect(new Set(seen).size).toBe(seen.length); // never two runs for one tick
    const seconds = seen.map((at) => Date.parse(at) / 1000);
    expect(seconds.length).toBeGreaterThanOrEqual(6);
    for (let i = 1; i < seconds.length; i++)
      expect([seen[i], seconds[i] - (seconds[i - 1] as number)]).toEqual([seen[i], 1]); // every second, none missed
    const restarts = JSON.parse(readFileSync(join(dataDir, 'status.json'), 'utf8')) as {
      processes: Array<{ name: string; restarts: number }>;
    };
    expect(restarts.processes.find((p) => p.name === 'planner')?.restarts).toBe(1);
  }, 90_000);

  it('pause and resume, an external task, a when: skip, output_invalid and secrets_missing end as stated', async () => {
    const paused = await startRun('pausable', { sleepMs: 1200 }, 'server-pause');
    await runEventsWhen(store, paused, has('StepStarted'), 'started');
    expect((await api('POST', `/v1/runs/${paused}/pause`, {})).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect((await events(paused)).filter((e) => e.type === 'StepStarted')).toHaveLength(1); // nothing new while paused
    expect((await api('POST', `/v1/runs/${paused}/resume`, {})).status).toBe(200);
    expect(types(await runEventsWhen(store, paused, has('RunCompleted'), 'completed'))).toEqual(
      expect.arrayContaining(['RunPaused', 'RunResumed']),
    );

    const external = await startRun('external-task', {}, 'server-external');
    await runEventsWhen(
      store,
      external,
      (all) => all.some((e) => e.type === 'StepStarted' && (e.data as { stepId: string }).stepId === 'review'),
      'review started',
    );
    expect(
      (await api('POST', `/v1/runs/${external}/steps/review/complete`, { output: { approved: true } })).status,
    ).toBe(200);
    const reviewed = await runEventsWhen(store, external, has('RunCompleted'), 'completed');
    expect(
      reviewed.find((e) => e.type === 'StepSucceeded' && (e.data as { stepId: string }).stepId === 'review')?.data,
    ).toMatchObject({ completedBy: 'ops', matchedAs: 'role:claims-lead' });

    const conditional = await startRun('conditional', { flag: false, word: '1' }, 'server-when');
    const skipped = await runEventsWhen(store, conditional, has('RunCompleted'), 'completed');
    expect(skipped.find((e) => e.type === 'StepSkipped')?.data).toMatchObject({
      stepId: 'maybe',
      reason: 'condition_false',
    });

    const invalid = await startRun('output-check', { total: 'many' }, 'server-output');
    const failed = await runEventsWhen(store, invalid, has('RunPaused'), 'paused');
    expect(
      failed.filter((e) => e.type === 'StepFailed').map((e) => (e.data as { error: { code: string } }).error.code),
    ).toEqual(['output_invalid', 'output_invalid']);

    const secrets = await startRun('needs-secrets', {}, 'server-secrets');
    const blocked = await runEventsWhen(store, secrets, has('RunPaused'), 'paused');
    expect(blocked.find((e) => e.type === 'RunPaused')?.data).toMatchObject({
      code: 'secrets_missing',
      secrets: ['API_TOKEN'],
    });
    expect(types(blocked)).not.toContain('StepStarted');
  }, 90_000);
});
