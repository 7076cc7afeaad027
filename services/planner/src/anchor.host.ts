import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { anchorSigningKeyOf } from '@ledgerflow/audit';
import { SqliteCheckpointStore } from '@ledgerflow/event-store';
import type { CheckpointStore, EventStore } from '@ledgerflow/event-store';
import { startAnchorPublisher } from '@ledgerflow/messaging';
import type { AnchorPublisher } from '@ledgerflow/messaging';
import { EVENT_STORE, LOGGER, NATS_CONNECTION, SERVICE_CONFIG } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import type { PlannerConfig } from './planner.config.js';

/**
 * Hosts the anchor publisher in the planner process, beside the event relay: every
 * `LEDGERFLOW_ANCHOR_INTERVAL_MS` it signs each stream head that moved (`LEDGERFLOW_ANCHOR_SIGNING_KEY`, key id
 * `LEDGERFLOW_ANCHOR_KEY_ID`) into JetStream `LF_ANCHORS`, from its checkpoint `anchor` in SQLite (the store's file
 * when the store is SQLite), so a restart resumes where it stopped. Without a signing key it is off and says so
 * once at start. A chain that does not verify is logged as an error and not anchored (docs/operations.md, "Integrity").
 */
@Injectable()
export class AnchorHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private publisher?: AnchorPublisher;
  private checkpoints?: CheckpointStore;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SERVICE_CONFIG) private readonly config: PlannerConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const pem = this.config.LEDGERFLOW_ANCHOR_SIGNING_KEY;
    if (!pem) {
      this.logger.warn(
        'anchor publisher off: LEDGERFLOW_ANCHOR_SIGNING_KEY is not set, so no stream head is anchored in LF_ANCHORS and `audit verify --anchor` has nothing to check against',
      );
      return;
    }
    this.checkpoints = await SqliteCheckpointStore.open(this.config.LEDGERFLOW_SQLITE_PATH);
    this.publisher = await startAnchorPublisher({
      nc: this.nc,
      store: this.store,
      checkpoints: this.checkpoints,
      signingKey: anchorSigningKeyOf(pem),
      ...(this.config.LEDGERFLOW_ANCHOR_KEY_ID ? { kid: this.config.LEDGERFLOW_ANCHOR_KEY_ID } : {}),
      intervalMs: this.config.LEDGERFLOW_ANCHOR_INTERVAL_MS,
      onError: (error: unknown) =>
        this.logger.warn('anchor round failed (retrying from the checkpoint)', { error: (error as Error).message }),
      onChainBroken: (streamId, failure) =>
        this.logger.error('anchor publisher found a chain that does not verify: its head is not anchored', {
          streamId,
          revision: failure.revision,
          eventId: failure.eventId,
          reason: failure.reason,
          error: failure.message,
        }),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.stop();
    await this.checkpoints?.close();
  }
}
