import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, headers } from '@ledgerflow/contracts';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import type { ConsumerSettings } from '@ledgerflow/service-runtime';
import { GateOpenings } from './gate-openings.js';

/** Relayed `StepPolicyEvaluated` events: the only ones after which a step can need an approval gate. */
export const POLICY_DECISIONS_SUBJECT = 'lf.evt.run.*.StepPolicyEvaluated';
/** Relayed `StepSucceeded` events: a result may be held for review (a confidence gate). */
export const STEP_SUCCEEDED_SUBJECT = 'lf.evt.run.*.StepSucceeded';

/**
 * Opens approval gates: after a policy decision that requires approval (or for a step whose definition
 * declares a gate), appends `GateOpened` naming the reviewers, with its SLA deadline. Durable consumer
 * `approval` (headers only); idempotent (see `GateOpenings`).
 */
@Injectable()
export class GateOpener extends DurableConsumerHost {
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, @Inject(GateOpenings) private readonly openings: GateOpenings) {
    super(nc);
  }

  protected settings(): ConsumerSettings {
    return { stream: EVENTS_STREAM, durable: 'approval', filterSubjects: [POLICY_DECISIONS_SUBJECT], headersOnly: true };
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    const runId = message.headers?.get(headers.runId);
    if (runId) await this.openings.openGates(runId, message.headers?.get(headers.traceparent));
  }

  /** Opens every gate the run is waiting for; returns the ids of the steps whose gate it opened. */
  openGates(runId: string, traceparent?: string): Promise<string[]> {
    return this.openings.openGates(runId, traceparent);
  }
}

/**
 * Opens confidence gates: a `StepSucceeded` whose `data.review` is set holds its result for review. Durable
 * consumer `approval-confidence` (one subject per durable: nats-server 2.9); the body is read so that only
 * held results load the run.
 */
@Injectable()
export class ConfidenceGateOpener extends DurableConsumerHost {
  constructor(@Inject(NATS_CONNECTION) nc: NatsConnection, @Inject(GateOpenings) private readonly openings: GateOpenings) {
    super(nc);
  }

  protected settings(): ConsumerSettings {
    return { stream: EVENTS_STREAM, durable: 'approval-confidence', filterSubjects: [STEP_SUCCEEDED_SUBJECT] };
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    const event = message.json<{ data?: { review?: unknown } }>();
    const runId = message.headers?.get(headers.runId);
    if (runId && event.data?.review !== undefined) await this.openings.openGates(runId, message.headers?.get(headers.traceparent));
  }
}
