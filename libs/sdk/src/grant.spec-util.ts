import { generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { inputDigestOf } from '@ledgerflow/audit';
import { GRANT_ISSUER, grantAudience } from '@ledgerflow/contracts';

/** An Ed25519 key pair, with the public key also as SPKI PEM (what workers are configured with). */
export interface TestGrantKeys {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
}

export function testGrantKeys(): TestGrantKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** The step attempt, tool action and input a grant is for; its `key` is `<run>/<step>/<attempt>`, its `digest` the input's. */
export interface GrantScope {
  readonly run: string;
  readonly step: string;
  readonly attempt: number;
  readonly tool: string;
  readonly action: string;
  readonly input: unknown;
}

/**
 * Signs a grant the way the policy service does (EdDSA, `iss`, `aud` = `lf.tool.<tool>.<action>`, `key`
 * and `digest` of the scope), valid for `ttlSeconds` (default 300) from `issuedAt` (seconds, default now).
 * `claims` overrides or, with `undefined`, removes claims; `kid` goes in the protected header.
 */
export async function signTestGrant(
  privateKey: KeyObject,
  scope: GrantScope,
  options: { ttlSeconds?: number; issuedAt?: number; claims?: Record<string, unknown>; kid?: string } = {},
): Promise<string> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const { input, ...claims } = scope;
  const payload: Record<string, unknown> = {
    iss: GRANT_ISSUER,
    aud: grantAudience(scope.tool, scope.action),
    sub: 'agent-1',
    jti: randomUUID(),
    iat,
    exp: iat + (options.ttlSeconds ?? 300),
    ...claims,
    key: `${scope.run}/${scope.step}/${scope.attempt}`,
    digest: inputDigestOf(input),
    ...options.claims,
  };
  for (const key of Object.keys(payload)) if (payload[key] === undefined) delete payload[key];
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', ...(options.kid === undefined ? {} : { kid: options.kid }) })
    .sign(privateKey);
}
