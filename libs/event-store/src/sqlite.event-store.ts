import type Database from 'better-sqlite3';
import { measureAppend } from './append-metrics.js';
import { findRepeatedAppend, type StoredEventRef } from './append-idempotency.js';
import { checkMaxEventBytes, validateAppend } from './append-validation.js';
import { SqliteCheckpointStore } from './sqlite.checkpoint-store.js';
import { ConcurrencyError, DuplicateEventError, StoreUnavailableError, checkExpectedRevision } from './errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  StoredEvent,
  SubscribeToAllOptions,
  Subscription,
} from './event-store.port.js';
import { LocalAppendSignal, PollingSubscription } from './polling-subscription.js';
import { isBusyError, openSqliteDatabase, sqliteCode, type SqliteOptions } from './sqlite.database.js';
import { prepareStatements, rowToStoredEvent, type SqliteStatements } from './sqlite.statements.js';

/** Options of `SqliteEventStore.open`. */
export interface SqliteEventStoreOptions extends SqliteOptions {
  /** How often a caught-up subscription polls for appends made by other processes, in ms; default 25. */
  readonly pollIntervalMs?: number;
  /** Largest stored size of one event, in bytes (see `validateAppend`); default `DEFAULT_MAX_EVENT_BYTES`. */
  readonly maxEventBytes?: number;
}

/** An append waiting for the next group commit. */
interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expected: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** One wake-up signal per database file, so subscriptions see this process's appends at once. */
const signals = new Map<string, LocalAppendSignal>();

/**
 * The embedded `EventStore`: one SQLite file in WAL mode, shared by any
 * number of processes on one machine. Appends made in the same event-loop turn are group-committed: one
 * `BEGIN IMMEDIATE` transaction in which each append checks its stream's last revision and inserts its
 * events inside its own savepoint. Writers from all processes are serialised by SQLite's write lock, so
 * positions are assigned in commit order. Calls are synchronous under the hood (better-sqlite3): a commit
 * blocks the event loop (one WAL fsync with `synchronous=FULL`, shared by the batch), and up to
 * `busyTimeoutMs` while another process holds the write lock.
 * `data` and `metadata` are stored as JSON text (`undefined` data reads back as `null`).
 *
 * @example
 * const store = await SqliteEventStore.open('.data/ledgerflow.db');
 * await store.append('run-42', [event], { expectedRevision: 'no_stream' });
 */
export class SqliteEventStore implements EventStore {
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly signal: LocalAppendSignal;
  private readonly stmt: SqliteStatements;
  private readonly appendTx: Database.Transaction<
    (streamId: string, events: readonly NewEvent[], expected: ExpectedRevision) => AppendResult
  >;
  private readonly batchTx: Database.Transaction<
    (batch: readonly PendingAppend[]) => Array<{ result?: AppendResult; error?: unknown }>
  >;
  private pending: PendingAppend[] = [];
  /** Checkpoints (table `checkpoints`) on this store's connection; closed with the store. */
  readonly checkpoints: SqliteCheckpointStore;

