import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, EXECUTOR_EVENT_TYPES, executorDurable, headers, subjects } from '@ledgerflow/contracts';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import type { ConsumerSettings } from '@ledgerflow/service-runtime';
import { RunReconciler } from './run-reconciler.js';

/**
 * Reacts to run events from other processes (a new run from the planner, a gate decision from approval, an
 * operator's command): one durable consumer per type in `EXECUTOR_EVENT_TYPES` (`executor-<Type>` on
 * `lf.evt.run.*.<Type>`), each shared by every executor replica; the types only the executor appends are not
 * delivered to it at all. An event this process has already folded (its own appends) needs no reaction. Only
 * headers are delivered (`lf-run-id`, `lf-stream-revision`): the executor re-reads the run from the store anyway.
 * The message is acknowledged once the run has been reconciled, so a crash before that redelivers it.
 */
@Injectable()
export class RunEventsConsumer extends DurableConsumerHost {
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(RunReconciler) private readonly reconciler: RunReconciler,
  ) {
    super(nc);
  }

  protected settings(): readonly ConsumerSettings[] {
    return EXECUTOR_EVENT_TYPES.map((type) => ({
      stream: EVENTS_STREAM,
      durable: executorDurable(type),
      filterSubjects: [subjects.event('run', '*', type)],
      headersOnly: true,
    }));
  }

  /** An event this process has folded (most relayed `StepSucceeded`: its own appends) is acked on its headers alone. */
  protected override skip(message: ConsumedMessage): boolean {
    const runId = message.headers?.get(headers.runId);
    const revision = Number(message.headers?.get(headers.streamRevision) ?? Number.NaN);
    return !runId || (Number.isInteger(revision) && this.reconciler.isKnown(runId, revision));
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    const runId = message.headers?.get(headers.runId);
    if (!runId || this.skip(message)) return;
    await this.reconciler.appendedElsewhere(runId);
  }

  protected override async afterStop(): Promise<void> {
    await this.reconciler.stop();
  }
}
