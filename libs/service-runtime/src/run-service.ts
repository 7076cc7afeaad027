import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import type { DynamicModule, INestApplication, INestApplicationContext, INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport } from '@nestjs/microservices';
import type { NatsConnection } from '@nats-io/nats-core';
import type { CommonConfig, PrivacyConfig } from '@ledgerflow/config';
import { ConfigError, EXIT_CONFIG, loadConfig, runOrExit } from '@ledgerflow/config';
import { LedgerflowError } from '@ledgerflow/domain';
import { loadDefinitions } from '@ledgerflow/definitions';
import type { DefinitionRegistry } from '@ledgerflow/definitions';
import { createEventStore } from '@ledgerflow/event-store';
import type { EventStore } from '@ledgerflow/event-store';
import { connectNats, ensureStreams, natsAuthFromEnv, natsAuthOptions, streamLimitsOf } from '@ledgerflow/messaging';
import type { NatsClientAuth } from '@ledgerflow/messaging';
import { createLogger, startTelemetry } from '@ledgerflow/telemetry';
import type { Logger, Telemetry } from '@ledgerflow/telemetry';
import { JsonReplySerializer, JsonRequestDeserializer } from './json-wire.js';
import { openPrivacy } from './privacy.js';
import type { Privacy } from './privacy.js';
import { RpcErrorFilter } from './rpc-exception.filter.js';
import { IntegrityAlarm } from './integrity-alarm.js';
import { RunRepository } from './run-repository.js';
import { DEFINITIONS, EVENT_STORE, LOGGER, NATS_CONNECTION, RUN_REPOSITORY, SERVICE_CONFIG } from './tokens.js';

/** Everything a service module is given at start. */
export interface ServiceContext<C extends CommonConfig> {
  readonly name: string;
  readonly config: C;
  readonly nc: NatsConnection;
  readonly store: EventStore;
  readonly runs: RunRepository;
  readonly logger: Logger;
  readonly definitions?: DefinitionRegistry;
  readonly privacy?: Privacy;
}

export interface ServiceSpec<C extends CommonConfig> {
  /** Short name: `planner`, `executor`, ...; the NATS queue group and the span service name (`ledgerflow-<name>`). */
  readonly name: string;
  readonly config: new () => C;
  /** Load workflow definitions at start; an invalid file stops the service, naming the file and the problem. */
  readonly definitions?: boolean;
  /** Open the PII vault and privacy packs (the config must extend PrivacyConfig). */
  readonly privacy?: boolean;
  /** The service's Nest module. */
  readonly module: (context: ServiceContext<C>) => DynamicModule;
  /** `rpc`: serve `@MessagePattern` handlers over NATS; `http`: an HTTP app on the given port; `none`: no listener. */
  readonly listen: 'rpc' | 'none' | { readonly http: (config: C) => { port: number; host: string } };
  /** Extra set-up of the Nest app before it listens (the gateway mounts OpenAPI here). */
  readonly configure?: (app: INestApplication, context: ServiceContext<C>) => void | Promise<void>;
}

/** Printed on stdout once a service is ready; test harnesses and the demo wait for it. */
export const readyLine = (name: string): string => `ledgerflow:ready ${name}`;

/**
 * Starts a Ledgerflow service process: telemetry first, then typed configuration (a missing or malformed
 * variable stops the process with exit code 78, naming the variable), NATS (JetStream streams ensured),
 * the event store, workflow definitions, and the Nest application. Stops gracefully on SIGTERM/SIGINT.
 */
export function runService<C extends CommonConfig>(spec: ServiceSpec<C>): void {
  void runOrExit(() => start(spec).catch((error: unknown) => refuseToStart(spec.name, error)));
}

/**
 * A rule broken by what the service was given (an invalid workflow definition or policy pack) stops it
 * with exit code 78 and one line naming the file and the problem, like a configuration error; anything
 * else (e.g. NATS unreachable) propagates and exits with code 1.
 */
function refuseToStart(name: string, error: unknown): never {
  if (error instanceof LedgerflowError && !error.retryable && !(error instanceof ConfigError)) {
    process.stderr.write(`ledgerflow-${name} refused to start: ${error.code}: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
  throw error;
}

async function start<C extends CommonConfig>(spec: ServiceSpec<C>): Promise<void> {
  {
    const telemetry = await startTelemetry({ serviceName: `ledgerflow-${spec.name}` });
    const config = loadConfig(spec.config);
    const logger = createLogger(spec.name);
    const definitions = spec.definitions ? loadDefinitions(config.LEDGERFLOW_DEFINITIONS_DIR) : undefined;
    const nc = await connectNats({ servers: splitServers(config.NATS_URL), name: `ledgerflow-${spec.name}`, auth: natsAuthOf(config) });
    await ensureStreams(nc, { replicas: config.LEDGERFLOW_STREAM_REPLICAS, limits: streamLimitsOf(config) });
    const store = await createEventStore({
      kind: config.LEDGERFLOW_STORE,
      sqlitePath: config.LEDGERFLOW_SQLITE_PATH,
      connectionString: config.EVENTSTORE_CONNECTION_STRING,
      sqlite: { synchronous: config.LEDGERFLOW_SQLITE_SYNCHRONOUS },
      maxEventBytes: config.LEDGERFLOW_MAX_EVENT_BYTES,
    });
    const actor = { kind: 'service', id: spec.name } as const;
    const runs = new RunRepository(store, actor).reportIntegrityTo(new IntegrityAlarm(store, actor, logger));
    const privacy = spec.privacy ? await openPrivacy(config as unknown as PrivacyConfig) : undefined;
    const context: ServiceContext<C> = { name: spec.name, config, nc, store, runs, logger, ...(definitions ? { definitions } : {}), ...(privacy ? { privacy } : {}) };
    const app = await createApp(spec, context);
    app.enableShutdownHooks();
    await startListening(spec, context, app);
    logger.info('started', { nats: config.NATS_URL, store: config.LEDGERFLOW_STORE });
    process.stdout.write(`${readyLine(spec.name)}\n`);
    onSignals(async () => {
      logger.info('stopping');
      await app.close();
      await nc.drain().catch(() => undefined);
      await store.close();
      await privacy?.close();
      await telemetry.shutdown();
    });
  }
}

async function createApp<C extends CommonConfig>(spec: ServiceSpec<C>, context: ServiceContext<C>) {
  const root = infrastructureModule(context, spec.module(context));
  const logger = ['error', 'warn'] as const;
  if (spec.listen === 'rpc') {
    const app = await NestFactory.createMicroservice(root, { transport: Transport.NATS, options: natsTransportOptions(context), logger: [...logger] });
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
    name: `ledgerflow-${context.name}-rpc`,
    // The service's own NATS user (nkey) and inbox prefix, TLS: as for its main connection.
    ...natsAuthOptions(natsAuthOf(context.config)),
    queue: context.name,
    serializer: new JsonReplySerializer(),
    deserializer: new JsonRequestDeserializer(),
    gracefulShutdown: true,
    gracePeriod: 200,
  };
}

function infrastructureModule<C extends CommonConfig>(context: ServiceContext<C>, feature: DynamicModule): DynamicModule {
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
  ];
  const infrastructure: DynamicModule = {
    module: InfrastructureModule,
    global: true,
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
  return natsUrl.split(',').map((url) => url.trim()).filter(Boolean);
}

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    stop()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        process.stderr.write(`stopping after ${signal} failed: ${error.message}\n`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}

export type { Telemetry };
