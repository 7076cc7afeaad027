import type { AppendResult, ExpectedRevision, NewEvent } from './event-store.port.js';

/** Where an event id is stored, if it is. */
export interface StoredEventRef {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
}

/**
 * Detects a repeated append (a retry after a lost reply): every event id of `events` is already stored
 * in `streamId`, at consecutive revisions in the same order, and `expected` is the expectation the first
 * append passed (`'any'`; `'no_stream'` when the first revision is 0; `'stream_exists'` when it is > 0;
 * or exactly the revision before the first one). Returns the first append's result, else `undefined`.
 * The same rule as EventStoreDB's idempotent appends, so both adapters answer a retry alike.
 */
export function findRepeatedAppend(
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedRevision,
  lookup: (eventId: string) => StoredEventRef | undefined,
): AppendResult | undefined {
  if (events.length === 0) return undefined;
  const first = lookup(events[0].metadata.eventId);
  if (!first || first.streamId !== streamId) return undefined;
  const compatible =
    expected === 'any' ||
    (expected === 'no_stream' && first.revision === 0) ||
    (expected === 'stream_exists' && first.revision > 0) ||
    expected === first.revision - 1;
  if (!compatible) return undefined;
  let last = first;
  for (let i = 1; i < events.length; i++) {
    const ref = lookup(events[i].metadata.eventId);
    if (!ref || ref.streamId !== streamId || ref.revision !== first.revision + i) return undefined;
    last = ref;
  }
  return { nextExpectedRevision: last.revision, position: last.position };
}
