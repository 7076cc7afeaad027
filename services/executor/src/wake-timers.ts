/**
 * One pending wake-up per run (a retry becoming due, or another try after a transient failure). Timers
 * are derived from events by the reconciler, so losing them in a crash loses nothing: a restarted
 * executor computes them again from `StepRetryScheduled.dueAt`.
 */
export class WakeTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly wake: (runId: string) => void,
    private readonly clock: () => Date,
  ) {}

  /** Wakes the run at `at` (ISO-8601), replacing its previous timer; clears it when `at` is undefined. */
  at(runId: string, at: string | undefined): void {
    this.clear(runId);
    if (at) this.after(runId, Math.max(0, Date.parse(at) - this.clock().getTime()));
  }

  /** Wakes the run after `delayMs`, replacing its previous timer. */
  after(runId: string, delayMs: number): void {
    if (this.stopped) return;
    this.clear(runId);
    const timer = setTimeout(() => {
      this.timers.delete(runId);
      this.wake(runId);
    }, delayMs);
    timer.unref();
    this.timers.set(runId, timer);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private clear(runId: string): void {
    const existing = this.timers.get(runId);
    if (existing) clearTimeout(existing);
    this.timers.delete(runId);
  }
}
