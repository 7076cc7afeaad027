import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { DomainError, decide, gatesToOpen } from '@ledgerflow/domain';
import { EVENTS_STREAM, headers } from '@ledgerflow/contracts';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost, LOGGER, NATS_CONNECTION, RUN_REPOSITORY } from '@ledgerflow/service-runtime';
import type { ConsumerSettings, RunRepository } from '@ledgerflow/service-runtime';
import { SpanKind, contextFromTraceparent, withSpan } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';

/** Relayed `StepPolicyEvaluated` events: the only ones after which a step can need a gate. */
export const POLICY_DECISIONS_SUBJECT = 'lf.evt.run.*.StepPolicyEvaluated';

/**
 * Opens gates: after a policy decision that requires approval (or for a step whose definition declares a
 * gate), appends `GateOpened` naming the reviewers, with its SLA deadline. Durable consumer `approval`
 * (headers only); idempotent, since the Run aggregate refuses a second gate for the same step.
 */
@Injectable()
export class GateOpener extends DurableConsumerHost {
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super(nc);
  }

  protected settings(): ConsumerSettings {
    return { stream: EVENTS_STREAM, durable: 'approval', filterSubjects: [POLICY_DECISIONS_SUBJECT], headersOnly: true };
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    const runId = message.headers?.get(headers.runId);
    if (runId) await this.openGates(runId, message.headers?.get(headers.traceparent));
  }

  /** Opens every gate the run is waiting for; returns the ids of the steps whose gate it opened. */
  async openGates(runId: string, traceparent?: string): Promise<string[]> {
    const { state } = await this.runs.load(runId);
    const opened: string[] = [];
    for (const { stepId } of gatesToOpen(state)) {
      const parent = traceparent ? contextFromTraceparent(traceparent) : undefined;
      await withSpan('approval.open-gate', { parent, kind: SpanKind.CONSUMER, attributes: { 'ledgerflow.run_id': runId, 'ledgerflow.step_id': stepId } }, async () => {
        try {
          await this.runs.execute(runId, (current, now) => decide({ type: 'OpenGate', data: { stepId } }, current, { now }), {
            causationId: `open-gate:${runId}.${stepId}`,
          });
          opened.push(stepId);
          this.logger.info('gate opened', { runId, stepId });
        } catch (error) {
          // Another approval replica opened it first, or the run moved on: nothing left to do.
          if (!(error instanceof DomainError)) throw error;
        }
      });
    }
    return opened;
  }
}
