import { eventHash, GENESIS, recordedHash } from './event-hash.js';
import type { HashableEvent } from './event-hash.js';

/**
 * Why an event does not verify:
 * - `wrong_stream`: its `streamId` (or `metadata.runId`) is not the exported run's.
 * - `hash_missing`: it carries no `hash` although an event before it did (the chain cannot stop).
 * - `previous_hash_mismatch`: its `prevHash` is not the hash of the event before it in the file
 *   ({@link GENESIS} for the first hashed one): an event was removed, inserted, duplicated or reordered.
 * - `content_altered`: its hash recomputed from its content differs from the `hash` it carries.
 * - `revision_gap`: its revision is not its index in the stream (0, 1, 2, ...).
 * - `head_mismatch`: every event verifies, but the last hash is not the expected chain head: events
 *   were removed from the end (the failure names the last event present).
 */
export type ChainFailureReason =
  'wrong_stream' | 'hash_missing' | 'previous_hash_mismatch' | 'content_altered' | 'revision_gap' | 'head_mismatch';

/** An event as verified: the hashed content plus its id in `metadata.eventId`. */
export interface VerifiableEvent extends HashableEvent {
  readonly metadata: {
    readonly eventId?: unknown;
    readonly runId?: unknown;
    readonly hash?: unknown;
    readonly prevHash?: unknown;
  };
}

export interface ChainVerified {
  readonly ok: true;
  /** Number of events checked. */
  readonly count: number;
  /** Hash of the last event: the chain head (null when no event carries a hash). */
  readonly head: string | null;
  /** Events at the start of the stream appended before the audit trail existed: not covered by the chain. */
  readonly unhashed: number;
}

export interface ChainBroken {
  readonly ok: false;
  /** 0-based index of the first event that does not verify, in the order given. */
  readonly index: number;
  readonly eventId: string;
  /** The revision that event claims. */
  readonly revision: number;
  readonly reason: ChainFailureReason;
  /** One sentence for people: what differs and what it suggests. */
  readonly message: string;
}

export type ChainVerification = ChainVerified | ChainBroken;

export interface ChainExpectations {
  /** Every event must belong to this stream; default: the first event's. */
  readonly streamId?: string;
  /** Every event's `metadata.runId` must be this run. */
  readonly runId?: string;
  /** The expected chain head (`null`: no event hashed); unchecked when undefined. */
  readonly head?: string | null;
}

/** Where a verified chain stands: the revision of its last event (-1: none) and its hash (undefined: none hashed yet). */
export interface ChainPosition {
  readonly revision: number;
  readonly head?: string;
}

/**
 * Verifies the hash chain of one stream's events, given in stream order from revision 0, and names the
 * first event that does not verify. Events appended before the audit trail existed (no `hash`) may only
 * form a prefix; the first hashed event must then have `prevHash` = {@link GENESIS}.
 * Checks per event, in this order: stream, hash present, predecessor, content, revision.
 */
export function verifyChain(events: readonly VerifiableEvent[], expect: ChainExpectations = {}): ChainVerification {
  const result = verifyContinuation(events, { revision: -1 }, expect);
  if (!result.ok) return result;
  if (expect.head !== undefined && expect.head !== result.head) {
    const last = events[events.length - 1];
    return {
      ok: false,
      index: events.length - 1,
      eventId: String(last?.metadata.eventId ?? ''),
      revision: last?.revision ?? -1,
      reason: 'head_mismatch',
      message: `chain head mismatch: the last event's hash is ${result.head ?? 'none'}, expected ${expect.head ?? 'none'}: events were removed after it (truncated)`,
    };
  }
  return result;
}

/**
 * Verifies events that continue a chain already verified up to `from` (the events after `from.revision`, in
 * stream order), as {@link verifyChain} does from the start: what a service checks of the events it folds since
 * its last verified position. `unhashed` counts events without a hash before any hashed one (a legacy prefix:
 * only possible while `from.head` is undefined).
 */
export function verifyContinuation(
  events: readonly VerifiableEvent[],
  from: ChainPosition,
  expect: Omit<ChainExpectations, 'head'> = {},
): ChainVerification {
  const streamId = expect.streamId ?? events[0]?.streamId;
  let previous = from.head;
  let unhashed = 0;
  for (let index = 0; index < events.length; index++) {
    const event = events[index] as VerifiableEvent;
    const revision = from.revision + 1 + index;
    const fail = (reason: ChainFailureReason, message: string): ChainBroken => ({
      ok: false,
      index,
      eventId: String(event.metadata.eventId ?? ''),
      revision: event.revision,
      reason,
      message,
    });
    if (event.streamId !== streamId)
      return fail('wrong_stream', `wrong stream: it belongs to ${event.streamId}, the export to ${streamId}`);
    if (expect.runId !== undefined && event.metadata.runId !== expect.runId) {
      return fail(
        'wrong_stream',
        `wrong stream: its metadata.runId is ${String(event.metadata.runId)}, the export's run is ${expect.runId}`,
      );
    }
    const hash = recordedHash(event);
    if (hash === undefined) {
      if (previous !== undefined)
        return fail(
          'hash_missing',
          `hash missing: it carries no metadata.hash, but the chain started at an earlier event`,
        );
      if (event.revision !== revision)
        return fail(
          'revision_gap',
          `revision gap: revision ${event.revision} at index ${revision} of the unhashed prefix`,
        );
      unhashed++;
      continue;
    }
    const expectedPrev = previous ?? GENESIS;
    if (event.metadata.prevHash !== expectedPrev) {
      const before =
        revision === 0
          ? 'the stream start'
          : index === 0
            ? `the last verified event (#${from.revision})`
            : `the event before it in the file (#${(events[index - 1] as VerifiableEvent).revision})`;
      return fail(
        'previous_hash_mismatch',
        `previous hash mismatch: its prevHash is not the hash of ${before}: an event was removed, inserted, duplicated or reordered`,
      );
    }
    if (eventHash(event, expectedPrev) !== hash) {
      return fail(
        'content_altered',
        'content altered: the hash of its type, data and metadata differs from the hash it carries',
      );
    }
    if (event.revision !== revision)
      return fail('revision_gap', `revision gap: revision ${event.revision} at index ${revision}`);
    previous = hash;
  }
  return { ok: true, count: events.length, head: previous ?? null, unhashed };
}
