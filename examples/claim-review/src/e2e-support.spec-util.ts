import { join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import type { Stack } from '@ledgerflow/testing';
import { authHeader, devToken, repoRoot } from '@ledgerflow/testing';

export interface SampleClaim {
  claimId: string;
  amount: number;
  [field: string]: unknown;
}

export function sampleClaims(): SampleClaim[] {
  const dir = join(repoRoot(), 'examples', 'claim-review', 'claims');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as SampleClaim);
}

/** A reviewer's bearer token (scopes `gates:decide`, `runs:read`) signed with the stack's development key. */
export function reviewerToken(stack: Stack, reviewer: string): Promise<string> {
  return devToken(stack, { sub: reviewer, scopes: ['gates:decide', 'runs:read'] });
}

export async function http(
  stack: Stack,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    // Without an authorization header of its own, the call is made as the test operator (scope admin).
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...('authorization' in headers ? {} : await authHeader(stack)),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text
      ? (JSON.parse(text) as Record<string, unknown> & { error?: { code: string; message: string } })
      : undefined,
  };
}

/** Polls until `probe` returns a value (not undefined) or the timeout passes (one helper for every e2e suite). */
export { eventually } from '@ledgerflow/testing';
