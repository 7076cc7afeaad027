import { SignJWT } from 'jose';
import type { Scope } from '@ledgerflow/contracts';

/** What {@link devToken} signs: the stack's local key, issuer and audience. */
export interface TokenIssuerSettings {
  readonly authSecret: string;
  readonly authIssuer: string;
  readonly authAudience: string;
}

/** Claims of a test or demo bearer token; `expiresIn` is a jose time span (default `10m`). */
export interface DevTokenClaims {
  readonly sub: string;
  readonly scopes?: readonly Scope[];
  readonly roles?: readonly string[];
  readonly teams?: readonly string[];
  readonly expiresIn?: string;
}

/**
 * A bearer JWT (HS256) signed with a stack's local development key, as a human `sub` with the given
 * `scope` (space-separated, RFC 8693), `roles` and `teams` claims. For tests and the demo only.
 * @example const token = await devToken(stack, { sub: 'claims-lead', scopes: ['gates:decide'], roles: ['claims-lead'] });
 */
export function devToken(settings: TokenIssuerSettings, claims: DevTokenClaims): Promise<string> {
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

/** The subject and scopes of {@link authHeader}'s default token: a test operator holding `admin`. */
export const TEST_ADMIN: DevTokenClaims = { sub: 'ledgerflow-test', scopes: ['admin'] };

/**
 * `{ authorization: 'Bearer <jwt>' }` for a stack's gateway, by default as {@link TEST_ADMIN}.
 * @example await fetch(`${stack.gatewayUrl}/v1/runs`, { headers: await authHeader(stack) });
 */
export async function authHeader(settings: TokenIssuerSettings, claims: DevTokenClaims = TEST_ADMIN): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await devToken(settings, claims)}` };
}
