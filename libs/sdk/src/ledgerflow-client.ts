import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { LedgerflowError } from '@ledgerflow/domain';
import type { StartRunResult } from '@ledgerflow/contracts';

/** A run as `GET /v1/runs/{id}` returns it: at least its id and `status`; other fields as the gateway sends them. */
export interface RunView {
  readonly runId: string;
  readonly status: string;
  readonly [field: string]: unknown;
}

export interface LedgerflowClientOptions {
  /** Gateway address, e.g. `http://localhost:8080`. */
  readonly baseUrl: string;
  /** Bearer token sent with every request (a gate decision uses the reviewer's token instead). */
  readonly token?: string;
  /** `fetch` to use; default the global one. */
  readonly fetch?: typeof fetch;
}

/**
 * How {@link LedgerflowClient.sendWebhook} signs a delivery with the workflow's secret (docs/operations.md,
 * "Webhook signatures"): `standard-webhooks` with a `whsec_<base64>` secret, or `hmac-sha256` (GitHub style:
 * header default `X-Hub-Signature-256`, prefix default `sha256=`, idempotency header default `X-GitHub-Delivery`).
 */
export type WebhookSigning =
  | { readonly scheme: 'standard-webhooks'; readonly secret: string }
  | { readonly scheme: 'hmac-sha256'; readonly secret: string; readonly header?: string; readonly prefix?: string; readonly idempotencyHeader?: string };

/**
 * The headers that sign `body` (the exact bytes sent, as UTF-8) as delivery `id`: for Standard Webhooks
 * `webhook-id` (= `id`), `webhook-timestamp` (`timestamp` in whole seconds, default now) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`); for `hmac-sha256` the
 * signature header (`<prefix><hex HMAC-SHA256 of body>`) and the idempotency header (= `id`).
 * @throws Error when a Standard Webhooks secret is not `whsec_` + base64.
 * @example const headers = webhookSignatureHeaders(JSON.stringify(claim), 'claim-1', { scheme: 'standard-webhooks', secret });
 */
export function webhookSignatureHeaders(body: string, id: string, signing: WebhookSigning, timestamp: Date = new Date()): Record<string, string> {
  if (signing.scheme === 'standard-webhooks') {
    const seconds = Math.floor(timestamp.getTime() / 1000);
    return { 'webhook-id': id, 'webhook-timestamp': String(seconds), 'webhook-signature': new Webhook(signing.secret).sign(id, timestamp, body) };
  }
  const digest = createHmac('sha256', signing.secret).update(body, 'utf8').digest('hex');
  return { [signing.header ?? 'X-Hub-Signature-256']: `${signing.prefix ?? 'sha256='}${digest}`, [signing.idempotencyHeader ?? 'X-GitHub-Delivery']: id };
}

/** Run statuses after which nothing more happens (`waitForRun`'s default stop condition). */
export const TERMINAL_RUN_STATUSES: readonly string[] = ['completed', 'failed', 'cancelled'];

/**
 * A small HTTP client of the gateway's REST API (`/v1`). Every non-2xx answer throws a LedgerflowError
 * with the server's `{ error: { code, message, retryable?, details? } }` (`details.status` = HTTP status);
 * a body without that shape gives code `http_<status>`; a network failure gives `gateway_unreachable`
 * (retryable).
 */
