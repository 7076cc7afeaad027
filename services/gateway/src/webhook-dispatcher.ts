import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { LRUCache } from 'lru-cache';
import { EVENTS_STREAM, headers as lfHeaders, runStreamId, subjects } from '@ledgerflow/contracts';
import { currentDataOf } from '@ledgerflow/domain';
import type { Upcasters } from '@ledgerflow/domain';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { startDurableConsumer, upsertPullConsumer } from '@ledgerflow/messaging';
import type { ConsumedMessage, DurableConsumer } from '@ledgerflow/messaging';
import type { Logger } from '@ledgerflow/telemetry';
import type { Subscriptions } from './subscriptions.js';
import type { WebhookDeliveries } from './webhook-deliveries.js';
import type { WebhookSender } from './webhook-sender.js';

/** Durable consumer name of the webhook dispatcher (shared by gateway replicas: each event goes to one). */
export const WEBHOOKS_DURABLE = 'gateway-webhooks';
/** Runs whose workflow the dispatcher remembers, least recently used dropped first. */
const WORKFLOW_CACHE = 10_000;
/** The durable's settings (as `startDurableConsumer`'s defaults), given to both of its upserts so neither changes it. */
const MAX_DELIVER = 5;
const ACK_WAIT_MS = 10_000;
const CONCURRENCY = 16;

export interface WebhookDispatcherOptions {
  readonly nc: NatsConnection;
  readonly store: EventStore;
  readonly subscriptions: Subscriptions;
  readonly deliveries: WebhookDeliveries;
  readonly sender: WebhookSender;
  readonly logger: Logger;
  /**
   * How often, in ms, the subscriptions are read from the store to start or stop consuming (a subscription made
   * or deleted on another gateway replica is noticed within this long; one made here at once).
   */
  readonly watchIntervalMs: number;
  /** How stored event shapes are read (default this release's `RUN_EVENT_UPCASTERS`); a test passes a later version. */
  readonly upcasters?: Upcasters;
}

