import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, type CryptoKey } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';

/**
 * The policy service's public key(s): an SPKI PEM string (several PEM blocks one after another while a
 * signing key is rotated), a Node `KeyObject`, a WebCrypto `CryptoKey` (Ed25519), or a list of them.
 */
export type GrantPublicKey = string | KeyObject | CryptoKey | readonly (string | KeyObject | CryptoKey)[];

const PEM_BLOCK = /-----BEGIN [A-Z ]+-----[\s\S]*?-----END [A-Z ]+-----/g;

/**
 * The first public key, as a KeyObject or CryptoKey jose can verify EdDSA signatures with.
 * @throws LedgerflowError `grant_key_invalid` when a PEM does not parse or a key is not a public Ed25519 key.
 */
export function grantPublicKey(key: GrantPublicKey): KeyObject | CryptoKey {
  return grantPublicKeys(key)[0] as KeyObject | CryptoKey;
}

/**
 * Every public key given (each PEM block of a string, `\n` escapes allowed), checked.
 * @throws LedgerflowError `grant_key_invalid` when none is given, a PEM does not parse or a key is not a public Ed25519 key.
 */
export function grantPublicKeys(key: GrantPublicKey): Array<KeyObject | CryptoKey> {
  const given = Array.isArray(key) ? key : [key as string | KeyObject | CryptoKey];
  const keys = given.flatMap((one) => (typeof one === 'string' ? pemBlocks(one) : [one])).map(checked);
  if (keys.length === 0) throw new LedgerflowError('grant_key_invalid', 'no grant verify key given', false);
  return keys;
}

function pemBlocks(text: string): string[] {
  const blocks = text.replace(/\\n/g, '\n').match(PEM_BLOCK);
  return blocks === null ? [text] : [...blocks];
}

function checked(key: string | KeyObject | CryptoKey): KeyObject | CryptoKey {
  if (typeof key !== 'string' && !(key instanceof KeyObject)) return key;
  let object: KeyObject;
  try {
    object = typeof key === 'string' ? createPublicKey(key) : key;
  } catch (error) {
    throw new LedgerflowError(
      'grant_key_invalid',
      `grant verify key is not an SPKI PEM public key: ${(error as Error).message}`,
      false,
    );
  }
  if (object.type !== 'public' || object.asymmetricKeyType !== 'ed25519') {
    throw new LedgerflowError(
      'grant_key_invalid',
      `grant verify key must be a public Ed25519 key, got a ${object.type} ${object.asymmetricKeyType ?? 'unknown'} key`,
      false,
    );
  }
  return object;
}

/**
 * The `kid` of a grant key: the RFC 7638 JWK thumbprint (SHA-256, base64url) of the public key. The policy
 * service puts it in every grant's protected header; undefined for a CryptoKey that cannot be exported.
 */
export async function grantKeyId(key: KeyObject | CryptoKey): Promise<string | undefined> {
  try {
    return await calculateJwkThumbprint(
      await exportJWK(key instanceof KeyObject && key.type === 'private' ? createPublicKey(key) : key),
      'sha256',
    );
  } catch {
    return undefined;
  }
}

/**
 * The RFC 7638 thumbprint (SHA-256, base64url) of an Ed25519 key, computed synchronously from its JWK export
 * (`{"crv":"Ed25519","kty":"OKP","x":...}`, the required members in lexicographic order); the same value as
 * {@link grantKeyId}. Undefined for a key that is not Ed25519.
 */
export function ed25519KeyId(key: KeyObject): string | undefined {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') return undefined;
  const { x } = publicKey.export({ format: 'jwk' });
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }))
    .digest('base64url');
}

/**
 * Verify keys by `kid`, computed once: with jose for every key ({@link candidates}, the refusal path), and
 * synchronously for the public Ed25519 keys ({@link nodeCandidates}, the fast path of every call).
 */
export class GrantKeyRing {
  private readonly ids: Promise<Array<{ key: KeyObject | CryptoKey; kid: string | undefined }>>;
  private readonly nodeKeys: ReadonlyArray<{ key: KeyObject; kid: string | undefined }>;

  constructor(readonly keys: ReadonlyArray<KeyObject | CryptoKey>) {
    this.ids = Promise.all(keys.map(async (key) => ({ key, kid: await grantKeyId(key) })));
    this.nodeKeys = keys.flatMap((given) => {
      const key = nodeEd25519Key(given);
      return key === undefined ? [] : [{ key, kid: ed25519KeyId(key) }];
    });
  }

  /** The keys to try for a grant with header `kid`: the one with that thumbprint; without a `kid`, every key. */
  async candidates(kid: string | undefined): Promise<Array<KeyObject | CryptoKey>> {
    const ids = await this.ids;
    if (kid === undefined) return ids.map((entry) => entry.key);
    return ids.filter((entry) => entry.kid === kid || entry.kid === undefined).map((entry) => entry.key);
  }

  /**
   * The public Ed25519 keys among {@link candidates} for `kid`, as Node KeyObjects (a WebCrypto key converted), for
   * a synchronous `node:crypto.verify`: no WebCrypto job and no promise per call.
   */
  nodeCandidates(kid: string | undefined): KeyObject[] {
    return this.nodeKeys.filter((entry) => kid === undefined || entry.kid === kid).map((entry) => entry.key);
  }
}

/** A public Ed25519 key as a Node KeyObject (a WebCrypto CryptoKey converted), else undefined. */
function nodeEd25519Key(key: KeyObject | CryptoKey): KeyObject | undefined {
  try {
    const object = key instanceof KeyObject ? key : KeyObject.from(key as Parameters<typeof KeyObject.from>[0]);
    return object.type === 'public' && object.asymmetricKeyType === 'ed25519' ? object : undefined;
  } catch {
    return undefined;
  }
}
