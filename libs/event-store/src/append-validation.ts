import { ValidationError } from '@ledgerflow/domain';
import type { ExpectedRevision, NewEvent } from './event-store.port.js';

/**
 * Checks an append's arguments before any adapter touches its store.
 * @throws ValidationError (`STORE.INVALID_APPEND`) naming the field: `streamId` must be a non-empty string,
 *   `expectedRevision` one of `'no_stream' | 'stream_exists' | 'any'` or an integer >= 0, and each
 *   `events[i].type` and `events[i].metadata.eventId` non-empty strings.
 */
export function validateAppend(streamId: string, events: readonly NewEvent[], expected: ExpectedRevision): void {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw invalid('streamId', 'must be a non-empty string');
  }
  const namedOk = expected === 'no_stream' || expected === 'stream_exists' || expected === 'any';
  if (!namedOk && !(typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0)) {
    throw invalid('expectedRevision', `must be 'no_stream', 'stream_exists', 'any' or an integer >= 0, got ${JSON.stringify(expected)}`);
  }
  events.forEach((event, i) => {
    if (typeof event.type !== 'string' || event.type.length === 0) {
      throw invalid(`events[${i}].type`, 'must be a non-empty string');
    }
    if (typeof event.metadata?.eventId !== 'string' || event.metadata.eventId.length === 0) {
      throw invalid(`events[${i}].metadata.eventId`, 'must be a non-empty string');
    }
  });
}

function invalid(field: string, rule: string): ValidationError {
  return new ValidationError('STORE.INVALID_APPEND', `${field} ${rule}`, { field, rule });
}
