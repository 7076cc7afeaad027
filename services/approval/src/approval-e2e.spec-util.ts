import { authHeader, devToken } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

/** A reviewer's bearer token (scope `gates:decide`) signed with the stack's development key, with optional `roles`/`teams`. */
export function reviewerToken(
  stack: Stack,
  reviewer: string,
  claims: { roles?: string[]; teams?: string[] } = {},
): Promise<string> {
  return devToken(stack, { sub: reviewer, scopes: ['gates:decide'], ...claims });
}

/** A call to the gateway with `token`, else as the test operator (scope admin). */
export async function http(stack: Stack, method: string, path: string, body?: unknown, token?: string) {
  const response = await fetch(`${stack.gatewayUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : await authHeader(stack)),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as Record<string, unknown> & {
      error?: { code: string; message: string };
    },
  };
}

/** Polls until `probe` returns a value (not undefined) or the timeout passes (one helper for every e2e suite). */
export { eventually } from '@ledgerflow/testing';
