import type { LedgerflowError } from '@ledgerflow/domain';

/**
 * The error `promise` rejects with, for assertions on its code and details.
 * @throws Error when the promise resolves, or rejects with something that has no string `code` (not a Ledgerflow error).
 * @example expect((await rejectionOf(starter.start(trigger))).code).toBe('idempotency_key_reused');
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<LedgerflowError> {
  let error: unknown;
  try {
    await promise;
  } catch (caught) {
    error = caught;
  }
  if (error === undefined) throw new Error('expected a rejection, the promise resolved');
  if (typeof (error as { code?: unknown }).code !== 'string')
    throw new Error(`expected a Ledgerflow error with a code, got ${String(error)}`);
  return error as LedgerflowError;
}
