import type { TokenKind } from './pii-kind.js';

/** One encrypted vault entry: the plaintext of `token`, AES-256-GCM encrypted. */
export interface VaultEntry {
  /** `pii_<kind>_<22 base64url chars>`; unique. */
  readonly token: string;
  readonly runId: string;
  readonly kind: TokenKind;
  /** Id of the key that encrypted it (see `deriveKeys`); a different key cannot decrypt it. */
  readonly keyId: string;
  /** 12-byte GCM nonce. */
  readonly iv: Uint8Array;
  /** 16-byte GCM authentication tag. */
  readonly tag: Uint8Array;
  /** The value's JSON text, encrypted (additional authenticated data: `runId NUL token`). */
  readonly ciphertext: Uint8Array;
  /** ISO-8601 UTC. */
  readonly createdAt: string;
}

/**
 * Where vault entries live. Entries are immutable: `put` keeps an existing entry of the same token (equal
 * tokens always hold equal plaintext of one run and key).
 */
export interface VaultStore {
  /** Stores the entries whose token is not stored yet, atomically. */
  put(entries: readonly VaultEntry[]): Promise<void>;
  /** The stored entries among `tokens`, by token (absent tokens are missing from the map). */
  get(tokens: readonly string[]): Promise<Map<string, VaultEntry>>;
  /** Deletes every entry of `runId` (erasure); returns how many were deleted. */
  deleteRun(runId: string): Promise<number>;
  close(): Promise<void>;
}
