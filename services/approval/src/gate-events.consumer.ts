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

/** The gate events approval consumes, each with its durable (one subject per durable: nats-server 2.9). */
const GATE_EVENT_DURABLES = { GateOpened: 'approval-gate-opened', GateEscalated: 'approval-gate-escalated' } as const;

/** The lease (KV bucket `LF_LEASES`) under which one approval replica times every gate and notifies reviewers. */
export const APPROVAL_LEASE_KEY = 'approval';

/**
 * Gate SLA timers and notifications, one approval replica at a time: the holder of the lease `approval` (KV bucket
 * `LF_LEASES`, TTL 10 s) consumes the relayed `GateOpened` and `GateEscalated` (durables `approval-gate-opened`,
 * `approval-gate-escalated`); the other replicas stand by (they still open and decide gates: those are requests
 * any replica answers). On taking the lease, a replica scans the store for active runs and times every gate
 * (`GateSlaScheduler.start`), so gates whose events the previous holder consumed are timed again, and a deadline
 * that passed meanwhile escalates at once; on losing it, it clears its timers. A holder that dies is replaced within
 * 11 s (TTL + one poll of a standby), so a gate escalates at most about 11 s (plus the scan) after the later of its
 * deadline and the holder's death. For each event: the run's SLA is (re)timed (`GateSlaScheduler.poke`), then the
 * reviewers are notified (`GateNotifier`, retried; a notification given up is logged and the message still acked:
 * the gate is safe in the store).
 */
@Injectable()
export class GateEventsConsumer extends DurableConsumerHost {
  constructor(
    @Inject(NATS_CONNECTION) nc: NatsConnection,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
    @Inject(GateSlaScheduler) private readonly scheduler: GateSlaScheduler,
    @Inject(GateNotifier) private readonly notifier: GateNotifier,
    @Inject(PUBLIC_URL) private readonly publicUrl: string,
  ) {
    super(nc);
  }

  protected settings(): ConsumerSettings[] {
    return Object.entries(GATE_EVENT_DURABLES).map(([type, durable]) => ({
      stream: EVENTS_STREAM,
      durable,
      filterSubjects: [subjects.event('run', '*', type)],
    }));
  }

  protected override leaseKey(): string {
    return APPROVAL_LEASE_KEY;
  }

  /** Times every active run's gates from the store: this replica now holds the lease. */
  protected override async afterConsumersStart(): Promise<void> {
    await this.scheduler.start();
  }

  /** Clears this replica's timers: the lease was lost or released (another replica times the gates now). */
  protected override async afterConsumersStop(): Promise<void> {
    this.scheduler.stop();
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
    if (event.type !== 'GateOpened' && event.type !== 'GateEscalated') return;
    const { state } = await this.runs.load(runId);
    const notification = notificationFor(event.type, runId, event.data, state, this.publicUrl);
    if (notification) await this.notifier.notify(notification);
  }
}
