import { LedgerflowError, RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { Upcasters } from '@ledgerflow/domain';
import { readAllPages } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent, Subscription } from '@ledgerflow/event-store';
import { runUpdateOf } from './stream-sse.js';
import type { RunUpdate } from './stream-sse.js';
import { RUN_STREAM_PREFIX, RunFactsCache, factsAfter } from './stream-status.js';
import type { RunFacts } from './stream-status.js';

/** Which updates a stream sends: one run's, or every run's narrowed by workflow and event types. */
export interface StreamFilter {
  readonly runId?: string;
  readonly workflowId?: string;
  /** Event types to send; absent: all. */
  readonly types?: ReadonlySet<string>;
}

/** A connection as the hub sees it: `offer` is called synchronously, in position order, with every live update. */
export interface HubListener {
  offer(update: RunUpdate, facts: RunFacts): void;
  /** The hub stopped (store error or shutdown): end the connection; the client resumes with `Last-Event-ID`. */
  abort(reason: string): void;
}

const PAGE = 1000;
/** How long the shared reader outlives the last open stream, in ms (a client reconnecting meanwhile finds it running). */
export const READER_IDLE_MS = 5_000;

/** True when `update` of a run whose facts are `facts` passes `filter`. */
export function matches(filter: StreamFilter, update: RunUpdate, facts: RunFacts): boolean {
  if (filter.runId !== undefined && update.runId !== filter.runId) return false;
  if (filter.workflowId !== undefined && facts.workflowId !== filter.workflowId) return false;
  return filter.types === undefined || filter.types.has(update.type);
}

/**
 * One reader of the event store per gateway process, fanning committed run events out to every open stream.
 * It subscribes to `run-*` streams from the store's head when the first stream opens (and again after a store
 * error), and stops {@link READER_IDLE_MS} after the last one closed: steps nobody watches cost the gateway nothing. A stream combines a catch-up read from its resume position ({@link StreamHub.history}) with the live
 * updates it was offered since it was registered; both arrive in position order, and the connection drops any
 * position it already sent, so nothing between the two is lost or repeated.
 *
 * Every event is read in its type's current shape (`upcasters`; docs/events.md, "Versions and upcasting") before its
 * update and facts are made. One newer than this release reads is refused, never sent half read: a stream's catch-up
 * that reaches it ends that stream, and the shared reader that reaches it stops and ends every stream, with a comment
 * naming the event's type and versions. Retryable, as the gateway's 503 `event_version_unsupported` for it: the
 * client reconnects with `Last-Event-ID` (to a newer replica, or to this one once upgraded), and the reader starts
 * again from the head.
 */
export class StreamHub {
  private readonly listeners = new Set<HubListener>();
  private readonly facts: RunFactsCache;
  private subscription?: Subscription;
  private starting?: Promise<void>;
  private open = 0;
  private lastPosition = 0;
  /** Bumped at each stop: a stopped reader's late events are not fanned out. */
  private generation = 0;
  private idleTimer?: NodeJS.Timeout;

  /**
   * @param knownCommitted a position up to which run events are known committed (the runs projection's), so that
   *   finding the head reads only the events after it, not every run event since the hub last ran.
   */
  constructor(
    private readonly store: EventStore,
    readonly maxConnections: number,
    private readonly idleMs = READER_IDLE_MS,
    private readonly knownCommitted: () => number = () => 0,
    private readonly upcasters: Upcasters = RUN_EVENT_UPCASTERS,
  ) {
    this.facts = new RunFactsCache(store, undefined, upcasters);
  }

  /** Whether the shared reader is running (some stream is open, or the last one closed less than `idleMs` ago). */
  get reading(): boolean {
    return this.subscription !== undefined;
  }

  /** Global position of the last event fanned out: a stream registered now is offered every later one. */
  get position(): number {
    return this.lastPosition;
  }

  /** Takes a connection slot; false when `maxConnections` are open. Give it back with {@link release}. */
  acquire(): boolean {
    if (this.open >= this.maxConnections) return false;
    this.open += 1;
    return true;
  }

  release(): void {
    this.open = Math.max(0, this.open - 1);
  }

  /**
   * Starts the shared reader if needed and registers `listener`; resolves, once live updates flow, with the
   * position it was registered at: it is offered every update after it.
   */
  async listen(listener: HubListener): Promise<number> {
    clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    this.starting ??= this.start().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    await this.starting;
    this.listeners.add(listener);
    return this.lastPosition;
  }

