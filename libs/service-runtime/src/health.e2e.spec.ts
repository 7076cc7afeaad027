import { SERVICE_NAMES, eventually, startStack } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

/** A service's health URL, from the `ledgerflow:health <name> <url>` line it printed (see `healthLine`). */
function healthUrlOf(output: string, name: string): string {
  const found = new RegExp(`^ledgerflow:health ${name} (http://\\S+)$`, 'm').exec(output);
  if (!found) throw new Error(`${name} printed no health line:\n${output}`);
  return found[1] as string;
}

interface Answer {
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: {
    status: string;
    failing?: string[];
    checks?: Record<string, { status: string; detail?: string }>;
  };
}

async function get(url: string): Promise<Answer> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as Answer['body'],
  };
}

const RPC_SERVICES = ['planner', 'policy', 'approval', 'memory'];

/**
 * `/healthz` and `/readyz` of the six services, each its own OS process, against a real nats-server and SQLite
 * store: ready with every check up; when nats-server stops, every service stays alive but answers 503 naming `nats`;
 * once it runs again (same port and JetStream store), every service is ready again.
 */
describe('health endpoints: every service, nats-server stopped and restarted', () => {
  let stack: Stack;
  /** Base URL per target: the six health listeners and the gateway's own HTTP port. */
  let targets: Record<string, string>;

  beforeAll(async () => {
    stack = await startStack({ env: { LEDGERFLOW_HEALTH_PORT: '0' } });
    targets = Object.fromEntries(SERVICE_NAMES.map((name) => [name, healthUrlOf(stack.process(name).output(), name)]));
    targets['gateway-http'] = stack.gatewayUrl;
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  const readiness = async (): Promise<Record<string, Answer>> =>
    Object.fromEntries(
      await Promise.all(Object.entries(targets).map(async ([name, url]) => [name, await get(`${url}/readyz`)])),
    );

  it('answers 200 with each check up once started, and names the checks of each kind of service', async () => {
    const answers = await eventually(
      async () => {
        const now = await readiness();
        return Object.values(now).every((a) => a.status === 200) ? now : undefined;
      },
      30_000,
      'every service ready',
    );
    for (const [name, answer] of Object.entries(answers)) {
      expect(answer.body).toMatchObject({ status: 'ready', failing: [] });
      for (const check of ['started', 'nats', 'store', 'consumers'])
        expect([name, check, answer.body.checks?.[check]?.status]).toEqual([name, check, 'up']);
    }
    for (const name of RPC_SERVICES) expect(answers[name]?.body.checks?.['rpc']?.status).toBe('up');
    expect(answers['executor']?.body.checks?.['rpc']).toBeUndefined();
    expect(answers['executor']?.body.checks?.['consumers']?.detail).toMatch(/^\d+ bound/);
    for (const url of Object.values(targets))
      expect(await get(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: 'alive' } });
  }, 60_000);

  it('answers 503 naming nats while nats-server is stopped, stays alive, and 200 again after it restarts', async () => {
    process.kill(stack.natsPid, 'SIGTERM');
    const down = await eventually(
      async () => {
        const now = await readiness();
        // Each service notices on its own connections: the health check's at once, Nest's transport (`rpc`) when
        // its status stream reports the disconnect, a moment later. Wait until both have.
        const allDown = Object.values(now).every((a) => a.status === 503);
        const rpcDown = RPC_SERVICES.every((name) => now[name]?.body.failing?.includes('rpc'));
        return allDown && rpcDown ? now : undefined;
      },
      30_000,
      'every service not ready, the RPC services naming rpc too',
    );
    for (const [name, answer] of Object.entries(down)) {
      expect([name, answer.body.status]).toEqual([name, 'not_ready']);
      expect([name, answer.body.failing]).toEqual([name, expect.arrayContaining(['nats'])]);
      expect([name, answer.body.checks?.['nats']?.status]).toEqual([name, 'down']);
      expect(answer.retryAfter).toBe('5');
    }
    for (const name of RPC_SERVICES) expect(down[name]?.body.failing).toContain('rpc');
    for (const url of Object.values(targets))
      expect(await get(`${url}/healthz`)).toMatchObject({ status: 200, body: { status: 'alive' } });

    await stack.restartNats();
    const up = await eventually(
      async () => {
        const now = await readiness();
        return Object.values(now).every((a) => a.status === 200) ? now : undefined;
      },
      45_000,
      'every service ready again',
    );
    for (const answer of Object.values(up)) expect(answer.body.failing).toEqual([]);
  }, 120_000);
});
