import { SignJWT } from 'jose';
import type { Stack } from '@ledgerflow/testing';

/** A reviewer's bearer token signed with the stack's development secret; `claims` may carry `roles`/`teams`. */
export function reviewerToken(stack: Stack, reviewer: string, claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(reviewer).setIssuer(stack.authIssuer).setExpirationTime('10m')
    .sign(new TextEncoder().encode(stack.authSecret));
}

export async function http(stack: Stack, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & { error?: { code: string; message: string } } };
}

/** Polls until `probe` returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
