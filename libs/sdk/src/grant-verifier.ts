import { verify as verifySignature } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import { inputDigestOf } from '@ledgerflow/audit';
import { GRANT_ISSUER, GRANT_VERIFY_KEY_ENV, grantAudience, type GrantClaims } from '@ledgerflow/contracts';
import { GrantKeyRing, grantPublicKeys, type GrantPublicKey } from './grant-keys.js';
import type { GrantedRequest } from './tool.types.js';

export type { GrantPublicKey } from './grant-keys.js';

export interface GrantVerifierOptions {
  readonly publicKey: GrantPublicKey;
  /** Allowed clock skew between the policy service and this worker, in seconds (default 5). */
  readonly clockToleranceSeconds?: number;
}

/**
 * Checks the `lf-grant` header of one tool request; resolves to the verified claims or throws
 * LedgerflowError `grant_invalid` (not retryable).
 */
export type VerifyGrant = (grant: string | undefined, request: GrantedRequest) => Promise<GrantClaims>;

/**
 * Why a grant was refused, in `details.reason` of the `grant_invalid` error: `key_mismatch` when its `key`
 * claim is not the request's idempotency key (body `idempotencyKey`, and the `lf-idempotency-key` header
 * when sent), `input_mismatch` when its `digest` claim is not the digest of the received input (a grant
 * replayed under another key or with another input); `out_of_scope` for another run, step, attempt or tool.
 */
export type GrantRefusalReason =
  | 'missing'
  | 'malformed'
  | 'expired'
  | 'not_yet_valid'
  | 'bad_signature'
  | 'wrong_algorithm'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'out_of_scope'
  | 'key_mismatch'
  | 'input_mismatch';

export const DEFAULT_GRANT_CLOCK_TOLERANCE_SECONDS = 5;

const refuse = (reason: GrantRefusalReason, message: string, details: Record<string, unknown> = {}): LedgerflowError =>
  new LedgerflowError('grant_invalid', message, false, { reason, ...details });

/**
 * Builds the `verifyGrant` hook of {@link startToolWorker} for grants signed by the policy service
 * (contract: `@ledgerflow/contracts` grants.ts). A grant passes when it is a JWT signed with EdDSA by
 * `publicKey` (the key whose RFC 7638 thumbprint is the grant's `kid` header, when several are given during
 * a key rotation; a grant without `kid` may be signed by any of them), `iss` is `ledgerflow-policy`, `aud` is `lf.tool.<tool>.<action>` of the subject being
 * served, it is not expired (with `clockToleranceSeconds` of skew), it carries `sub`, `jti`, `iat` and
 * `exp`, `key` and `digest`, its `tool`/`action`/`run`/`step`/`attempt` claims equal the request's, its
 * `key` equals the request's idempotency key (body and `lf-idempotency-key` header) and its `digest` equals
 * `inputDigestOf(request.input)` (`@ledgerflow/audit`: SHA-256 of the canonical JSON of the input as
 * received). Messages say why (naming the claim; values, never the input nor the token).
 *
 * Cost: a grant the policy service signed passes a synchronous fast path (`node:crypto.verify` with the
 * key object prepared once, the same claim checks as jose's `jwtVerify`): about 0.12 ms of CPU per call, the
 * Ed25519 verification itself, measured on the 2-core bench machine (jose through WebCrypto took ~0.27 ms). Anything
 * the fast path does not accept is verified again by jose, which gives the refusal and its reason, so refusals read
 * exactly as before.
 * @throws LedgerflowError `grant_key_invalid` at once for a bad key; the returned function rejects with
 *   `grant_invalid` (not retryable, `details.reason` a {@link GrantRefusalReason}).
 * @example startToolWorker({ nc, tools, verifyGrant: grantVerifier({ publicKey: process.env.LEDGERFLOW_GRANT_VERIFY_KEY! }) });
 */
