/** Counts free handler slots; `whenFree()` waits for at least one. */
export class Slots {
  private waiters: Array<() => void> = [];

  constructor(private free: number) {}

  get available(): number {
    return this.free;
  }

  /** Takes a slot when one is free; false otherwise. */
  tryTake(): boolean {
    if (this.free <= 0) return false;
    this.free--;
    return true;
  }

  release(): void {
    this.free++;
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Resolves once a slot is free (or {@link wakeAll} is called). */
  whenFree(): Promise<void> {
    if (this.free > 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  wakeAll(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}
