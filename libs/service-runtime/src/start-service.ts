import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import type { DynamicModule, INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, NestFactory } from '@nestjs/core';
import type { CommonConfig, EnvSource, PrivacyConfig } from '@ledgerflow/config';
import { loadConfig } from '@ledgerflow/config';
import { createEventStore } from '@ledgerflow/event-store';
import {
  SERVICE_RECONNECT_OPTIONS,
  connectNats,
  ensureStreams,
  natsAuthFromEnv,
  natsAuthOptions,
  streamLimitsOf,
} from '@ledgerflow/messaging';
import type { NatsClientAuth } from '@ledgerflow/messaging';
import { ServiceHealth, createLogger, healthLine, startHealthServer } from '@ledgerflow/telemetry';
import type { HealthServer } from '@ledgerflow/telemetry';
import { JsonReplySerializer, JsonRequestDeserializer } from './json-wire.js';
import { openPrivacy } from './privacy.js';
import { RpcErrorFilter } from './rpc-exception.filter.js';
import { IntegrityAlarm } from './integrity-alarm.js';
import { RunRepository } from './run-repository.js';
import { DurableConsumerHost } from './durable-consumer.host.js';
import { consumersCheck, natsCheck, rpcCheck, storeCheck } from './health-checks.js';
import type { RpcStatus } from './health-checks.js';
import { HealthConfig } from './health-config.js';
import type { ServiceContext, ServiceSpec } from './service-spec.js';
import { spanServiceName } from './service-spec.js';
import {
  DEFINITIONS,
  EVENT_STORE,
  LOGGER,
  NATS_CONNECTION,
  RUN_REPOSITORY,
  SERVICE_CONFIG,
  SERVICE_HEALTH,
} from './tokens.js';

/** Options of {@link startService}. */
export interface StartServiceOptions {
  /** Where the service's typed configuration is read from; default `process.env`. */
  readonly env?: EnvSource;
  /** Let Nest stop the app on SIGTERM/SIGINT itself (`enableShutdownHooks`); a process hosting several services leaves it off. */
  readonly shutdownHooks?: boolean;
}

/** A started service. */
export interface RunningService {
  readonly name: string;
  /** Its liveness and readiness (`/healthz`, `/readyz`). */
  readonly health: ServiceHealth;
  /** URL of its health listener, when `LEDGERFLOW_HEALTH_PORT` is set. */
  readonly healthUrl?: string;
  /** Reports not ready, closes the Nest app, drains the NATS connection, closes the event store and the PII vault. */
  stop(): Promise<void>;
}

/**
 * Starts one service in this process: typed configuration (a missing or malformed variable throws
 * `ConfigError`, naming the variable), workflow definitions (their loader is imported only by services that
 * ask for them), NATS with its own connection and credentials (JetStream streams ensured), the event
 * store, the PII vault, and the Nest application, listening. Telemetry must be started first. With
 * `LEDGERFLOW_HEALTH_PORT` set, `/healthz` and `/readyz` are served on a listener of their own from the start
 * (not ready until the service has started; see `ServiceHealth` and docs/operations.md, "Health endpoints").
 * @throws ConfigError for bad variables; LedgerflowError `health_port_unavailable` when the health port is taken; a non-retryable LedgerflowError for an invalid definition or
 *   policy pack; anything else (e.g. NATS unreachable) as it comes.
 */
export async function startService<C extends CommonConfig>(
  spec: ServiceSpec<C>,
  options: StartServiceOptions = {},
): Promise<RunningService> {
  const config = loadConfig(spec.config, options.env ?? process.env);
  const healthConfig = loadConfig(HealthConfig, options.env ?? process.env);
  const logger = createLogger(spec.name);
  const health = new ServiceHealth(spec.name);
  const healthServer = await serveHealth(spec.name, health, healthConfig);
  try {
    return await startParts(spec, options, config, { logger, health, healthServer });
  } catch (error) {
    await healthServer?.close();
    throw error;
  }
}

