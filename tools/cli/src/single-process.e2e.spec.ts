import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { eventually, freePort, repoRoot, spawnProcess, startOtlpReceiver, tempDir } from '@ledgerflow/testing';
import type { ManagedProcess, OtlpReceiver } from '@ledgerflow/testing';

interface Status {
  readonly running: boolean;
  readonly info: Record<string, string>;
  readonly processes: ReadonlyArray<{ name: string; pid: number | null; ready: boolean; restarts: number }>;
}

/**
 * `ledgerflow start --single-process` as an OS process on a fresh data directory: nats-server with per-service
 * NATS users, the six services in one Node process, the bench workers; runs complete over HTTP with each
 * service's spans under its own `service.name`, the supervisor restarts the services process after a SIGKILL, and
 * `status` and `stop` work as with a process per service.
 */
describe('ledgerflow start --single-process', () => {
  const root = repoRoot();
  const cliPath = join(root, 'tools/cli/dist/main.js');
  let dataDir: string;
  let server: ManagedProcess;
  let gateway: string;
  let token: string;
  let store: SqliteEventStore;
  let receiver: OtlpReceiver;

  const cli = (...args: string[]) => {
    const done = spawnSync(process.execPath, [cliPath, ...args], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, LEDGERFLOW_DATA_DIR: dataDir, NATS_URL: '' },
    });
    return { code: done.status, out: `${done.stdout}${done.stderr}` };
  };
  const status = (): Status => JSON.parse(cli('status', '--json').out) as Status;
  const completedRun = async (idempotencyKey: string): Promise<string> => {
    const response = await fetch(`${gateway}/v1/workflows/noop-chain/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: {}, idempotencyKey }),
    });
    expect(response.status).toBe(202);
    const { runId } = (await response.json()) as { runId: string };
    await eventually(
      async () => ((await store.readStream(`run-${runId}`)).some((e) => e.type === 'RunCompleted') ? true : undefined),
      60_000,
      `run ${runId} completed`,
    );
    return runId;
  };

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    dataDir = await tempDir('ledgerflow-single-');
    const port = await freePort();
    server = await spawnProcess({
      name: 'ledgerflow-start',
      command: process.execPath,
      args: [
        cliPath,
        'start',
        '--single-process',
        '--data-dir',
        dataDir,
        '--port',
        String(port),
        '--nats-port',
        String(await freePort()),
        '--definitions',
        'examples/bench/workflows',
        '--worker',
        `bench-workers=${join(root, 'examples/bench/dist/workers.js')}@lf.tool.bench.>`,
      ],
      cwd: root,
      env: {
        BENCH_LEDGER: join(dataDir, 'bench-ledger.jsonl'),
        LEDGERFLOW_LOG_LEVEL: 'warn',
        NATS_URL: undefined,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl,
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      readyLine: /^ledgerflow:ready stack$/,
      readyTimeoutMs: 240_000,
    });
    gateway = `http://127.0.0.1:${port}`;
    token = cli('token', '--user', 'ops', '--scopes', 'runs:start,runs:read', '--ttl', '1h').out.trim();
    store = await SqliteEventStore.open(join(dataDir, 'ledgerflow.db'));
  }, 270_000);

  afterAll(async () => {
    await store?.close();
    await server?.stop();
    await receiver?.stop();
  }, 60_000);

  it('runs the six services as one supervised process; a run completes, traced by each service under its own name', async () => {
    const running = status();
    expect(running).toMatchObject({ running: true, info: { layout: 'single-process' } });
    expect(running.processes.map((p) => [p.name, p.ready])).toEqual([
      ['nats-server', true],
      ['services', true],
      ['bench-workers', true],
    ]);
    const runId = await completedRun('single-1');
    const steps = (await store.readStream(`run-${runId}`)).filter((e) => e.type === 'StepSucceeded');
    expect(steps).toHaveLength(10);
    // W3C traceparent of the span that appended RunTriggered: 00-<trace id>-<span id>-<flags>.
    const traceId = (await store.readStream(`run-${runId}`))[0]?.metadata.traceparent?.split('-')[1];
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const wanted = ['ledgerflow-gateway', 'ledgerflow-planner', 'ledgerflow-policy', 'ledgerflow-executor'];
    const spans = await receiver.waitForSpans((all) => {
      const services = new Set(all.filter((span) => span.traceId === traceId).map((span) => span.serviceName));
      return wanted.every((name) => services.has(name));
    }, 15_000);
    expect(spans.filter((span) => span.traceId === traceId && span.serviceName === 'ledgerflow-services')).toEqual([]);
  }, 90_000);

  it('restarts the services process after a SIGKILL, and runs complete again', async () => {
    const before = status().processes.find((p) => p.name === 'services');
    process.kill(before?.pid as number, 'SIGKILL');
    // Each probe runs `ledgerflow status`: once a second.
    const after = await eventually(
      async () => {
        const services = status().processes.find((p) => p.name === 'services');
        return services?.ready && services.restarts === 1 && services.pid !== before?.pid ? services : undefined;
      },
      240_000,
      'the services process restarted and ready',
      1_000,
    );
    expect(after.restarts).toBe(1);
    await completedRun('single-2');
  }, 330_000);

  it('stops with ledgerflow stop', async () => {
    const stopped = cli('stop', '--timeout-seconds', '60');
    expect([stopped.code, stopped.out]).toEqual([0, expect.stringContaining('stopped')]);
    expect(status().running).toBe(false);
  }, 90_000);
});

describe('services-process', () => {
  const script = join(repoRoot(), 'tools/cli/dist/services-process.js');
  const run = (args: string[], env: Record<string, string>) =>
    spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 60_000, env });

  it('exits 78 naming the variable when a hosted service is misconfigured, and 2 for an unknown service', () => {
    const misconfigured = run(['--services', 'planner,policy'], { PATH: process.env.PATH ?? '' });
    expect([misconfigured.status, misconfigured.stderr]).toEqual([78, expect.stringContaining('LEDGERFLOW_PII_KEY')]);
    const unknown = run(['--services', 'planner,scheduler'], {});
    expect([unknown.status, unknown.stderr]).toEqual([
      2,
      expect.stringContaining('--services: expected some of planner'),
    ]);
  }, 60_000);
});
