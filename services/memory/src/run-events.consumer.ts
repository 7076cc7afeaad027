import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, subjects } from '@ledgerflow/contracts';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { serveJsonRequests } from '@ledgerflow/messaging';
import type { ConsumedMessage, JsonRequestServer } from '@ledgerflow/messaging';
import { DurableConsumerHost, EVENT_STORE, LOGGER, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import type { ConsumerSettings } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import { DriftRecorder } from './drift/drift-recorder.js';
import { catchUpFromStore } from './memory-catch-up.js';
import { MemoryQueries } from './memory-queries.js';
import { MemoryProjection } from './memory.projection.js';
import { RecommendationService } from './recommendations/recommendation.service.js';
import type { ProjectedEvent } from './projected-event.js';

/** The queue group of memory's requests: the service name, as Nest's NATS transport uses (`runService`). */
const MEMORY_QUEUE = 'memory';

/**
 * Feeds every run event (durable consumer `memory` on `lf.evt.run.>`) into memory's projections, in batches: the
 * events at hand (up to 256) are applied in one transaction and acked together. When an event arrives ahead of the
 * projection (a gap in the run's revisions, e.g. a redelivery overtaken by a later event), the missing events are
 * read from the store first, so the projection never skips one; the projection reads each in its type's current shape
 * (upcast). Memory is a singleton: only the replica holding
 * the lease `memory` (KV bucket `LF_LEASES`) consumes; another stands by and takes over within 11 s of its death.
 * The holder alone also answers the queries of its projection (`MemoryQueries`: step statistics, insights, labels; in
 * queue group `memory`), subscribed once its consumers have started and drained before they stop: a standby's file
 * is stale, so it takes no query, and while no replica holds the lease a query gets `nats_no_responders` (retryable,
 * 503 at the gateway).
 *
 * Catch-up on every start of the consumers (each time this replica takes the lease): the consumers first read from
 * the store every run event after the position the file applied through (`catchUpFromStore`, logged per page): all of
 * them for a new, deleted or emptied file, and the runs another replica applied while this one stood by; batches
 * delivered meanwhile wait for it, then skip what it applied.
 */
@Injectable()
export class MemoryEventsConsumer extends DurableConsumerHost {
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MemoryProjection) private readonly projection: MemoryProjection,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(DriftRecorder) private readonly drift: DriftRecorder,
    @Inject(RecommendationService) private readonly recommendations: RecommendationService,
    @Inject(MemoryQueries) private readonly queries: MemoryQueries,
  ) {
    super(nc);
  }

  private catchingUp: Promise<void> | undefined;
  private queryServer: JsonRequestServer | undefined;

  protected settings(): ConsumerSettings {
    return {
      stream: EVENTS_STREAM,
      durable: 'memory',
      filterSubjects: [subjects.eventsOfCategory('run')],
      batch: { maxMessages: 256 },
    };
  }

  /** One writer of the projection at a time: the replica holding the lease `memory` (the others stand by). */
  protected override leaseKey(): string {
    return 'memory';
  }

  protected override async afterConsumersStart(): Promise<void> {
    void this.caughtUp().catch(() => undefined); // reported in caughtUp; a batch tries again
    this.queryServer = await serveJsonRequests(this.nc, {
      queue: MEMORY_QUEUE,
      handlers: this.queries.handlers(),
      onError: (message, reason) => this.logger.warn(message, { reason }),
    });
  }

  protected override async afterConsumersStop(): Promise<void> {
    await this.queryServer?.stop();
    this.queryServer = undefined;
    await this.catchingUp?.catch(() => undefined);
    this.catchingUp = undefined;
  }

  protected override async afterStop(): Promise<void> {
    this.recommendations.close();
    this.projection.close();
  }

  /** One event (a batch that failed is handled again one event at a time). */
  protected async handle(message: ConsumedMessage): Promise<void> {
    await this.caughtUp();
    await this.applyInOrder([message.json<StoredEvent>()]);
  }

  protected override async handleBatch(messages: readonly ConsumedMessage[]): Promise<void> {
    await this.caughtUp();
    await this.applyInOrder(messages.map((message) => message.json<StoredEvent>()));
  }

  /** The catch-up from the store, started once per start of the consumers (again after a failure). */
  private caughtUp(): Promise<void> {
    if (!this.catchingUp) {
      const started = catchUpFromStore(this.store, this.projection, (progress) =>
        this.logger.info('memory: catching up from the event store', {
          events: progress.events,
          position: progress.position,
        }),
      )
        .then(async (result) => {
          if (!result.ran) return;
          this.logger.info('memory: caught up from the event store', {
            events: result.events,
            position: result.position,
          });
          // What the projection learned from the store: drift it raised, and recommendations from its history.
          await this.afterApply(result.touched);
        })
        .then(undefined, (error: unknown) => {
          this.catchingUp = undefined;
          this.logger.error('memory: catch-up from the event store failed (retried with the next batch)', {
            error: (error as Error).message,
          });
          throw error;
        });
      this.catchingUp = started;
    }
    return this.catchingUp;
  }

  /**
   * Applies the events run by run in revision order, after reading from the store whatever a run's events skip
   * (between the applied revision and the first event here, or between two events here); all in one transaction.
   */
  private async applyInOrder(events: readonly StoredEvent[]): Promise<void> {
    const byRun = new Map<string, StoredEvent[]>();
    for (const event of events) {
      const list = byRun.get(event.streamId);
      if (list) list.push(event);
      else byRun.set(event.streamId, [event]);
    }
    const ordered: StoredEvent[] = [];
    for (const [streamId, list] of byRun) {
      list.sort((a, b) => a.revision - b.revision);
      let applied = this.projection.appliedRevision(list[0].metadata.runId);
      for (const event of list) {
        if (event.revision <= applied) continue;
        if (event.revision > applied + 1) {
          ordered.push(
            ...(await this.store.readStream(streamId, {
              fromRevision: applied + 1,
              maxCount: event.revision - applied - 1,
            })),
          );
        }
        ordered.push(event);
        applied = event.revision;
      }
    }
    if (ordered.length === 0) return;
    const touched = this.projection.apply(ordered as unknown as ProjectedEvent[]);
    await this.afterApply(touched);
  }

  /**
   * What follows a committed batch: drift detections it raised are appended (a store failure fails the batch, which
   * is redelivered and finds them still queued), then the workflows it touched are reviewed for recommendations and
   * measured impact (throttled; a failure there is logged by the service, never fails the batch).
   */
  private async afterApply(touched: ReadonlySet<string>): Promise<void> {
    await this.drift.flush();
    if (touched.size > 0) await this.recommendations.review(touched);
  }
}
