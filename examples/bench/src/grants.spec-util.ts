import { createPrivateKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { SignJWT } from 'jose';
import { inputDigestOf } from '@ledgerflow/audit';
import { GRANT_ISSUER, grantAudience, headers, subjects, type ToolReply } from '@ledgerflow/contracts';
import { stepIdempotencyKey } from '@ledgerflow/domain';
import { readLines } from './tools.js';

/** The step attempt, tool action and input a grant is for. */
export interface GrantScope {
  readonly run: string;
  readonly step: string;
  readonly attempt: number;
  readonly tool: string;
  readonly action: string;
  readonly input: unknown;
}

/** The private key of a PKCS#8 PEM (the stack's signing key), or a fresh Ed25519 key nobody trusts. */
export const signingKey = (pkcs8Pem?: string): KeyObject =>
  pkcs8Pem === undefined ? generateKeyPairSync('ed25519').privateKey : createPrivateKey(pkcs8Pem);

/**
 * Signs a grant the way the policy service does: EdDSA, issuer, audience `lf.tool.<tool>.<action>`, `key`
 * the attempt's idempotency key, `digest` the input's, `ttlSeconds` from `issuedAt`.
 */
export async function signGrant(
  key: KeyObject,
  scope: GrantScope,
  options: { issuedAt?: number; ttlSeconds?: number } = {},
): Promise<string> {
  const iat = options.issuedAt ?? Math.floor(Date.now() / 1000);
  const { input, ...claims } = scope;
  const bound = { key: stepIdempotencyKey(scope.run, scope.step, scope.attempt), digest: inputDigestOf(input) };
  return new SignJWT({ ...claims, ...bound, jti: randomUUID(), sub: 'recorder' })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setIssuer(GRANT_ISSUER)
    .setAudience(grantAudience(scope.tool, scope.action))
    .setIssuedAt(iat)
    .setExpirationTime(iat + (options.ttlSeconds ?? 300))
    .sign(key);
}

/**
 * Calls a tool action directly over NATS (bypassing executor and policy), with `grant` in `lf-grant` when
 * given and the body's idempotency key in `lf-idempotency-key`, as the executor sends them.
 */
export async function callToolDirectly(
  nc: NatsConnection,
  tool: string,
  action: string,
  body: unknown,
  grant?: string,
): Promise<{ reply: ToolReply; errorCode: string }> {
  const h = natsHeaders();
  if (grant !== undefined) h.set(headers.grant, grant);
  const key = (body as { idempotencyKey?: unknown }).idempotencyKey;
  if (typeof key === 'string') h.set(headers.idempotencyKey, key);
  const msg = await nc.request(subjects.tool(tool, action), JSON.stringify(body), { timeout: 10_000, headers: h });
  return { reply: msg.json<ToolReply>(), errorCode: msg.headers?.get(headers.errorCode) ?? '' };
}

/** Ledger lines and handler calls of `bench.record` for one run (see tools.ts). */
export function recordedFor(
  ledger: string,
  runId: string,
): { applied: Array<Record<string, unknown>>; calls: Array<Record<string, unknown>> } {
  const ofRun = (line: Record<string, unknown>) => String(line.idempotencyKey).startsWith(`${runId}/`);
  return { applied: readLines(ledger).filter(ofRun), calls: readLines(`${ledger}.calls`).filter(ofRun) };
}
