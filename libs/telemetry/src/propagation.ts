import type { Attributes, Context, Link } from '@opentelemetry/api';
import { ROOT_CONTEXT, context, defaultTextMapGetter, defaultTextMapSetter, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) in string form, as kept in event metadata
 * (`traceparent`, `tracestate`) and NATS headers. Works whether or not the SDK is started: the
 * propagator here is used directly, never the global one.
 */
export interface TraceparentHeaders {
  /** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`; absent when the context holds no valid span. */
  traceparent?: string;
  tracestate?: string;
}

const w3c = new W3CTraceContextPropagator();

/**
 * The `traceparent`/`tracestate` of the span in `ctx` (default: the active context).
 * @returns `{}` when `ctx` holds no valid span context.
 */
export function traceparentOf(ctx: Context = context.active()): TraceparentHeaders {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  const out: TraceparentHeaders = {};
  if (carrier.traceparent !== undefined) out.traceparent = carrier.traceparent;
  if (carrier.tracestate !== undefined) out.tracestate = carrier.tracestate;
  return out;
}

/**
 * A context whose parent is the remote span named by `traceparent`: spans started in it are its
 * children, in the same trace. Built on `base` (default: the root context, so nothing of the caller's
 * active span leaks in). A missing or malformed `traceparent` yields `base` unchanged.
 */
export function contextFromTraceparent(traceparent: string | undefined, tracestate?: string, base: Context = ROOT_CONTEXT): Context {
  if (traceparent === undefined || traceparent === '') return base;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate !== undefined && tracestate !== '') carrier.tracestate = tracestate;
  return w3c.extract(base, carrier, defaultTextMapGetter);
}

/**
 * A span link to the span named by `traceparent` (for work that follows a run's root span without being
 * its child, e.g. a gate decided days later). `undefined` when `traceparent` is missing or malformed.
 */
export function spanLinkFromTraceparent(traceparent: string | undefined, tracestate?: string, attributes?: Attributes): Link | undefined {
  const spanContext = trace.getSpanContext(contextFromTraceparent(traceparent, tracestate));
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return attributes === undefined ? { context: spanContext } : { context: spanContext, attributes };
}

/**
 * Message headers carrying `ctx` (default: active) through the global propagator: `traceparent`,
 * `tracestate` and `baggage` once {@link startTelemetry} has run.
 */
export function injectHeaders(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}

/** The context carried by message headers (inverse of {@link injectHeaders}), built on `base` (default: root). */
export function contextFromHeaders(get: (name: string) => string | undefined, base: Context = ROOT_CONTEXT): Context {
  return propagation.extract(base, get, {
    get: (carrier, key) => carrier(key),
    keys: () => ['traceparent', 'tracestate', 'baggage'],
  });
}
