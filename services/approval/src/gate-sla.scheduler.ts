import { DomainError, MAX_TIMER_DELAY_MS, decide, dueGates, gateWakeAt } from '@ledgerflow/domain';
import type { EventStore } from '@ledgerflow/event-store';
import { activeRunIds } from '@ledgerflow/service-runtime';
import type { RunRepository } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';

/** The timer functions used (Node's by default); a test passes its own to see the delays armed. */
export interface SlaTimerApi {
  set(callback: () => void, delayMs: number): NodeJS.Timeout;
  clear(timer: NodeJS.Timeout): void;
}

const NODE_TIMERS: SlaTimerApi = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (timer) => clearTimeout(timer),
};

/**
 * Escalates gates at their SLA deadline (`GateEscalated`, in chains). Timers are derived from events, never
 * from memory alone: on {@link start} every active run is scanned and timed (`gateWakeAt`), and every relayed
 * `GateOpened`/`GateEscalated` (re)times its run. When a timer fires, the run is re-read and `EscalateGate` is
 * sent for each gate `dueGates` lists at that moment; then the run is timed again for its next deadline.
 * So a deadline that passed while no scheduler ran escalates right after one starts.
 * The approval service runs one scheduler at a time, in the replica holding the lease `approval`
 * (`GateEventsConsumer`): it starts on taking the lease and stops on losing it. Should two fire for one gate
 * anyway (a holder that has not noticed yet that its lease ran out), the Run aggregate accepts one escalation per
 * level (the others are refused with `run_gate_not_due`/`run_gate_not_escalatable`/`run_gate_already_decided` and ignored).
 *
 * SLAs of weeks are legitimate (up to `MAX_GATE_SLA_SECONDS`, 366 days), but Node sets a timer delay above
 * 2^31 - 1 ms (`MAX_TIMER_DELAY_MS`, about 24.8 days) to 1 ms (nodejs.org/api/timers.html). So a timer never
 * waits more than that: a later deadline is armed at the limit, and when it fires nothing is due yet, so the
 * run is timed again for what remains: a 30-day SLA escalates after 30 days, never early.
 */
export class GateSlaScheduler {
  private readonly timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  private stopped = true;
  /** Incremented by each start and stop, so that a poke begun before one arms nothing after it. */
  private generation = 0;

  constructor(
    private readonly runs: RunRepository,
    private readonly store: EventStore,
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
    private readonly api: SlaTimerApi = NODE_TIMERS,
  ) {}

  /**
   * Starts timing (again, after {@link stop}): scans the store for active runs and times each; resolves with the
   * number of runs scanned. Relayed events may {@link poke} runs meanwhile (both are idempotent).
   */
  async start(): Promise<number> {
    this.stopped = false;
    this.generation++;
    const active = await activeRunIds(this.store);
    for (const runId of active) await this.poke(runId);
    if (this.timers.size > 0) this.logger.info('gate SLA timers restored', { runs: this.timers.size });
    return active.length;
  }

  /** (Re)times a run from its current state: a timer at its earliest escalatable `dueAt`, or none. Nothing when stopped. */
  async poke(runId: string): Promise<void> {
    if (this.stopped) return;
    const generation = this.generation;
    const { state } = await this.runs.load(runId);
    if (this.stopped || generation !== this.generation) return;
    const wake = gateWakeAt(state);
    const existing = this.timers.get(runId);
    if (wake === undefined) {
      if (existing) this.api.clear(existing.timer);
      this.timers.delete(runId);
      return;
    }
    const at = Date.parse(wake);
    if (existing?.at === at) return;
    if (existing) this.api.clear(existing.timer);
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, at - this.clock()));
    const timer = this.api.set(
      () =>
        void this.fire(runId).catch((error: Error) =>
          this.logger.error('gate escalation failed', { runId, error: error.message }),
        ),
      delay,
    );
    timer.unref?.();
    this.timers.set(runId, { at, timer });
    this.logger.info('gate SLA timed', { runId, dueAt: wake });
  }

  /** The deadline (epoch ms) a run is timed for, if any (for tests and diagnostics). */
  timedAt(runId: string): number | undefined {
    return this.timers.get(runId)?.at;
  }

  /** Escalates every gate of the run due now, then times the run again. */
  async fire(runId: string): Promise<string[]> {
    this.timers.delete(runId);
    const escalated: string[] = [];
    const { state } = await this.runs.load(runId);
    for (const gate of dueGates(state, new Date(this.clock()).toISOString())) {
      try {
        await this.runs.execute(
          runId,
          (current, now) => decide({ type: 'EscalateGate', data: { gateId: gate.gateId } }, current, { now }),
          {
            causationId: `escalate-gate:${gate.gateId}/${gate.level + 1}`,
          },
        );
        escalated.push(gate.gateId);
        this.logger.info('gate escalated', { runId, gateId: gate.gateId, level: gate.level + 1 });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error; // decided or escalated meanwhile (another replica)
      }
    }
    await this.poke(runId);
    return escalated;
  }

  /** Clears every timer; pokes do nothing until {@link start} is called again. */
  stop(): void {
    this.stopped = true;
    this.generation++;
    for (const { timer } of this.timers.values()) this.api.clear(timer);
    this.timers.clear();
  }
}
