import type { ErrorBody, Reply } from '@ledgerflow/contracts';
import { headers as lfHeaders } from '@ledgerflow/contracts';
import { headers as natsHeaders, type Msg, type NatsConnection } from '@nats-io/nats-core';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { decodeJson, encodeJson, toErrorBody } from './reply-envelope.js';
import { extractTraceContext } from './trace-context.js';
import { messagingTracer, natsAttributes } from './tracing.js';

export interface ServeJsonOptions<Req, Res> {
  readonly subject: string;
  /** Queue group: each request goes to one member (e.g. the service name, or `tool.<tool>.<action>`). */
  readonly queue?: string;
  /**
   * Handles one request; runs inside the caller's trace context (a SERVER span). Throw a
   * `LedgerflowError` to reply `{ ok: false, error }` with its code; any other error replies
   * `internal_error` (retryable). Several requests run concurrently.
   */
  readonly handler: (req: Req, msg: Msg) => Promise<Res>;
}

export interface JsonServer {
  /** Stops taking requests, lets queued ones through, and resolves once every handler has replied. */
  stop(): Promise<void>;
}

/**
 * Serves JSON requests on `subject` with `Reply<Res>` envelopes. A body that is not JSON gets
 * `{ ok: false, error: { code: 'message_malformed', retryable: false } }` without calling the handler.
 * Error replies also carry the `lf-error-code` header. Messages without a reply subject are handled
 * and not answered.
 */
export function serveJson<Req, Res>(nc: NatsConnection, options: ServeJsonOptions<Req, Res>): JsonServer {
  const inFlight = new Set<Promise<void>>();
  const sub = nc.subscribe(options.subject, {
    ...(options.queue ? { queue: options.queue } : {}),
    callback: (err, msg) => {
      if (err) return;
      const done = handleOne(options, msg).finally(() => inFlight.delete(done));
      inFlight.add(done);
    },
  });
  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        if (!sub.isClosed()) await sub.drain().catch(() => undefined);
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      })();
      return stopping;
    },
  };
}

async function handleOne<Req, Res>(options: ServeJsonOptions<Req, Res>, msg: Msg): Promise<void> {
  let request: Req;
  try {
    request = decodeJson<Req>(msg.data);
  } catch (err) {
    respond(msg, {
      ok: false,
      error: {
        code: 'message_malformed',
        message: `request body on ${options.subject} is not valid JSON: ${(err as Error).message}`,
        retryable: false,
      },
    });
    return;
  }
  const parent = extractTraceContext(msg.headers, ROOT_CONTEXT);
  const span = messagingTracer().startSpan(
    `process ${options.subject}`,
    { kind: SpanKind.SERVER, attributes: natsAttributes(options.subject) },
    parent,
  );
  let reply: Reply<Res>;
  try {
    const value = await context.with(trace.setSpan(parent, span), () => options.handler(request, msg));
    reply = { ok: true, value: (value === undefined ? null : value) as Res };
  } catch (err) {
    const error = toErrorBody(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    span.setAttribute('error.type', error.code);
    reply = { ok: false, error };
  } finally {
    span.end();
  }
  respond(msg, reply);
}

function respond(msg: Msg, reply: Reply<unknown>): void {
  if (!msg.reply) return;
  let body: Uint8Array;
  try {
    body = encodeJson(reply);
  } catch (err) {
    reply = { ok: false, error: { code: 'internal_error', message: `reply value is not JSON-serializable: ${(err as Error).message}`, retryable: false } };
    body = encodeJson(reply);
  }
  const hdrs = reply.ok ? undefined : errorHeaders(reply.error);
  try {
    msg.respond(body, hdrs ? { headers: hdrs } : undefined);
  } catch {
    // The connection closed while the handler ran; the caller sees a timeout and may retry.
  }
}

function errorHeaders(error: ErrorBody) {
  const hdrs = natsHeaders();
  hdrs.set(lfHeaders.errorCode, error.code);
  return hdrs;
}
