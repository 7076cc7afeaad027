export * from './event-store.port.js';
export {
  ConcurrencyError,
  DuplicateEventError,
  EventTooLargeError,
  StoreErrorCodes,
  StoreUnavailableError,
  type ActualRevision,
} from './errors.js';
export { DEFAULT_MAX_EVENT_BYTES, storedEventBytes } from './append-validation.js';
export * from './checkpoint-store.port.js';
export * from './in-memory.event-store.js';
export * from './in-memory.checkpoint-store.js';
export { openSqliteDatabase, type SqliteOptions } from './sqlite.database.js';
export * from './sqlite.event-store.js';
export * from './sqlite.checkpoint-store.js';
// The EventStoreDB adapter is reached through createEventStore (imported on demand), so its gRPC client is not loaded with this index.
export type { EventStoreDbEventStore } from './eventstoredb.event-store.js';
export * from './create-event-store.js';
export { readAllPages, readStreamsWithPrefix } from './read-all-pages.js';
