import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import type { CommonConfig } from '@ledgerflow/config';
import { SqliteCheckpointStore } from '@ledgerflow/event-store';
import type { CheckpointStore, EventStore } from '@ledgerflow/event-store';
import { startEventRelay } from '@ledgerflow/messaging';
import { EVENT_STORE, LOGGER, NATS_CONNECTION, SERVICE_CONFIG } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';

/**
 * Hosts the event relay (store -> JetStream `LF_EVENTS`, message id = event id) in the planner process.
 * Its checkpoint lives in SQLite (the store's file when the store is SQLite), so after a restart it
 * resumes where it stopped and an event appended by any process that died right after is still delivered.
 * An event the bus cannot carry is dead-lettered to `LF_DLQ` (`lf.dlq.relay`), logged as an error and counted
 * in `ledgerflow.relay.dead_letters`; the relay goes on with the next event.
 */
@Injectable()
export class EventRelayHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private relay?: { stop(): Promise<void> };
  private checkpoints?: CheckpointStore;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SERVICE_CONFIG) private readonly config: CommonConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.checkpoints = await SqliteCheckpointStore.open(this.config.LEDGERFLOW_SQLITE_PATH);
    this.relay = await startEventRelay({
      nc: this.nc,
      store: this.store,
      checkpoints: this.checkpoints,
      name: 'relay',
      onError: (error: unknown) => this.logger.warn('relay error (retrying)', { error: (error as Error).message }),
      // An alert: the event is in LF_DLQ (or a reference to it), not in LF_EVENTS; see docs/operations.md "Limits".
      onDeadLetter: (event, reason, carried) =>
        this.logger.error('relay dead-lettered an event it cannot publish', {
          streamId: event.streamId,
          revision: event.revision,
          position: event.position,
          eventType: event.type,
          code: reason.code,
          error: reason.message,
          carried,
        }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
    await this.checkpoints?.close();
  }
}
