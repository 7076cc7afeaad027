import { metrics } from '@opentelemetry/api';
import type { Counter } from '@opentelemetry/api';
import { Webhook } from 'standardwebhooks';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { runStreamId } from '@ledgerflow/contracts';
import type { Logger } from '@ledgerflow/telemetry';
import type { FoldedDelivery, WebhookDeliveries, WebhookDeliveryAttempted } from './webhook-deliveries.js';
import type { Subscriptions } from './subscriptions.js';
import { TargetRefusedError, resolvePublicTarget } from './webhook-target.js';

/**
 * Counter of webhook delivery attempts (`ledgerflow.webhook.deliveries`, Prometheus
 * `ledgerflow_webhook_deliveries_total`, unit `{attempt}`, attribute `outcome`: delivered, retrying, dead_lettered).
 */
export const WEBHOOK_DELIVERIES_METRIC = 'ledgerflow.webhook.deliveries';

export interface WebhookSenderOptions {
  readonly store: EventStore;
  readonly deliveries: WebhookDeliveries;
  readonly subscriptions: Subscriptions;
  readonly logger: Logger;
  /** Delays before attempts 2, 3, ... in ms; after the last, a failure dead-letters the delivery. */
  readonly retryDelaysMs: readonly number[];
  /** How long one attempt may take (connect, send, answer), in ms. */
  readonly timeoutMs: number;
  /** Attempts in flight at once in this process. */
  readonly concurrency: number;
  /** Allow loopback and private targets (tests, internal receivers). */
  readonly allowPrivate: boolean;
  readonly clock?: () => Date;
}

/** Attempts in flight per subscription at most: one slow receiver cannot take every slot. */
const PER_SUBSCRIPTION = 4;
const MAX_ERROR_LENGTH = 500;

interface Queued {
  delivery: FoldedDelivery;
  dueAt: number;
  /** The run event, when the dispatcher handed it over (else read from the run stream). */
  event?: StoredEvent;
}

/**
 * Sends scheduled webhook deliveries off the run path: each attempt is an HTTP POST of the run event, signed by
 * the Standard Webhooks scheme (`standardwebhooks`: `webhook-id`, `webhook-timestamp`, `webhook-signature`),
 * with a time limit, redirects not followed. A 2xx answer delivers; anything else is retried after the next
 * delay of `retryDelaysMs`, and dead-lettered after the last. Each attempt is recorded
 * (`WebhookDeliveryAttempted`, at the delivery's revision: two replicas never both record one) and counted in
 * {@link WEBHOOK_DELIVERIES_METRIC}. Pending deliveries are resumed from the store at start.
 */
export class WebhookSender {
  private readonly queue = new Map<string, Queued>();
  private readonly inFlight = new Map<string, number>();
  private running = 0;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private readonly active = new Set<Promise<void>>();
  private counter?: Counter<{ outcome: string }>;
  private readonly clock: () => Date;

