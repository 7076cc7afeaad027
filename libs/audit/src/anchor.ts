import { sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ValidationError } from '@ledgerflow/domain';
import { anchorKeyId } from './anchor-keys.js';
import { canonicalJson } from './canonical-json.js';
import { HASH_PATTERN } from './event-hash.js';

/** The `format` of a signed anchor checkpoint; a new shape gets a new number. */
export const ANCHOR_FORMAT = 'ledgerflow-anchor/1';

/** What an anchor states: a stream's head at one moment, as the publisher read it from the store. */
export interface AnchorFields {
  readonly streamId: string;
  /** Revision (0-based) of the stream's last hashed event when it was anchored. */
  readonly revision: number;
  /** That event's `metadata.hash` (SHA-256 hex): the chain head. */
  readonly hash: string;
  /** That event's global store position. */
  readonly position: number;
  /** ISO-8601 UTC time the publisher signed it. */
  readonly anchoredAt: string;
}

/**
 * A signed checkpoint of one stream's head (published to JetStream `LF_ANCHORS`, `ledgerflow audit anchor`):
 * the {@link AnchorFields}, `format` {@link ANCHOR_FORMAT}, `kid` (the signing key's id, see `anchorKeyId`),
 * and `signature`: base64url (no padding) Ed25519 over `canonicalJson` of every other field.
 */
export interface SignedAnchor extends AnchorFields {
  readonly format: typeof ANCHOR_FORMAT;
  readonly kid: string;
  readonly signature: string;
}

/** The bytes an anchor's signature covers: UTF-8 of the canonical JSON of the anchor without `signature`. */
function signedBytes(anchor: Omit<SignedAnchor, 'signature'>): Buffer {
  const { format, streamId, revision, hash, position, anchoredAt, kid } = anchor;
  return Buffer.from(canonicalJson({ format, streamId, revision, hash, position, anchoredAt, kid }), 'utf8');
}

/**
 * Signs a stream head with an Ed25519 private key (see `anchorSigningKeyOf`).
 * @param kid the key id to publish; default `anchorKeyId(privateKey)`.
 */
export function signAnchor(fields: AnchorFields, privateKey: KeyObject, kid = anchorKeyId(privateKey)): SignedAnchor {
  const unsigned = { format: ANCHOR_FORMAT, ...pick(fields), kid } as const;
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), privateKey).toString('base64url') };
}

const pick = ({ streamId, revision, hash, position, anchoredAt }: AnchorFields): AnchorFields => ({
  streamId,
  revision,
  hash,
  position,
  anchoredAt,
});

/** Why an anchor's signature was not accepted: no key of that id, or the signature does not verify. */
export type AnchorSignatureFailure = 'unknown_kid' | 'bad_signature';

export type AnchorSignatureCheck =
  | { readonly ok: true; readonly kid: string }
  | { readonly ok: false; readonly reason: AnchorSignatureFailure; readonly message: string };

/**
 * Checks an anchor's signature with the verify key of its `kid`. `keys` are public Ed25519 keys (see
 * `anchorVerifyKeyOf`), by key id; a bare list is keyed by `anchorKeyId` of each key.
 */
export function verifyAnchorSignature(
  anchor: SignedAnchor,
  keys: ReadonlyMap<string, KeyObject> | readonly KeyObject[],
): AnchorSignatureCheck {
  const byKid = Array.isArray(keys)
    ? new Map(keys.map((k) => [anchorKeyId(k), k]))
    : (keys as ReadonlyMap<string, KeyObject>);
  const key = byKid.get(anchor.kid);
  if (!key) {
    return {
      ok: false,
      reason: 'unknown_kid',
      message: `unknown key id: the anchor was signed with key ${anchor.kid}, the verify keys given are ${[...byKid.keys()].join(', ') || 'none'}`,
    };
  }
  const signature = Buffer.from(anchor.signature, 'base64url');
  if (!verify(null, signedBytes(anchor), key, signature)) {
    return {
      ok: false,
      reason: 'bad_signature',
      message: `bad signature: the anchor's signature does not verify with key ${anchor.kid}: the anchor was altered or forged`,
    };
  }
  return { ok: true, kid: anchor.kid };
}

/** Each field of a {@link SignedAnchor}: the rule it must meet, as a check and as words. */
const ANCHOR_RULES: ReadonlyArray<readonly [keyof SignedAnchor, (v: unknown) => boolean, string]> = [
  ['format', (v) => v === ANCHOR_FORMAT, `must be "${ANCHOR_FORMAT}"`],
  ['streamId', (v) => typeof v === 'string' && v.length > 0, 'must be a non-empty string'],
  ['revision', (v) => Number.isInteger(v) && (v as number) >= 0, 'must be an integer >= 0'],
  [
    'hash',
    (v) => typeof v === 'string' && HASH_PATTERN.test(v),
    'must be a SHA-256 hash (64 lower-case hex characters)',
  ],
  ['position', (v) => Number.isInteger(v) && (v as number) >= 0, 'must be an integer >= 0'],
  ['anchoredAt', (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)), 'must be an ISO-8601 time'],
  ['kid', (v) => typeof v === 'string' && v.length > 0, 'must be a non-empty string'],
  ['signature', (v) => typeof v === 'string' && /^[A-Za-z0-9_-]+$/.test(v), 'must be base64url'],
];

/**
 * Checks that a parsed JSON value is a {@link SignedAnchor} (shape only, not the signature).
 * @throws ValidationError `anchor_invalid` naming the first offending field (JSON pointer) and its rule.
 */
export function parseSignedAnchor(value: unknown): SignedAnchor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError('anchor_invalid', `not a ${ANCHOR_FORMAT} checkpoint: / must be an object`, {
      field: '/',
      rule: 'type',
    });
  }
  for (const [field, ok, rule] of ANCHOR_RULES) {
    const v = (value as Record<string, unknown>)[field];
    if (!ok(v)) {
      const words = v === undefined ? 'is missing' : rule;
      throw new ValidationError('anchor_invalid', `not a ${ANCHOR_FORMAT} checkpoint: /${field} ${words}`, {
        field: `/${field}`,
        rule: v === undefined ? 'required' : field,
      });
    }
  }
  return value as SignedAnchor;
}
