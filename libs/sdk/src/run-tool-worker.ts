import { connectNats, natsAuthFromEnv } from '@ledgerflow/messaging';
import { healthLine, startHealthServer, startTelemetry } from '@ledgerflow/telemetry';
import type { HealthServer, ServiceHealth } from '@ledgerflow/telemetry';
import type { NatsClientAuth } from '@ledgerflow/messaging';
import { grantsFromEnv } from './grant-config.js';
import type { GrantsOption } from './grant-config.js';
import { startToolWorker } from './tool-worker.js';
import { KvIdempotencyStore } from './kv-idempotency-store.js';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ToolWorker, ToolWorkerOptions } from './tool-worker.js';
import { healthListenerFromEnv, workerHealth } from './worker-health.js';
import type { WorkerHealthListener } from './worker-health.js';

/** Exit code of a worker whose configuration is wrong (sysexits `EX_CONFIG`, as the services use). */
const EXIT_CONFIG = 78;

/** What {@link runToolWorker} needs: a name and the tools; anything else of {@link ToolWorkerOptions} but the connection. */
export type RunToolWorkerOptions = Omit<ToolWorkerOptions, 'nc' | 'name'> & {
  /** Worker name: the NATS connection's name, in logs and spans, and in the ready line `ledgerflow:ready <name>`. */
  readonly name: string;
  /** Where to read the settings; default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Where to serve `/healthz` and `/readyz`; default: `LEDGERFLOW_HEALTH_PORT` / `LEDGERFLOW_HEALTH_HOST` (unset: no
   * listener); `false`: none whatever the environment.
   */
  readonly health?: WorkerHealthListener | false;
};

/**
 * Runs a tool worker process as `ledgerflow start --worker` (or any supervisor) expects: starts OpenTelemetry as the
 * services do (`service.name` = `name`; spans exported only as the `OTEL_*` variables ask, docs/operations.md), so each
 * call's span `process lf.tool.<tool>.<action>` joins the step's trace; connects to `NATS_URL`
 * (default `nats://127.0.0.1:4222`) with the credentials of `NATS_NKEY_SEED_FILE`/`NATS_NKEY_SEED` and `NATS_TLS_*`,
 * verifies grants with `LEDGERFLOW_GRANT_VERIFY_KEY` (unless `grants` or `verifyGrant` say otherwise), remembers
 * replies in the KV bucket its replicas share (`KvIdempotencyStore`, `LF_DEDUPE_<name>`; unless `dedupe` is given, and
 * in this process only, with one line on stderr, when JetStream or the bucket is unavailable), serves
 * `tools`, announces them in the tool catalog (KV bucket `LF_TOOLS`; a failure is one line on stderr, the worker
 * serves anyway), prints `ledgerflow:ready <name>` once subscribed and announced, and on SIGTERM or SIGINT finishes the calls in progress
 * and exits 0. With a health listener (`health`, or `LEDGERFLOW_HEALTH_PORT`, 0..65535, 0 a free port; host
 * `LEDGERFLOW_HEALTH_HOST`, default 127.0.0.1) it serves `/healthz` (200 while the event loop answers) and `/readyz`
 * (200, or 503 with `Retry-After: 5` and `failing` naming the checks down: `started`, `nats`, `subscriptions`,
 * `dedupe` for the shared bucket; see `workerHealth`) as the services do, printing `ledgerflow:health <name> <url>`
 * once bound; a port it cannot bind ends the process with exit code 78. A malformed setting ends the process with
 * exit code 78 and one line naming the variable (never its value); NATS unreachable rejects (the supervisor restarts the process).
 * @example
 * await runToolWorker({ name: 'hello', tools: [defineTool({ tool: 'hello', action: 'greet', handler: async ({ name }) => ({ greeting: `Hello, ${name}!` }) })] });
 */
export async function runToolWorker(options: RunToolWorkerOptions): Promise<ToolWorker> {
  const { env = process.env, name, health: healthOption, ...workerOptions } = options;
  let auth: NatsClientAuth;
  let grants: GrantsOption | undefined;
  let listener: WorkerHealthListener | undefined;
  try {
    auth = natsAuthFromEnv(env);
    grants = workerOptions.grants ?? (workerOptions.verifyGrant ? undefined : grantsFromEnv(env));
    listener = healthOption === false ? undefined : (healthOption ?? healthListenerFromEnv(env));
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  }
  const telemetry = await startTelemetry({ serviceName: name, env });
  const nc = await connectNats({ servers: env.NATS_URL ?? 'nats://127.0.0.1:4222', name, auth });
  const dedupe = workerOptions.dedupe ?? (await sharedDedupe(nc, name));
  const worker = startToolWorker({
    ...workerOptions,
    ...(grants === undefined ? {} : { grants }),
    ...(dedupe === undefined ? {} : { dedupe }),
    nc,
    name,
  });
  const health = workerHealth({
    name,
    nc,
    closedSubjects: () => worker.closedSubjects(),
    sharedDedupe: dedupe instanceof KvIdempotencyStore,
  });
  const healthServer = listener && (await serveHealth(name, health, listener));
  await nc.flush();
  await worker.announced;
  health.markStarted();
  process.stdout.write(`ledgerflow:ready ${name}\n`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    health.markStopping();
    await worker.stop();
    await healthServer?.close();
    await nc.drain().catch(() => undefined);
    await telemetry.shutdown().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  return worker;
}

/** Serves `health` on `listener`, printing `ledgerflow:health <name> <url>`; a port it cannot bind exits with 78. */
async function serveHealth(name: string, health: ServiceHealth, listener: WorkerHealthListener): Promise<HealthServer> {
  try {
    const server = await startHealthServer(health, listener.host ?? '127.0.0.1', listener.port);
    process.stdout.write(`${healthLine(name, server.url)}\n`);
    return server;
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n`);
    process.exit(EXIT_CONFIG);
  }
}

/** The KV store replicas of worker `name` share, or undefined (a line on stderr says why) when it cannot be opened. */
async function sharedDedupe(nc: NatsConnection, name: string): Promise<KvIdempotencyStore | undefined> {
  try {
    return await KvIdempotencyStore.open(nc, { worker: name });
  } catch (error) {
    process.stderr.write(
      `${name}: replies are remembered in this process only (the shared dedupe bucket is unavailable: ${(error as Error).message})\n`,
    );
    return undefined;
  }
}
