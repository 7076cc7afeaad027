import { signDevToken } from '@ledgerflow/auth';
import type { DevTokenClaims, TokenIssuerSettings } from '@ledgerflow/auth';

export type { DevTokenClaims, TokenIssuerSettings } from '@ledgerflow/auth';

/**
 * A bearer JWT (HS256) signed with a stack's local development key (`signDevToken` of libs/auth), as a human
 * `sub` with the given `scope`, `roles` and `teams` claims. For tests and the demo only.
 * @example const token = await devToken(stack, { sub: 'claims-lead', scopes: ['gates:decide'], roles: ['claims-lead'] });
 */
export const devToken = (settings: TokenIssuerSettings, claims: DevTokenClaims): Promise<string> =>
  signDevToken(settings, claims);

/** The subject and scopes of {@link authHeader}'s default token: a test operator holding `admin`. */
export const TEST_ADMIN: DevTokenClaims = { sub: 'ledgerflow-test', scopes: ['admin'] };

/**
 * `{ authorization: 'Bearer <jwt>' }` for a stack's gateway, by default as {@link TEST_ADMIN}.
 * @example await fetch(`${stack.gatewayUrl}/v1/runs`, { headers: await authHeader(stack) });
 */
export async function authHeader(
  settings: TokenIssuerSettings,
  claims: DevTokenClaims = TEST_ADMIN,
): Promise<{ authorization: string }> {
  return { authorization: `Bearer ${await devToken(settings, claims)}` };
}