export class LedgerflowClient {
  private readonly baseUrl: string;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: LedgerflowClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchFn = options.fetch ?? fetch;
  }

  /** `POST /v1/workflows/{id}/runs`: starts a run; the same idempotency key never starts a second one. */
  startRun(workflowId: string, input: unknown, options: { idempotencyKey?: string } = {}): Promise<StartRunResult> {
    const body = options.idempotencyKey === undefined ? { input } : { input, idempotencyKey: options.idempotencyKey };
    return this.request('POST', `/v1/workflows/${enc(workflowId)}/runs`, { body });
  }

  /**
   * `POST /v1/webhooks/{workflowId}`: delivers a trigger payload as its JSON, signed with `options.signing`
   * (see {@link webhookSignatureHeaders}; `idempotencyKey` is the delivery id, so a repeat never makes a
   * second run). No `signing`: sent with only an `Idempotency-Key` header, which the gateway refuses (401).
   * @throws LedgerflowError as any request: `webhook_signature_invalid`, `webhook_timestamp_stale`, ... (401).
   */
  sendWebhook(workflowId: string, payload: unknown, idempotencyKey: string, options: { signing?: WebhookSigning; timestamp?: Date } = {}): Promise<StartRunResult> {
    const body = JSON.stringify(payload);
    const headers = options.signing ? webhookSignatureHeaders(body, idempotencyKey, options.signing, options.timestamp) : { 'Idempotency-Key': idempotencyKey };
    return this.request('POST', `/v1/webhooks/${enc(workflowId)}`, { rawBody: body, headers });
  }

  /** `GET /v1/runs/{id}`. */
  getRun(runId: string): Promise<RunView> {
    return this.request('GET', `/v1/runs/${enc(runId)}`);
  }

  /** `GET /v1/runs`: the runs (a bare array, or the `runs` field of an object). */
  async listRuns(): Promise<RunView[]> {
    return listOf<RunView>(await this.request('GET', '/v1/runs'), 'runs');
  }

  /** `GET /v1/runs/{id}/events`: the run's events in order (a bare array, or the `events` field). */
  async getEvents(runId: string): Promise<Record<string, unknown>[]> {
    return listOf(await this.request('GET', `/v1/runs/${enc(runId)}/events`), 'events');
  }

  /** `GET /v1/runs/{id}/trace`: the run's trace as the gateway describes it. */
  getTrace(runId: string): Promise<Record<string, unknown>> {
    return this.request('GET', `/v1/runs/${enc(runId)}/trace`);
  }

  /** `POST /v1/gates/{gateId}/decision` as the reviewer whose bearer `token` is given. */
  decideGate(gateId: string, outcome: 'approve' | 'reject', options: { comment?: string; token: string }): Promise<Record<string, unknown>> {
    const body = options.comment === undefined ? { outcome } : { outcome, comment: options.comment };
    return this.request('POST', `/v1/gates/${enc(gateId)}/decision`, { body, token: options.token });
  }

  /**
   * Polls `GET /v1/runs/{id}` every `intervalMs` (default 200) until `until(run)` holds (default: a
   * terminal status, see {@link TERMINAL_RUN_STATUSES}) and returns that run.
   * @throws LedgerflowError `run_wait_timeout` (retryable) after `timeoutMs`, with the last status seen.
   */
  async waitForRun(runId: string, options: { timeoutMs: number; intervalMs?: number; until?: (run: RunView) => boolean }): Promise<RunView> {
    const until = options.until ?? ((run: RunView) => TERMINAL_RUN_STATUSES.includes(run.status));
    const deadline = Date.now() + options.timeoutMs;
    let last: RunView | undefined;
    for (;;) {
      last = await this.getRun(runId);
      if (until(last)) return last;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new LedgerflowError('run_wait_timeout', `run ${runId} did not reach the awaited state within ${options.timeoutMs} ms (last status: ${last.status})`, true, {
          runId, timeoutMs: options.timeoutMs, status: last.status,
        });
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(options.intervalMs ?? 200, left)));
    }
  }

  private async request<T>(
    method: string,
    path: string,
    init: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string } = {},
  ): Promise<T> {
    const token = init.token ?? this.options.token;
    const requestHeaders: Record<string, string> = { accept: 'application/json', ...init.headers };
    const sent = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    if (sent !== undefined) requestHeaders['content-type'] = 'application/json';
    if (token !== undefined) requestHeaders.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method, headers: requestHeaders, ...(sent === undefined ? {} : { body: sent }),
      });
    } catch (error) {
      throw new LedgerflowError('gateway_unreachable', `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`, true, { method, path });
    }
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) throw httpError(method, path, response.status, body, text);
    return body as T;
  }
}

const enc = encodeURIComponent;

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function httpError(method: string, path: string, status: number, body: unknown, text: string): LedgerflowError {
  const error = (body as { error?: { code?: unknown; message?: unknown; retryable?: unknown; details?: unknown } } | undefined)?.error;
  const defaultRetryable = status === 429 || status >= 500;
  if (error !== undefined && typeof error.code === 'string') {
    const details = typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : {};
    const message = typeof error.message === 'string' ? error.message : `${method} ${path} failed with HTTP ${status}`;
    const retryable = typeof error.retryable === 'boolean' ? error.retryable : defaultRetryable;
    return new LedgerflowError(error.code, message, retryable, { ...details, status, method, path });
  }
  const snippet = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  return new LedgerflowError(`http_${status}`, `${method} ${path} failed with HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}`, defaultRetryable, { status, method, path });
}

function listOf<T = Record<string, unknown>>(body: unknown, field: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const inner = (body as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(inner) ? (inner as T[]) : [];
}