async function serveHealth(
  name: string,
  health: ServiceHealth,
  config: HealthConfig,
): Promise<HealthServer | undefined> {
  if (config.LEDGERFLOW_HEALTH_PORT === undefined) return undefined;
  const server = await startHealthServer(health, config.LEDGERFLOW_HEALTH_HOST, config.LEDGERFLOW_HEALTH_PORT);
  process.stdout.write(`${healthLine(name, server.url)}\n`);
  return server;
}

interface Observability {
  readonly logger: ReturnType<typeof createLogger>;
  readonly health: ServiceHealth;
  readonly healthServer: HealthServer | undefined;
}

async function startParts<C extends CommonConfig>(
  spec: ServiceSpec<C>,
  options: StartServiceOptions,
  config: C,
  { logger, health, healthServer }: Observability,
): Promise<RunningService> {
  const definitions = spec.definitions
    ? (await import('@ledgerflow/definitions')).loadDefinitions(config.LEDGERFLOW_DEFINITIONS_DIR)
    : undefined;
  const nc = await connectNats({
    servers: splitServers(config.NATS_URL),
    name: spanServiceName(spec.name),
    auth: natsAuthOf(config),
  });
  health.add(natsCheck(nc));
  await ensureStreams(nc, { replicas: config.LEDGERFLOW_STREAM_REPLICAS, limits: streamLimitsOf(config) });
  const store = await createEventStore({
    kind: config.LEDGERFLOW_STORE,
    sqlitePath: config.LEDGERFLOW_SQLITE_PATH,
    connectionString: config.EVENTSTORE_CONNECTION_STRING,
    sqlite: { synchronous: config.LEDGERFLOW_SQLITE_SYNCHRONOUS },
    maxEventBytes: config.LEDGERFLOW_MAX_EVENT_BYTES,
  });
  health.add(storeCheck(store));
  const actor = { kind: 'service', id: spec.name } as const;
  const runs = new RunRepository(store, actor).reportIntegrityTo(new IntegrityAlarm(store, actor, logger));
  const privacy = spec.privacy ? await openPrivacy(config as unknown as PrivacyConfig) : undefined;
  const context: ServiceContext<C> = {
    name: spec.name,
    config,
    nc,
    store,
    runs,
    logger,
    ...(definitions ? { definitions } : {}),
    ...(privacy ? { privacy } : {}),
  };
  const app = await createApp(spec, context, health);
  watchBindings(app, context.nc, health, spec.listen === 'rpc');
  if (options.shutdownHooks) app.enableShutdownHooks();
  await startListening(spec, context, app);
  health.markStarted();
  logger.info('started', { nats: config.NATS_URL, store: config.LEDGERFLOW_STORE });
  return {
    name: spec.name,
    health,
    ...(healthServer ? { healthUrl: healthServer.url } : {}),
    stop: async () => {
      logger.info('stopping');
      health.markStopping();
      await app.close();
      await healthServer?.close();
      await nc.drain().catch(() => undefined);
      await store.close();
      await privacy?.close();
    },
  };
}

/**
 * Adds the readiness checks of what the Nest application binds: its durable JetStream consumers (every
 * `DurableConsumerHost` among its providers) and, for a NATS microservice, the transport's connection.
 */
function watchBindings(
  app: INestApplication | INestMicroservice | INestApplicationContext,
  nc: ServiceContext<CommonConfig>['nc'],
  health: ServiceHealth,
  rpc: boolean,
): void {
  const hosts = app
    .get(DiscoveryService)
    .getProviders()
    .map((wrapper) => wrapper.instance as unknown)
    .filter((instance): instance is DurableConsumerHost => instance instanceof DurableConsumerHost);
  health.add(consumersCheck(nc, () => hosts));
  if (!rpc) return;
  let status: RpcStatus | undefined;
  (app as INestMicroservice).status.subscribe((next) => (status = next));
  health.add(rpcCheck(() => status));
}

