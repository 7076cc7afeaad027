import { fileURLToPath } from 'node:url';
import { eventually, spawnProcess, startNatsServer, tempDir } from '@ledgerflow/testing';
import type { ManagedProcess, NatsServerHandle } from '@ledgerflow/testing';

/* A tool worker run by runToolWorker (fixtures/health-worker.mjs, on the built SDK) with LEDGERFLOW_HEALTH_PORT, on a
 * real nats-server: /readyz is 200 once it serves, 503 naming nats while the server is stopped, 200 again after. */
const FIXTURE = fileURLToPath(new URL('./fixtures/health-worker.mjs', import.meta.url));

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: { status: string; failing?: string[]; checks?: Record<string, { status: string; detail?: string }> };
}

async function get(url: string): Promise<Answer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = (await response.json()) as Answer['body'];
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body };
}

/** `GET <url>/readyz` until it answers `status`. */
function readyzOnce(url: string, status: number, timeoutMs: number): Promise<Answer> {
  return eventually(
    async () => {
      const answer = await get(`${url}/readyz`);
      return answer.status === status ? answer : undefined;
    },
    timeoutMs,
    `readyz ${status}`,
  );
}

function startWorker(natsUrl: string, env: Record<string, string>): Promise<ManagedProcess> {
  return spawnProcess({
    name: 'health-worker',
    command: process.execPath,
    args: [FIXTURE],
    env: { NATS_URL: natsUrl, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', ...env },
    readyLine: /^ledgerflow:ready health-worker$/m,
  });
}

describe('tool worker health listener (runToolWorker, LEDGERFLOW_HEALTH_PORT)', () => {
  let nats: NatsServerHandle | undefined;
  let worker: ManagedProcess | undefined;
  afterEach(async () => {
    await worker?.stop();
    await nats?.stop();
  });

  it('answers /readyz 200 while serving, 503 naming nats while nats-server is stopped, 200 after it restarts', async () => {
    const storeDir = await tempDir('ledgerflow-worker-health-');
    nats = await startNatsServer({ storeDir });
    const { port } = nats;
    worker = await startWorker(nats.url, { LEDGERFLOW_HEALTH_PORT: '0' });
    const url = /^ledgerflow:health health-worker (http:\/\/\S+)$/m.exec(worker.output())?.[1];
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const ready = await get(`${url}/readyz`);
    expect(ready).toMatchObject({ status: 200, retryAfter: null, body: { status: 'ready', failing: [] } });
    expect(Object.keys(ready.body.checks ?? {}).sort()).toEqual(['dedupe', 'nats', 'started', 'subscriptions']);
    expect(ready.body.checks?.['dedupe']?.detail).toMatch(/^LF_DEDUPE_health-worker: /);

    await nats.stop();
    const down = await readyzOnce(url!, 503, 15_000);
    expect(down).toMatchObject({ retryAfter: '5', body: { status: 'not_ready' } });
    expect(down.body.failing).toContain('nats');
    expect(down.body.checks?.['nats']?.status).toBe('down');
    expect(await get(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: 'alive' } });

    nats = await startNatsServer({ port, storeDir });
    const up = await readyzOnce(url!, 200, 20_000);
    expect(up.body.failing).toEqual([]);
  }, 60_000);

  it('refuses a malformed LEDGERFLOW_HEALTH_PORT with exit code 78, naming the variable', async () => {
    nats = await startNatsServer();
    const bad = startWorker(nats.url, { LEDGERFLOW_HEALTH_PORT: 'eighty' });
    await expect(bad).rejects.toThrow(/exited with code 78 before it was ready/);
    await expect(bad).rejects.toThrow(/health-worker: LEDGERFLOW_HEALTH_PORT must be an integer in 0\.\.65535$/);
  }, 30_000);
});
