import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { LedgerflowError } from '@ledgerflow/domain';
import {
  deriveKeys,
  isPiiToken,
  makeToken,
  parsePiiKey,
  PII_KEY_VARIABLE,
  tokenPatternGlobal,
  type DerivedKeys,
} from './pii-key.js';
import type { TokenKind } from './pii-kind.js';
import { matcherOf, type PrivacyRules } from './privacy-rules.js';
import { transformValue } from './transform.js';
import type { VaultEntry, VaultStore } from './vault-store.port.js';

/** Result of {@link PiiVault.tokenize}. */
export interface TokenizeResult {
  /** A deep copy of the input with PII replaced by tokens. */
  readonly value: unknown;
  /** How many replacements were made (a value met twice counts twice). */
  readonly tokens: number;
}

/** Result of {@link PiiVault.detokenize}. */
export interface DetokenizeResult {
  /** A deep copy with every known token replaced by its plaintext. */
  readonly value: unknown;
  /** Tokens left in place: not in the vault (erased, or another vault), or of another run when `runId` was given. */
  readonly unknownTokens: readonly string[];
}

/** Options of {@link PiiVault}. */
export interface PiiVaultOptions {
  readonly store: VaultStore;
  /** 32 bytes (see `parsePiiKey`). */
  readonly key: Uint8Array;
  /** Clock of `createdAt`; default `() => new Date()`. */
  readonly now?: () => Date;
}

/** How deep a restored value may itself hold tokens (a path-masked object whose strings were tokenized before). */
const MAX_NESTING = 4;
const IV_BYTES = 12;

/**
 * Tokenization of PII: values at privacy paths and detector findings become tokens
 * (`pii_<kind>_<22 base64url chars>`, HMAC-SHA256 of run and value, so deterministic per run), their
 * plaintext AES-256-GCM encrypted in a {@link VaultStore}. Persist only tokenized values; detokenize only
 * what leaves for a tool call and is never persisted.
 */
export class PiiVault {
  private readonly store: VaultStore;
  private readonly keys: DerivedKeys;
  private readonly now: () => Date;

  constructor(options: PiiVaultOptions) {
    this.store = options.store;
    this.keys = deriveKeys(options.key);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * A vault with the key of `LEDGERFLOW_PII_KEY` in `env`.
   * @throws LedgerflowError `config_invalid` naming the variable when it is unset or malformed.
   */
  static fromEnv(store: VaultStore, env: Readonly<Record<string, string | undefined>> = process.env): PiiVault {
    return new PiiVault({ store, key: parsePiiKey(env[PII_KEY_VARIABLE]) });
  }

  /** Id of this vault's key (16 hex characters; safe to log). */
  get keyId(): string {
    return this.keys.keyId;
  }

  /**
   * Replaces PII in a deep copy of `value` by tokens and stores their plaintext: whole values at
   * `rules.paths` (any JSON type; kind `path`) and each detector finding inside any string, in place.
   * Object keys, null, undefined, '' and existing tokens are left alone, so tokenizing twice changes nothing.
   * @throws LedgerflowError `pii_vault_unavailable` (retryable) when the store cannot be written.
   * @example await vault.tokenize({ note: 'write to ada@example.com please' }, rules, { runId })
   *   // { value: { note: 'write to pii_email_3q2-7wEmDd0bUQJkP4xYvA please' }, tokens: 1 }
   */
  async tokenize(value: unknown, rules: PrivacyRules, options: { readonly runId: string }): Promise<TokenizeResult> {
    const entries = new Map<string, VaultEntry>();
    let count = 0;
    const tokenFor = (kind: TokenKind, original: unknown): string => {
      const plaintext = JSON.stringify(original);
      const token = makeToken(this.keys.tokens, options.runId, kind, plaintext);
      if (!entries.has(token)) entries.set(token, this.encrypt(token, options.runId, kind, plaintext));
      count++;
      return token;
    };
    const result = transformValue(value, matcherOf(rules), rules.detectors, {
      whole: (original) => (JSON.stringify(original) === undefined ? original : tokenFor('path', original)),
      inline: (kind, text) => tokenFor(kind, text),
    });
    await this.store.put([...entries.values()]);
    return { value: result, tokens: count };
  }

  /**
   * Replaces every token in a deep copy of `value` by its plaintext: a string that is exactly a token gets the
   * original value back with its JSON type; a token inside a longer string gets the original's text (a
   * string as is, anything else as JSON). Object keys are not touched.
   * @param options.runId when given, tokens of other runs are left in place (reported as unknown).
   * @throws LedgerflowError `pii_key_mismatch` when an entry was encrypted under another `LEDGERFLOW_PII_KEY`;
   *   `pii_vault_corrupt` when an entry fails authentication (tampered or truncated).
   */
  async detokenize(value: unknown, options: { readonly runId?: string } = {}): Promise<DetokenizeResult> {
    const plaintexts = new Map<string, unknown>();
    const unknown = new Set<string>();
    let pending = collectTokens(value);
    for (let depth = 0; depth <= MAX_NESTING && pending.size > 0; depth++) {
      const found = await this.store.get([...pending]);
      const next = new Set<string>();
      for (const token of pending) {
        const entry = found.get(token);
        if (entry === undefined || (options.runId !== undefined && entry.runId !== options.runId)) {
          unknown.add(token);
          continue;
        }
        const original = JSON.parse(this.decrypt(entry)) as unknown;
        plaintexts.set(token, original);
        for (const inner of collectTokens(original)) if (!plaintexts.has(inner) && !unknown.has(inner)) next.add(inner);
      }
      pending = next;
    }
    return { value: restore(value, plaintexts, 0), unknownTokens: [...unknown] };
  }

  /**
   * Erasure: deletes every vault entry of `runId`; its tokens stay masked forever.
   * @returns how many entries were deleted.
   */
  async forgetRun(runId: string): Promise<number> {
    return this.store.deleteRun(runId);
  }

  private encrypt(token: string, runId: string, kind: TokenKind, plaintext: string): VaultEntry {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.encryption, iv);
    cipher.setAAD(aad(runId, token));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return {
      token,
      runId,
      kind,
      keyId: this.keys.keyId,
      iv,
      tag: cipher.getAuthTag(),
      ciphertext,
      createdAt: this.now().toISOString(),
    };
  }

