import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { LedgerflowError } from '@ledgerflow/domain';
import { nextPageOf } from '@ledgerflow/contracts';
import type { StartRunResult } from '@ledgerflow/contracts';
import { TERMINAL_RUN_EVENT_TYPES, runUpdateOf, sseMessages } from './run-stream.js';
import type { RunUpdate } from './run-stream.js';

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
  | {
      readonly scheme: 'hmac-sha256';
      readonly secret: string;
      readonly header?: string;
      readonly prefix?: string;
      readonly idempotencyHeader?: string;
    };

/**
 * The headers that sign `body` (the exact bytes sent, as UTF-8) as delivery `id`: for Standard Webhooks
 * `webhook-id` (= `id`), `webhook-timestamp` (`timestamp` in whole seconds, default now) and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`); for `hmac-sha256` the
 * signature header (`<prefix><hex HMAC-SHA256 of body>`) and the idempotency header (= `id`).
 * @throws Error when a Standard Webhooks secret is not `whsec_` + base64.
 * @example const headers = webhookSignatureHeaders(JSON.stringify(claim), 'claim-1', { scheme: 'standard-webhooks', secret });
 */
export function webhookSignatureHeaders(
  body: string,
  id: string,
  signing: WebhookSigning,
  timestamp: Date = new Date(),
): Record<string, string> {
  if (signing.scheme === 'standard-webhooks') {
    const seconds = Math.floor(timestamp.getTime() / 1000);
    return {
      'webhook-id': id,
      'webhook-timestamp': String(seconds),
      'webhook-signature': new Webhook(signing.secret).sign(id, timestamp, body),
    };
  }
  const digest = createHmac('sha256', signing.secret).update(body, 'utf8').digest('hex');
  return {
    [signing.header ?? 'X-Hub-Signature-256']: `${signing.prefix ?? 'sha256='}${digest}`,
    [signing.idempotencyHeader ?? 'X-GitHub-Delivery']: id,
  };
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
  sendWebhook(
    workflowId: string,
    payload: unknown,
    idempotencyKey: string,
    options: { signing?: WebhookSigning; timestamp?: Date } = {},
  ): Promise<StartRunResult> {
    const body = JSON.stringify(payload);
    const headers = options.signing
      ? webhookSignatureHeaders(body, idempotencyKey, options.signing, options.timestamp)
      : { 'Idempotency-Key': idempotencyKey };
    return this.request('POST', `/v1/webhooks/${enc(workflowId)}`, { rawBody: body, headers });
  }

  /** `GET /v1/runs/{id}`. */
  getRun(runId: string): Promise<RunView> {
    return this.request('GET', `/v1/runs/${enc(runId)}`);
  }

  /**
   * `GET /v1/runs`: every run, newest first (a bare array, or the `runs` field of an object), reading the API's pages
   * of 1,000 runs one after the other by their `Link: <...>; rel="next"` header (docs/api.md).
   */
  listRuns(): Promise<RunView[]> {
    return this.everyPage<RunView>('/v1/runs?limit=1000', 'runs');
  }

  /**
   * `GET /v1/runs/{id}/events`: the run's events in revision order (a bare array, or the `events` field), every page
   * of 1,000 read one after the other by their `Link: <...>; rel="next"` header (docs/api.md, "Lists"); with
   * `after` (a revision, >= -1), only the events of a greater revision.
   * @throws LedgerflowError as any request: `run_not_found` (404), `request_invalid` (400, `after` not a revision).
   */
  getEvents(runId: string, options: { after?: number } = {}): Promise<Record<string, unknown>[]> {
    const after = options.after === undefined ? '' : `&after=${options.after}`;
    return this.everyPage(`/v1/runs/${enc(runId)}/events?limit=1000${after}`, 'events');
  }

  /** `GET /v1/runs/{id}/trace`: the run's trace as the gateway describes it. */
  getTrace(runId: string): Promise<Record<string, unknown>> {
    return this.request('GET', `/v1/runs/${enc(runId)}/trace`);
  }

  /** `POST /v1/gates/{gateId}/decision` as the reviewer whose bearer `token` is given. */
  decideGate(
    gateId: string,
    outcome: 'approve' | 'reject',
    options: { comment?: string; token: string },
  ): Promise<Record<string, unknown>> {
    const body = options.comment === undefined ? { outcome } : { outcome, comment: options.comment };
    return this.request('POST', `/v1/gates/${enc(gateId)}/decision`, { body, token: options.token });
  }

  /**
   * `GET /v1/runs/{id}/stream`: the run's updates as they are committed, as an async iterator. Without
   * `lastEventId` it starts with the run's first event; with it (a `position` already received), strictly after it.
   * It finishes after the run's terminal event (`RunCompleted`, `RunFailed`, `RunCancelled`), or at once when the
   * run had ended at or before `lastEventId`. A connection that drops before that is reopened once with
   * `Last-Event-ID` (and again after each reopened connection that delivered an update), so no update is lost or
   * repeated.
   * @throws LedgerflowError as any request before the stream starts (`run_not_found` 404, `request_invalid` 400,
   *   `stream_limit_reached` 503, `gateway_unreachable`); `stream_dropped` (retryable, details.lastEventId) when a
   *   reopened connection drops again with nothing received; `signal.reason` once `signal` aborts.
   * @example for await (const update of client.watchRun(runId)) console.log(update.position, update.type, update.status);
   */
  async *watchRun(
    runId: string,
    options: { lastEventId?: number | string; signal?: AbortSignal } = {},
  ): AsyncGenerator<RunUpdate> {
    const path = `/v1/runs/${enc(runId)}/stream`;
    let last = options.lastEventId === undefined ? undefined : String(options.lastEventId);
    let retried = false;
    for (;;) {
      const body = await this.openStream(path, last, options.signal);
      try {
        for await (const message of sseMessages(body, options.signal)) {
          const update = runUpdateOf(message);
          if (update === undefined) continue;
          if (message.id !== undefined) last = message.id;
          retried = false;
          yield update;
          if (TERMINAL_RUN_EVENT_TYPES.includes(update.type)) return;
        }
      } catch {
        // A dropped connection (handled below), unless the caller aborted.
        if (options.signal?.aborted) throw options.signal.reason;
      }
      // Ended without the terminal event: the run may have ended at or before `last`; otherwise the connection dropped.
      if (TERMINAL_RUN_STATUSES.includes((await this.getRun(runId)).status) && last !== undefined) {
        const rest = await this.getEvents(runId);
        if (!rest.some((event) => Number(event.position) > Number(last))) return;
      }
      if (retried) {
        throw new LedgerflowError(
          'stream_dropped',
          `the update stream of run ${runId} dropped twice in a row after position ${last ?? 'none'}`,
          true,
          { runId, lastEventId: last },
        );
      }
      retried = true;
    }
  }

  /**
   * Waits, over the run's update stream ({@link watchRun}), until `until(run)` holds for `GET /v1/runs/{id}`
   * (default: a terminal status, see {@link TERMINAL_RUN_STATUSES}) and returns that run. With the default,
   * the run is read once at the start and once after the terminal update; with `until`, after every update.
   * `intervalMs` is no longer used (it was the polling interval).
   * @throws LedgerflowError `run_wait_timeout` (retryable) after `timeoutMs`, with the last status seen;
   *   `run_ended` (not retryable) when the run ended without `until` holding; as {@link watchRun} otherwise.
   */
  async waitForRun(
    runId: string,
    options: { timeoutMs: number; intervalMs?: number; until?: (run: RunView) => boolean },
  ): Promise<RunView> {
    const until = options.until ?? ((run: RunView) => TERMINAL_RUN_STATUSES.includes(run.status));
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), options.timeoutMs);
    let status: string | undefined;
    try {
      let run = await this.getRun(runId);
      status = run.status;
      if (until(run)) return run;
      for await (const update of this.watchRun(runId, { signal: timeout.signal })) {
        status = update.status;
        if (options.until === undefined && !TERMINAL_RUN_STATUSES.includes(update.status)) continue;
        run = await this.getRun(runId);
        status = run.status;
        if (until(run)) return run;
      }
      run = await this.getRun(runId);
      if (until(run)) return run;
      throw new LedgerflowError(
        'run_ended',
        `run ${runId} ended (status: ${run.status}) without reaching the awaited state`,
        false,
        { runId, status: run.status },
      );
    } catch (error) {
      if (!timeout.signal.aborted) throw error;
      throw new LedgerflowError(
        'run_wait_timeout',
        `run ${runId} did not reach the awaited state within ${options.timeoutMs} ms (last status: ${status})`,
        true,
        {
          runId,
          timeoutMs: options.timeoutMs,
          status,
        },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Opens an SSE response (`accept: text/event-stream`, `Last-Event-ID` when resuming); errors as {@link request}. */
  private async openStream(
    path: string,
    lastEventId: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<ReadableStream<Uint8Array>> {
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.options.token !== undefined) headers.authorization = `Bearer ${this.options.token}`;
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method: 'GET',
        headers,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new LedgerflowError(
        'gateway_unreachable',
        `GET ${path}: ${error instanceof Error ? error.message : String(error)}`,
        true,
        { method: 'GET', path },
      );
    }
    if (!response.ok || response.body === null) {
      const text = await response.text();
      throw httpError('GET', path, response.status, parseJson(text), text);
    }
    return response.body;
  }

  /** The items of every page of the list at `path` (each a bare array, or its `field`), following `rel="next"`. */
  private async everyPage<T = Record<string, unknown>>(path: string, field: string): Promise<T[]> {
    const items: T[] = [];
    for (let next: string | undefined = path; next !== undefined;) {
      const page = await this.send('GET', next);
      items.push(...listOf<T>(page.body, field));
      next = nextPageOf(page.headers.get('link'));
    }
    return items;
  }

  private async request<T>(
    method: string,
    path: string,
    init: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string } = {},
  ): Promise<T> {
    return (await this.send(method, path, init)).body as T;
  }

  /** {@link request}, with the response's headers. */
  private async send(
    method: string,
    path: string,
    init: { body?: unknown; rawBody?: string; headers?: Record<string, string>; token?: string } = {},
  ): Promise<{ body: unknown; headers: Headers }> {
    const token = init.token ?? this.options.token;
    const requestHeaders: Record<string, string> = { accept: 'application/json', ...init.headers };
    const sent = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    if (sent !== undefined) requestHeaders['content-type'] = 'application/json';
    if (token !== undefined) requestHeaders.authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetchFn(`${this.baseUrl}${path}`, {
        method,
        headers: requestHeaders,
        ...(sent === undefined ? {} : { body: sent }),
      });
    } catch (error) {
      throw new LedgerflowError(
        'gateway_unreachable',
        `${method} ${path}: ${error instanceof Error ? error.message : String(error)}`,
        true,
        { method, path },
      );
    }
    const text = await response.text();
    const body = parseJson(text);
    if (!response.ok) throw httpError(method, path, response.status, body, text);
    return { body, headers: response.headers };
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
  const error = (
    body as { error?: { code?: unknown; message?: unknown; retryable?: unknown; details?: unknown } } | undefined
  )?.error;
  const defaultRetryable = status === 429 || status >= 500;
  if (error !== undefined && typeof error.code === 'string') {
    const details =
      typeof error.details === 'object' && error.details !== null ? (error.details as Record<string, unknown>) : {};
    const message = typeof error.message === 'string' ? error.message : `${method} ${path} failed with HTTP ${status}`;
    const retryable = typeof error.retryable === 'boolean' ? error.retryable : defaultRetryable;
    return new LedgerflowError(error.code, message, retryable, { ...details, status, method, path });
  }
  const snippet = text.length > 200 ? `${text.slice(0, 200)}...` : text;
  return new LedgerflowError(
    `http_${status}`,
    `${method} ${path} failed with HTTP ${status}${snippet === '' ? '' : `: ${snippet}`}`,
    defaultRetryable,
    { status, method, path },
  );
}

function listOf<T = Record<string, unknown>>(body: unknown, field: string): T[] {
  if (Array.isArray(body)) return body as T[];
  const inner = (body as Record<string, unknown> | undefined)?.[field];
  return Array.isArray(inner) ? (inner as T[]) : [];
}
