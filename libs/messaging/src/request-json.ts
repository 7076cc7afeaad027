import { LedgerflowError } from '@ledgerflow/domain';
import { headers as natsHeaders, type NatsConnection } from '@nats-io/nats-core';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { mapRequestError } from './nats-errors.js';
import { decodeJson, encodeJson, errorFromBody, isReply } from './reply-envelope.js';
import { headers } from '@ledgerflow/contracts';
import { SpanAttr, injectTraceContext } from '@ledgerflow/telemetry';
import { messagingSpanName, messagingTracer, natsAttributes } from './tracing.js';

export interface RequestJsonOptions {
  /** How long to wait for the reply, in milliseconds. */
  readonly timeoutMs: number;
  /** Extra headers, e.g. `{ 'lf-run-id': runId }`; trace context is added on top. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Sends `body` as JSON on `subject` and waits for a `Reply<T>` envelope, inside a CLIENT span
 * `request <subject template>` (`messaging.operation.type` `send`, the concrete subject in
 * `messaging.destination.name`, `ledgerflow.run.id` from an `lf-run-id` header) whose context travels in the
 * request headers (`traceparent`/`tracestate`).
 *
 * @returns the reply's `value`.
 * @throws LedgerflowError with the reply's code, message, retryable flag and details on `{ ok: false }`;
 *   `nats_timeout` / `nats_no_responders` (retryable) when no reply comes; `nats_reply_malformed`
 *   when the reply is not a JSON envelope.
 * @example
 * const decision = await requestJson<PolicyDecision>(nc, subjects.policyEvaluate, req, { timeoutMs: 2000 });
 */
export async function requestJson<T>(
  nc: NatsConnection,
  subject: string,
  body: unknown,
  options: RequestJsonOptions,
): Promise<T> {
  const parent = context.active();
  const data = encodeJson(body);
  const span = messagingTracer().startSpan(messagingSpanName('request', subject), { kind: SpanKind.CLIENT }, parent);
  // Attributes only for a recording span (none while tracing is off: a per-request cost saved).
  if (span.isRecording()) {
    span.setAttributes(natsAttributes(subject, 'send', 'request', { bodySize: data.length }));
    const runId = options.headers?.[headers.runId];
    if (runId) span.setAttribute(SpanAttr.runId, runId);
  }
  try {
    const hdrs = natsHeaders();
    for (const [key, value] of Object.entries(options.headers ?? {})) hdrs.set(key, value);
    injectTraceContext(hdrs, trace.setSpan(parent, span));
    let reply: unknown;
    try {
      const msg = await nc.request(subject, data, { timeout: options.timeoutMs, headers: hdrs });
      reply = parseReply(msg.data, subject);
    } catch (err) {
      throw mapRequestError(err, subject, options.timeoutMs);
    }
    if (!isReply(reply)) {
      throw new LedgerflowError(
        'nats_reply_malformed',
        `reply on ${subject} is not a {ok, value|error} envelope`,
        false,
        { subject },
      );
    }
    if (!reply.ok) throw errorFromBody(reply.error);
    return reply.value as T;
  } catch (err) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    if (err instanceof LedgerflowError) span.setAttribute('error.type', err.code);
    throw err;
  } finally {
    span.end();
  }
}

function parseReply(data: Uint8Array, subject: string): unknown {
  try {
    return decodeJson<unknown>(data);
  } catch {
    throw new LedgerflowError('nats_reply_malformed', `reply on ${subject} is not valid JSON`, false, { subject });
  }
}
