import { ROOT_CONTEXT, defaultTextMapSetter, type Context, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { MsgHdrs } from '@nats-io/nats-core';
import { headers as headerNames } from '@ledgerflow/contracts';

/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/), used directly rather than through the
 * global propagator, so trace context flows through a worker whether or not an OpenTelemetry SDK
 * was started in its process.
 */
const w3c = new W3CTraceContextPropagator();

/** Reads `traceparent`/`tracestate` from NATS message headers (an absent header reads as undefined). */
export const natsHeaderGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier === undefined ? [] : carrier.keys()),
  get: (carrier, key) => {
    const value = carrier?.get(key);
    return value === undefined || value === '' ? undefined : value;
  },
};

/** The context a message's headers carry: spans started in it are children of the sender's span. */
export function contextFromHeaders(msgHeaders: MsgHdrs | undefined): Context {
  return w3c.extract(ROOT_CONTEXT, msgHeaders, natsHeaderGetter);
}

/** The `traceparent` of the span active in `ctx`, or undefined when it holds no valid span context. */
export function traceparentOf(ctx: Context): string | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier[headerNames.traceparent];
}
