import { headers as lfHeaders, subjects } from '@ledgerflow/contracts';
import type { JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import type { ErrorBody } from '@ledgerflow/contracts';

/** Headers a dead-lettered message carries on top of its original (non `Nats-*`) headers. */
export const deadLetterHeaders = {
  /** The subject the message was originally published on. */
  subject: 'lf-dlq-subject',
  stream: 'lf-dlq-stream',
  /** The message's sequence in its stream. */
  streamSequence: 'lf-dlq-stream-seq',
  consumer: 'lf-dlq-consumer',
  /** How many times it was delivered before it was given up. */
  deliveries: 'lf-dlq-deliveries',
  errorCode: lfHeaders.errorCode,
  /** The last handler error's message, on one line, at most 1024 characters. */
  errorMessage: 'lf-error-message',
} as const;

/** Default dead-letter subject of a durable consumer: `lf.dlq.<durable>`. */
export const defaultDeadLetterSubject = (durable: string): string => subjects.deadLetter(durable);

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ').slice(0, 1024);

/** Builds the dead-letter headers for `msg` that failed with `error`. */
export function deadLetterHeadersOf(msg: JsMsg, error: ErrorBody): MsgHdrs {
  const hdrs = natsHeaders();
  for (const [key, values] of msg.headers ?? []) {
    if (key.toLowerCase().startsWith('nats-')) continue;
    for (const value of values) hdrs.append(key, value);
  }
  hdrs.set(deadLetterHeaders.subject, msg.subject);
  hdrs.set(deadLetterHeaders.stream, msg.info.stream);
  hdrs.set(deadLetterHeaders.streamSequence, String(msg.seq));
  hdrs.set(deadLetterHeaders.consumer, msg.info.consumer);
  hdrs.set(deadLetterHeaders.deliveries, String(msg.info.deliveryCount));
  hdrs.set(deadLetterHeaders.errorCode, oneLine(error.code));
  hdrs.set(deadLetterHeaders.errorMessage, oneLine(error.message));
  return hdrs;
}

/**
 * Publishes `msg` (same body) on `subject` with {@link deadLetterHeaders} and waits until the server
 * has it (flush); core NATS, so a stream on `lf.dlq.>` stores it when one exists. Three tries.
 *
 * @throws the last connection error when every try fails.
 */
export async function publishDeadLetter(nc: NatsConnection, subject: string, msg: JsMsg, error: ErrorBody): Promise<void> {
  const hdrs = deadLetterHeadersOf(msg, error);
  let lastError: unknown;
  for (const waitMs of [0, 200, 1000]) {
    if (waitMs > 0) await new Promise((r) => setTimeout(r, waitMs));
    try {
      nc.publish(subject, msg.data, { headers: hdrs });
      await nc.flush();
      return;
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
