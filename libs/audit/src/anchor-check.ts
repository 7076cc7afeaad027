import type { KeyObject } from 'node:crypto';
import { runStreamId } from '@ledgerflow/contracts';
import { verifyAnchorSignature } from './anchor.js';
import type { AnchorSignatureFailure, SignedAnchor } from './anchor.js';
import { verifyAuditExport } from './audit-export.js';
import type { AuditEvent, AuditExport } from './audit-export.js';
import { recordedHash } from './event-hash.js';

/**
 * Why an export does not match an external anchor:
 * - `unknown_kid`, `bad_signature`: the anchor itself is not vouched for (see `verifyAnchorSignature`).
 * - `wrong_stream`: the anchor is of another stream than the export's run.
 * - `chain_broken`: the export's own chain does not verify (the message names the event, as `audit verify`).
 * - `truncated`: the export ends before a revision the external copy holds: events were removed from its end.
 * - `anchor_mismatch` / `relay_mismatch`: the export's event at a revision has another hash than the
 *   external copy: that event, or one before it, was rewritten, and every hash after it recomputed.
 */
export type AnchorFailureReason =
  AnchorSignatureFailure | 'wrong_stream' | 'chain_broken' | 'truncated' | 'anchor_mismatch' | 'relay_mismatch';

export interface AnchorMismatch {
  readonly ok: false;
  readonly reason: AnchorFailureReason;
  /** The revision named in `message`, when the failure is at one event. */
  readonly revision?: number;
  readonly eventId?: string;
  /** One sentence for people: what differs and what it suggests. */
  readonly message: string;
}

export interface AnchorMatched {
  readonly ok: true;
  readonly kid: string;
  /** The anchored revision and hash, as in the export. */
  readonly revision: number;
  readonly hash: string;
  readonly anchoredAt: string;
  /** Events of the export after the anchored one (appended since; covered by the chain only). */
  readonly after: number;
}

const eventIdOf = (event: AuditEvent): string => String(event.metadata.eventId);

/**
 * Checks a run's audit export against a signed anchor of its stream: the signature (key by `anchor.kid`, see
 * `verifyAnchorSignature`), the stream, the export's chain (`verifyAuditExport`), that the export reaches the
 * anchored revision (else `truncated`), and that its event there has exactly the anchored hash (else
 * `anchor_mismatch`: a consistent rewrite, every hash recomputed, passes the chain but not this). Events after
 * the anchored one are checked by the chain only.
 */
export function verifyExportAgainstAnchor(
  doc: AuditExport,
  anchor: SignedAnchor,
  keys: ReadonlyMap<string, KeyObject> | readonly KeyObject[],
): AnchorMatched | AnchorMismatch {
  const signature = verifyAnchorSignature(anchor, keys);
  if (!signature.ok) return signature;
  const streamId = runStreamId(doc.runId);
  if (anchor.streamId !== streamId) {
    return {
      ok: false,
      reason: 'wrong_stream',
      message: `wrong stream: the anchor is of ${anchor.streamId}, the export of ${streamId}`,
    };
  }
  const chain = verifyAuditExport(doc);
  if (!chain.ok)
    return {
      ok: false,
      reason: 'chain_broken',
      revision: chain.revision,
      eventId: chain.eventId,
      message: chain.message,
    };
  const event = doc.events.find((e) => e.revision === anchor.revision);
  if (!event) {
    const last = doc.events[doc.events.length - 1] as AuditEvent;
    return {
      ok: false,
      reason: 'truncated',
      revision: last.revision,
      eventId: eventIdOf(last),
      message: `truncated: the export ends at revision ${last.revision}, but revision ${anchor.revision} was anchored at ${anchor.anchoredAt}: events were removed from its end`,
    };
  }
  const hash = recordedHash(event);
  if (hash !== anchor.hash) {
    return {
      ok: false,
      reason: 'anchor_mismatch',
      revision: event.revision,
      eventId: eventIdOf(event),
      message: `anchor mismatch: its hash is ${hash ?? 'none'}, the anchor signed ${anchor.hash} at ${anchor.anchoredAt}: this event or one before it was rewritten (and the hashes recomputed)`,
    };
  }
  return {
    ok: true,
    kid: signature.kid,
    revision: anchor.revision,
    hash: anchor.hash,
    anchoredAt: anchor.anchoredAt,
    after: doc.events.filter((e) => e.revision > anchor.revision).length,
  };
}

/** An event as the relay copied it to JetStream `LF_EVENTS` (the `StoredEvent` JSON). */
export interface RelayedEvent {
  readonly revision: number;
  readonly metadata: object;
}

export interface RelayCopyMatched {
  readonly ok: true;
  /** Export events whose relayed copy has the same hash. */
  readonly compared: number;
  /** Revisions of the export missing from the relay's copy (expired by `LF_EVENTS`' max age, or not relayed yet). */
  readonly missing: readonly number[];
}

/**
 * Compares a run's audit export with the relay's copy of the same stream (messages of `LF_EVENTS`, any order,
 * repeats allowed): every relayed revision the export holds must carry the same hash (else `relay_mismatch`,
 * naming the first such revision), and the relay must hold no revision after the export's last (else
 * `truncated`). Revisions the relay does not hold are listed in `missing`, not failed: its copy expires.
 */
export function compareWithRelayCopy(
  doc: AuditExport,
  relayed: readonly RelayedEvent[],
): RelayCopyMatched | AnchorMismatch {
  const copies = new Map<number, Set<string | undefined>>();
  for (const event of relayed) {
    const set = copies.get(event.revision) ?? new Set();
    set.add(recordedHash(event));
    copies.set(event.revision, set);
  }
  const missing: number[] = [];
  let compared = 0;
  for (const event of doc.events) {
    const hashes = copies.get(event.revision);
    if (!hashes) {
      missing.push(event.revision);
      continue;
    }
    const hash = recordedHash(event);
    const other = [...hashes].find((h) => h !== hash);
    if (other !== undefined || hashes.size > 1) {
      return {
        ok: false,
        reason: 'relay_mismatch',
        revision: event.revision,
        eventId: eventIdOf(event),
        message: `relay mismatch: its hash is ${hash ?? 'none'}, the relay's copy in LF_EVENTS has ${other ?? 'none'}: this event was rewritten after it was relayed`,
      };
    }
    compared++;
  }
  const last = doc.events[doc.events.length - 1] as AuditEvent;
  const beyond = [...copies.keys()].filter((r) => r > last.revision).sort((a, b) => a - b)[0];
  if (beyond !== undefined) {
    return {
      ok: false,
      reason: 'truncated',
      revision: last.revision,
      eventId: eventIdOf(last),
      message: `truncated: the export ends at revision ${last.revision}, but the relay's copy in LF_EVENTS holds revision ${beyond}: events were removed from its end`,
    };
  }
  return { ok: true, compared, missing };
}
