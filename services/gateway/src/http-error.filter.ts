import { Catch, HttpException } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { toErrorBody } from '@ledgerflow/messaging';
import type { ErrorBody } from '@ledgerflow/contracts';
import { STATUS_OF_CATEGORY, categoryOf } from './error-categories.js';

/**
 * `Retry-After` seconds (RFC 9110, section 10.2.3) of a retryable 503, by code: 1 s for a store or service that did
 * not answer (`store_unavailable`, `nats_timeout`, `nats_no_responders`, and any other retryable 503), 5 s for an
 * event newer than this release (a rolling upgrade replaces the older replicas in seconds, not at once).
 */
export const RETRY_AFTER_SECONDS: Readonly<Record<string, number>> = { event_version_unsupported: 5 };
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Codes answered under a public name: an event store refusal of an oversized event (a run input that grew past
 * `LEDGERFLOW_MAX_EVENT_BYTES` once its PII was tokenized) is a request too large, like an oversized body.
 */
const PUBLIC_CODE: Record<string, string> = {
  store_event_too_large: 'payload_too_large',
};

/**
 * Every error leaves the gateway as `{ error: { code, message, retryable, details? } }` with the status of its code's
 * category (error-categories.ts, docs/api.md "Errors"): 400 invalid request, 401 no valid credential, 403 a missing
 * scope / a service account where a person is needed / not a reviewer of the gate, 404 unknown resource, 409 the
 * resource's state refused the command (a rule of the run, an expected revision, an immutable version), 413 too
 * large, 415 a body that is not JSON, 422 content refused (run input, definition, policy pack), 503 a service, the
 * event store or the token issuer did not answer, or a stored event is newer than this release (retryable, with
 * `Retry-After`), 500 otherwise.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const { status, body } = toHttpError(exception);
    sendHttpError(host.switchToHttp().getResponse<ErrorResponse>(), status, body);
  }
}

/** The part of an express response an error answer uses. */
export interface ErrorResponse {
  setHeader(name: string, value: string): unknown;
  status(code: number): { json(body: unknown): void };
}

/** Seconds a client should wait before retrying, for a retryable 503; undefined for any other answer. */
export function retryAfterOf(status: number, body: ErrorBody): number | undefined {
  if (status !== 503 || !body.retryable) return undefined;
  return RETRY_AFTER_SECONDS[body.code] ?? DEFAULT_RETRY_AFTER_SECONDS;
}

/** Answers `{ error: body }` with `status`, and `Retry-After` on a retryable 503 ({@link retryAfterOf}). */
export function sendHttpError(response: ErrorResponse, status: number, body: ErrorBody): void {
  const retryAfter = retryAfterOf(status, body);
  if (retryAfter !== undefined) response.setHeader('Retry-After', String(retryAfter));
  response.status(status).json({ error: body });
}

export function toHttpError(exception: unknown): { status: number; body: ErrorBody } {
  // Nest wraps body-parser's errors in an HttpException whose `cause` is the original (type entity.*).
  const parserError = ((exception as { cause?: unknown } | null | undefined)?.cause ?? exception ?? {}) as {
    type?: string;
    message?: string;
  };
  if (parserError.type === 'entity.parse.failed') {
    return {
      status: 400,
      body: {
        code: 'message_malformed',
        message: `request body is not valid JSON: ${parserError.message}`,
        retryable: false,
      },
    };
  }
  if (parserError.type === 'entity.too.large') {
    return {
      status: 413,
      body: {
        code: 'payload_too_large',
        message: `request body exceeds the limit: ${parserError.message}`,
        retryable: false,
      },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      status,
      body: { code: status === 404 ? 'not_found' : 'http_error', message: exception.message, retryable: status >= 500 },
    };
  }
  const raw = toErrorBody(exception);
  const body = PUBLIC_CODE[raw.code] ? { ...raw, code: PUBLIC_CODE[raw.code] as string } : raw;
  return { status: STATUS_OF_CATEGORY[categoryOf(raw.code, raw.retryable)], body };
}
