import { Catch, HttpException } from '@nestjs/common';
import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { toErrorBody } from '@ledgerflow/messaging';
import type { ErrorBody } from '@ledgerflow/contracts';

const STATUS_BY_CODE: Record<string, number> = {
  message_malformed: 400,
  request_invalid: 400,
  payload_too_deep: 400,
  unsupported_media_type: 415,
  input_invalid: 422,
  payload_too_large: 413,
  'STORE.EVENT_TOO_LARGE': 413,
  idempotency_key_missing: 400,
  // Same Idempotency-Key, another body: the key already started a run with a different input (docs/operations.md).
  idempotency_key_reused: 422,
  unauthorized: 401,
  forbidden: 403,
  // The run's audit chain does not verify: nothing is appended to it until an operator has looked (docs/operations.md).
  integrity_failed: 409,
  human_required: 403,
  auth_unavailable: 503,
  service_account_not_found: 404,
  subscription_not_found: 404,
  service_account_revoked: 409,
  webhook_not_configured: 401,
  webhook_signature_missing: 401,
  webhook_signature_invalid: 401,
  webhook_timestamp_stale: 401,
  webhook_idempotency_key_mismatch: 400,
  webhook_body_not_json: 415,
  workflow_unknown: 404,
  // A workflow definition refused at registration (docs/definitions.md): field and rule in details; nothing appended.
  definition_invalid: 422,
  // Versions are immutable: the same version with other content (docs/definitions.md).
  workflow_version_exists: 409,
  // A policy pack version refused at registration (docs/policies.md): field, rule, file:line:column; nothing appended.
  policy_pack_invalid: 422,
  policy_pack_version_exists: 409,
  policy_pack_unknown: 404,
  run_not_found: 404,
  gate_not_found: 404,
  'RUN.GATE_NOT_FOUND': 404,
  'RUN.REVIEWER_NOT_NAMED': 403,
  'RUN.ACTOR_CANNOT_DECIDE': 403,
  'RUN.GATE_ALREADY_DECIDED': 409,
  'RUN.DECISION_INVALID': 400,
  'NATS.TIMEOUT': 503,
  'NATS.NO_RESPONDERS': 503,
  // The event store stayed locked or unreachable (retryable): the service is unavailable, the request was fine.
  'STORE.UNAVAILABLE': 503,
  // A stored event has a newer schemaVersion than this release reads (docs/events.md, "Versions and upcasting"): the
  // request was fine, this gateway (or the service that answered) is older than the data; a newer replica reads it.
  event_version_unsupported: 503,
};

/**
 * `Retry-After` seconds (RFC 9110, section 10.2.3) of a retryable 503, by code: 1 s for a store or service that did
 * not answer (`STORE.UNAVAILABLE`, `NATS.TIMEOUT`, `NATS.NO_RESPONDERS`, and any other retryable 503), 5 s for an
 * event newer than this release (a rolling upgrade replaces the older replicas in seconds, not at once).
 */
export const RETRY_AFTER_SECONDS: Readonly<Record<string, number>> = { event_version_unsupported: 5 };
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/**
 * Codes answered under a public name: an event store refusal of an oversized event (a run input that grew past
 * `LEDGERFLOW_MAX_EVENT_BYTES` once its PII was tokenized) is a request too large, like an oversized body.
 */
const PUBLIC_CODE: Record<string, string> = {
  'STORE.EVENT_TOO_LARGE': 'payload_too_large',
};

/**
 * Every error leaves the gateway as `{ error: { code, message, retryable, details? } }` with a status
 * from its code: 400 malformed/invalid request (a bad path parameter, a body nested too deep), 401 no valid
 * credential, 403 a missing scope, a service account where a person is needed or not a reviewer of the gate,
 * 404 unknown workflow/run/gate, 409 a rule of the run refused the command, 413 payload too large, 415 a body
 * that is not JSON, 422 run input failing the workflow's inputSchema, 503 a service did not answer, the event
 * store was unavailable or a stored event is newer than this release (retryable, with `Retry-After`), 500 otherwise.
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
  const status =
    STATUS_BY_CODE[body.code] ??
    (body.code.startsWith('RUN.') || body.code.startsWith('plan_') ? 409 : body.code === 'internal_error' ? 500 : 400);
  return { status, body };
}
