import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { headers, subjects, type ToolReply } from '@ledgerflow/contracts';
import type { ToolLogger } from './tool.types.js';

export interface CallResult {
  readonly reply: ToolReply;
  /** The `lf-error-code` header of the reply ('' when absent). */
  readonly errorCode: string;
}

/** Sends a tool request the way the executor does and decodes the reply. */
export async function callTool(
  nc: NatsConnection,
  tool: string,
  action: string,
  body: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<CallResult> {
  const h = natsHeaders();
  for (const [key, value] of Object.entries(extraHeaders)) h.set(key, value);
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  const msg = await nc.request(subjects.tool(tool, action), payload, { timeout: 5_000, headers: h });
  return { reply: msg.json<ToolReply>(), errorCode: msg.headers?.get(headers.errorCode) ?? '' };
}

/** A tool request for run `run-1`, step `stepId`, attempt 1, idempotency key `run-1/<stepId>/1`. */
export function toolRequest(stepId: string, input: unknown, attempt = 1): Record<string, unknown> {
  return { runId: 'run-1', stepId, attempt, idempotencyKey: `run-1/${stepId}/${attempt}`, input };
}

/** A promise with its resolver, to hold a handler until the test lets it go. */
export function latch(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A logger that keeps its lines (to assert on warnings) instead of printing them. */
export function keptLogger(): ToolLogger & { readonly lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const keep = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, info: keep('info'), warn: keep('warn'), error: keep('error') };
}

/**
 * Options of a worker that serves without grant verification, switched off explicitly (specs of parsing,
 * dedupe and tracing, where grants are not the subject); its start warning goes to a kept logger.
 */
export const unverified = () => ({ grants: 'disabled' as const, logger: keptLogger() });
