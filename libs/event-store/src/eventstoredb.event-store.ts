import { AsyncLocalStorage } from 'node:async_hooks';
import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  START,
  excludeSystemEvents,
  streamNameFilter,
  type AllStreamSubscription,
} from '@eventstore/db-client';
import { checkMaxEventBytes, validateAppend } from './append-validation.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  SubscribeToAllOptions,
  Subscription,
} from './event-store.port.js';
import {
  fromEsdbError,
  toEsdbEventData,
  toEsdbExpectedRevision,
  toEsdbPosition,
  fromEsdbResolvedEvent,
} from './eventstoredb.mapping.js';
import { measureAppend } from './append-metrics.js';

/**
 * The `EventStore` on EventStoreDB (the store of record in docker-compose and Kubernetes), through
 * `@eventstore/db-client` v6. Events are JSON with the port's metadata as JSON metadata; the event id is
 * `metadata.eventId`. Positions are `Number(commit position)`: exact up to 2^53 bytes of log (about 9 PB).
 * `$all` reads and subscriptions never show system records (`$`-prefixed streams or types); `readAll`
 * filters by stream prefix on the client, `subscribeToAll` on the server.
 */
export class EventStoreDbEventStore implements EventStore {
  private readonly subscriptions = new Set<EsdbSubscription>();

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly maxEventBytes: number,
  ) {}

  /**
   * Creates a client for `connectionString` (e.g. `esdb://localhost:2113?tls=false`). The client connects
   * lazily: an unreachable server surfaces as StoreUnavailableError on the first call. `maxEventBytes` bounds
   * each event's stored size (see `validateAppend`).
   */
  static async connect(
    connectionString: string,
    options: { readonly maxEventBytes?: number } = {},
  ): Promise<EventStoreDbEventStore> {
    const maxEventBytes = checkMaxEventBytes(options.maxEventBytes);
    return new EventStoreDbEventStore(EventStoreDBClient.connectionString(connectionString), maxEventBytes);
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const expected = options.expectedRevision;
    validateAppend(streamId, events, expected, this.maxEventBytes);
    return measureAppend('eventstoredb', this.appendToStream(streamId, events, expected));
  }

  private async appendToStream(
    streamId: string,
    events: readonly NewEvent[],
    expected: AppendOptions['expectedRevision'],
  ): Promise<AppendResult> {
    try {
      const result = await this.client.appendToStream(streamId, events.map(toEsdbEventData), {
        expectedRevision: toEsdbExpectedRevision(expected),
      });
      return {
        nextExpectedRevision: Number(result.nextExpectedRevision),
        position: events.length > 0 && result.position ? Number(result.position.commit) : 0,
      };
    } catch (error) {
      throw fromEsdbError(error, 'append', streamId, expected);
    }
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    if (options.maxCount === 0) return [];
    const backwards = options.direction === 'backwards';
    const fromRevision = options.fromRevision !== undefined ? BigInt(options.fromRevision) : backwards ? END : START;
    const events: StoredEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision,
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      });
      for await (const resolved of read) {
        const event = fromEsdbResolvedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if ((error as { type?: unknown }).type === ErrorType.STREAM_NOT_FOUND) return [];
      throw fromEsdbError(error, 'readStream', streamId);
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const fromPosition = options.fromPosition ?? 0;
    const maxCount = options.maxCount ?? 1000;
    const prefix = options.streamPrefix ?? '';
    const events: StoredEvent[] = [];
    if (maxCount <= 0) return events;
    try {
      const read = this.client.readAll({ fromPosition: toEsdbPosition(fromPosition), direction: FORWARDS });
      for await (const resolved of read) {
        const event = fromEsdbResolvedEvent(resolved);
        // A read from a position includes the event at it; the port's `fromPosition` is exclusive.
        if (!event || event.position <= fromPosition || !event.streamId.startsWith(prefix)) continue;
        events.push(event);
        if (events.length >= maxCount) {
          await read.cancel();
          break;
        }
      }
    } catch (error) {
      throw fromEsdbError(error, 'readAll', '$all');
    }
    return events;
  }

  subscribeToAll(options: SubscribeToAllOptions, handler: (event: StoredEvent) => Promise<void> | void): Subscription {
    const filter = options.streamPrefix
      ? streamNameFilter({ prefixes: [options.streamPrefix] })
      : excludeSystemEvents();
    const from = options.fromPosition ?? 0;
    const source = this.client.subscribeToAll({ fromPosition: toEsdbPosition(from), filter });
    const subscription = new EsdbSubscription(source, from, handler, options.onError, (s) =>
      this.subscriptions.delete(s),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops every subscription (waiting for their handlers), then disposes of the client. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }
}

const insideHandler = new AsyncLocalStorage<EsdbSubscription>();

/** Feeds a catch-up subscription to the handler one event at a time (backpressure via async iteration). */
class EsdbSubscription implements Subscription {
  readonly closed: Promise<void>;
  private lastPosition: number;
  private stopping = false;

  constructor(
    private readonly source: AllStreamSubscription,
    fromPosition: number,
    private readonly handler: (event: StoredEvent) => Promise<void> | void,
    onError: ((error: unknown) => void) | undefined,
    onStop: (subscription: EsdbSubscription) => void,
  ) {
    this.lastPosition = fromPosition;
    this.closed = this.run().finally(() => onStop(this));
    if (onError) this.closed.catch((error: unknown) => onError(error));
  }

  get position(): number {
    return this.lastPosition;
  }

  async close(): Promise<void> {
    this.stopping = true;
    await this.source.unsubscribe();
    if (insideHandler.getStore() === this) return;
    await this.closed.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failed: { error: unknown } | undefined;
    try {
      for await (const resolved of this.source) {
        if (this.stopping) return;
        const event = fromEsdbResolvedEvent(resolved);
        if (!event || event.position <= this.lastPosition) continue;
        try {
          await insideHandler.run(this, () => this.handler(event));
        } catch (error) {
          failed = { error };
          break;
        }
        this.lastPosition = event.position;
      }
    } catch (error) {
      if (this.stopping) return;
      await this.source.unsubscribe().catch(() => undefined);
      throw fromEsdbError(error, 'subscribeToAll', '$all');
    }
    if (failed) {
      // The handler's own error, unmapped; the event is not skipped (position stays before it).
      await this.source.unsubscribe().catch(() => undefined);
      throw failed.error;
    }
  }
}
