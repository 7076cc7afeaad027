import { LedgerflowError } from '@ledgerflow/domain';
import type { ExpectedRevision } from './event-store.port.js';

/**
 * Every code of an event store error: the four error classes below and the `ValidationError`s of a malformed append
 * (`INVALID_APPEND`), checkpoint (`INVALID_CHECKPOINT`) or store configuration (`INVALID_CONFIG`, at start-up).
 */
export const StoreErrorCodes = {
  CONCURRENCY: 'store_concurrency',
  DUPLICATE_EVENT: 'store_duplicate_event',
  UNAVAILABLE: 'store_unavailable',
  EVENT_TOO_LARGE: 'store_event_too_large',
  INVALID_APPEND: 'store_invalid_append',
  INVALID_CHECKPOINT: 'store_invalid_checkpoint',
  INVALID_CONFIG: 'store_invalid_config',
} as const;

/** The stream's actual state in a conflict: the revision of its last event, or `'no_stream'`. */
export type ActualRevision = number | 'no_stream';

/**
 * An append's expected revision did not match the stream (optimistic concurrency).
 * Code `store_concurrency`, retryable: re-read the stream, decide again and append again.
 * `details`: `{ streamId, expected, actual }` where `actual` is the stream's last revision or `'no_stream'`.
 */
export class ConcurrencyError extends LedgerflowError {
  static readonly code = StoreErrorCodes.CONCURRENCY;
  declare readonly details: { streamId: string; expected: ExpectedRevision; actual: ActualRevision };

  constructor(streamId: string, expected: ExpectedRevision, actual: ActualRevision) {
    super(
      ConcurrencyError.code,
      `Stream '${streamId}': expectedRevision ${JSON.stringify(expected)} does not match the actual revision ${JSON.stringify(actual)}`,
      true,
      { streamId, expected, actual },
    );
  }
}

/**
 * An event id in the append is already stored, and the append is not an exact repeat of the earlier one
 * (same stream, same ids in the same order). Code `store_duplicate_event`, not retryable.
 * `details`: `{ streamId, eventId }`.
 */
export class DuplicateEventError extends LedgerflowError {
  static readonly code = StoreErrorCodes.DUPLICATE_EVENT;

  constructor(streamId: string, eventId: string) {
    super(
      DuplicateEventError.code,
      `Stream '${streamId}': metadata.eventId '${eventId}' is already stored; event ids must be unique`,
      false,
      { streamId, eventId },
    );
  }
}

/**
 * The store could not be reached, or stayed locked by another writer past its busy timeout.
 * Code `store_unavailable`, retryable. `details`: `{ operation, reason }`.
 */
export class StoreUnavailableError extends LedgerflowError {
  static readonly code = StoreErrorCodes.UNAVAILABLE;

  constructor(operation: string, reason: string, cause?: unknown) {
    super(StoreUnavailableError.code, `Event store unavailable during ${operation}: ${reason}`, true, {
      operation,
      reason,
    });
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/**
 * An event is larger than the store accepts: its stored form (the `StoredEvent` as JSON, UTF-8, as the
 * relay publishes it) exceeds `limit` bytes, so the bus could not carry it (NATS `max_payload`, default
 * 1 MiB, see docs/operations.md "Limits"). Code `store_event_too_large`, not retryable: nothing of the
 * append is written. `details`: `{ streamId, eventType, index, size, limit }` (`size`, `limit` in bytes).
 */
export class EventTooLargeError extends LedgerflowError {
  static readonly code = StoreErrorCodes.EVENT_TOO_LARGE;
  declare readonly details: { streamId: string; eventType: string; index: number; size: number; limit: number };

  constructor(streamId: string, eventType: string, index: number, size: number, limit: number) {
    super(
      EventTooLargeError.code,
      `Stream '${streamId}': event ${eventType} (events[${index}]) is ${size} bytes stored; the limit is ${limit} bytes (LEDGERFLOW_MAX_EVENT_BYTES)`,
      false,
      { streamId, eventType, index, size, limit },
    );
  }
}

/** Checks an expectation against a stream's last revision (`-1` when the stream does not exist). */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, current: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === -1) ||
    (expected === 'stream_exists' && current >= 0) ||
    (typeof expected === 'number' && expected === current);
  if (!ok) throw new ConcurrencyError(streamId, expected, current === -1 ? 'no_stream' : current);
}
