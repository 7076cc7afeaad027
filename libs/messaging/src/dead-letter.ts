import { headers as lfHeaders, subjects } from '@ledgerflow/contracts';
import { JetStreamApiError, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import { InvalidArgumentError, headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';
import { encodeJson } from './reply-envelope.js';
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
 * The message id of a durable consumer's dead letter: `dlq-<stream>-<consumer>-<stream sequence>`. The same
 * delivery dead-lettered again (a retry after an unanswered ack) is stored once in `LF_DLQ` (its duplicate
 * window); two consumers giving up on one stream message each keep their own.
 */
export const deadLetterMsgId = (msg: JsMsg): string => `dlq-${msg.info.stream}-${msg.info.consumer}-${msg.seq}`;

/**
 * Publishes `msg` (same body) to JetStream on `subject` (`lf.dlq.<durable>`, stream `LF_DLQ`) with
 * {@link deadLetterHeaders} and message id {@link deadLetterMsgId}, and resolves once the stream has
 * acknowledged it: only then may the caller terminate the original. One try; the caller retries later
 * (the original is nakked, so nothing is lost).
 *
 * @throws what `js.publish` throws: `NoRespondersError` (no `LF_DLQ`), `TimeoutError` (no ack within the
 *   client's timeout, or disconnected), `JetStreamApiError` (the stream refused it, e.g. 10077 maximum
 *   messages exceeded under discard new). All are worth a retry.
 */
export async function publishDeadLetter(
  js: JetStreamClient,
  subject: string,
  msg: JsMsg,
  error: ErrorBody,
): Promise<void> {
  await js.publish(subject, msg.data, { headers: deadLetterHeadersOf(msg, error), msgID: deadLetterMsgId(msg) });
}

/** Headers of an event the relay could not publish to `LF_EVENTS` (see {@link deadLetterEvent}). */
export const relayDeadLetterHeaders = {
  /** The subject the event would have had (`lf.evt.<category>.<streamId>.<type>`). */
  subject: deadLetterHeaders.subject,
  /** The event store stream id (e.g. `run-<runId>`). */
  storeStream: 'lf-dlq-store-stream',
  /** The event's 0-based revision in its store stream. */
  revision: 'lf-dlq-store-revision',
  /** The event's global position in the store. */
  position: 'lf-dlq-store-position',
  eventId: 'lf-dlq-event-id',
  eventType: 'lf-dlq-event-type',
  /** Bytes of the event's message (body + headers) the relay tried to publish. */
  size: 'lf-dlq-event-bytes',
  /** `event`: the body is the `StoredEvent` JSON; `reference`: the event did not fit, the body is a {@link DeadLetterReference}. */
  body: 'lf-dlq-body',
  errorCode: deadLetterHeaders.errorCode,
  errorMessage: deadLetterHeaders.errorMessage,
} as const;

/** Body of a dead letter whose event did not fit: where to read it in the store. */
export interface DeadLetterReference {
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  /** Bytes of the message the relay tried to publish. */
  readonly size: number;
  readonly reason: ErrorBody;
}

/** What {@link deadLetterEvent} needs to know of the event; `body` is its message body as published. */
export interface UnpublishedEvent {
  readonly subject: string;
  readonly streamId: string;
  readonly revision: number;
  readonly position: number;
  readonly eventId: string;
  readonly type: string;
  readonly body: Uint8Array;
  readonly size: number;
}

/**
 * Puts an event the relay cannot publish into `LF_DLQ` on `subject` (JetStream publish, acknowledged; message
 * id `dlq-<eventId>` so a retry stores it once), with {@link relayDeadLetterHeaders}. The body is the event
 * itself when it fits under the server's `max_payload`, otherwise a {@link DeadLetterReference} (stream id,
 * revision, position, size): the event stays readable in the store and is never dropped silently.
 * @returns `'event'` or `'reference'`: what the dead letter carries.
 * @throws the publish error when even the reference cannot be stored (e.g. no `LF_DLQ`, timeout): retry.
 */
export async function deadLetterEvent(
  js: JetStreamClient,
  maxPayload: number,
  subject: string,
  event: UnpublishedEvent,
  reason: ErrorBody,
): Promise<'event' | 'reference'> {
  const hdrs = (body: 'event' | 'reference'): MsgHdrs => {
    const h = natsHeaders();
    const H = relayDeadLetterHeaders;
    for (const [key, value] of [
      [H.subject, event.subject],
      [H.storeStream, event.streamId],
      [H.revision, String(event.revision)],
      [H.position, String(event.position)],
      [H.eventId, event.eventId],
      [H.eventType, event.type],
      [H.size, String(event.size)],
      [H.body, body],
      [H.errorCode, oneLine(reason.code)],
      [H.errorMessage, oneLine(reason.message)],
    ] as const)
      h.set(key, oneLine(value));
    return h;
  };
  const msgID = `dlq-${event.eventId}`;
  const full = hdrs('event');
  if (event.body.length + headersBytes(full) <= maxPayload) {
    try {
      await js.publish(subject, event.body, { msgID, headers: full });
      return 'event';
    } catch (err) {
      if (!isPermanentPublishError(err)) throw err;
    }
  }
  const { subject: _s, body: _b, ...ref } = event;
  const reference: DeadLetterReference = { ...ref, reason };
  await js.publish(subject, encodeJson(reference), { msgID, headers: hdrs('reference') });
  return 'reference';
}

/**
 * JetStream API error codes that no retry fixes (nats-server `server/errors.json`): 10054 message size
 * exceeds the stream's maximum, 10097 headers exceed the maximum, 10060 expected stream does not match.
 */
const PERMANENT_JS_CODES = new Set([10054, 10097, 10060]);

/**
 * Whether a publish failed for good: the client refused a message over the server's `max_payload`, or
 * JetStream rejected it for a reason in {@link PERMANENT_JS_CODES}. No responders (no stream yet), timeouts
 * and connection errors are transient.
 */
export function isPermanentPublishError(err: unknown): boolean {
  if (err instanceof JetStreamApiError) return PERMANENT_JS_CODES.has(err.code);
  return err instanceof InvalidArgumentError && /max_payload/.test(err.message);
}

/** Encoded size of `hdrs` on the wire (`NATS/1.0\r\n`, one `key: value\r\n` per value, `\r\n`), in bytes. */
export function headersBytes(hdrs: MsgHdrs): number {
  let size = 'NATS/1.0\r\n\r\n'.length;
  for (const [key, values] of hdrs) for (const value of values) size += Buffer.byteLength(`${key}: ${value}\r\n`);
  return size;
}
