import { LedgerflowError } from '@ledgerflow/domain';
import type { ErrorBody } from '@ledgerflow/contracts';

/**
 * Maps anything thrown by a handler to the wire error shape. A `LedgerflowError` keeps its code,
 * message, retryable flag and details; an `ErrorBody`-shaped object passes through; anything else is
 * `internal_error` (retryable: the fault is ours, not the caller's request).
 */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof LedgerflowError) {
    return { code: error.code, message: error.message, retryable: error.retryable, details: error.details };
  }
  if (isErrorBody(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal_error', message, retryable: true };
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string' &&
    typeof (value as ErrorBody).retryable === 'boolean'
  );
}
