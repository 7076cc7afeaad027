import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, runStreamId, subjects } from '@ledgerflow/contracts';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost } from '@ledgerflow/service-runtime';
import type { ConsumerSettings } from '@ledgerflow/service-runtime';
import type { Subscriptions } from './subscriptions.js';
import type { WebhookDeliveries } from './webhook-deliveries.js';
import type { WebhookSender } from './webhook-sender.js';

/** Durable consumer name of the webhook dispatcher (shared by gateway replicas: each event goes to one). */
export const WEBHOOKS_DURABLE = 'gateway-webhooks';
const WORKFLOW_CACHE = 10_000;

/**
 * Turns run events (durable consumer {@link WEBHOOKS_DURABLE} on `lf.evt.run.>`) into webhook deliveries: for each
 * live subscription that wants the event (type, workflow, committed after the subscription) it schedules one
 * delivery (idempotent) and hands it to the {@link WebhookSender}. Nothing here waits for a receiver, so a slow
 * or dead receiver never holds a run event, nor a run.
 */
export class WebhookDispatcher extends DurableConsumerHost {
  private readonly workflows = new Map<string, string>();

  constructor(
    nc: NatsConnection,
    private readonly store: EventStore,
    private readonly subscriptions: Subscriptions,
    private readonly deliveries: WebhookDeliveries,
    private readonly sender: WebhookSender,
  ) {
    super(nc);
  }

  protected settings(): ConsumerSettings {
    return { stream: EVENTS_STREAM, durable: WEBHOOKS_DURABLE, filterSubjects: [subjects.eventsOfCategory('run')], concurrency: 16 };
  }

  override async onApplicationBootstrap(): Promise<void> {
    await this.sender.resume();
    await super.onApplicationBootstrap();
  }

  protected override async afterStop(): Promise<void> {
    await this.sender.stop();
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    await this.subscriptions.catchUp();
    if (!this.subscriptions.any) return;
    const event = message.json<StoredEvent>();
    const workflowId = this.subscriptions.anyByWorkflow ? await this.workflowOf(event) : undefined;
    for (const subscription of await this.subscriptions.matching(event.type, workflowId, event.position)) {
      const delivery = await this.deliveries.schedule(subscription.id, event);
      if (delivery) this.sender.enqueue(delivery, event);
    }
  }

  /** The workflow of the event's run (from its `RunTriggered`), cached. */
  private async workflowOf(event: StoredEvent): Promise<string | undefined> {
    const runId = event.metadata.runId;
    const known = this.workflows.get(runId);
    if (known) return known;
    const first = event.revision === 0 ? event : (await this.store.readStream(runStreamId(runId), { maxCount: 1 }))[0];
    const workflowId = (first?.data as { workflowId?: unknown } | undefined)?.workflowId;
    if (typeof workflowId !== 'string') return undefined;
    if (this.workflows.size >= WORKFLOW_CACHE) this.workflows.delete(this.workflows.keys().next().value as string);
    this.workflows.set(runId, workflowId);
    return workflowId;
  }
}
