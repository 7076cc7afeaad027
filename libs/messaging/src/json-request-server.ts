import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import type { Span } from '@opentelemetry/api';
import type { Reply } from '@ledgerflow/contracts';
import { ValidationError } from '@ledgerflow/domain';
import { toErrorBody } from './reply-envelope.js';
import { withRequestSpan } from './request-span.js';

/** Answers one request: its parsed body (an empty body reads as `{}`) in, the reply's `value` out; throw to refuse. */
export type JsonRequestHandler = (body: unknown, span: Span) => unknown;

/** Options of {@link serveJsonRequests}. */
export interface JsonRequestServerOptions {
  /** The queue group every subject is served in (a service's name: one replica answers each request). */
  readonly queue: string;
  /** One handler per subject. */
  readonly handlers: Readonly<Record<string, JsonRequestHandler>>;
  /** Told when a subscription fails or a reply cannot be sent (the caller times out and asks again). */
  readonly onError: (message: string, reason: string) => void;
}

/** Subscriptions of {@link serveJsonRequests}. */
export interface JsonRequestServer {
  /** Stops taking requests (drains the subscriptions) and waits until those in progress have replied. */
  stop(): Promise<void>;
}

const utf8 = new TextDecoder();

/**
 * Serves request/reply subjects on plain NATS subscriptions, with the wire format of the services' Nest transport
 * (`JsonRequestDeserializer`/`JsonReplySerializer` of @ledgerflow/service-runtime, docs/subjects.md): the body is the
 * request itself, the reply `{"ok":true,"value":...}` or `{"ok":false,"error":ErrorBody}` (`toErrorBody`), without
 * headers; a message without a reply subject is not answered. Each request runs in its span (`withRequestSpan`:
 * `process <subject>`, kind CONSUMER, child of the caller's). For what Nest's transport cannot do: answer on the
 * hottest subjects without its per-request cost, or subscribe and unsubscribe at run time (e.g. only while a lease
 * is held). Resolves once the server has the subscriptions.
 * A body that is not JSON is refused with `message_malformed` (`ValidationError`, not retryable).
 * @example
 * const server = await serveJsonRequests(nc, { queue: 'memory', handlers: { 'lf.memory.insights': insightsOf }, onError });
 * await server.stop();
 */
export async function serveJsonRequests(
  nc: NatsConnection,
  options: JsonRequestServerOptions,
): Promise<JsonRequestServer> {
  const inFlight = new Set<Promise<void>>();
  const serve = async (msg: Msg, handler: JsonRequestHandler): Promise<void> => {
    let reply: Reply<unknown>;
    try {
      const value = await withRequestSpan(msg, { consumerGroup: options.queue }, (span) => handler(bodyOf(msg), span));
      reply = { ok: true, value: value ?? null };
    } catch (error) {
      reply = { ok: false, error: toErrorBody(error) };
    }
    try {
      msg.respond(JSON.stringify(reply));
    } catch (error) {
      options.onError(`${msg.subject} reply not sent`, (error as Error).message);
    }
  };
  const subscriptions: Subscription[] = Object.entries(options.handlers).map(([subject, handler]) =>
    nc.subscribe(subject, {
      queue: options.queue,
      callback: (error, msg) => {
        if (error !== null) return options.onError(`${subject} subscription failed`, error.message);
        if (!msg.reply) return;
        const job = serve(msg, handler).finally(() => inFlight.delete(job));
        inFlight.add(job);
      },
    }),
  );
  await nc.flush();
  return {
    async stop() {
      await Promise.all(subscriptions.filter((s) => !s.isClosed()).map((s) => s.drain().catch(() => undefined)));
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * The parsed body (an empty one reads as `{}`, as the Nest transport reads it).
 * @throws ValidationError `message_malformed` (`request body is not valid JSON: <reason>`, validateBody's wording).
 */
function bodyOf(msg: Msg): unknown {
  if (msg.data.length === 0) return {};
  try {
    return JSON.parse(utf8.decode(msg.data)) as unknown;
  } catch (error) {
    throw new ValidationError('message_malformed', `request body is not valid JSON: ${(error as Error).message}`);
  }
}
