import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import type { CommonConfig } from '@ledgerflow/config';
import { SqliteCheckpointStore } from '@ledgerflow/event-store';
import type { CheckpointStore, EventStore } from '@ledgerflow/event-store';
import { Lease, relayedCheckpoints, startEventRelay } from '@ledgerflow/messaging';
import { EVENT_STORE, LOGGER, NATS_CONNECTION, SERVICE_CONFIG } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import { RunMetrics } from './run-metrics.js';

/**
 * Hosts the event relay (store -> JetStream `LF_EVENTS`, message id = event id) in the planner process.
 * Its checkpoint lives in SQLite (the store's file when the store is SQLite), so after a restart it
 * resumes where it stopped and an event appended by any process that died right after is still delivered.
 * An event the bus cannot carry is dead-lettered to `LF_DLQ` (`lf.dlq.relay`), logged as an error and counted
 * in `ledgerflow.relay.dead_letters`; the relay goes on with the next event. The relayed events count runs and gate
 * escalations (`RunMetrics`); the relay records its lag (`ledgerflow.relay.lag`).
 * One planner replica relays at a time: the one holding the lease `relay` of the KV bucket `LF_LEASES` (TTL 10 s,
 * see `Lease`); the others stand by and one takes over within 11 s of the holder's death (at once after a shutdown),
 * resuming after the last event in `LF_EVENTS` when that is past its own checkpoint (`relayedCheckpoints`).
 */
@Injectable()
export class EventRelayHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private lease?: Lease;
  private checkpoints?: CheckpointStore;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SERVICE_CONFIG) private readonly config: CommonConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.checkpoints = await SqliteCheckpointStore.open(this.config.LEDGERFLOW_SQLITE_PATH);
    const lease = (this.lease = await Lease.open({
      nc: this.nc,
      key: 'relay',
      replicas: this.config.LEDGERFLOW_STREAM_REPLICAS,
      onError: (error: unknown) => this.logger.warn('relay lease', { error: (error as Error).message }),
    }));
    lease.run(() => this.startRelay(lease));
  }

  private async startRelay(lease: Lease): Promise<{ stop(): Promise<void> }> {
    if (!this.checkpoints) throw new Error('relay checkpoints are closed');
    this.logger.info('relay lease taken: relaying', { holder: lease.holder, ttlMs: lease.ttlMs });
    const runMetrics = new RunMetrics(this.store);
    const relay = await startEventRelay({
      nc: this.nc,
      store: this.store,
      // This pod's checkpoint, or the last event in LF_EVENTS when another replica relayed further (relayed-checkpoint.ts).
      checkpoints: relayedCheckpoints(this.checkpoints, this.nc, (error) =>
        this.logger.warn("relay: LF_EVENTS unreadable, resuming from this replica's checkpoint", {
          error: (error as Error).message,
        }),
      ),
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
      onRelayed: (event) => runMetrics.observe(event),
    });
    return {
      stop: async () => {
        await relay.stop();
        this.logger.info('relay stopped: lease released or lost', { holder: lease.holder });
      },
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.lease?.close();
    await this.checkpoints?.close();
  }
}
