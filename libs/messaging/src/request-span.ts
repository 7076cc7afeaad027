import { SpanKind, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { MsgHdrs } from '@nats-io/nats-core';
import { extractTraceContext, withSpan } from '@ledgerflow/telemetry';
import { NATS_MSG_ID_HEADER, messagingSpanName, messagingTracer, natsAttributes } from './tracing.js';

/**
 * A NATS request as a handler sees it: the `Msg` of a plain subscription (subject, headers, body), or the
 * `NatsContext` of Nest's NATS transport (`getSubject()`, `getHeaders()`; no body size then).
 */
export type NatsRequest =
  | { readonly subject: string; readonly headers?: MsgHdrs | undefined; readonly data?: Uint8Array }
  | { getSubject(): string; getHeaders(): MsgHdrs | undefined };

/** Options of {@link withRequestSpan}. */
export interface RequestSpanOptions {
  /** `messaging.consumer.group.name`: the queue group the handler serves the subject in. */
  readonly consumerGroup?: string;
  /** Attributes at start besides `messaging.*` (e.g. `ledgerflow.tool.name`); computed only for a recording span. */
  readonly attributes?: () => Attributes;
  /** The tracer; default {@link messagingTracer}. A library with its own instrumentation scope passes its own. */
  readonly tracer?: Tracer;
}

/**
 * Runs `fn` for one NATS request inside its span by the OpenTelemetry messaging conventions (semconv 1.45, "Messaging
 * spans"), as a durable consumer's deliveries are: name `process <subject template>` (ids as `*`, see
 * `subjectTemplate`), kind CONSUMER, `natsAttributes(subject, 'process')` with `messaging.message.id` (the
 * `Nats-Msg-Id` header) when the request has one, the consumer group and body size when known; the parent is the
 * caller's span from the `traceparent`/`tracestate` headers (a new trace without them). The span is active in `fn`
 * (its `traceparentOf()` names it). When `fn` throws or rejects, the span records the exception, gets status ERROR and
 * `ledgerflow.error.code` (`withSpan` of @ledgerflow/telemetry), and the error is rethrown; the span ends when `fn`
 * settles.
 * @example
 * withRequestSpan(natsContext, {}, async (span) => { span.setAttribute(SpanAttr.runId, runId); return start(); });
 */
export function withRequestSpan<T>(
  request: NatsRequest,
  options: RequestSpanOptions,
  fn: (span: Span) => T | Promise<T>,
): Promise<T> {
  const { subject, headers, data } =
    'getSubject' in request
      ? { subject: request.getSubject(), headers: request.getHeaders(), data: undefined }
      : request;
  const kind = SpanKind.CONSUMER;
  const tracer = options.tracer ?? messagingTracer();
  return withSpan(
    messagingSpanName('process', subject),
    { parent: extractTraceContext(headers), kind, tracer },
    (span) => {
      // Attributes only for a recording span (none while tracing is off: a per-request cost saved).
      if (span.isRecording()) {
        const messageId = headers?.get(NATS_MSG_ID_HEADER) || undefined;
        span.setAttributes({
          ...natsAttributes(subject, 'process', 'process', {
            ...(messageId === undefined ? {} : { messageId }),
            ...(options.consumerGroup === undefined ? {} : { consumerGroup: options.consumerGroup }),
            ...(data === undefined ? {} : { bodySize: data.length }),
          }),
          ...options.attributes?.(),
        });
      }
      return fn(span);
    },
  );
}
