import { authHeader } from './tokens.js';
import type { TokenIssuerSettings } from './tokens.js';

/**
 * Polls `probe` every `intervalMs` (default 50) until it returns a value other than undefined, and resolves to it.
 * @throws Error naming `what` after `timeoutMs` (default 20,000) milliseconds.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000, what = 'condition', intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * Starts a run through the gateway (`POST /v1/workflows/{workflowId}/runs` with `body`) as the test operator.
 * @throws Error with the status and body when the gateway does not answer 202.
 */
export async function startRunOverHttp(stack: TokenIssuerSettings & { readonly gatewayUrl: string }, workflowId: string, body: unknown): Promise<string> {
  const response = await fetch(`${stack.gatewayUrl}/v1/workflows/${workflowId}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`starting ${workflowId} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { runId: string }).runId;
}