  private decrypt(entry: VaultEntry): string {
    if (entry.keyId !== this.keys.keyId) {
      throw new LedgerflowError(
        'pii_key_mismatch',
        `PII vault entry ${entry.token} was encrypted with key id ${entry.keyId}, but ${PII_KEY_VARIABLE} has key id ${this.keys.keyId}: set ${PII_KEY_VARIABLE} to the key the vault was written with`,
        false,
        { token: entry.token, entryKeyId: entry.keyId, keyId: this.keys.keyId },
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.keys.encryption, entry.iv);
      decipher.setAAD(aad(entry.runId, entry.token));
      decipher.setAuthTag(entry.tag);
      return Buffer.concat([decipher.update(entry.ciphertext), decipher.final()]).toString('utf8');
    } catch (error) {
      throw new LedgerflowError(
        'pii_vault_corrupt',
        `PII vault entry ${entry.token} fails AES-256-GCM authentication (tampered or truncated)`,
        false,
        {
          token: entry.token,
          cause: (error as Error).message,
        },
      );
    }
  }
}

function aad(runId: string, token: string): Buffer {
  return Buffer.from(`${runId}\0${token}`, 'utf8');
}

/** Every token in the strings of `value` (not in object keys). */
function collectTokens(value: unknown, into = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    for (const m of value.matchAll(tokenPatternGlobal())) into.add(m[0]);
  } else if (Array.isArray(value)) {
    for (const item of value) collectTokens(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) collectTokens(item, into);
  }
  return into;
}

function restore(value: unknown, plaintexts: ReadonlyMap<string, unknown>, depth: number): unknown {
  if (typeof value === 'string') {
    if (depth > MAX_NESTING) return value;
    if (isPiiToken(value)) return plaintexts.has(value) ? restore(plaintexts.get(value), plaintexts, depth + 1) : value;
    return value.replace(tokenPatternGlobal(), (token) => {
      if (!plaintexts.has(token)) return token;
      const original = restore(plaintexts.get(token), plaintexts, depth + 1);
      return typeof original === 'string' ? original : JSON.stringify(original);
    });
  }
  if (Array.isArray(value)) return value.map((item) => restore(item, plaintexts, depth));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, restore(item, plaintexts, depth)]));
  }
  return value;
}
