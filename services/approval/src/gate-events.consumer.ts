import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { EVENTS_STREAM, headers, subjects } from '@ledgerflow/contracts';
import type { RunState } from '@ledgerflow/domain';
import type { ConsumedMessage } from '@ledgerflow/messaging';
import { DurableConsumerHost, NATS_CONNECTION, RUN_REPOSITORY } from '@ledgerflow/service-runtime';
import type { ConsumerSettings, RunRepository } from '@ledgerflow/service-runtime';
import { GateNotifier } from './gate-notifier.js';
import type { GateNotification } from './gate-notifier.js';
import { GateSlaScheduler } from './gate-sla.scheduler.js';

/** Injection token of the gateway's public base URL (notification links). */
export const PUBLIC_URL = Symbol('ledgerflow.approval.public-url');

/**
 * The notification for a relayed gate event, or undefined when the gate has moved on since (decided, or
 * escalated further): a redelivered or replayed event never notifies about a gate nobody can act on.
 */
export function notificationFor(
  type: 'GateOpened' | 'GateEscalated',
  runId: string,
  data: { gateId: string; level?: number },
  state: RunState,
  publicUrl: string,
): GateNotification | undefined {
  const gate = state.gates[data.gateId];
  const level = type === 'GateOpened' ? 0 : (data.level ?? 0);
  if (!gate || gate.status !== 'open' || gate.level !== level) return undefined;
  return {
    event: type,
    gateId: gate.gateId,
    runId,
    stepId: gate.stepId,
    reviewers: gate.reviewers,
    reason: gate.reason,
    level,
    ...(gate.dueAt === undefined ? {} : { dueAt: gate.dueAt }),
    link: `${publicUrl.replace(/\/+$/, '')}/v1/gates/${encodeURIComponent(gate.gateId)}`,
  };
}

/**
 * On a relayed gate event: times the run's SLA (`GateSlaScheduler.poke`), then notifies the reviewers
 * (`GateNotifier`, retried; a notification given up is logged and the message still acked: the gate is safe in
 * the store). One subject per durable (nats-server 2.9): `approval-gate-opened`, `approval-gate-escalated`.
 */
abstract class GateEventsConsumer extends DurableConsumerHost {
  protected abstract readonly type: 'GateOpened' | 'GateEscalated';
  protected abstract readonly durable: string;

  protected constructor(
    nc: NatsConnection,
    private readonly runs: RunRepository,
    private readonly scheduler: GateSlaScheduler,
    private readonly notifier: GateNotifier,
    private readonly publicUrl: string,
  ) {
    super(nc);
  }

  protected settings(): ConsumerSettings {
    return { stream: EVENTS_STREAM, durable: this.durable, filterSubjects: [subjects.event('run', '*', this.type)] };
  }

  protected async handle(message: ConsumedMessage): Promise<void> {
    const runId = message.headers?.get(headers.runId);
    if (!runId) return;
    await this.scheduler.poke(runId);
    if (!this.notifier.enabled) return;
    // The relayed StoredEvent, read in its type's current shape (docs/events.md, "Versions and upcasting").
    const event = this.runs.upcast(
      message.json<{ type: string; data: { gateId: string; level?: number }; metadata?: object }>(),
    );
    const { state } = await this.runs.load(runId);
    const notification = notificationFor(this.type, runId, event.data, state, this.publicUrl);
    if (notification) await this.notifier.notify(notification);
  }
}

@Injectable()
export class GateOpenedConsumer extends GateEventsConsumer {
  protected readonly type = 'GateOpened' as const;
  protected readonly durable = 'approval-gate-opened';
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(RUN_REPOSITORY) runs: RunRepository,
    @Inject(GateSlaScheduler) scheduler: GateSlaScheduler,
    @Inject(GateNotifier) notifier: GateNotifier,
    @Inject(PUBLIC_URL) publicUrl: string,
  ) {
    super(nc, runs, scheduler, notifier, publicUrl);
  }
}

@Injectable()
export class GateEscalatedConsumer extends GateEventsConsumer {
  protected readonly type = 'GateEscalated' as const;
  protected readonly durable = 'approval-gate-escalated';
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(RUN_REPOSITORY) runs: RunRepository,
    @Inject(GateSlaScheduler) scheduler: GateSlaScheduler,
    @Inject(GateNotifier) notifier: GateNotifier,
    @Inject(PUBLIC_URL) publicUrl: string,
  ) {
    super(nc, runs, scheduler, notifier, publicUrl);
  }
}
