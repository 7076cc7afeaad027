import { LedgerflowError } from '@ledgerflow/domain';
import { ServiceHealth } from './health.js';
import type { CheckState } from './health.js';
import { startHealthServer } from './health-server.js';
import type { HealthServer } from './health-server.js';

const state = (status: CheckState['status'], detail?: string) => async (): Promise<CheckState> => ({
  status,
  ...(detail ? { detail } : {}),
});

describe('ServiceHealth', () => {
  it('is not ready until started, then ready when every check is up or on standby', async () => {
    const health = new ServiceHealth('memory')
      .add({ name: 'nats', run: state('up') })
      .add({ name: 'consumers', run: state('standby', 'lease held elsewhere') });
    expect(await health.readiness()).toMatchObject({
      service: 'memory',
      status: 'not_ready',
      failing: ['started'],
      checks: { started: { status: 'down', detail: 'starting' } },
    });
    health.markStarted(new Date('2026-12-06T00:00:00Z'));
    expect(await health.readiness()).toEqual({
      service: 'memory',
      status: 'ready',
      failing: [],
      checks: {
        started: { status: 'up', detail: 'since 2026-12-06T00:00:00.000Z' },
        nats: { status: 'up' },
        consumers: { status: 'standby', detail: 'lease held elsewhere' },
      },
    });
    health.markStopping();
    expect((await health.readiness()).failing).toEqual(['started']);
  });

  it('names a check that throws or hangs past the timeout as down, with why', async () => {
    const health = new ServiceHealth('planner', 50)
      .add({ name: 'store', run: () => Promise.reject(new Error('store_unavailable: database is locked')) })
      .add({ name: 'nats', run: () => new Promise<CheckState>(() => undefined) });
    health.markStarted();
    const report = await health.readiness();
    expect(report.status).toBe('not_ready');
    expect(report.failing).toEqual(['store', 'nats']);
    expect(report.checks['store']).toEqual({ status: 'down', detail: 'store_unavailable: database is locked' });
    expect(report.checks['nats']).toEqual({ status: 'down', detail: 'timed out after 50 ms' });
  });
});

describe('startHealthServer', () => {
  let server: HealthServer;
  const health = new ServiceHealth('policy');
  let natsUp = true;
  health.add({
    name: 'nats',
    run: async () => (natsUp ? { status: 'up' } : { status: 'down', detail: 'disconnected' }),
  });

  beforeAll(async () => {
    server = await startHealthServer(health, '127.0.0.1', 0);
  });
  afterAll(() => server.close());

  it('answers /healthz 200 and /readyz 503 (Retry-After) then 200 as the checks change', async () => {
    const live = await fetch(`${server.url}/healthz`);
    expect(live.status).toBe(200);
    expect(live.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await live.json()).toMatchObject({ service: 'policy', status: 'alive' });

    natsUp = false;
    health.markStarted();
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('retry-after')).toBe('5');
    expect(await notReady.json()).toMatchObject({ status: 'not_ready', failing: ['nats'] });

    natsUp = true;
    const ready = await fetch(`${server.url}/readyz?verbose=1`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('retry-after')).toBeNull();
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: { nats: { status: 'up' } } });
    const head = await fetch(`${server.url}/readyz`, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('answers other paths 404 and other methods 405, naming what it serves', async () => {
    const missing = await fetch(`${server.url}/metrics`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      code: 'health_not_found',
      message: 'no /metrics here: try /healthz or /readyz',
    });
    const post = await fetch(`${server.url}/readyz`, { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ code: 'health_method_not_allowed' });
  });

  it('refuses a port in use, naming LEDGERFLOW_HEALTH_PORT', async () => {
    const error = await startHealthServer(health, '127.0.0.1', server.port).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerflowError);
    expect(error).toMatchObject({ code: 'health_port_unavailable', retryable: false });
    expect((error as Error).message).toMatch(new RegExp(`^LEDGERFLOW_HEALTH_PORT=${server.port}: cannot serve`));
  });
});
