import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { LedgerflowError } from '@ledgerflow/domain';

/** The environment variable holding the vault key. */
export const PII_KEY_VARIABLE = 'LEDGERFLOW_PII_KEY';

/** Key length of AES-256-GCM, in bytes. */
export const PII_KEY_BYTES = 32;

const BASE64 = /^(?:[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43})$/;

/**
 * Parses the vault key: 32 random bytes in base64 (standard or URL-safe alphabet, padding optional),
 * e.g. from `openssl rand -base64 32`.
 * @throws LedgerflowError `config_invalid` (not retryable) naming `LEDGERFLOW_PII_KEY` and the rule it broke;
 *   `details.issues` has the shape of `@ledgerflow/config`'s `ConfigIssue` (the value is never shown).
 */
export function parsePiiKey(text: string | undefined): Buffer {
  const fail = (rule: string, message: string): never => {
    throw new LedgerflowError(
      'config_invalid',
      `Invalid configuration: 1 problem\n  - ${PII_KEY_VARIABLE}: ${message} (rule ${rule}; got ${text === undefined ? '(unset)' : '<redacted>'})`,
      false,
      {
        issues: [{ variable: PII_KEY_VARIABLE, rule, message, value: text === undefined ? '(unset)' : '<redacted>' }],
      },
    );
  };
  const trimmed = text?.trim() ?? '';
  if (trimmed === '')
    return fail('required', `is required: ${PII_KEY_BYTES} random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  if (!BASE64.test(trimmed))
    return fail(
      'base64',
      `must be ${PII_KEY_BYTES} bytes in base64 (44 characters with padding), e.g. from \`openssl rand -base64 32\``,
    );
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (key.length !== PII_KEY_BYTES) return fail('length', `must decode to ${PII_KEY_BYTES} bytes, got ${key.length}`);
  return key;
}

/** Keys derived from the vault key with HKDF-SHA256 (RFC 5869), one per purpose. */
export interface DerivedKeys {
  /** AES-256-GCM key of vault entries. */
  readonly encryption: Buffer;
  /** HMAC-SHA256 key of tokens. */
  readonly tokens: Buffer;
  /** First 16 hex characters of SHA-256 over a derived id key: names the key without revealing it. */
  readonly keyId: string;
}

/** Derives the encryption key, the token key and the key id from the 32-byte vault key. */
export function deriveKeys(key: Uint8Array): DerivedKeys {
  if (key.length !== PII_KEY_BYTES)
    throw new LedgerflowError(
      'config_invalid',
      `${PII_KEY_VARIABLE} must be ${PII_KEY_BYTES} bytes, got ${key.length}`,
    );
  const derive = (info: string): Buffer =>
    Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `ledgerflow-pii/${info}`, PII_KEY_BYTES));
  return {
    encryption: derive('encryption'),
    tokens: derive('tokens'),
    keyId: createHash('sha256').update(derive('key-id')).digest('hex').slice(0, 16),
  };
}

/** Token characters after the kind: 22 base64url characters = 132 bits of HMAC-SHA256. */
const TOKEN_CHARS = 22;

/**
 * A token: `pii_<kind>_<22 base64url chars>`, kind one of `email|phone|card|iban|account|path`, not inside a
 * longer run of token characters. Not global: copy it with the `g` flag to find every token.
 */
export const PII_TOKEN_PATTERN =
  /(?<![A-Za-z0-9_-])pii_(?:email|phone|card|iban|account|path)_[A-Za-z0-9_-]{22}(?![A-Za-z0-9_-])/;

const WHOLE_TOKEN = new RegExp(`^${PII_TOKEN_PATTERN.source}$`);

/** True when `value` is exactly one token. */
export function isPiiToken(value: unknown): boolean {
  return typeof value === 'string' && WHOLE_TOKEN.test(value);
}

/** A fresh global copy of {@link PII_TOKEN_PATTERN} (global regexes keep state; never share one). */
export function tokenPatternGlobal(): RegExp {
  return new RegExp(PII_TOKEN_PATTERN.source, 'g');
}

/**
 * The token of `plaintext` (the value's JSON text) of `kind` in `runId`: HMAC-SHA256 over
 * `runId NUL kind NUL plaintext`, so equal values of one run share a token and different runs never do.
 */
export function makeToken(tokenKey: Uint8Array, runId: string, kind: string, plaintext: string): string {
  const mac = createHmac('sha256', tokenKey)
    .update(runId)
    .update('\0')
    .update(kind)
    .update('\0')
    .update(plaintext)
    .digest('base64url');
  return `pii_${kind}_${mac.slice(0, TOKEN_CHARS)}`;
}
