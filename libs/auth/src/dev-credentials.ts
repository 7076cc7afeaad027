import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Scope } from '@ledgerflow/contracts';

/** What {@link signDevToken} signs with: a local HS256 key (`LEDGERFLOW_AUTH_SECRET`), issuer and audience. */
export interface TokenIssuerSettings {
  readonly authSecret: string;
  readonly authIssuer: string;
  readonly authAudience: string;
}

/** Claims of a development bearer token; `expiresIn` is a jose time span (default `10m`). */
export interface DevTokenClaims {
  readonly sub: string;
  readonly scopes?: readonly Scope[];
  readonly roles?: readonly string[];
  readonly teams?: readonly string[];
  readonly expiresIn?: string;
}

/**
 * A bearer JWT (HS256) signed with a local development key, for a human `sub` with `scope` (space-separated, RFC
 * 8693), `roles` and `teams` claims: what `ledgerflow token`, the demo and tests hand to the gateway. One machine only:
 * production verifies tokens of an OIDC provider (`LEDGERFLOW_AUTH_JWKS_URL`, docs/security.md).
 */
export function signDevToken(settings: TokenIssuerSettings, claims: DevTokenClaims): Promise<string> {
  const payload: Record<string, unknown> = {};
  if (claims.scopes) payload.scope = claims.scopes.join(' ');
  if (claims.roles) payload.roles = claims.roles;
  if (claims.teams) payload.teams = claims.teams;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(settings.authIssuer)
    .setAudience(settings.authAudience)
    .setIssuedAt()
    .setExpirationTime(claims.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(settings.authSecret));
}

/** An Ed25519 key pair as PEM strings: PKCS#8 (the signer's, e.g. step grants) and SPKI (the verifiers'). */
export interface Ed25519KeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** A fresh Ed25519 key pair (node:crypto), e.g. for step grants or stream anchors. */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
