import { LedgerflowError } from '@ledgerflow/domain';
import {
  ClosedConnectionError,
  DrainingConnectionError,
  NoRespondersError,
  RequestError,
  TimeoutError,
} from '@nats-io/nats-core';

/**
 * Codes of the errors a NATS request answers (`mapRequestError`, `requestJson`): every one but `REPLY_MALFORMED`
 * (the responder broke the reply protocol) is a bus that did not carry the request or its reply.
 */
export const NatsErrorCodes = {
  TIMEOUT: 'NATS.TIMEOUT',
  NO_RESPONDERS: 'NATS.NO_RESPONDERS',
  CONNECTION_CLOSED: 'NATS.CONNECTION_CLOSED',
  REQUEST_FAILED: 'NATS.REQUEST_FAILED',
  REPLY_MALFORMED: 'NATS.REPLY_MALFORMED',
} as const;

/**
 * Maps a NATS client error from a request to a `LedgerflowError`:
 * - timeout -> `NATS.TIMEOUT` (retryable)
 * - no subscriber on the subject -> `NATS.NO_RESPONDERS` (retryable: a responder may start)
 * - connection closed or draining -> `NATS.CONNECTION_CLOSED` (not retryable on this connection)
 * - anything else (e.g. disconnected while waiting) -> `NATS.REQUEST_FAILED` (retryable)
 */
export function mapRequestError(err: unknown, subject: string, timeoutMs: number): LedgerflowError {
  if (err instanceof LedgerflowError) return err;
  const cause = err instanceof Error ? err.cause : undefined;
  if (err instanceof TimeoutError || cause instanceof TimeoutError) {
    return new LedgerflowError(NatsErrorCodes.TIMEOUT, `no reply on ${subject} within ${timeoutMs} ms`, true, {
      subject,
      timeoutMs,
    });
  }
  if (
    err instanceof NoRespondersError ||
    cause instanceof NoRespondersError ||
    (err instanceof RequestError && err.isNoResponders())
  ) {
    return new LedgerflowError(NatsErrorCodes.NO_RESPONDERS, `no service subscribes to ${subject}`, true, { subject });
  }
  if (err instanceof ClosedConnectionError || err instanceof DrainingConnectionError) {
    return new LedgerflowError(
      NatsErrorCodes.CONNECTION_CLOSED,
      `cannot request ${subject}: the NATS connection is closed or draining`,
      false,
      { subject },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LedgerflowError(NatsErrorCodes.REQUEST_FAILED, `request on ${subject} failed: ${message}`, true, {
    subject,
  });
}
