import { AsyncLocalStorage } from 'node:async_hooks';
import type { StoredEvent, SubscribeToAllOptions, Subscription } from './event-store.port.js';

/** Reads the next page of matching events with `position > fromPosition`, in position order. */
export type FetchPage = (fromPosition: number, maxCount: number) => StoredEvent[] | Promise<StoredEvent[]>;

/** Lets a subscription sleep until the next append in this process, or `ms` at most. */
export interface AppendSignal {
  wait(ms: number): { promise: Promise<void>; cancel(): void };
}

const PAGE_SIZE = 256;
const insideHandler = new AsyncLocalStorage<PollingSubscription>();

/**
 * A catch-up-then-poll subscription shared by the SQLite and in-memory adapters: reads pages of
 * `PAGE_SIZE` events after the last handled position, awaits the handler for each, and when caught up
 * sleeps until an append in this process (signal) or `pollIntervalMs` (appends by other processes).
 * A handler or read error stops it: `onError` is called and `closed` rejects; the failing event is
 * not skipped (`position` stays at the last event handled).
 */
export class PollingSubscription implements Subscription {
  readonly closed: Promise<void>;
  private lastPosition: number;
  private stopping = false;
  private sleeper: { promise: Promise<void>; cancel(): void } | undefined;
  private readonly loop: Promise<void>;

  constructor(
    options: SubscribeToAllOptions,
    private readonly fetchPage: FetchPage,
    private readonly handler: (event: StoredEvent) => Promise<void> | void,
    private readonly signal: AppendSignal,
    private readonly pollIntervalMs: number,
    onStop: (subscription: PollingSubscription) => void,
  ) {
    this.lastPosition = options.fromPosition ?? 0;
    this.loop = this.run().finally(() => onStop(this));
    this.closed = this.loop;
    if (options.onError) {
      const onError = options.onError;
      this.loop.catch((error: unknown) => onError(error));
    }
  }

  get position(): number {
    return this.lastPosition;
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.sleeper?.cancel();
    // From inside the handler, the loop waits for this very call: do not wait for the loop.
    if (insideHandler.getStore() === this) return;
    await this.loop.catch(() => undefined);
  }

  private async run(): Promise<void> {
    // Start on a later tick so that `subscribeToAll` returns before the first delivery.
    await Promise.resolve();
    while (!this.stopping) {
      // Listen before reading, so an append made while this page is handled wakes the next read.
      const sleeper = this.signal.wait(this.pollIntervalMs);
      this.sleeper = sleeper;
      try {
        const page = await this.fetchPage(this.lastPosition, PAGE_SIZE);
        for (const event of page) {
          if (this.stopping) return;
          await insideHandler.run(this, () => this.handler(event));
          this.lastPosition = event.position;
        }
        if (page.length === PAGE_SIZE) sleeper.cancel();
        await sleeper.promise;
      } finally {
        sleeper.cancel();
        this.sleeper = undefined;
      }
    }
  }
}

/** A process-local append signal: `notify()` wakes every waiting subscription at once. */
export class LocalAppendSignal implements AppendSignal {
  private waiters = new Set<() => void>();

  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  wait(ms: number): { promise: Promise<void>; cancel(): void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), ms);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      wake = done;
      this.waiters.add(done);
    });
    return { promise, cancel: wake };
  }
}