export function grantVerifier(options: GrantVerifierOptions): VerifyGrant {
  const ring = new GrantKeyRing(grantPublicKeys(options.publicKey));
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_GRANT_CLOCK_TOLERANCE_SECONDS;
  return async (grant, request) => {
    const audience = grantAudience(request.tool, request.action);
    if (grant === undefined || grant.trim() === '') {
      throw refuse('missing', `grant missing: ${audience} requires an lf-grant header signed by the policy service`);
    }
    const payload =
      verifyGrantFast(grant, ring, audience, clockTolerance) ??
      (await verifyWithRing(grant, ring, audience, clockTolerance));
    return checkScope(payload, request);
  };
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Length of an Ed25519 signature (64 bytes) in base64url without padding. */
const ED25519_SIGNATURE_CHARS = 86;
/** Claims whose presence jose checks (`requiredClaims` plus `aud` and `iss`, as `audience` and `issuer` are given). */
const REQUIRED_CLAIMS = ['iss', 'aud', 'digest', 'key', 'exp', 'iat', 'jti', 'sub'] as const;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The payload of a grant that passes every check of {@link verifyWithRing} (compact JWS, header `alg` EdDSA without
 * `crit`/`b64`, a signature valid under a candidate key for its `kid`, an object payload with the required claims,
 * `iss`, `aud`, numeric `iat`, `nbf` and `exp` within the tolerance), checked synchronously; undefined for anything
 * else (then jose decides, and explains a refusal). Never accepts what jose would refuse. Exported for tests
 * (not from the package).
 */
export function verifyGrantFast(
  grant: string,
  ring: GrantKeyRing,
  audience: string,
  clockTolerance: number,
): JWTPayload | undefined {
  const first = grant.indexOf('.');
  const second = grant.indexOf('.', first + 1);
  if (first <= 0 || second <= first + 1 || grant.indexOf('.', second + 1) !== -1) return undefined;
  const [header, payload, signature] = [grant.slice(0, first), grant.slice(first + 1, second), grant.slice(second + 1)];
  if (
    signature.length !== ED25519_SIGNATURE_CHARS ||
    !BASE64URL.test(signature) ||
    !isBase64url(header) ||
    !isBase64url(payload)
  )
    return undefined;
  const protectedHeader = jsonObjectOf(header);
  if (
    protectedHeader === undefined ||
    protectedHeader.alg !== 'EdDSA' ||
    'crit' in protectedHeader ||
    'b64' in protectedHeader
  )
    return undefined;
  const kid = protectedHeader.kid;
  if (kid !== undefined && typeof kid !== 'string') return undefined;
  const signed = Buffer.from(grant.slice(0, second), 'latin1');
  const bytes = Buffer.from(signature, 'base64url');
  if (!ring.nodeCandidates(kid).some((key) => verifySignature(null, signed, key, bytes))) return undefined;
  const claims = jsonObjectOf(payload);
  return claims !== undefined && claimsHold(claims, audience, clockTolerance) ? claims : undefined;
}

/** base64url without padding, of a length that decodes to whole bytes (never 1 mod 4). */
const isBase64url = (part: string): boolean => part.length % 4 !== 1 && BASE64URL.test(part);

function jsonObjectOf(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictUtf8.decode(Buffer.from(part, 'base64url')));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** jose's `validateClaimsSet` for our options, as a yes/no (now: whole seconds, as jose's `epoch`). */
function claimsHold(claims: JWTPayload, audience: string, tolerance: number): boolean {
  for (const claim of REQUIRED_CLAIMS) if (!Object.hasOwn(claims, claim)) return false;
  if (claims.iss !== GRANT_ISSUER) return false;
  const aud: unknown = claims.aud;
  if (!(typeof aud === 'string' ? aud === audience : Array.isArray(aud) && aud.includes(audience))) return false;
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp <= now - tolerance) return false;
  return claims.nbf === undefined || (typeof claims.nbf === 'number' && claims.nbf <= now + tolerance);
}

