import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { startDurableConsumer } from '@ledgerflow/messaging';
import type { ConsumedMessage, DurableConsumer, DurableConsumerOptions } from '@ledgerflow/messaging';

/** What a host configures: everything of a durable consumer but its handler. */
export type ConsumerSettings = Omit<DurableConsumerOptions, 'handler'>;

/**
 * A JetStream durable consumer bound to the Nest application's lifecycle: it starts when the
 * application has bootstrapped and drains (in-flight handlers finish) when it shuts down.
 * Subclasses say what to consume (`settings`) and how to handle one message (`handle`, idempotent;
 * throw to nak). See `startDurableConsumer` for ack, backoff and dead-letter behaviour.
 */
export abstract class DurableConsumerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private consumer?: DurableConsumer;

  protected constructor(protected readonly nc: NatsConnection) {}

  protected abstract settings(): ConsumerSettings;

  protected abstract handle(message: ConsumedMessage): Promise<void>;

  /** Runs after the consumer has drained, e.g. to close what the handler uses. */
  protected async afterStop(): Promise<void> {}

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await startDurableConsumer(this.nc, { ...this.settings(), handler: (message) => this.handle(message) });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    await this.afterStop();
  }
}
