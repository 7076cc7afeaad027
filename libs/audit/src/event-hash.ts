import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** The `prevHash` of the first hashed event of a stream: 64 zeros (the chain has no predecessor). */
export const GENESIS = '0'.repeat(64);

/** A SHA-256 hash in lower-case hex (64 characters). */
export const HASH_PATTERN = /^[0-9a-f]{64}$/;

/**
 * The part of an event the hash covers: what the deciding service wrote (`type`, `data`, `metadata`) and
 * where it stands (`streamId`, `revision`). `position` and `recordedAt` are assigned by the store at commit
 * time, after the hash is computed, and are not covered.
 */
export interface HashableEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: unknown;
  readonly metadata: object;
}

/** The metadata fields the chain adds to every event appended since the audit trail exists. */
export interface ChainFields {
  /** SHA-256 hex of this event (see {@link eventHash}). */
  readonly hash: string;
  /** `hash` of the event before it in the stream, {@link GENESIS} for the first hashed event. */
  readonly prevHash: string;
}

/**
 * The hash of one event in its stream's chain:
 * `hex(SHA-256(UTF-8(canonicalJson({ streamId, revision, type, data, metadata, prevHash }))))`, where
 * `metadata` is the event's metadata without its own `hash` and `prevHash` fields, and `data` missing is
 * `null` (as the store reads it back). Changing any covered field, or the predecessor, changes the hash.
 */
export function eventHash(event: HashableEvent, prevHash: string): string {
  const { hash: _hash, prevHash: _prevHash, ...metadata } = event.metadata as Record<string, unknown>;
  const content = {
    streamId: event.streamId,
    revision: event.revision,
    type: event.type,
    data: event.data === undefined ? null : event.data,
    metadata,
    prevHash,
  };
  return createHash('sha256').update(canonicalJson(content), 'utf8').digest('hex');
}

/** The `hash` recorded in an event's metadata, or undefined when it carries none (or not a valid one). */
export function recordedHash(event: { readonly metadata: object }): string | undefined {
  const hash = (event.metadata as { hash?: unknown }).hash;
  return typeof hash === 'string' && HASH_PATTERN.test(hash) ? hash : undefined;
}

/**
 * Chains events about to be appended to `streamId`: the first gets revision `firstRevision` and
 * `prevHash`, each next one the revision after and its predecessor's hash. Returns copies whose metadata
 * carries `prevHash` and `hash`, and `head`, the hash of the last one (`prevHash` when `events` is empty).
 */
export function chainEvents<E extends { readonly type: string; readonly data: unknown; readonly metadata: object }>(
  streamId: string,
  firstRevision: number,
  events: readonly E[],
  prevHash: string,
): { events: Array<E & { metadata: E['metadata'] & ChainFields }>; head: string } {
  let previous = prevHash;
  const chained = events.map((event, i) => {
    const hash = eventHash(
      { streamId, revision: firstRevision + i, type: event.type, data: event.data, metadata: event.metadata },
      previous,
    );
    const next = { ...event, metadata: { ...event.metadata, prevHash: previous, hash } };
    previous = hash;
    return next;
  });
  return { events: chained, head: previous };
}
