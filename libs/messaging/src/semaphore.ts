/** A counting semaphore: at most `permits` holders at once; waiters are served first come, first served. */
export class Semaphore {
  private readonly waiters: Array<() => void> = [];

  constructor(private permits: number) {}

  /** Resolves once a permit is held (or {@link releaseWaiters} was called, in which case none is held). */
  acquire(): Promise<void> {
    if (this.permits > 0) {
      this.permits--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.permits++;
  }

  /** Wakes every waiter without giving it a permit (used when shutting down). */
  releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
