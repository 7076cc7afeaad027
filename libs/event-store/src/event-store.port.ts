import type { EventMetadata } from '@ledgerflow/contracts';

/**
 * The expected state of a stream before an append (optimistic concurrency).
 * - `'no_stream'`: the stream must not exist yet.
 * - `'stream_exists'`: the stream must already exist, at any revision.
 * - `'any'`: no check (use sparingly).
 * - a number: the stream's last event must have exactly this revision (0-based).
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | number;

/** An event to append. `type` is a past-tense string constant (e.g. `StepStarted`), never a class name. */
export interface NewEvent<TType extends string = string, TData = unknown> {
  readonly type: TType;
  readonly data: TData;
  readonly metadata: EventMetadata;
}

/**
 * An event as read back from the store.
 * - `revision`: 0-based position within its stream (the first event of a stream has revision 0).
 * - `position`: global, strictly increasing commit position across all streams (1-based). Positions
 *   may have gaps; only their order is meaningful.
 * - `recordedAt`: ISO-8601 UTC time at which the store committed the event.
 */
export interface StoredEvent<TType extends string = string, TData = unknown> extends NewEvent<TType, TData> {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly recordedAt: string;
}

export interface AppendOptions {
  readonly expectedRevision: ExpectedRevision;
}

/**
 * Result of an append.
 * - `nextExpectedRevision`: revision of the stream's last event after the append (pass it as the next
 *   `expectedRevision`); `-1` when an empty append found no stream.
 * - `position`: global position of the last appended event (0 for an empty append).
 *
 * Repeating an append (same stream, same event ids in the same order, same `expectedRevision`) is
 * idempotent: nothing is written and the first append's result is returned, so a retry after a lost
 * reply is safe.
 */
export interface AppendResult {
  readonly nextExpectedRevision: number;
  readonly position: number;
}

export interface ReadStreamOptions {
  /** `'forwards'` (default) from `fromRevision` (default 0) or `'backwards'` from `fromRevision` (default: the end). */
  readonly direction?: 'forwards' | 'backwards';
  readonly fromRevision?: number;
  /** Maximum events returned; default: all. */
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Return events with `position > fromPosition`; default 0 (from the start). */
  readonly fromPosition?: number;
  /** Maximum events returned; default 1000. */
  readonly maxCount?: number;
  /** Only streams whose id starts with this prefix (e.g. `run-`). */
  readonly streamPrefix?: string;
}

export interface SubscribeToAllOptions {
  /** Deliver events with `position > fromPosition`; default 0. */
  readonly fromPosition?: number;
  /** Only streams whose id starts with this prefix (e.g. `run-`). */
  readonly streamPrefix?: string;
  /**
   * Called once when the subscription stops on an error: the handler threw (the failing event is not
   * skipped: resubscribe from the last handled position to retry it) or the store failed.
   * When given, `Subscription.closed` still rejects but is marked handled.
   */
  readonly onError?: (error: unknown) => void;
}

/**
 * A live subscription.
 * - `close()` stops delivery and resolves once the handler is idle (safe to call from inside the handler).
 * - `closed` resolves after `close()` and rejects with the error that stopped the subscription. Without
 *   `onError`, observe `closed`, or an unhandled rejection is reported by Node.
 * - `position`: position of the last event handled successfully (the resume point).
 */
export interface Subscription {
  close(): Promise<void>;
  readonly closed: Promise<void>;
  readonly position: number;
}

/**
 * The event store port (docs/events.md, "Streams, revisions and positions"). Adapters: SQLite (embedded default),
 * EventStoreDB (production), in-memory (unit tests). All pass one contract suite.
 *
 * @throws ConcurrencyError (`store_concurrency`, retryable) from `append` when `expectedRevision` does
 *   not match the stream: re-read, decide again, append again (a bounded number of times).
 * @throws DuplicateEventError (`store_duplicate_event`) from `append` (SQLite, in-memory) when an event id
 *   is already stored and the append is not an exact repeat.
 * @throws EventTooLargeError (`store_event_too_large`, not retryable) from `append` when one event's stored
 *   size (the `StoredEvent` as JSON, in bytes) exceeds the adapter's `maxEventBytes`; nothing is written.
 * @throws StoreUnavailableError (`store_unavailable`, retryable) when the store cannot be reached or stays
 *   locked past its timeout.
 * Reading a missing stream returns `[]`; no adapter throws a "stream not found" error.
 */
export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /**
   * Calls `handler` for every matching event after `fromPosition`, in position order, one at a time
   * (each call awaited), first the stored ones (catch-up) then live ones. A handler error stops the
   * subscription (see `SubscribeToAllOptions.onError`); no event is ever skipped.
   */
  subscribeToAll(options: SubscribeToAllOptions, handler: (event: StoredEvent) => Promise<void> | void): Subscription;
  close(): Promise<void>;
}
