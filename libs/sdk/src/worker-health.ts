import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { dedupeBucketOf } from '@ledgerflow/contracts';
import { ServiceHealth } from '@ledgerflow/telemetry';
import type { HealthCheck } from '@ledgerflow/telemetry';

/** Where a tool worker serves `/healthz` and `/readyz`: a port (0: the system picks one) and the interface to bind. */
export interface WorkerHealthListener {
  readonly port: number;
  /** Default `127.0.0.1`; `0.0.0.0` in a container, so its health check or the kubelet reaches it. */
  readonly host?: string;
}

/**
 * The health listener `LEDGERFLOW_HEALTH_PORT` (0..65535) and `LEDGERFLOW_HEALTH_HOST` (default 127.0.0.1) ask for,
 * as the services read them (docs/operations.md, "Health endpoints"); undefined when the port is unset or empty.
 * @throws Error naming `LEDGERFLOW_HEALTH_PORT` (never its value) when it is not an integer in 0..65535.
 */
export function healthListenerFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): WorkerHealthListener | undefined {
  const raw = env.LEDGERFLOW_HEALTH_PORT?.trim();
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new Error('LEDGERFLOW_HEALTH_PORT must be an integer in 0..65535');
  return { port, host: env.LEDGERFLOW_HEALTH_HOST?.trim() || '127.0.0.1' };
}

/** What a tool worker's readiness depends on. */
export interface WorkerHealthDeps {
  readonly name: string;
  readonly nc: NatsConnection;
  /** Subjects whose subscription is closed (none while the worker serves every tool action). */
  readonly closedSubjects: () => readonly string[];
  /** True when replies are remembered in the shared KV bucket `LF_DEDUPE_<name>`, which must then answer. */
  readonly sharedDedupe: boolean;
}

/**
 * The health of a tool worker: `started` (down until subscribed and announced, and once stopping), `nats` (the
 * connection is open and the server answers a PING), `subscriptions` (every tool action's subscription is open), and
 * `dedupe` when the shared bucket is used (its stream answers `STREAM.INFO`). Serve it with `startHealthServer`.
 */
export function workerHealth(deps: WorkerHealthDeps): ServiceHealth {
  const health = new ServiceHealth(deps.name).add(natsPing(deps.nc)).add({
    name: 'subscriptions',
    run: async () => {
      const closed = deps.closedSubjects();
      return closed.length === 0 ? { status: 'up' } : { status: 'down', detail: `closed: ${closed.join(', ')}` };
    },
  });
  if (deps.sharedDedupe) health.add(dedupeBucket(deps.nc, dedupeBucketOf(deps.name)));
  return health;
}

/** `nats`: the worker's connection is open and the server answers a PING; down while disconnected or closed. */
function natsPing(nc: NatsConnection): HealthCheck {
  return {
    name: 'nats',
    run: async () => {
      if (nc.isClosed()) return { status: 'down', detail: 'connection closed' };
      return { status: 'up', detail: `rtt ${(await nc.rtt()).toFixed(1)} ms` };
    },
  };
}

/** `dedupe`: the KV bucket the worker's replicas share answers (its stream's info); down with the JetStream error. */
function dedupeBucket(nc: NatsConnection, bucket: string): HealthCheck {
  return {
    name: 'dedupe',
    run: async () => {
      const status = await (await new Kvm(nc).open(bucket)).status();
      return { status: 'up', detail: `${bucket}: ${status.values} entries` };
    },
  };
}
