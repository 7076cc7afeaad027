import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers as lfHeaders, subjects, TRIGGERS_STREAM } from '@ledgerflow/contracts';
import type { TriggerMessage } from '@ledgerflow/contracts';
import { toErrorBody } from '@ledgerflow/messaging';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost, LOGGER, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import type { ConsumerSettings } from '@ledgerflow/service-runtime';
import { SpanAttr, withSpan } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';
import { RunStarter } from './start-run.js';

/**
 * Consumes `lf.trigger.<workflowId>` from JetStream (durable `planner`). The message body is the
 * enterprise system's event; its idempotency key is the `lf-idempotency-key` header, else the JetStream
 * message id (`Nats-Msg-Id`). A trigger that can never start a run (unknown workflow, invalid input) is
 * acknowledged and published with its error on `lf.trigger-rejected.<workflowId>` (also a repeat of a key with
 * another body: `idempotency_key_reused`, see `RunStarter`; a repeat with the same body is acknowledged and starts
 * nothing); a transient failure
 * is retried with backoff and dead-lettered after the consumer's max deliveries.
 */
@Injectable()
export class TriggersConsumer extends DurableConsumerHost {
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(RunStarter) private readonly starter: RunStarter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super(nc);
  }

  protected settings(): ConsumerSettings {
    return { stream: TRIGGERS_STREAM, durable: 'planner', filterSubjects: [subjects.triggerAll] };
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    const workflowId = message.subject.split('.').slice(2).join('.');
    const key =
      message.headers?.get(lfHeaders.idempotencyKey) ||
      message.headers?.get('Nats-Msg-Id') ||
      `js-${message.streamSequence}`;
    // A child of the consumer's `process lf.trigger.*` span, which continues the sender's trace (headers).
    await withSpan('planner.trigger', { attributes: { [SpanAttr.workflowId]: workflowId } }, async (span) => {
      let payload: unknown;
      try {
        payload = message.json();
      } catch (error) {
        return this.reject(workflowId, key, {
          code: 'message_malformed',
          message: `trigger body is not JSON: ${(error as Error).message}`,
          retryable: false,
        });
      }
      const trigger: TriggerMessage = { workflowId, idempotencyKey: key, source: 'nats', payload };
      try {
        const result = await this.starter.start(trigger);
        span.setAttribute(SpanAttr.runId, result.runId);
        this.logger.info('trigger accepted', { workflowId, runId: result.runId, created: result.created });
      } catch (error) {
        const body = toErrorBody(error);
        if (body.retryable) throw error;
        this.reject(workflowId, key, body);
      }
    });
  }

  private reject(
    workflowId: string,
    idempotencyKey: string,
    error: { code: string; message: string; retryable: boolean },
  ): void {
    this.logger.warn('trigger rejected', { workflowId, idempotencyKey, code: error.code, reason: error.message });
    this.nc.publish(subjects.triggerRejected(workflowId), JSON.stringify({ workflowId, idempotencyKey, error }));
  }
}
