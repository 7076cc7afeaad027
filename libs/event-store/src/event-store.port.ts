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

/** Result of an append: the revision of the last appended event and the global position of its commit. */
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
  readonly streamPrefix?: string;
}

/** A live subscription; `close()` stops delivery and resolves once the handler is idle. */
export interface Subscription {
  close(): Promise<void>;
}

/**
 * The event store port (design brief, "Event store"). Adapters: SQLite (embedded default),
 * EventStoreDB (production), in-memory (unit tests). All pass one contract suite.
 *
 * @throws ConcurrencyError from `append` when `expectedRevision` does not match the stream.
 * @throws StreamNotFoundError never: reading a missing stream returns `[]`.
 */
export interface EventStore {
  append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;
  /** Calls `handler` for every matching event after `fromPosition`, in position order, then live ones. */
  subscribeToAll(options: SubscribeToAllOptions, handler: (event: StoredEvent) => Promise<void> | void): Subscription;
  close(): Promise<void>;
}
