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
  TIMEOUT: 'nats_timeout',
  NO_RESPONDERS: 'nats_no_responders',
  CONNECTION_CLOSED: 'nats_connection_closed',
  REQUEST_FAILED: 'nats_request_failed',
  REPLY_MALFORMED: 'nats_reply_malformed',
} as const;

/**
 * Maps a NATS client error from a request to a `LedgerflowError`:
 * - timeout -> `nats_timeout` (retryable)
 * - no subscriber on the subject -> `nats_no_responders` (retryable: a responder may start)
 * - connection closed or draining -> `nats_connection_closed` (not retryable on this connection)
 * - anything else (e.g. disconnected while waiting) -> `nats_request_failed` (retryable)
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
