import { readStatusFile } from '@ledgerflow/supervisor';
import type { CliIo } from './command.js';
import { dataDirOf } from './start-layout.js';

/** The gateway a command talks to when `LEDGERFLOW_URL` is not set and no `ledgerflow start` instance is found. */
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8080';

/**
 * The gateway of a command: `LEDGERFLOW_URL`; else the one `ledgerflow start` runs on its data directory
 * (`LEDGERFLOW_DATA_DIR`, else `.data/ledgerflow`; read from its status file); else {@link DEFAULT_GATEWAY_URL}.
 */
export function gatewayUrlOf(env: Readonly<Record<string, string | undefined>>): string {
  if (env.LEDGERFLOW_URL) return env.LEDGERFLOW_URL.replace(/\/+$/, '');
  try {
    return readStatusFile(dataDirOf(undefined, env).statusFile).info.gatewayUrl ?? DEFAULT_GATEWAY_URL;
  } catch {
    return DEFAULT_GATEWAY_URL;
  }
}

/** How long one HTTP call may take, in milliseconds. */
const TIMEOUT_MS = 15_000;

/** A request body sent as is (e.g. a YAML definition), with its media type; any other body is sent as JSON. */
export class TextBody {
  constructor(
    readonly contentType: string,
    readonly text: string,
  ) {}
}

/**
 * One JSON call to the gateway ({@link gatewayUrlOf}) with the bearer token `token`,
 * else `LEDGERFLOW_TOKEN` (every endpoint but OpenAPI needs one: docs/security.md). Never throws: an unreachable gateway or an error answer is written to `io.err` (the server's error code
 * and message; a hint to set `LEDGERFLOW_TOKEN` on 401) and returns `{ ok: false }`; a success returns the
 * parsed JSON body (undefined when empty) and the response headers (e.g. `Link`).
 */
export async function callGateway(
  io: CliIo,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  token?: string,
): Promise<{ ok: true; value: unknown; headers: Headers } | { ok: false }> {
  const base = gatewayUrlOf(io.env);
  const bearer = token ?? io.env.LEDGERFLOW_TOKEN;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(body === undefined
          ? {}
          : { 'content-type': body instanceof TextBody ? body.contentType : 'application/json' }),
        ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      },
      ...(body === undefined ? {} : { body: body instanceof TextBody ? body.text : JSON.stringify(body) }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    io.err(
      `error: cannot reach the gateway at ${base} (set LEDGERFLOW_URL): ${cause?.code ?? cause?.message ?? (error as Error).message}\n`,
    );
    return { ok: false };
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const hint = response.status === 401 ? ' (set LEDGERFLOW_TOKEN to your bearer token)' : '';
    io.err(
      `error: HTTP ${response.status} ${error?.code ?? ''}: ${error?.message ?? (text || response.statusText)}${hint}\n`,
    );
    return { ok: false };
  }
  return { ok: true, value: parsed, headers: response.headers };
}