  private constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly pollIntervalMs: number,
    private readonly maxEventBytes: number,
  ) {
    this.signal = signals.get(file) ?? new LocalAppendSignal();
    signals.set(file, this.signal);
    this.checkpoints = new SqliteCheckpointStore(db, false);
    this.stmt = prepareStatements(db);
    this.appendTx = db.transaction(
      (streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): AppendResult => {
        const current = this.stmt.lastRevision.get(streamId) ?? -1;
        checkExpectedRevision(streamId, expected, current);
        const recordedAt = new Date().toISOString();
        let revision = current;
        let position = 0;
        for (const event of events) {
          revision += 1;
          const { lastInsertRowid } = this.stmt.insert.run(
            streamId,
            revision,
            event.metadata.eventId,
            event.type,
            JSON.stringify(event.data) ?? 'null',
            JSON.stringify(event.metadata),
            recordedAt,
          );
          position = Number(lastInsertRowid);
        }
        return { nextExpectedRevision: revision, position };
      },
    );
    // Inside batchTx, each appendTx call runs in a savepoint: a failed append rolls back alone.
    this.batchTx = db.transaction((batch: readonly PendingAppend[]) =>
      batch.map((item) => {
        try {
          return { result: this.appendTx(item.streamId, item.events, item.expected) };
        } catch (error) {
          return { error };
        }
      }),
    );
  }

  /**
   * Opens (creating if needed) the store in the SQLite file at `path` (see `openSqliteDatabase`).
   * @throws StoreUnavailableError when the file stays locked by other processes.
   */
  static async open(path: string, options: SqliteEventStoreOptions = {}): Promise<SqliteEventStore> {
    const maxEventBytes = checkMaxEventBytes(options.maxEventBytes);
    const { db, file } = openSqliteDatabase(path, options);
    return new SqliteEventStore(db, file, options.pollIntervalMs ?? 25, maxEventBytes);
  }

  /**
   * Appends with group commit: appends made in the same event-loop turn share one `BEGIN IMMEDIATE ...
   * COMMIT` (one fsync under synchronous=FULL), each in its own savepoint, so a conflicting append fails
   * alone and the others commit. Every append's promise settles after the commit that made it durable.
   */
  async append(streamId: string, events: readonly NewEvent[], options: AppendOptions): Promise<AppendResult> {
    const expected = options.expectedRevision;
    validateAppend(streamId, events, expected, this.maxEventBytes);
    return measureAppend(
      'sqlite',
      new Promise<AppendResult>((resolve, reject) => {
        this.pending.push({ streamId, events, expected, resolve, reject });
        if (this.pending.length === 1) setImmediate(() => this.flush());
      }),
    );
  }

  /** Commits every queued append in one transaction, then settles each one's promise. */
  private flush(): void {
    const batch = this.pending.splice(0);
    let outcomes: Array<{ result?: AppendResult; error?: unknown }>;
    try {
      outcomes = this.batchTx.immediate(batch);
    } catch (error) {
      for (const item of batch) item.reject(this.toPortError(error, item.streamId, item.events, item.expected));
      return;
    }
    let appended = false;
    batch.forEach((item, index) => {
      const { result, error } = outcomes[index];
      if (result) {
        appended ||= item.events.length > 0;
        return item.resolve(result);
      }
      const repeated = this.repeatedAppend(error, item.streamId, item.events, item.expected);
      if (repeated) return item.resolve(repeated);
      item.reject(this.toPortError(error, item.streamId, item.events, item.expected));
    });
    if (appended) this.signal.notify();
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const maxCount = options.maxCount ?? -1;
    const rows =
      options.direction === 'backwards'
        ? this.stmt.backwards.all(streamId, options.fromRevision ?? Number.MAX_SAFE_INTEGER, maxCount)
        : this.stmt.forwards.all(streamId, options.fromRevision ?? 0, maxCount);
    return rows.map(rowToStoredEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return this.readAllSync(options.fromPosition ?? 0, options.maxCount ?? 1000, options.streamPrefix);
  }

  subscribeToAll(options: SubscribeToAllOptions, handler: (event: StoredEvent) => Promise<void> | void): Subscription {
    const subscription = new PollingSubscription(
      options,
      (fromPosition, maxCount) => this.readAllSync(fromPosition, maxCount, options.streamPrefix),
      handler,
      this.signal,
      this.pollIntervalMs,
      (s) => this.subscriptions.delete(s),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops every subscription (waiting for their handlers), then closes the connection. */
  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    if (this.db.open) this.db.close();
  }

  private readAllSync(fromPosition: number, maxCount: number, prefix: string | undefined): StoredEvent[] {
    try {
      // A prefix with a dash names a category (`run-`, `subscription-`, `webhookdelivery-<id>-`): read it by index.
      const dash = prefix ? prefix.indexOf('-') : -1;
      const rows = !prefix
        ? this.stmt.all.all(fromPosition, maxCount)
        : dash > 0
          ? this.stmt.allInCategory.all(prefix.slice(0, dash), fromPosition, prefix, maxCount)
          : this.stmt.allWithPrefix.all(fromPosition, prefix, maxCount);
      return rows.map(rowToStoredEvent);
    } catch (error) {
      throw isBusyError(error) ? new StoreUnavailableError('readAll', String(error), error) : error;
    }
  }

  /** After a failed (rolled back) append: the first append's result if this one repeats it. */
  private repeatedAppend(
    error: unknown,
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): AppendResult | undefined {
    if (!(error instanceof ConcurrencyError) && !isDuplicateEventId(error)) return undefined;
    return findRepeatedAppend(streamId, events, expected, (id) => this.lookup(id));
  }

  /** Maps a failed (rolled back) append to the port's errors; never leaks a raw SQLite error for a conflict. */
  private toPortError(
    error: unknown,
    streamId: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): unknown {
    const code = sqliteCode(error);
    if (isDuplicateEventId(error)) return new DuplicateEventError(streamId, this.firstDuplicateId(events));
    if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
      // UNIQUE(stream_id, revision): cannot happen under BEGIN IMMEDIATE, but never leak a raw SQLite error.
      return new ConcurrencyError(streamId, expected, this.stmt.lastRevision.get(streamId) ?? 'no_stream');
    }
    if (isBusyError(error))
      return new StoreUnavailableError('append', 'write lock held by another connection past busy_timeout', error);
    return error;
  }

  private lookup(eventId: string): StoredEventRef | undefined {
    return this.stmt.byEventId.get(eventId);
  }

  private firstDuplicateId(events: readonly NewEvent[]): string {
    const seen = new Set<string>();
    for (const { metadata } of events) {
      if (seen.has(metadata.eventId) || this.lookup(metadata.eventId)) return metadata.eventId;
      seen.add(metadata.eventId);
    }
    return events[0]?.metadata.eventId ?? '';
  }
}

function isDuplicateEventId(error: unknown): boolean {
  return (
    sqliteCode(error) === 'SQLITE_CONSTRAINT_UNIQUE' && String((error as Error).message).includes('events.event_id')
  );
}
