import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ValidationError } from '@ledgerflow/domain';

/** The PEM with `\n` escapes turned into newlines (a PEM in a one-line environment value). */
const pemOf = (text: string): string => text.replace(/\\n/g, '\n').trim();

const keyError = (what: string, problem: string): ValidationError =>
  new ValidationError('anchor_key_invalid', `${what} ${problem}`, { rule: 'ed25519' });

const KINDS = {
  private: {
    what: 'the anchor signing key',
    header: '-----BEGIN PRIVATE KEY-----',
    format: 'an Ed25519 private key in PKCS#8 PEM',
    create: createPrivateKey,
  },
  public: {
    what: 'an anchor verify key',
    header: '-----BEGIN PUBLIC KEY-----',
    format: 'an Ed25519 public key in SPKI PEM',
    create: createPublicKey,
  },
} as const;

function ed25519KeyOf(pem: string, type: keyof typeof KINDS): KeyObject {
  const kind = KINDS[type];
  let key: KeyObject;
  try {
    if (!pem.includes(kind.header)) throw new Error(`no ${kind.header}`);
    key = kind.create({ key: pemOf(pem), format: 'pem' });
  } catch {
    throw keyError(kind.what, `must be ${kind.format} (${kind.header} ...)`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw keyError(kind.what, `must be an Ed25519 key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/**
 * The anchor signing key from its PEM text (`LEDGERFLOW_ANCHOR_SIGNING_KEY`): an Ed25519 private key in
 * PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`); newlines may be written as `\n`.
 * @throws ValidationError `anchor_key_invalid` naming the expected format, never quoting the key.
 */
export const anchorSigningKeyOf = (pem: string): KeyObject => ed25519KeyOf(pem, 'private');

/**
 * An anchor verify key from its PEM text (`--anchor-key`, `LEDGERFLOW_ANCHOR_VERIFY_KEY`): an Ed25519 public
 * key in SPKI PEM (`-----BEGIN PUBLIC KEY-----`); newlines may be written as `\n`.
 * @throws ValidationError `anchor_key_invalid` when it does not parse or is not a public Ed25519 key.
 */
export const anchorVerifyKeyOf = (pem: string): KeyObject => ed25519KeyOf(pem, 'public');

/**
 * The default key id of an anchor key: the first 16 hex characters of SHA-256 over the public key's SPKI
 * DER encoding (for a private key, of its public half). Stable across PEM formatting; a new key gets a new id.
 */
export function anchorKeyId(key: KeyObject): string {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}
