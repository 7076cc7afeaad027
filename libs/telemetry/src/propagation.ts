import type { Attributes, Context, Link, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import { ROOT_CONTEXT, context, defaultTextMapGetter, defaultTextMapSetter, trace } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * The one owner of trace-context propagation: W3C Trace Context (https://www.w3.org/TR/trace-context/) and
 * W3C Baggage (https://www.w3.org/TR/baggage/), in strings (event metadata) and in message headers. The
 * propagators here are used directly, never the global one, so trace context flows through a process
 * whether or not an OpenTelemetry SDK was started in it (a tool worker's process, a test).
 */
const w3c = new W3CTraceContextPropagator();

/** W3C trace context + baggage: what {@link injectTraceContext} writes and what `startTelemetry` registers globally. */
export const traceContextPropagator = new CompositePropagator({ propagators: [w3c, new W3CBaggagePropagator()] });

/** `traceparent`/`tracestate` in string form, as kept in event metadata (`EventMetadata` in libs/contracts). */
export interface TraceparentHeaders {
  /** `00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`; absent when the context holds no valid span. */
  traceparent?: string;
  tracestate?: string;
}

/**
 * Message headers as the propagators read and write them: NATS `MsgHdrs` fits as it is. Names are matched
 * ignoring case when read (HTTP and NATS senders differ in case); `get` of an absent name may return `''`.
 */
export interface TraceHeaderCarrier {
  keys(): string[];
  get(name: string): string;
  set(name: string, value: string): void;
}

/** Reads `traceparent`, `tracestate` and `baggage` from message headers, ignoring case; an empty value reads as absent. */
export const traceHeaderGetter: TextMapGetter<Pick<TraceHeaderCarrier, 'keys' | 'get'> | undefined> = {
  keys: (carrier) => (carrier === undefined ? [] : carrier.keys()),
  get: (carrier, key) => {
    if (carrier === undefined) return undefined;
    const lower = key.toLowerCase();
    const name = carrier.keys().find((k) => k.toLowerCase() === lower);
    const value = name === undefined ? undefined : carrier.get(name);
    return value === undefined || value === '' ? undefined : value;
  },
};

/** Writes propagation fields into message headers, replacing any earlier value. */
export const traceHeaderSetter: TextMapSetter<Pick<TraceHeaderCarrier, 'set'>> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/**
 * The `traceparent`/`tracestate` of the span in `ctx` (default: the active context).
 * @returns `{}` when `ctx` holds no valid span context.
 * @example const { traceparent } = traceparentOf(trace.setSpan(parent, span));
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
export function contextFromTraceparent(
  traceparent: string | undefined,
  tracestate?: string,
  base: Context = ROOT_CONTEXT,
): Context {
  if (traceparent === undefined || traceparent === '') return base;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate !== undefined && tracestate !== '') carrier.tracestate = tracestate;
  return w3c.extract(base, carrier, defaultTextMapGetter);
}

/**
 * A span link to the span named by `traceparent` (for work that follows a run's root span without being
 * its child, e.g. a gate decided days later). `undefined` when `traceparent` is missing or malformed.
 */
export function spanLinkFromTraceparent(
  traceparent: string | undefined,
  tracestate?: string,
  attributes?: Attributes,
): Link | undefined {
  const spanContext = trace.getSpanContext(contextFromTraceparent(traceparent, tracestate));
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return attributes === undefined ? { context: spanContext } : { context: spanContext, attributes };
}

/**
 * Writes the trace context and baggage of `ctx` (default: the active context) into message headers
 * (`traceparent`, `tracestate`, `baggage`); nothing when `ctx` holds no valid span and no baggage.
 * @example const hdrs = headers(); injectTraceContext(hdrs, trace.setSpan(parent, span));
 */
export function injectTraceContext(hdrs: Pick<TraceHeaderCarrier, 'set'>, ctx: Context = context.active()): void {
  traceContextPropagator.inject(ctx, hdrs, traceHeaderSetter);
}

/**
 * The context message headers carry (inverse of {@link injectTraceContext}): spans started in it are
 * children of the sender's span. Built on `base` (default: the root context, so a handler's span never
 * hangs under whatever was active when its subscription started); `base` unchanged when the headers
 * carry none (or `hdrs` is undefined).
 */
export function extractTraceContext(
  hdrs: Pick<TraceHeaderCarrier, 'keys' | 'get'> | undefined,
  base: Context = ROOT_CONTEXT,
): Context {
  return traceContextPropagator.extract(base, hdrs, traceHeaderGetter);
}
