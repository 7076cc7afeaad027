import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  EVENTS_STREAM,
  WORKFLOW_STREAM_PREFIX,
  WORKFLOW_VERSION_REGISTERED,
  headers,
  runStreamId,
  subjects,
} from '@ledgerflow/contracts';
import { currentDataOf } from '@ledgerflow/domain';
import type { ConsumerBinding, RunRepository } from '@ledgerflow/service-runtime';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import type { EventStore } from '@ledgerflow/event-store';
import { DurableConsumerHost, EVENT_STORE, LOGGER, NATS_CONNECTION, RUN_REPOSITORY } from '@ledgerflow/service-runtime';
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
 * The outcome is read in its current shape (`RunRepository.upcast`; docs/events.md, "Versions and upcasting"); one of
 * a newer schema version than this release reads fails with `event_version_unsupported` and is retried, then
 * dead-lettered (never guessed at), as in `RecoveryConsumer`.
 */
/** How often, in ms, a planner with no adaptive template yet looks for one (in the store's workflow streams). */
export const ADAPTIVE_TEMPLATE_POLL_MS = 2_000;

@Injectable()
export class AdaptiveConsumer extends DurableConsumerHost {
  /** Whether the consumers are wanted: once a registered workflow version declares `goal.adaptive: true`. */
  private wanted = false;
  private poll: ReturnType<typeof setInterval> | undefined;

  /** The tail of each run's queue of outcomes in hand (removed when it drains). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(AdaptiveSteps) private readonly adaptive: AdaptiveSteps,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
  ) {
    super(nc);
  }

  /**
   * Starts the consumers only once some registered workflow version declares `goal.adaptive: true` (until then they
   * would receive every step outcome of every workflow for nothing); a planner without one looks again every
   * {@link ADAPTIVE_TEMPLATE_POLL_MS}. Created then, the durables start from the beginning of `LF_EVENTS`: outcomes
   * relayed before are handled too (ended runs are settled after one read).
   */
  override async onApplicationBootstrap(): Promise<void> {
    if (await this.adaptiveTemplateRegistered()) return this.startWanted();
    this.poll = setInterval(() => {
      void this.adaptiveTemplateRegistered().then(
        (found) => (found && !this.wanted ? this.startWanted() : undefined),
        (error: unknown) =>
          this.logger.warn('adaptive: looking for adaptive templates failed', { error: String(error) }),
      );
    }, ADAPTIVE_TEMPLATE_POLL_MS);
    this.poll.unref();
  }

  override async onApplicationShutdown(): Promise<void> {
    clearInterval(this.poll);
    await super.onApplicationShutdown();
  }

  /** No durable until they are wanted (readiness counts none missing). */
  override binding(): ConsumerBinding {
    const bound = super.binding();
    return this.wanted ? bound : { ...bound, durables: [] };
  }

  private async startWanted(): Promise<void> {
    clearInterval(this.poll);
    this.wanted = true;
    this.logger.info('adaptive: an adaptive goal template is registered; consuming step outcomes');
    await super.onApplicationBootstrap();
  }

  private async adaptiveTemplateRegistered(): Promise<boolean> {
    const events = await this.store.readAll({ streamPrefix: WORKFLOW_STREAM_PREFIX, maxCount: 100_000 });
    return events.some(
      (event) =>
        event.type === WORKFLOW_VERSION_REGISTERED &&
        (event.data as { definition?: { goal?: { adaptive?: unknown } } }).definition?.goal?.adaptive === true,
    );
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
    const { stepId, attempt } = currentDataOf(event, event.type, this.runs) ?? {};
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