/**
 * Turns run events (durable consumer {@link WEBHOOKS_DURABLE} on `lf.evt.run.>`) into webhook deliveries: for each
 * live subscription that wants the event (type, workflow, committed after the subscription) it schedules one
 * delivery (idempotent) and hands it to the {@link WebhookSender}. Nothing here waits for a receiver, so a slow
 * or dead receiver never holds a run event, nor a run.
 *
 * It pulls only while some subscription is live: with none, run events stay in the durable (nothing matches them,
 * and what a subscription made later wants is committed after it, so still in the durable), costing this process
 * nothing. The subscriptions are read from the store every `watchIntervalMs` and at once when one is made or deleted
 * here. The event type (subject) and run (header) are tested before the body is parsed, and one store read per
 * event-loop turn keeps the subscriptions current for every event in hand.
 */
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly workflows = new LRUCache<string, string>({ max: WORKFLOW_CACHE });
  private consumer?: DurableConsumer;
  /** Starts and stops of the consumer, one after the other. */
  private transitions: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private unlisten?: () => void;
  private closed = false;

  constructor(private readonly options: WebhookDispatcherOptions) {}

  /** Whether the durable consumer is being pulled (some subscription was live at the last look). */
  get consuming(): boolean {
    return this.consumer !== undefined;
  }

  async onApplicationBootstrap(): Promise<void> {
    const { sender, subscriptions, nc, watchIntervalMs } = this.options;
    await sender.resume();
    await subscriptions.catchUp();
    // The durable exists from the first start on, pulled or not, so that what is committed while nothing pulls
    // waits in it. A new one starts at the stream's start only if a subscription could want what is there.
    await upsertPullConsumer(nc, await jetstreamManager(nc), {
      stream: EVENTS_STREAM,
      durable: WEBHOOKS_DURABLE,
      filterSubjects: [subjects.eventsOfCategory('run')],
      maxDeliver: MAX_DELIVER,
      ackWaitMs: ACK_WAIT_MS,
      deliverPolicy: subscriptions.any ? 'all' : 'new',
    });
    this.unlisten = subscriptions.onChange(() => void this.reconcile());
    await this.reconcile();
    this.timer = setInterval(() => void this.watch(), watchIntervalMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.unlisten?.();
    await this.reconcile();
    await this.options.sender.stop();
  }

  private async watch(): Promise<void> {
    try {
      await this.options.subscriptions.catchUp();
    } catch (err) {
      this.options.logger.warn('webhook subscriptions could not be read', { error: (err as Error).message });
    }
    await this.reconcile();
  }

  /** Starts pulling when a subscription is live, stops when none is (or on shutdown); never throws. */
  private reconcile(): Promise<void> {
    this.transitions = this.transitions.then(async () => {
      const wanted = !this.closed && this.options.subscriptions.any;
      try {
        if (wanted && !this.consumer) {
          this.consumer = await startDurableConsumer(this.options.nc, {
            stream: EVENTS_STREAM,
            durable: WEBHOOKS_DURABLE,
            filterSubjects: [subjects.eventsOfCategory('run')],
            maxDeliver: MAX_DELIVER,
            ackWaitMs: ACK_WAIT_MS,
            concurrency: CONCURRENCY,
            handler: (message) => this.handle(message),
            onError: (err) => this.options.logger.warn('webhook dispatch failed', { error: (err as Error).message }),
          });
          this.options.logger.info('webhook dispatcher consuming: a subscription is live');
        } else if (!wanted && this.consumer) {
          const consumer = this.consumer;
          this.consumer = undefined;
          await consumer.stop();
          if (!this.closed) this.options.logger.info('webhook dispatcher paused: no live subscription');
        }
      } catch (err) {
        // Retried at the next look.
        this.options.logger.warn('webhook dispatcher could not start consuming', { error: (err as Error).message });
      }
    });
    return this.transitions;
  }

  /**
   * One run event: acked (by returning) unless a delivery could not be scheduled, or its run's workflow could not be
   * read ({@link workflowOf}): then it throws, and the event is redelivered.
   */
  async handle(message: ConsumedMessage): Promise<void> {
    const { subscriptions, deliveries, sender } = this.options;
    // A subscription stored before this event was committed (here or on another replica) must be seen.
    await subscriptions.catchUp();
    const type = message.subject.slice(message.subject.lastIndexOf('.') + 1);
    if (!subscriptions.wants(type)) return;
    let parsed: StoredEvent | undefined;
    const body = (): StoredEvent => (parsed ??= message.json<StoredEvent>());
    const workflowId = subscriptions.anyByWorkflow ? await this.workflowOf(message, body) : undefined;
    if (subscriptions.matching(type, workflowId).length === 0) return;
    const event = body();
    for (const subscription of subscriptions.matching(event.type, workflowId, event.position)) {
      const delivery = await deliveries.schedule(subscription.id, event);
      if (delivery) sender.enqueue(delivery, event);
    }
  }

  /**
   * The workflow of the event's run (run id from the header, else the body), from the run's `RunTriggered` read in its
   * current shape (docs/events.md, "Versions and upcasting"): the event itself when it is the first of its run, else
   * read from the store; cached.
   * @throws EventVersionError `event_version_unsupported` (retryable) when that `RunTriggered` is newer than this
   *   release reads: the message is nak'ed, delivered again (to a newer replica, or this one upgraded), and
   *   dead-lettered after its last delivery, never matched against a workflow it was not read for.
   */
  private async workflowOf(message: ConsumedMessage, body: () => StoredEvent): Promise<string | undefined> {
    const runId = message.headers?.get(lfHeaders.runId) || body().metadata.runId;
    const known = this.workflows.get(runId);
    if (known) return known;
    const revision = message.headers?.get(lfHeaders.streamRevision);
    const first = (revision ? revision === '0' : body().revision === 0)
      ? body()
      : (await this.options.store.readStream(runStreamId(runId), { maxCount: 1 }))[0];
    const workflowId = first && currentDataOf(first, 'RunTriggered', this.options.upcasters)?.workflowId;
    if (typeof workflowId !== 'string') return undefined;
    this.workflows.set(runId, workflowId);
    return workflowId;
  }
}
