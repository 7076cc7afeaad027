import { Inject, Injectable } from '@nestjs/common';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, subjects } from '@ledgerflow/contracts';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { startDurableConsumer } from '@ledgerflow/messaging';
import type { DurableConsumer } from '@ledgerflow/messaging';
import { EVENT_STORE, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import { StepStatsProjection } from './step-stats.projection.js';
import type { ProjectedEvent } from './step-stats.projection.js';

/**
 * Feeds every run event (durable consumer `memory` on `lf.evt.run.>`) into memory's projections. When an
 * event arrives ahead of the projection (a gap in the run's revisions, e.g. a redelivery overtaken by a
 * later event), the missing events are read from the store first, so the projection never skips one.
 */
@Injectable()
export class MemoryEventsConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: DurableConsumer;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(StepStatsProjection) private readonly projection: StepStatsProjection,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startDurableConsumer(this.nc, {
      stream: EVENTS_STREAM,
      durable: 'memory',
      filterSubjects: [subjects.eventsOfCategory('run')],
      // Several at once is safe: an event ahead of the projection fills the gap from the store first,
      // and an event at or below the applied revision is skipped (the apply itself is synchronous).
      concurrency: 32,
      handler: (message) => this.handle(message.json<StoredEvent>()),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.projection.close();
  }

  private async handle(event: StoredEvent): Promise<void> {
    const applied = this.projection.appliedRevision(event.metadata.runId);
    if (event.revision <= applied) return;
    if (event.revision === applied + 1) return this.projection.apply([event as unknown as ProjectedEvent]);
    const missing = await this.store.readStream(event.streamId, { fromRevision: applied + 1, maxCount: event.revision - applied });
    this.projection.apply(missing as unknown as ProjectedEvent[]);
  }
}
