import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, subjects } from '@ledgerflow/contracts';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost, EVENT_STORE, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import type { ConsumerSettings } from '@ledgerflow/service-runtime';
import { StepStatsProjection } from './step-stats.projection.js';
import type { ProjectedEvent } from './step-stats.projection.js';

/**
 * Feeds every run event (durable consumer `memory` on `lf.evt.run.>`) into memory's projections. When an
 * event arrives ahead of the projection (a gap in the run's revisions, e.g. a redelivery overtaken by a
 * later event), the missing events are read from the store first, so the projection never skips one.
 */
@Injectable()
export class MemoryEventsConsumer extends DurableConsumerHost {
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(StepStatsProjection) private readonly projection: StepStatsProjection,
  ) {
    super(nc);
  }

  protected settings(): ConsumerSettings {
    // Several at once is safe: an event ahead of the projection fills the gap from the store first,
    // and an event at or below the applied revision is skipped (the apply itself is synchronous).
    return { stream: EVENTS_STREAM, durable: 'memory', filterSubjects: [subjects.eventsOfCategory('run')], concurrency: 32 };
  }

  protected override async afterStop(): Promise<void> {
    this.projection.close();
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    const event = message.json<StoredEvent>();
    const applied = this.projection.appliedRevision(event.metadata.runId);
    if (event.revision <= applied) return;
    if (event.revision === applied + 1) return this.projection.apply([event as unknown as ProjectedEvent]);
    const missing = await this.store.readStream(event.streamId, { fromRevision: applied + 1, maxCount: event.revision - applied });
    this.projection.apply(missing as unknown as ProjectedEvent[]);
  }
}
