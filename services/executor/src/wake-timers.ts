import { MAX_TIMER_DELAY_MS } from '@ledgerflow/domain';

/** The timer functions used (Node's by default); a test passes its own to see the delays armed. */
export interface TimerApi {
  set(callback: () => void, delayMs: number): NodeJS.Timeout;
  clear(timer: NodeJS.Timeout): void;
}

const NODE_TIMERS: TimerApi = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (timer) => clearTimeout(timer),
};

/**
 * One pending wake-up per run (a retry becoming due, or another try after a transient failure). Timers
 * are derived from events by the reconciler, so losing them in a crash loses nothing: a restarted
 * executor computes them again from `StepRetryScheduled.dueAt`.
 *
 * Long waits are chained: Node sets a delay above 2^31 - 1 ms (about 24.8 days) to 1 ms
 * (nodejs.org/api/timers.html), which would wake the run at once and again, forever. A deadline further away
 * than {@link MAX_TIMER_DELAY_MS} is armed for that long, then re-armed for what remains by the clock, so the
 * run wakes at its deadline, never early. Definitions bound retry delays to that limit (docs/definitions.md),
 * but a `dueAt` recorded earlier, or from any other source, still gets a correct timer.
 */
export class WakeTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly wake: (runId: string) => void,
    private readonly clock: () => Date,
    private readonly api: TimerApi = NODE_TIMERS,
  ) {}

  /** Wakes the run at `at` (ISO-8601), replacing its previous timer; clears it when `at` is undefined. */
  at(runId: string, at: string | undefined): void {
    this.clear(runId);
    if (at) this.arm(runId, Date.parse(at));
  }

  /** Wakes the run after `delayMs` (ms, from the clock's now), replacing its previous timer. */
  after(runId: string, delayMs: number): void {
    this.arm(runId, this.clock().getTime() + Math.max(0, delayMs));
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) this.api.clear(timer);
    this.timers.clear();
  }

  /** Arms one timer towards `dueMs` (epoch ms): the whole wait, or the longest a timer takes and then the rest. */
  private arm(runId: string, dueMs: number): void {
    if (this.stopped) return;
    this.clear(runId);
    const remaining = Number.isFinite(dueMs) ? Math.max(0, dueMs - this.clock().getTime()) : 0;
    const chained = remaining > MAX_TIMER_DELAY_MS;
    const timer = this.api.set(
      () => {
        this.timers.delete(runId);
        if (chained) this.arm(runId, dueMs);
        else this.wake(runId);
      },
      chained ? MAX_TIMER_DELAY_MS : remaining,
    );
    timer.unref?.();
    this.timers.set(runId, timer);
  }

  private clear(runId: string): void {
    const existing = this.timers.get(runId);
    if (existing) this.api.clear(existing);
    this.timers.delete(runId);
  }
}
