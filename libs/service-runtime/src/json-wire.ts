import type { Deserializer, IncomingEvent, IncomingRequest, Serializer, WritePacket } from '@nestjs/microservices';
import type { Msg } from '@nats-io/nats-core';
import type { ErrorBody } from '@ledgerflow/contracts';
import { toErrorBody } from '@ledgerflow/messaging';

/** Marks a request body that was not valid JSON; the RPC filter turns it into a `message_malformed` reply. */
export const MALFORMED_BODY = Symbol('ledgerflow.malformed-body');
export interface MalformedBody {
  readonly [MALFORMED_BODY]: string;
}

let requestSequence = 0;

/**
 * Reads a plain JSON NATS message into Nest's packet shape, so services are called with the same wire
 * format as every other Ledgerflow endpoint (`docs/subjects.md`): the body is the request itself, not
 * Nest's `{pattern, data, id}` envelope. A message with a reply subject is a request; one without is an event.
 */
export class JsonRequestDeserializer implements Deserializer<Msg, IncomingRequest | IncomingEvent> {
  deserialize(message: Msg, options?: Record<string, unknown>): IncomingRequest | IncomingEvent {
    const pattern = (options?.channel as string | undefined) ?? message.subject;
    let data: unknown;
    try {
      data = message.data.length === 0 ? {} : message.json();
    } catch (error) {
      data = { [MALFORMED_BODY]: (error as Error).message } satisfies MalformedBody;
    }
    if (!message.reply) return { pattern, data };
    requestSequence = (requestSequence + 1) % Number.MAX_SAFE_INTEGER;
    return { pattern, data, id: String(requestSequence) };
  }
}

/** Writes Nest's reply packet as the `Reply<T>` envelope: `{ok: true, value}` or `{ok: false, error}`. */
export class JsonReplySerializer implements Serializer<WritePacket, { data: string; headers?: undefined }> {
  serialize(packet: WritePacket): { data: string } {
    if (packet.err !== undefined && packet.err !== null) {
      const error: ErrorBody = toErrorBody(packet.err);
      return { data: JSON.stringify({ ok: false, error }) };
    }
    return { data: JSON.stringify({ ok: true, value: packet.response ?? null }) };
  }
}