async function createApp<C extends CommonConfig>(
  spec: ServiceSpec<C>,
  context: ServiceContext<C>,
  health: ServiceHealth,
) {
  const root = infrastructureModule(context, spec.module(context), health);
  const logger = ['error', 'warn'] as const;
  if (spec.listen === 'rpc') {
    // Only services that serve requests over NATS load Nest's microservices package.
    const { Transport } = await import('@nestjs/microservices');
    const app = await NestFactory.createMicroservice(root, {
      transport: Transport.NATS,
      options: natsTransportOptions(context),
      logger: [...logger],
    });
    app.useGlobalFilters(new RpcErrorFilter());
    return app;
  }
  if (spec.listen === 'none') return NestFactory.createApplicationContext(root, { logger: [...logger] });
  const app = await NestFactory.create(root, { logger: [...logger], bodyParser: false });
  await spec.configure?.(app, context);
  return app;
}

async function startListening<C extends CommonConfig>(
  spec: ServiceSpec<C>,
  context: ServiceContext<C>,
  app: INestApplication | INestMicroservice | INestApplicationContext,
): Promise<void> {
  if (spec.listen === 'rpc') return (app as INestMicroservice).listen();
  if (spec.listen === 'none') return (app as INestApplicationContext).init().then(() => undefined);
  const { port, host } = spec.listen.http(context.config);
  await (app as INestApplication).listen(port, host);
}

/** Nest's NATS transport with Ledgerflow's plain JSON wire format; the queue group is the service name. */
export function natsTransportOptions<C extends CommonConfig>(context: ServiceContext<C>) {
  return {
    servers: splitServers(context.config.NATS_URL),
    name: `${spanServiceName(context.name)}-rpc`,
    // The service's own NATS user (nkey) and inbox prefix, TLS, and reconnect forever: as for its main connection.
    ...SERVICE_RECONNECT_OPTIONS,
    ...natsAuthOptions(natsAuthOf(context.config)),
    queue: context.name,
    serializer: new JsonReplySerializer(),
    deserializer: new JsonRequestDeserializer(),
    gracefulShutdown: true,
    gracePeriod: 200,
  };
}

function infrastructureModule<C extends CommonConfig>(
  context: ServiceContext<C>,
  feature: DynamicModule,
  health: ServiceHealth,
): DynamicModule {
  @Global()
  @Module({})
  class InfrastructureModule {}
  @Module({})
  class ServiceRootModule {}
  const providers = [
    { provide: SERVICE_CONFIG, useValue: context.config },
    { provide: NATS_CONNECTION, useValue: context.nc },
    { provide: EVENT_STORE, useValue: context.store },
    { provide: RUN_REPOSITORY, useValue: context.runs },
    { provide: LOGGER, useValue: context.logger },
    { provide: DEFINITIONS, useValue: context.definitions ?? null },
    { provide: SERVICE_HEALTH, useValue: health },
  ];
  const infrastructure: DynamicModule = {
    module: InfrastructureModule,
    global: true,
    // DiscoveryService finds the durable consumer hosts for the readiness check (watchBindings).
    imports: [DiscoveryModule],
    providers,
    exports: providers.map((p) => p.provide),
  };
  return { module: ServiceRootModule, imports: [infrastructure, feature] };
}

/**
 * The service's NATS credentials from its validated config (`NATS_NKEY_SEED_FILE` or `NATS_NKEY_SEED`,
 * `NATS_TLS_*`); none set: connect without credentials.
 */
export function natsAuthOf(config: CommonConfig): NatsClientAuth {
  return natsAuthFromEnv({
    NATS_NKEY_SEED_FILE: config.NATS_NKEY_SEED_FILE,
    NATS_NKEY_SEED: config.NATS_NKEY_SEED,
    NATS_TLS_CA_FILE: config.NATS_TLS_CA_FILE,
    NATS_TLS_CERT_FILE: config.NATS_TLS_CERT_FILE,
    NATS_TLS_KEY_FILE: config.NATS_TLS_KEY_FILE,
  });
}

/** `NATS_URL` may list several servers, comma-separated. */
export function splitServers(natsUrl: string): string[] {
  return natsUrl
    .split(',')
    .map((url) => url.trim())
    .filter(Boolean);
}
