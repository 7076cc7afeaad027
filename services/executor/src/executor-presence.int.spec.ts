import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { hostname } from 'node:os';
import { createLogger } from '@ledgerflow/telemetry';
import { eventually, startNatsServer } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { ExecutorPresence, executorIdOf } from './executor-presence.js';

const logger = createLogger('executor-presence-spec', { level: 'error' });
const TIMING = { intervalMs: 50, ttlMs: 300 };

describe('ExecutorPresence (heartbeats over a real nats-server)', () => {
  let server: NatsServerHandle;
  const connections: NatsConnection[] = [];
  const presences: ExecutorPresence[] = [];
  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
  });
  afterEach(async () => {
    await Promise.all(presences.splice(0).map((p) => p.stop()));
    await Promise.all(connections.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server.stop();
  });

  async function instance(
    self: string,
    gone: string[][] = [],
    extra: Partial<ConstructorParameters<typeof ExecutorPresence>[0]> = {},
  ) {
    const nc = await connect({ servers: server.url });
    connections.push(nc);
    const presence = new ExecutorPresence({
      nc,
      self,
      logger,
      onGone: (ids) => gone.push([...ids]),
      ...TIMING,
      ...extra,
    });
    presences.push(presence);
    await presence.start();
    return { presence, nc, gone };
  }

  it('a replica that heard another counts it alive; one that leaves is gone at once and reported', async () => {
    const a = await instance('host-a:1');
    const b = await instance('host-b:2');
    await eventually('a heard', () => b.presence.isAlive('host-a:1') && b.presence.lastHeard('host-a:1') !== undefined);
    await a.presence.stop();
    await eventually('a reported gone', () => b.gone.some((ids) => ids.includes('host-a:1')));
    expect(b.presence.isAlive('host-a:1')).toBe(false);
    expect(b.presence.isAlive('host-b:2')).toBe(true); // itself
  });

  it('a replica that goes silent (killed: no leaving message) is gone after the TTL, not before', async () => {
    const b = await instance('host-b:2');
    const a = await instance('host-a:1');
    await eventually('a heard', () => b.presence.isAlive('host-a:1') && b.presence.lastHeard('host-a:1') !== undefined);
    const silencedAt = Date.now();
    await a.nc.close(); // its heartbeats stop; it never says it leaves
    await eventually('a reported gone', () => b.gone.some((ids) => ids.includes('host-a:1')));
    expect(Date.now() - silencedAt).toBeGreaterThanOrEqual(TIMING.ttlMs - TIMING.intervalMs);
    expect(b.presence.isAlive('host-a:1')).toBe(false);
  });

  it('an instance never heard from counts alive during the warm-up, then gone and reported (only if it was asked about)', async () => {
    const b = await instance('host-b:2');
    expect(b.presence.isAlive('host-z:9')).toBe(true);
    await eventually('warm-up end reported', () => b.gone.some((ids) => ids.includes('host-z:9')));
    expect(b.presence.isAlive('host-z:9')).toBe(false);
    expect(b.gone).toEqual([['host-z:9']]); // nothing else: no report when nobody was presumed alive
  });

  it('a nats-server restart is no evidence: replicas that could not hear each other are not declared gone', async () => {
    const options = { reconnectTimeWait: 100, maxReconnectAttempts: -1 };
    const aConnection = await connect({ servers: server.url, ...options });
    const bConnection = await connect({ servers: server.url, ...options });
    connections.push(aConnection, bConnection);
    const a = new ExecutorPresence({ nc: aConnection, self: 'host-a:1', logger, onGone: () => undefined, ...TIMING });
    const gone: string[][] = [];
    const b = new ExecutorPresence({
      nc: bConnection,
      self: 'host-b:2',
      logger,
      onGone: (ids) => gone.push([...ids]),
      ...TIMING,
    });
    presences.push(a, b);
    await a.start();
    await b.start();
    await eventually('a heard', () => b.lastHeard('host-a:1') !== undefined);
    const port = server.port;
    await server.stop();
    await new Promise((resolve) => setTimeout(resolve, 3 * TIMING.ttlMs)); // three TTLs of silence while NATS is down
    server = await startNatsServer({ jetstream: false, port });
    await eventually(
      'a heard again',
      () => (b.lastHeard('host-a:1') ?? 0) > Date.now() - TIMING.intervalMs,
      10_000,
      10,
    );
    expect(gone.filter((ids) => ids.includes('host-a:1'))).toEqual([]);
    expect(b.isAlive('host-a:1')).toBe(true);
  });

  it('an id of this host whose process is gone is dead at once (a restart on the same machine does not wait)', async () => {
    const local = hostname().replace(/[^A-Za-z0-9_-]/g, '_');
    const b = await instance(`${local}:${process.pid}`, [], { processExists: (pid) => pid === 4242 });
    expect(b.presence.isAlive(`${local}:4343`)).toBe(false);
    expect(b.presence.isAlive(`${local}:4242`)).toBe(true); // that process exists: heard from or not, it may run steps
    expect(b.presence.isAlive(`other-host:4343`)).toBe(true); // another machine's process: only heartbeats tell
  });
});

describe('executorIdOf', () => {
  it('defaults to <hostname>:<pid> with the host name made a subject token, and checks a configured id', () => {
    expect(executorIdOf(undefined, 77, 'pod.ns.svc.cluster.local')).toBe('pod_ns_svc_cluster_local:77');
    expect(executorIdOf('executor-0', 77, 'h')).toBe('executor-0');
    expect(() => executorIdOf('a.b', 1, 'h')).toThrow(/LEDGERFLOW_EXECUTOR_ID must be 1-128 characters/);
    expect(() => executorIdOf('x'.repeat(129), 1, 'h')).toThrow(RangeError);
  });
});