/** Verifies with the key whose thumbprint is the grant's `kid` (every key in turn for a grant without one). */
async function verifyWithRing(
  grant: string,
  ring: GrantKeyRing,
  audience: string,
  clockTolerance: number,
): Promise<JWTPayload> {
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(grant).kid;
  } catch (error) {
    throw explain(error, audience, clockTolerance);
  }
  const keys = await ring.candidates(kid);
  if (keys.length === 0) {
    throw refuse(
      'bad_signature',
      `grant is signed by a key this worker does not trust (kid ${JSON.stringify(kid)}); is ${GRANT_VERIFY_KEY_ENV} up to date?`,
      { kid },
    );
  }
  let failure: unknown;
  for (const key of keys) {
    try {
      const { payload } = await jwtVerify(grant, key, {
        algorithms: ['EdDSA'],
        issuer: GRANT_ISSUER,
        audience,
        clockTolerance,
        requiredClaims: ['sub', 'jti', 'iat', 'exp', 'key', 'digest'],
      });
      return payload;
    } catch (error) {
      failure = error;
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw explain(failure, audience, clockTolerance);
}

function explain(error: unknown, audience: string, tolerance: number): LedgerflowError {
  if (error instanceof errors.JWTExpired) {
    const exp = typeof error.payload.exp === 'number' ? new Date(error.payload.exp * 1000).toISOString() : 'unknown';
    return refuse(
      'expired',
      `grant expired at ${exp} (now ${new Date().toISOString()}, clock tolerance ${tolerance} s)`,
      { claim: 'exp', exp },
    );
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = error;
    const actual = payload[claim];
    if (reason === 'missing') return refuse('malformed', `grant lacks the required claim ${claim}`, { claim });
    if (claim === 'aud') {
      return refuse(
        'wrong_audience',
        `grant audience is ${JSON.stringify(actual)}, this worker serves ${JSON.stringify(audience)}`,
        { claim, expected: audience, actual },
      );
    }
    if (claim === 'iss') {
      return refuse(
        'wrong_issuer',
        `grant issuer is ${JSON.stringify(actual)}, expected ${JSON.stringify(GRANT_ISSUER)}`,
        { claim, expected: GRANT_ISSUER, actual },
      );
    }
    if (claim === 'nbf')
      return refuse('not_yet_valid', `grant is not valid before ${String(actual)} (clock tolerance ${tolerance} s)`, {
        claim,
        actual,
      });
    return refuse('malformed', `grant claim ${claim} is invalid (${reason})`, { claim, rule: reason });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse(
      'bad_signature',
      'grant signature does not verify against the policy service public key (forged, or signed by another key)',
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed)
    return refuse('wrong_algorithm', 'grant is not signed with EdDSA, the only algorithm accepted');
  if (error instanceof errors.JOSEError)
    return refuse('malformed', `grant is not a valid signed JWT (${error.code})`, { jose: error.code });
  return refuse('malformed', `grant could not be verified: ${error instanceof Error ? error.name : typeof error}`);
}

/** The claims a grant must carry about the step attempt, and the request values they must equal. */
function checkScope(payload: JWTPayload, request: GrantedRequest): GrantClaims {
  const expected: ReadonlyArray<readonly [claim: string, field: string, value: string | number]> = [
    ['tool', 'tool', request.tool],
    ['action', 'action', request.action],
    ['run', 'runId', request.runId],
    ['step', 'stepId', request.stepId],
    ['attempt', 'attempt', request.attempt],
  ];
  for (const [claim, field, value] of expected) {
    const actual = payload[claim];
    if (actual !== value) {
      throw refuse(
        'out_of_scope',
        `grant out of scope: claim ${claim} is ${actual === undefined ? 'absent' : JSON.stringify(actual)}, the request's ${field} is ${JSON.stringify(value)}`,
        { claim, expected: value, actual: actual ?? null },
      );
    }
  }
  return checkReplay(payload, request);
}

/** The grant's `key` and `digest` against the request's idempotency key(s) and the digest of its input. */
function checkReplay(payload: JWTPayload, request: GrantedRequest): GrantClaims {
  const keys = [
    ['body idempotencyKey', request.idempotencyKey],
    ['lf-idempotency-key header', request.idempotencyKeyHeader],
  ] as const;
  for (const [where, key] of keys) {
    if (key !== undefined && payload.key !== key) {
      throw refuse(
        'key_mismatch',
        `grant is for idempotency key ${JSON.stringify(payload.key)}, the request's ${where} is ${JSON.stringify(key)}`,
        {
          claim: 'key',
          expected: key,
          actual: payload.key ?? null,
        },
      );
    }
  }
  const digest = inputDigestOf(request.input);
  if (payload.digest !== digest) {
    throw refuse(
      'input_mismatch',
      `grant is for another input: claim digest is ${JSON.stringify(payload.digest)}, the received input digests to ${digest}`,
      {
        claim: 'digest',
        expected: digest,
        actual: payload.digest ?? null,
      },
    );
  }
  return payload as unknown as GrantClaims;
}
