import { randomUUID } from 'node:crypto';
import { ConcurrencyError, readStreamsWithPrefix } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';

/**
 * Stream of one delivery (one run event to one subscription): `webhookdelivery-<subscriptionId>-<eventId>`.
 * One stream per delivery makes scheduling idempotent (`no_stream`: a redelivered run event schedules nothing
 * twice) and lets two gateway replicas race on an attempt safely (the loser's append conflicts).
 */
export const deliveryStreamId = (subscriptionId: string, eventId: string): string =>
  `webhookdelivery-${subscriptionId}-${eventId}`;
const STREAM_PREFIX = 'webhookdelivery-';

/**
 * The Standard Webhooks message id of a delivery (`webhook-id` header): the same for every attempt, so a
 * receiver drops a repeat.
 */
export const deliveryIdOf = (subscriptionId: string, eventId: string): string => `msg_${subscriptionId}_${eventId}`;

/** `WebhookDeliveryScheduled`: the run event to send (by reference: it is read from its run stream). */
export interface WebhookDeliveryScheduled {
  readonly deliveryId: string;
  readonly subscriptionId: string;
  readonly runId: string;
  readonly eventId: string;
  readonly eventType: string;
  /** Global position of the run event. */
  readonly position: number;
}

/**
 * `WebhookDeliveryAttempted`: one HTTP attempt and what follows: `delivered` (2xx), `retrying` (at
 * `nextAttemptAt`), or `dead_lettered` (the last attempt failed, the target was refused, or the subscription
 * was deleted). `status` is the HTTP status when one came back; `error` says what failed; `durationMs` in ms.
 */
export interface WebhookDeliveryAttempted {
  readonly deliveryId: string;
  readonly attempt: number;
  readonly outcome: 'delivered' | 'retrying' | 'dead_lettered';
  readonly status?: number;
  readonly error?: string;
  readonly durationMs: number;
  readonly nextAttemptAt?: string;
}

/** A delivery as listed by `GET /v1/subscriptions/{id}/deliveries`. Times are ISO-8601 UTC. */
export interface DeliveryView {
  readonly deliveryId: string;
  readonly subscriptionId: string;
  readonly runId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: 'pending' | 'delivered' | 'dead_lettered';
  readonly attempts: number;
  readonly scheduledAt: string;
  readonly updatedAt: string;
  readonly lastStatus?: number;
  readonly lastError?: string;
  readonly nextAttemptAt?: string;
}

/** A delivery folded from its stream, with the revision an attempt must expect. */
export interface FoldedDelivery extends DeliveryView {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
}

/** Folds one delivery stream (undefined when it holds no `WebhookDeliveryScheduled`). */
export function foldDelivery(events: readonly StoredEvent[]): FoldedDelivery | undefined {
  let delivery: FoldedDelivery | undefined;
  for (const event of events) {
    if (event.type === 'WebhookDeliveryScheduled') {
      const data = event.data as WebhookDeliveryScheduled;
      delivery = {
        deliveryId: data.deliveryId,
        subscriptionId: data.subscriptionId,
        runId: data.runId,
        eventId: data.eventId,
        eventType: data.eventType,
        status: 'pending',
        attempts: 0,
        scheduledAt: event.metadata.occurredAt,
        updatedAt: event.metadata.occurredAt,
        streamId: event.streamId,
        revision: event.revision,
        position: data.position,
      };
    } else if (event.type === 'WebhookDeliveryAttempted' && delivery) {
      const data = event.data as WebhookDeliveryAttempted;
      const { nextAttemptAt: _next, ...rest } = delivery;
      delivery = {
        ...rest,
        status: data.outcome === 'retrying' ? 'pending' : data.outcome,
        attempts: data.attempt,
        updatedAt: event.metadata.occurredAt,
        revision: event.revision,
        ...(data.status !== undefined ? { lastStatus: data.status } : {}),
        ...(data.error !== undefined ? { lastError: data.error } : {}),
        ...(data.nextAttemptAt ? { nextAttemptAt: data.nextAttemptAt } : {}),
      };
    }
  }
  return delivery;
}

const viewOf = ({ streamId: _s, revision: _r, position: _p, ...view }: FoldedDelivery): DeliveryView => view;

/** The delivery streams in the event store: schedule, record attempts, list. */
export class WebhookDeliveries {
  constructor(
    private readonly store: EventStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Schedules the delivery of `event` to a subscription.
   * @returns the folded delivery, or undefined when it was already scheduled (a redelivered run event).
   */
  async schedule(subscriptionId: string, event: StoredEvent): Promise<FoldedDelivery | undefined> {
    const streamId = deliveryStreamId(subscriptionId, event.metadata.eventId);
    const data: WebhookDeliveryScheduled = {
      deliveryId: deliveryIdOf(subscriptionId, event.metadata.eventId),
      subscriptionId,
      runId: event.metadata.runId,
      eventId: event.metadata.eventId,
      eventType: event.type,
      position: event.position,
    };
    try {
      await this.store.append(
        streamId,
        [{ type: 'WebhookDeliveryScheduled', data, metadata: this.metadata(streamId, event.metadata.runId) }],
        { expectedRevision: 'no_stream' },
      );
    } catch (error) {
      if (error instanceof ConcurrencyError) return undefined;
      throw error;
    }
    return foldDelivery(await this.store.readStream(streamId));
  }

  /**
   * Records an attempt at the revision `delivery` was folded at.
   * @returns the delivery after it, or undefined when another process recorded first (the caller re-reads).
   */
  async record(
    delivery: FoldedDelivery,
    attempt: Omit<WebhookDeliveryAttempted, 'deliveryId'>,
  ): Promise<FoldedDelivery | undefined> {
    const data: WebhookDeliveryAttempted = { deliveryId: delivery.deliveryId, ...attempt };
    try {
      await this.store.append(
        delivery.streamId,
        [{ type: 'WebhookDeliveryAttempted', data, metadata: this.metadata(delivery.streamId, delivery.runId) }],
        { expectedRevision: delivery.revision },
      );
    } catch (error) {
      if (error instanceof ConcurrencyError) return undefined;
      throw error;
    }
    return foldDelivery(await this.store.readStream(delivery.streamId));
  }

  /** The delivery as stored now. */
  async reload(streamId: string): Promise<FoldedDelivery | undefined> {
    return foldDelivery(await this.store.readStream(streamId));
  }

  /** Deliveries still pending (to resume after a restart), oldest first. */
  async pending(): Promise<FoldedDelivery[]> {
    const streams = await readStreamsWithPrefix(this.store, STREAM_PREFIX);
    return [...streams.values()].map(foldDelivery).filter((d): d is FoldedDelivery => d?.status === 'pending');
  }

  /** A subscription's deliveries, newest first (`GET /v1/subscriptions/{id}/deliveries` pages them). */
  async list(subscriptionId: string): Promise<DeliveryView[]> {
    const streams = await readStreamsWithPrefix(this.store, `${STREAM_PREFIX}${subscriptionId}-`);
    return [...streams.values()]
      .map(foldDelivery)
      .filter((d): d is FoldedDelivery => d !== undefined)
      .sort((a, b) => b.position - a.position)
      .map(viewOf);
  }

  private metadata(streamId: string, runId: string) {
    return {
      eventId: randomUUID(),
      runId,
      causationId: streamId,
      actor: { kind: 'service', id: 'gateway' } as const,
      occurredAt: this.clock().toISOString(),
      schemaVersion: 1,
    };
  }
}
