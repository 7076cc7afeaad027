import { ValidationError } from '@ledgerflow/domain';
import { EventTooLargeError, StoreErrorCodes } from './errors.js';
import type { ExpectedRevision, NewEvent } from './event-store.port.js';

/**
 * Default largest stored event, in bytes: 960 KiB, i.e. NATS's default `max_payload` of 1 MiB
 * (https://docs.nats.io/running-a-nats-service/configuration#limits) less 64 KiB for the message's
 * headers and protocol envelope. Override with `LEDGERFLOW_MAX_EVENT_BYTES` (docs/operations.md, "Limits").
 */
export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024 - 64 * 1024;

/** The widest values a stored event's store-assigned fields can take, so the size is an upper bound. */
const WIDEST_ASSIGNED = {
  revision: Number.MAX_SAFE_INTEGER,
  position: Number.MAX_SAFE_INTEGER,
  recordedAt: '0000-00-00T00:00:00.000Z',
};

/**
 * Size in bytes of `event` once stored in `streamId`: the UTF-8 length of the `StoredEvent` as JSON (the body
 * the relay publishes), with revision, position and `recordedAt` at their widest. Counts whatever the caller
 * put in `data` (e.g. PII already replaced by longer tokens).
 */
export function storedEventBytes(streamId: string, event: NewEvent): number {
  const stored = { streamId, ...WIDEST_ASSIGNED, type: event.type, data: event.data ?? null, metadata: event.metadata };
  return Buffer.byteLength(JSON.stringify(stored), 'utf8');
}

/**
 * Checks an append's arguments before any adapter touches its store.
 * @param maxEventBytes largest {@link storedEventBytes} of one event; default {@link DEFAULT_MAX_EVENT_BYTES}.
 * @throws ValidationError (`store_invalid_append`) naming the field: `streamId` must be a non-empty string,
 *   `expectedRevision` one of `'no_stream' | 'stream_exists' | 'any'` or an integer >= 0, and each
 *   `events[i].type` and `events[i].metadata.eventId` non-empty strings.
 * @throws EventTooLargeError (`store_event_too_large`, not retryable) naming the event type, stream, size
 *   and limit when one event's stored size exceeds `maxEventBytes`.
 */
export function validateAppend(
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  maxEventBytes: number = DEFAULT_MAX_EVENT_BYTES,
): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw invalid('streamId', 'must be a non-empty string');
  }
  const namedOk = expected === 'no_stream' || expected === 'stream_exists' || expected === 'any';
  if (!namedOk && !(typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0)) {
    throw invalid(
      'expectedRevision',
      `must be 'no_stream', 'stream_exists', 'any' or an integer >= 0, got ${JSON.stringify(expected)}`,
    );
  }
  events.forEach((event, i) => {
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw invalid(`events[${i}].type`, 'must be a non-empty string');
    }
    if (typeof event.metadata?.eventId !== 'string' || event.metadata.eventId.length === 0) {
      throw invalid(`events[${i}].metadata.eventId`, 'must be a non-empty string');
    }
    const size = storedEventBytes(streamId, event);
    if (size > maxEventBytes) throw new EventTooLargeError(streamId, event.type, i, size, maxEventBytes);
  });
}

/**
 * Checks a `maxEventBytes` option of an adapter.
 * @throws ValidationError (`store_invalid_config`) unless it is an integer >= 1024.
 */
export function checkMaxEventBytes(value: number | undefined): number {
  if (value === undefined) return DEFAULT_MAX_EVENT_BYTES;
  if (!Number.isSafeInteger(value) || value < 1024) {
    throw new ValidationError(
      StoreErrorCodes.INVALID_CONFIG,
      `maxEventBytes must be an integer >= 1024, got ${JSON.stringify(value)}`,
      {
        field: 'maxEventBytes',
        rule: 'integer >= 1024',
      },
    );
  }
  return value;
}

function invalid(field: string, rule: string): ValidationError {
  return new ValidationError(StoreErrorCodes.INVALID_APPEND, `${field} ${rule}`, { field, rule });
}
