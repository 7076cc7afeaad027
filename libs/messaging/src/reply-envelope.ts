import type { ErrorBody, Reply } from '@ledgerflow/contracts';
import { LedgerflowError, currentErrorCode } from '@ledgerflow/domain';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JSON bytes of `value`; `undefined` is sent as `null` so the receiver always gets valid JSON. */
export function encodeJson(value: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(value === undefined ? null : value));
}

/** @throws SyntaxError when `data` is not UTF-8 JSON (an empty body is not JSON). */
export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(decoder.decode(data)) as T;
}

const isErrorLike = (
  err: unknown,
): err is { code: string; message: string; retryable: boolean; details?: Record<string, unknown> } =>
  typeof err === 'object' &&
  err !== null &&
  typeof (err as { code?: unknown }).code === 'string' &&
  typeof (err as { retryable?: unknown }).retryable === 'boolean' &&
  typeof (err as { message?: unknown }).message === 'string';

/**
 * The wire error (`ErrorBody`) for anything a handler threw; the one mapping of every reply, dead letter and
 * HTTP error body. A `LedgerflowError`, or any value with a string `code` and `message` and a boolean
 * `retryable` (an `ErrorBody` received from another service), keeps those and its details when non-empty, in a
 * new plain object (no other property, no prototype: an `Error` passed through as-is would lose its `message`
 * in `JSON.stringify`). Anything else becomes `internal_error`, retryable (the fault is ours, not the
 * caller's request), with its message (`String(value)` for a non-Error; a placeholder when empty).
 * @example toErrorBody(new DomainError('run_not_running', 'run r1 is completed')) // { code: 'run_not_running', message: 'run r1 is completed', retryable: false }
 */
export function toErrorBody(err: unknown): ErrorBody {
  if (err instanceof LedgerflowError || isErrorLike(err)) {
    const details = err.details && Object.keys(err.details).length > 0 ? { details: err.details } : {};
    return { code: err.code, message: err.message, retryable: err.retryable, ...details };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal_error', message: message || 'handler failed without a message', retryable: true };
}

/**
 * The `LedgerflowError` a caller throws for an `{ ok: false }` reply. Its code as this release spells it
 * (`currentErrorCode`): a service not yet upgraded may still answer a dotted code such as `RUN.NOT_RUNNING`.
 */
export function errorFromBody(body: ErrorBody): LedgerflowError {
  return new LedgerflowError(currentErrorCode(body.code), body.message, body.retryable, body.details ?? {});
}

/** Checks the envelope shape of a decoded reply. */
export function isReply(value: unknown): value is Reply<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { ok?: unknown; value?: unknown; error?: unknown };
  if (v.ok === true) return 'value' in v;
  if (v.ok !== false || typeof v.error !== 'object' || v.error === null) return false;
  const e = v.error as Partial<ErrorBody>;
  return typeof e.code === 'string' && typeof e.message === 'string' && typeof e.retryable === 'boolean';
}
