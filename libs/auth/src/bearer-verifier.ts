import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import type { Principal } from '@ledgerflow/contracts';
import { principalOf } from './principal.js';

/**
 * Where the keys that sign bearer JWTs come from: an OIDC provider's JWKS URL, a local HMAC secret
 * (HS256, one machine), or a local public key (PEM; RSA -> RS256/PS256, EC -> ES256/384/512, Ed25519 -> EdDSA).
 */
export type BearerKeySource =
  { readonly jwksUrl: string } | { readonly secret: string } | { readonly publicKeyPem: string };

export interface BearerVerifierOptions {
  readonly keys: BearerKeySource;
  /** Expected `iss` (exact match). */
  readonly issuer: string;
  /** Expected `aud` (the token's `aud`, a string or a list, must contain it). */
  readonly audience: string;
  /** Allowed clock skew for `exp`/`nbf`, in seconds; default 30. */
  readonly clockToleranceSeconds?: number;
}

/** Why a bearer token was refused, in `details.reason` of the `unauthorized` error. */
export type BearerRefusalReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_signature'
  | 'wrong_algorithm'
  | 'no_subject'
  | 'claim_invalid';

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** The algorithms a local public key may sign with, from its type (RFC 7518 section 3.1, RFC 8037). */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec':
      return ['ES256', 'ES384', 'ES512'];
    case 'ed25519':
      return ['EdDSA'];
    default:
      throw new Error(`unsupported public key type ${key.asymmetricKeyType ?? 'unknown'} (use RSA, EC or Ed25519)`);
  }
}

const refuse = (reason: BearerRefusalReason, message: string, details: Record<string, unknown> = {}): LedgerflowError =>
  new LedgerflowError('unauthorized', message, false, { reason, ...details });

/**
 * Verifies bearer JWTs (RFC 6750, RFC 7519): signature by the configured keys with an allowed algorithm
 * (never `none`, never HMAC with an asymmetric key source), `iss` and `aud` equal to the configured
 * ones, `exp`/`nbf` within the clock tolerance, a `sub`. The principal carries the token's scopes (`scope`,
 * `scp` or `permissions` claims), `roles` and `teams` (see {@link principalOf}).
 * @throws Error at construction for a local key that does not parse.
 */
export class BearerVerifier {
  private readonly key: Uint8Array | KeyObject | JWTVerifyGetKey;
  private readonly algorithms: string[];
  private readonly tolerance: number;

  constructor(private readonly options: BearerVerifierOptions) {
    this.tolerance = options.clockToleranceSeconds ?? 30;
    const source = options.keys;
    if ('jwksUrl' in source) {
      // jose caches the key set, refetches on an unknown `kid` (at most every 30 s) and times out after 5 s.
      this.key = createRemoteJWKSet(new URL(source.jwksUrl));
      this.algorithms = ASYMMETRIC;
    } else if ('secret' in source) {
      this.key = new TextEncoder().encode(source.secret);
      this.algorithms = ['HS256'];
    } else {
      const key = createPublicKey(source.publicKeyPem.replace(/\\n/g, '\n'));
      this.algorithms = algorithmsOf(key);
      this.key = key;
    }
  }

  /**
   * The principal of a compact JWT.
   * @throws LedgerflowError `unauthorized` (401, `details.reason` a {@link BearerRefusalReason}); `auth_unavailable`
   *   (503, retryable) when the JWKS cannot be fetched.
   */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.options.issuer,
        audience: this.options.audience,
        algorithms: this.algorithms,
        clockTolerance: this.tolerance,
      };
      ({ payload } =
        typeof this.key === 'function'
          ? await jwtVerify(token, this.key, options)
          : await jwtVerify(token, this.key, options));
    } catch (error) {
      throw this.explain(error);
    }
    return principalOf(payload);
  }

  private explain(error: unknown): LedgerflowError {
    if (error instanceof errors.JWTExpired) return refuse('expired', 'bearer token expired');
    if (error instanceof errors.JWTClaimValidationFailed) {
      const { claim, reason } = error;
      if (claim === 'iss')
        return refuse('wrong_issuer', `bearer token issuer is not ${JSON.stringify(this.options.issuer)}`, { claim });
      if (claim === 'aud')
        return refuse(
          'wrong_audience',
          `bearer token audience does not include ${JSON.stringify(this.options.audience)}`,
          { claim },
        );
      if (claim === 'nbf') return refuse('not_yet_valid', 'bearer token is not valid yet (nbf)', { claim });
      return refuse('claim_invalid', `bearer token claim ${claim} is invalid (${reason})`, { claim });
    }
    if (error instanceof errors.JOSEAlgNotAllowed)
      return refuse('wrong_algorithm', `bearer token algorithm is not one of ${this.algorithms.join(', ')}`);
    if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
      return refuse('bad_signature', 'bearer token signature does not verify with the configured keys');
    }
    if (
      error instanceof errors.JWKSTimeout ||
      (error instanceof errors.JOSEError && error.code === 'ERR_JWKS_INVALID')
    ) {
      return new LedgerflowError(
        'auth_unavailable',
        `the key set at the JWKS URL could not be read (${error.code})`,
        true,
      );
    }
    if (error instanceof errors.JOSEError)
      return refuse('malformed', `bearer token is not a valid signed JWT (${error.code})`);
    // fetch() failures are TypeErrors, possibly of another realm (test VMs): compare by name.
    const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
    if (name === 'TypeError' && typeof message === 'string' && /fetch/i.test(message)) {
      return new LedgerflowError(
        'auth_unavailable',
        `the key set at the JWKS URL could not be fetched: ${message}`,
        true,
      );
    }
    return refuse('malformed', `bearer token could not be verified: ${typeof name === 'string' ? name : typeof error}`);
  }
}

/**
 * The token of an `Authorization: Bearer <token>` header (RFC 6750 section 2.1; the scheme is case-insensitive).
 * @throws LedgerflowError `unauthorized` (reason `missing`) when the header is absent or another scheme.
 */
export function bearerTokenOf(authorization: string | undefined): string {
  const match = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization ?? '');
  if (!match) throw refuse('missing', 'missing bearer token: send Authorization: Bearer <token>');
  return match[1];
}
