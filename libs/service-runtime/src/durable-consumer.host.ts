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

  /** The lease a singleton consumer runs under (e.g. `memory`; the service's NATS user must hold rights on it), or none. */
  protected leaseKey(): string | undefined {
    return undefined;
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
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.lease) await this.lease.close(); // stops the consumers if they run, then releases the key
    await this.stopConsumers();
    await this.afterStop();
  }
}
