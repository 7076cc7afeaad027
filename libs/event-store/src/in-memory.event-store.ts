import { checkMaxEventBytes, validateAppend } from './append-validation.js';
import { checkExpectedRevision, DuplicateEventError } from './errors.js';
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
import { LocalAppendSignal, PollingSubscription } from './polling-subscription.js';
import { findRepeatedAppend } from './append-idempotency.js';
import { measureAppend } from './append-metrics.js';

/**
 * An in-memory `EventStore` for unit tests only: same contract as the SQLite adapter, nothing durable.
 * Data and metadata are deep-copied on append and on read (as a real store serialises them), so a
 * caller mutating an object cannot change stored history. `now` supplies `recordedAt` (default: clock);
 * `maxEventBytes` bounds each event's stored size (see `validateAppend`).
 */
export class InMemoryEventStore implements EventStore {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly byEventId = new Map<string, StoredEvent>();
  private readonly signal = new LocalAppendSignal();
  private readonly subscriptions = new Set<PollingSubscription>();

  private readonly maxEventBytes: number;

  constructor(
    private readonly now: () => Date = () => new Date(),
    options: { readonly maxEventBytes?: number } = {},
  ) {
    this.maxEventBytes = checkMaxEventBytes(options.maxEventBytes);
  }

  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(streamId, events, options.expectedRevision, this.maxEventBytes);
    return measureAppend('memory', this.appendValidated(streamId, events, options));
  }

  private async appendValidated(
    streamId: string,
    events: readonly NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const stream = this.streams.get(streamId) ?? [];
    const repeated = findRepeatedAppend(streamId, events, options.expectedRevision, (id) => this.byEventId.get(id));
    if (repeated) return repeated;
    checkExpectedRevision(streamId, options.expectedRevision, stream.length - 1);
    const seen = new Set<string>();
    for (const event of events) {
      const id = event.metadata.eventId;
      if (this.byEventId.has(id) || seen.has(id)) throw new DuplicateEventError(streamId, id);
      seen.add(id);
    }
    if (events.length === 0) {
      return { nextExpectedRevision: stream.length - 1, position: 0 };
    }
    const recordedAt = this.now().toISOString();
    for (const event of events) {
      const stored: StoredEvent = {
        streamId,
        revision: stream.length,
        position: this.all.length + 1,
        recordedAt,
        type: event.type,
        data: structuredClone(event.data),
        metadata: structuredClone(event.metadata),
      };
      stream.push(stored);
      this.all.push(stored);
      this.byEventId.set(stored.metadata.eventId, stored);
    }
    this.streams.set(streamId, stream);
    this.signal.notify();
    const last = stream[stream.length - 1];
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    return sliceStream(this.streams.get(streamId) ?? [], options).map(copy);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return readAllPage(this.all, options).map(copy);
  }

  subscribeToAll(options: SubscribeToAllOptions, handler: (event: StoredEvent) => Promise<void> | void): Subscription {
    const subscription = new PollingSubscription(
      options,
      (fromPosition, maxCount) => this.readAll({ fromPosition, maxCount, streamPrefix: options.streamPrefix }),
      handler,
      this.signal,
      1000,
      (s) => this.subscriptions.delete(s),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }
}

/** Applies `ReadStreamOptions` to a stream's events (ordered by revision). */
function sliceStream(stream: readonly StoredEvent[], options: ReadStreamOptions): StoredEvent[] {
  const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
  if (options.direction === 'backwards') {
    const from = options.fromRevision ?? stream.length - 1;
    return stream
      .filter((e) => e.revision <= from)
      .reverse()
      .slice(0, maxCount);
  }
  const from = options.fromRevision ?? 0;
  return stream.filter((e) => e.revision >= from).slice(0, maxCount);
}

/** Applies `ReadAllOptions` to every event (ordered by position). */
function readAllPage(all: readonly StoredEvent[], options: ReadAllOptions): StoredEvent[] {
  const fromPosition = options.fromPosition ?? 0;
  const maxCount = options.maxCount ?? 1000;
  const prefix = options.streamPrefix ?? '';
  const page: StoredEvent[] = [];
  // Positions are 1-based and dense here: event at position p is all[p - 1].
  for (let i = Math.max(0, Math.floor(fromPosition)); i < all.length && page.length < maxCount; i++) {
    if (all[i].streamId.startsWith(prefix)) page.push(all[i]);
  }
  return page;
}

function copy(event: StoredEvent): StoredEvent {
  return { ...event, data: structuredClone(event.data), metadata: structuredClone(event.metadata) };
}
