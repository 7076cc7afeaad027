import { ValidationError } from '@ledgerflow/domain';
import { StoreErrorCodes } from './errors.js';
import type { EventStore } from './event-store.port.js';
import { InMemoryEventStore } from './in-memory.event-store.js';
import { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.event-store.js';

/** Which adapter `createEventStore` builds, and where its data lives. */
export interface CreateEventStoreOptions {
  /** `'sqlite'` (embedded default), `'eventstoredb'` (store of record), `'memory'` (unit tests only). */
  readonly kind: 'sqlite' | 'eventstoredb' | 'memory';
  /** SQLite file path; required when `kind` is `'sqlite'`. */
  readonly sqlitePath?: string;
  /** EventStoreDB connection string (e.g. `esdb://localhost:2113?tls=false`); required when `kind` is `'eventstoredb'`. */
  readonly connectionString?: string;
  /** SQLite tuning (`synchronous`, `pollIntervalMs`, `busyTimeoutMs`). */
  readonly sqlite?: SqliteEventStoreOptions;
  /**
   * Largest stored size of one event, in bytes, for every adapter (`LEDGERFLOW_MAX_EVENT_BYTES`); default
   * `DEFAULT_MAX_EVENT_BYTES` (960 KiB). An append over it fails with `EventTooLargeError`.
   */
  readonly maxEventBytes?: number;
}

/**
 * Builds the configured `EventStore`.
 * @throws ValidationError (`store_invalid_config`) when the option the kind needs is missing or the kind is unknown.
 */
export async function createEventStore(options: CreateEventStoreOptions): Promise<EventStore> {
  const limit = options.maxEventBytes !== undefined ? { maxEventBytes: options.maxEventBytes } : {};
  switch (options.kind) {
    case 'memory':
      return new InMemoryEventStore(undefined, limit);
    case 'sqlite':
      if (!options.sqlitePath) throw missing('sqlitePath', 'sqlite');
      return SqliteEventStore.open(options.sqlitePath, { ...options.sqlite, ...limit });
    case 'eventstoredb': {
      if (!options.connectionString) throw missing('connectionString', 'eventstoredb');
      // Imported only here: the EventStoreDB client and its gRPC stack (@grpc/grpc-js, google-protobuf) cost
      // about 14 MiB of resident memory per process that uses the embedded SQLite store instead.
      const { EventStoreDbEventStore } = await import('./eventstoredb.event-store.js');
      return EventStoreDbEventStore.connect(options.connectionString, limit);
    }
    default: {
      const kind: never = options.kind;
      throw new ValidationError(
        StoreErrorCodes.INVALID_CONFIG,
        `kind must be 'sqlite', 'eventstoredb' or 'memory', got ${JSON.stringify(kind)}`,
        {
          field: 'kind',
          rule: 'one of sqlite|eventstoredb|memory',
        },
      );
    }
  }
}

function missing(field: string, kind: string): ValidationError {
  return new ValidationError(StoreErrorCodes.INVALID_CONFIG, `${field} is required when kind is '${kind}'`, {
    field,
    rule: 'required',
  });
}
