import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, headers, runStreamId, subjects } from '@ledgerflow/contracts';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import type { EventStore } from '@ledgerflow/event-store';
import { DurableConsumerHost, EVENT_STORE, LOGGER, NATS_CONNECTION } from '@ledgerflow/service-runtime';
import type { ConsumerSettings } from '@ledgerflow/service-runtime';
import { contextFromTraceparent, SpanAttr, SpanKind, withSpan } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';
import { AdaptiveSteps, type StepOutcome } from './adaptive-steps.js';

/** The step outcomes after which adaptive steps may be proposed, each with its durable (one filter per consumer). */
export const ADAPTIVE_EVENT_TYPES = ['StepSucceeded', 'StepFailed'] as const;

/** The durable consuming one outcome type: `planner-adaptive-<Type>`. */
export const adaptiveDurable = (eventType: (typeof ADAPTIVE_EVENT_TYPES)[number]): string =>
  `planner-adaptive-${eventType}`;

/**
 * Durable consumers `planner-adaptive-StepSucceeded` and `planner-adaptive-StepFailed` on `lf.evt.run.*.<Type>`
 * (headers only; the step and attempt are read from the store, and an outcome of a run known never to be asked about
 * is acked unread: `AdaptiveSteps.isSettled`): hands each step outcome to {@link AdaptiveSteps} (docs/planning.md, "Adaptive
 * steps"), which asks the model only for live runs of adaptive `llm` goal templates. The outcomes of one run are
 * handled one after another (the model sees the plan its previous answer made); other runs' go on in parallel. A
 * revision that is no step outcome is acknowledged and logged; a store or NATS failure is nak'ed and retried (`DurableConsumerHost`).
 */
@Injectable()
export class AdaptiveConsumer extends DurableConsumerHost {
  /** The tail of each run's queue of outcomes in hand (removed when it drains). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(AdaptiveSteps) private readonly adaptive: AdaptiveSteps,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    super(nc);
  }

  protected settings(): ConsumerSettings[] {
    return ADAPTIVE_EVENT_TYPES.map((type) => ({
      stream: EVENTS_STREAM,
      durable: adaptiveDurable(type),
      filterSubjects: [subjects.event('run', '*', type)],
      headersOnly: true,
    }));
  }

  /** An outcome of a run known never to be asked about is acked on its headers alone (most runs: no adaptive goal). */
  protected override skip(message: ConsumedMessage): boolean {
    const runId = message.headers?.get(headers.runId);
    return !runId || this.adaptive.isSettled(runId);
  }

  /** Reads the outcome's step and attempt from the store (delivery carries headers only), then asks the flow. */
  protected async handle(message: ConsumedMessage): Promise<void> {
    const runId = message.headers?.get(headers.runId);
    const revision = Number(message.headers?.get(headers.streamRevision) ?? Number.NaN);
    if (!runId || !Number.isInteger(revision) || this.adaptive.isSettled(runId)) return;
    const [event] = await this.store.readStream(runStreamId(runId), { fromRevision: revision, maxCount: 1 });
    if (event?.type !== 'StepSucceeded' && event?.type !== 'StepFailed') {
      this.logger.warn('adaptive: the relayed revision is no step outcome; ignored', {
        subject: message.subject,
        runId,
        revision,
      });
      return;
    }
    const { stepId, attempt } = (event.data ?? {}) as { stepId?: unknown; attempt?: unknown };
    if (typeof stepId !== 'string' || typeof attempt !== 'number') return;
    const outcome: StepOutcome = {
      runId,
      stepId,
      attempt,
      status: event.type === 'StepSucceeded' ? 'succeeded' : 'failed',
    };
    const traceparent = message.headers?.get(headers.traceparent);
    const parent = traceparent ? contextFromTraceparent(traceparent) : undefined;
    await this.serialized(runId, () =>
      withSpan(
        'planner.adaptive',
        { parent, kind: SpanKind.CONSUMER, attributes: { [SpanAttr.runId]: runId, [SpanAttr.stepId]: stepId } },
        () => this.adaptive.afterOutcome(outcome),
      ),
    );
  }

  /** Runs `work` after the run's outcomes already in hand (their failures do not stop it). */
  private async serialized<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(runId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.queues.set(runId, next);
    try {
      return await next;
    } finally {
      if (this.queues.get(runId) === next) this.queues.delete(runId);
    }
  }
}
