import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { Lease, startDurableConsumer } from '@ledgerflow/messaging';
import type { ConsumedMessage, DurableConsumer, DurableConsumerOptions } from '@ledgerflow/messaging';

/**
 * What a host configures: everything of a durable consumer but its handlers. `batch` (with the host's
 * {@link DurableConsumerHost.handleBatch}) hands the messages at hand over together, see `startDurableConsumer`.
 */
export type ConsumerSettings = Omit<DurableConsumerOptions, 'handler' | 'batch'> & {
  readonly batch?: { readonly maxMessages?: number };
};

/** What a {@link DurableConsumerHost} consumes now: read by the `consumers` readiness check (health-checks.ts). */
export interface ConsumerBinding {
  /** A leased host whose lease another replica holds: its consumers stand by. */
  readonly standby: boolean;
  /** The JetStream durables it runs when active. */
  readonly durables: readonly { readonly stream: string; readonly durable: string }[];
  /** How many of them are started in this process now. */
  readonly started: number;
}

/**
 * JetStream durable consumers bound to the Nest application's lifecycle: they start when the application has
 * bootstrapped and drain (in-flight handlers finish) when it shuts down. Subclasses say what to consume
 * (`settings`: one consumer, or several, e.g. one per event type, since nats-server 2.9 takes one filter subject
 * per consumer) and how to handle one message (`handle`, idempotent; throw to nak), and optionally a batch
 * (`handleBatch`). See `startDurableConsumer` for ack, backoff and dead-letter behaviour. A host whose handlers
 * write state only one process may write (memory's projection) names a lease key ({@link leaseKey}): its consumers
 * then run only while this replica holds that key of the KV bucket `LF_LEASES` (`Lease`), the others stand by.
 */
export abstract class DurableConsumerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumers: DurableConsumer[] = [];
  private lease: Lease | undefined;
  /** Between a start of the consumers and their stop ({@link afterConsumersStop} runs once per start). */
  private running = false;

  protected constructor(protected readonly nc: NatsConnection) {}

  protected abstract settings(): ConsumerSettings | readonly ConsumerSettings[];

  protected abstract handle(message: ConsumedMessage): Promise<void>;

  /** Handles a batch (consumers with `batch` settings); the default hands each message to {@link handle} in order. */
  protected async handleBatch(messages: readonly ConsumedMessage[]): Promise<void> {
    for (const message of messages) await this.handle(message);
  }

  /**
   * Tested before {@link handle}, synchronously, on what arrived (e.g. the headers): true acks the message without
   * handling it (see `skip` of `startDurableConsumer`). Default: nothing is skipped.
   */
  protected skip(_message: ConsumedMessage): boolean {
    return false;
  }

  /** Runs after the consumers have drained, e.g. to close what the handler uses. */
  protected async afterStop(): Promise<void> {}

  /**
   * Runs each time this replica's consumers have started (at bootstrap, or on taking the {@link leaseKey} lease),
   * e.g. to rebuild from the store what the handlers keep in memory. A throw stops the consumers again (under a
   * lease: reported, the lease released and tried again).
   */
  protected async afterConsumersStart(): Promise<void> {}

  /** Runs each time the consumers have stopped (the lease lost or released, or shutdown), before {@link afterStop}. */
  protected async afterConsumersStop(): Promise<void> {}

  /** The lease a singleton consumer runs under (e.g. `memory`; the service's NATS user must hold rights on it), or none. */
  protected leaseKey(): string | undefined {
    return undefined;
  }

  /** What this host consumes now (see {@link ConsumerBinding}). */
  binding(): ConsumerBinding {
    const settings = this.settings();
    const list = Array.isArray(settings) ? (settings as readonly ConsumerSettings[]) : [settings as ConsumerSettings];
    return {
      standby: this.lease !== undefined && !this.lease.held,
      durables: list.map((each) => ({ stream: each.stream, durable: each.durable })),
      started: this.consumers.length,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    const key = this.leaseKey();
    if (key === undefined) {
      await this.startConsumers();
      return;
    }
    this.lease = await Lease.open({ nc: this.nc, key });
    this.lease.run(async () => {
      await this.startConsumers();
      return { stop: () => this.stopConsumers() };
    });
  }

  private async startConsumers(): Promise<void> {
    this.running = true;
    try {
      await this.openConsumers();
      await this.afterConsumersStart();
    } catch (error) {
      await this.stopConsumers();
      throw error;
    }
  }

  private async openConsumers(): Promise<void> {
    const settings = this.settings();
    for (const each of Array.isArray(settings)
      ? (settings as readonly ConsumerSettings[])
      : [settings as ConsumerSettings]) {
      const { batch, ...rest } = each;
      this.consumers.push(
        await startDurableConsumer(this.nc, {
          ...rest,
          handler: (message) => this.handle(message),
          skip: (message) => this.skip(message),
          ...(batch
            ? { batch: { ...batch, handler: (messages: readonly ConsumedMessage[]) => this.handleBatch(messages) } }
            : {}),
        }),
      );
    }
  }

  private async stopConsumers(): Promise<void> {
    const consumers = this.consumers;
    this.consumers = [];
    await Promise.all(consumers.map((consumer) => consumer.stop()));
    if (!this.running) return;
    this.running = false;
    await this.afterConsumersStop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.lease) await this.lease.close(); // stops the consumers if they run, then releases the key
    await this.stopConsumers();
    await this.afterStop();
  }
}