  constructor(private readonly options: WebhookSenderOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Queues every delivery left pending by an earlier process. */
  async resume(): Promise<void> {
    for (const delivery of await this.options.deliveries.pending()) {
      this.enqueue(delivery, undefined, delivery.nextAttemptAt ? Date.parse(delivery.nextAttemptAt) : 0);
    }
  }

  /** Queues a delivery for an attempt at `dueAt` (epoch ms; default now). */
  enqueue(delivery: FoldedDelivery, event?: StoredEvent, dueAt = 0): void {
    if (this.stopped) return;
    this.queue.set(delivery.streamId, { delivery, dueAt, ...(event ? { event } : {}) });
    this.pump();
  }

  /** Stops starting attempts and waits for those in flight (each bounded by `timeoutMs`). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.active]);
  }

  private pump(): void {
    clearTimeout(this.timer);
    if (this.stopped) return;
    const now = Date.now();
    let nextDue = Infinity;
    for (const [streamId, queued] of this.queue) {
      if (this.running >= this.options.concurrency) break;
      const subscription = queued.delivery.subscriptionId;
      if (queued.dueAt > now) {
        nextDue = Math.min(nextDue, queued.dueAt);
        continue;
      }
      if ((this.inFlight.get(subscription) ?? 0) >= PER_SUBSCRIPTION) continue;
      this.queue.delete(streamId);
      this.running++;
      this.inFlight.set(subscription, (this.inFlight.get(subscription) ?? 0) + 1);
      const attempt = this.attempt(queued)
        .catch((error: unknown) => {
          // The store failed while recording: try again later rather than lose the delivery.
          this.options.logger.warn('webhook delivery not recorded; retrying', {
            deliveryId: queued.delivery.deliveryId,
            error: (error as Error).message,
          });
          this.queue.set(streamId, { ...queued, dueAt: Date.now() + 1_000 });
        })
        .finally(() => {
          this.running--;
          this.inFlight.set(subscription, (this.inFlight.get(subscription) ?? 1) - 1);
          this.active.delete(attempt);
          this.pump();
        });
      this.active.add(attempt);
    }
    if (nextDue !== Infinity && !this.stopped)
      this.timer = setTimeout(() => this.pump(), Math.min(Math.max(0, nextDue - now), 2_147_483_647));
  }

  private async attempt(queued: Queued): Promise<void> {
    const { delivery } = queued;
    const attempt = delivery.attempts + 1;
    const subscription = await this.options.subscriptions.find(delivery.subscriptionId);
    const started = process.hrtime.bigint();
    const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
    let outcome: Omit<WebhookDeliveryAttempted, 'deliveryId'>;
    if (!subscription) {
      outcome = { attempt, outcome: 'dead_lettered', error: 'subscription deleted', durationMs: 0 };
    } else {
      const event = queued.event ?? (await this.runEvent(delivery));
      const sent = event
        ? await this.send(subscription.url, subscription.secret, delivery, event)
        : { error: `event ${delivery.eventId} is no longer in run ${delivery.runId}`, final: true };
      const durationMs = elapsed();
      if ('status' in sent && sent.status >= 200 && sent.status < 300) {
        outcome = { attempt, outcome: 'delivered', status: sent.status, durationMs };
      } else {
        const delay = this.options.retryDelaysMs[attempt - 1];
        const failure =
          'status' in sent
            ? { status: sent.status, error: `HTTP ${sent.status}` }
            : { error: sent.error.slice(0, MAX_ERROR_LENGTH) };
        outcome =
          delay === undefined || ('final' in sent && sent.final)
            ? { attempt, outcome: 'dead_lettered', ...failure, durationMs }
            : {
                attempt,
                outcome: 'retrying',
                ...failure,
                durationMs,
                nextAttemptAt: new Date(this.clock().getTime() + delay).toISOString(),
              };
      }
    }
    const after = await this.options.deliveries.record(delivery, outcome);
    if (!after) {
      // Another gateway recorded an attempt first: follow what it recorded.
      const current = await this.options.deliveries.reload(delivery.streamId);
      if (current?.status === 'pending')
        this.enqueue(current, queued.event, current.nextAttemptAt ? Date.parse(current.nextAttemptAt) : 0);
      return;
    }
    this.counter ??= metrics.getMeter('@ledgerflow/gateway').createCounter(WEBHOOK_DELIVERIES_METRIC, {
      unit: '{attempt}',
      description: 'Webhook delivery attempts by outcome.',
    });
    this.counter.add(1, { outcome: outcome.outcome });
    if (outcome.outcome === 'dead_lettered') {
      this.options.logger.warn('webhook delivery dead-lettered', {
        deliveryId: delivery.deliveryId,
        subscriptionId: delivery.subscriptionId,
        attempts: attempt,
        error: outcome.error ?? '',
      });
    } else if (outcome.outcome === 'retrying' && outcome.nextAttemptAt) {
      this.enqueue(after, queued.event, Date.parse(outcome.nextAttemptAt));
    }
  }

  private async runEvent(delivery: FoldedDelivery): Promise<StoredEvent | undefined> {
    const events = await this.options.store.readStream(runStreamId(delivery.runId));
    return events.find((e) => e.metadata.eventId === delivery.eventId);
  }

  /** One POST; `final` errors are not retried (a refused target). */
  private async send(
    url: string,
    secret: string,
    delivery: FoldedDelivery,
    event: StoredEvent,
  ): Promise<{ status: number } | { error: string; final?: boolean }> {
    const at = this.clock();
    const body = JSON.stringify({
      type: event.type,
      timestamp: event.metadata.occurredAt,
      data: {
        runId: delivery.runId,
        eventId: event.metadata.eventId,
        streamId: event.streamId,
        revision: event.revision,
        position: event.position,
        type: event.type,
        data: event.data,
      },
    });
    try {
      await resolvePublicTarget(url, this.options.allowPrivate);
      const signature = new Webhook(secret).sign(delivery.deliveryId, at, body);
      const response = await fetch(url, {
        method: 'POST',
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Ledgerflow-Webhooks/1',
          'webhook-id': delivery.deliveryId,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        },
      });
      await response.body?.cancel().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      if (error instanceof TargetRefusedError) return { error: `target refused: ${error.message}`, final: true };
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const name =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.options.timeoutMs} ms`
          : (error as Error).message;
      return { error: cause?.code ? `${name} (${cause.code})` : name };
    }
  }
}
