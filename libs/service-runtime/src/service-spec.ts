import type { DynamicModule, INestApplication } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import type { CommonConfig } from '@ledgerflow/config';
import type { DefinitionRegistry } from '@ledgerflow/definitions';
import type { EventStore } from '@ledgerflow/event-store';
import type { Logger } from '@ledgerflow/telemetry';
import type { Privacy } from './privacy.js';
import type { RunRepository } from './run-repository.js';

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

/** The span service name (resource `service.name`) of the service `name`. */
export const spanServiceName = (name: string): string => `ledgerflow-${name}`;
