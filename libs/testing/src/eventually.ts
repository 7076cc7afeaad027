import { authHeader } from './tokens.js';
import type { TokenIssuerSettings } from './tokens.js';

/**
 * Polls until something holds, in one of two forms:
 * - `eventually(probe, timeoutMs = 20_000, what = 'condition', intervalMs = 50)`: calls `probe` until it returns a
 *   value other than undefined, and resolves to that value;
 * - `eventually(what, holds, timeoutMs = 10_000, intervalMs = 20)`: calls `holds` until it returns true.
 * @throws Error naming `what` once `timeoutMs` milliseconds have passed.
 * @example
 * const port = await eventually(async () => readPortFile(path), 5_000, 'the port file');
 * await eventually('two messages', () => received.length === 2, 5_000);
 */
export function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs?: number,
  what?: string,
  intervalMs?: number,
): Promise<T>;
export function eventually(
  what: string,
  holds: () => boolean | Promise<boolean>,
  timeoutMs?: number,
  intervalMs?: number,
): Promise<void>;
export async function eventually<T>(
  first: string | (() => Promise<T | undefined>),
  second?: number | (() => boolean | Promise<boolean>),
  third?: number | string,
  intervalMs?: number,
): Promise<T | void> {
  if (typeof first === 'string') {
    const holds = second as () => boolean | Promise<boolean>;
    await poll(
      async () => ((await holds()) ? true : undefined),
      (third as number | undefined) ?? 10_000,
      first,
      intervalMs ?? 20,
    );
    return;
  }
  return poll(
    first,
    (second as number | undefined) ?? 20_000,
    (third as string | undefined) ?? 'condition',
    intervalMs ?? 50,
  );
}

async function poll<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs: number,
): Promise<T> {
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
export async function startRunOverHttp(
  stack: TokenIssuerSettings & { readonly gatewayUrl: string },
  workflowId: string,
  body: unknown,
): Promise<string> {
  const response = await fetch(`${stack.gatewayUrl}/v1/workflows/${workflowId}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
    body: JSON.stringify(body),
  });
  if (response.status !== 202)
    throw new Error(`starting ${workflowId} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { runId: string }).runId;
}