  unlisten(listener: HubListener): void {
    this.listeners.delete(listener);
    if (this.listeners.size > 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.listeners.size === 0) void this.stopReader();
    }, this.idleMs);
    this.idleTimer.unref();
  }

  /**
   * Stored updates after `fromPosition` that pass `filter`, in position order, each with its run's facts; for a
   * run stream, the whole run read from its stream.
   * @throws the store's read errors; EventVersionError `event_version_unsupported` at an event newer than this
   *   release reads (what was yielded before it stands).
   */
  async *history(filter: StreamFilter, fromPosition: number): AsyncGenerator<{ update: RunUpdate; facts: RunFacts }> {
    if (filter.runId !== undefined) {
      let facts: RunFacts = { revision: -1, status: 'none' };
      for (const stored of await this.store.readStream(`${RUN_STREAM_PREFIX}${filter.runId}`)) {
        const event = this.upcasters.upcast(stored);
        facts = factsAfter(facts, event);
        const update = runUpdateOf(event, filter.runId, facts.status);
        if (event.position > fromPosition && matches(filter, update, facts)) yield { update, facts };
      }
      return;
    }
    // Its own cache: the shared one is at the live revisions, past the ones read here.
    const cache = new RunFactsCache(this.store, 1000, this.upcasters);
    for (let from = fromPosition; ;) {
      const page = await this.store.readAll({ fromPosition: from, maxCount: PAGE, streamPrefix: RUN_STREAM_PREFIX });
      for (const stored of page) {
        const event = this.upcasters.upcast(stored);
        const runId = runIdOf(event);
        const facts = await cache.after(runId, event);
        const update = runUpdateOf(event, runId, facts.status);
        if (matches(filter, update, facts)) yield { update, facts };
      }
      if (page.length < PAGE) return;
      from = page[page.length - 1]!.position;
    }
  }

  /** True when the run's stream holds an event. @throws the store's read errors. */
  async runExists(runId: string): Promise<boolean> {
    return (await this.store.readStream(`${RUN_STREAM_PREFIX}${runId}`, { maxCount: 1 })).length > 0;
  }

  /** Stops the shared reader and ends every stream (gateway shutdown). */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    this.abortAll('the gateway is shutting down');
    await this.stopReader();
  }

  /** Stops the shared reader; the next stream starts it again from the store's head. */
  private async stopReader(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    this.starting = undefined;
    this.generation += 1;
    await subscription?.close();
  }

  private async start(): Promise<void> {
    const generation = this.generation;
    // From the head: what was committed while no stream was open is read by each stream's own catch-up.
    const head = await this.headPosition(this.lastPosition);
    if (generation !== this.generation) throw new Error('the stream reader was stopped while starting');
    this.lastPosition = head;
    const subscription = this.store.subscribeToAll(
      {
        fromPosition: this.lastPosition,
        streamPrefix: RUN_STREAM_PREFIX,
        onError: (error) => this.fail(subscription, error),
      },
      (event) => (generation === this.generation ? this.fanOut(event) : undefined),
    );
    this.subscription = subscription;
  }

  /** @throws as {@link history}: the subscription then stops and {@link fail}s. */
  private async fanOut(stored: StoredEvent): Promise<void> {
    const event = this.upcasters.upcast(stored);
    const runId = runIdOf(event);
    const facts = await this.facts.after(runId, event);
    const update = runUpdateOf(event, runId, facts.status);
    // Offer and advance in one synchronous step: a listener registered later is offered only later positions.
    for (const listener of this.listeners) listener.offer(update, facts);
    this.lastPosition = event.position;
  }

  /**
   * The reader stopped on a store error or an event it refuses: end the streams (clients resume) and restart on the
   * next stream.
   */
  private fail(subscription: Subscription, error: unknown): void {
    if (this.subscription !== subscription) return;
    this.subscription = undefined;
    this.starting = undefined;
    const message = error instanceof Error ? error.message : String(error);
    const cause = error instanceof LedgerflowError ? `${error.code}: ${message}` : message;
    this.abortAll(`the event store could not be read (${cause}); reconnect with Last-Event-ID`);
  }

  private abortAll(reason: string): void {
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const listener of listeners) listener.abort(reason);
  }

  /**
   * The store's last run-event position now (at least {@link position}): where a stream that starts "from now" begins.
   * The shared reader may lag the store by its poll interval; what it offers later at or below this is dropped.
   */
  async headNow(): Promise<number> {
    return this.headPosition(this.lastPosition);
  }

  private headPosition(from = 0): Promise<number> {
    const start = Math.max(from, this.knownCommitted());
    return readAllPages(this.store, { fromPosition: start, streamPrefix: RUN_STREAM_PREFIX }, () => undefined);
  }
}

/** The run id of an event of a `run-<runId>` stream. */
function runIdOf(event: StoredEvent): string {
  return event.streamId.slice(RUN_STREAM_PREFIX.length);
}
