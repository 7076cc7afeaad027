import { LRUCache } from 'lru-cache';
import { API_KEY_PREFIX } from '@ledgerflow/contracts';
import type { ForwardedCaller, Principal } from '@ledgerflow/contracts';
import { bearerTokenOf } from '@ledgerflow/auth';
import type { BearerVerifier } from '@ledgerflow/auth';
import type { ServiceAccounts } from './service-accounts.js';

/** Verified JWTs remembered at most (the least recently used is forgotten first). */
export const VERIFIED_TOKENS = 1_000;
/** How long a verified JWT is remembered at most, in ms (and never past its `exp`). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * Who is calling: `Authorization: Bearer <credential>` where the credential is a service account's API key
 * (`lfk_<account>_<secret>`, checked against its stored hash) or a JWT (verified by {@link BearerVerifier}).
 * A JWT that verified is remembered, by its exact text, until its `exp` and for at most
 * {@link VERIFIED_TOKEN_TTL_MS} (a client sending the same token again costs no signature check); a refused one
 * never is, and API keys are checked every time (a revoked key stops at once).
 * @throws LedgerflowError `unauthorized` (401) for a missing, malformed, expired, revoked or forged credential;
 *   `auth_unavailable` (503) when the JWKS cannot be read.
 */
export class Authenticator {
  private readonly verified = new LRUCache<string, { readonly principal: Principal; readonly until: number }>({
    max: VERIFIED_TOKENS,
  });

  constructor(
    private readonly jwt: Pick<BearerVerifier, 'verify'>,
    private readonly accounts: Pick<ServiceAccounts, 'authenticate'>,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const credential = bearerTokenOf(authorization);
    if (credential.startsWith(API_KEY_PREFIX)) return this.accounts.authenticate(credential);
    const known = this.verified.get(credential);
    if (known) {
      if (known.until > this.now()) return known.principal;
      this.verified.delete(credential);
    }
    const principal = await this.jwt.verify(credential);
    this.remember(credential, principal);
    return principal;
  }

  /** The raw bearer credential (forwarded to services that verify the human themselves). */
  static credentialOf(authorization: string | undefined): string {
    return bearerTokenOf(authorization);
  }

  /**
   * The caller of a command forwarded to another service (`ForwardedCaller`): a JWT is forwarded as is (that service
   * verifies it); a service account's API key, which only the gateway can check, never leaves it: its principal id is
   * sent instead (`who`, as {@link authenticate} found it).
   */
  static forwardedCaller(who: Principal, authorization: string | undefined): ForwardedCaller {
    const credential = bearerTokenOf(authorization);
    return credential.startsWith(API_KEY_PREFIX) ? { serviceAccount: who.id } : { token: credential };
  }

  private remember(token: string, principal: Principal): void {
    const now = this.now();
    const exp = expiryOf(token);
    const until = Math.min(now + VERIFIED_TOKEN_TTL_MS, exp === undefined ? Infinity : exp * 1000);
    if (until <= now) return;
    this.verified.set(token, { principal: freeze(principal), until });
  }
}

/** The `exp` claim (seconds) of a compact JWT already verified, or undefined. */
function expiryOf(token: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown })
      .exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** A principal shared by the requests carrying one token: nobody may change it for the others. */
function freeze(principal: Principal): Principal {
  for (const value of Object.values(principal)) if (Array.isArray(value)) Object.freeze(value);
  return Object.freeze(principal);
}
