import { context as otelContext, propagation, type Context, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { Match, type MsgHdrs } from '@nats-io/nats-core';

/** Reads propagation fields (`traceparent`, `tracestate`, ...) from NATS headers, ignoring case. */
export const natsHeadersGetter: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? carrier.keys() : []),
  get: (carrier, key) => {
    if (!carrier || !carrier.has(key, Match.IgnoreCase)) return undefined;
    return carrier.get(key, Match.IgnoreCase);
  },
};

/** Writes propagation fields into NATS headers, replacing any earlier value. */
export const natsHeadersSetter: TextMapSetter<MsgHdrs> = {
  set: (carrier, key, value) => carrier.set(key, value),
};

/**
 * Writes the trace context of `ctx` (default: the active context) into `hdrs` with the global
 * propagator (W3C `traceparent`/`tracestate` once libs/telemetry has started the SDK; a no-op before).
 */
export function injectTraceContext(hdrs: MsgHdrs, ctx: Context = otelContext.active()): void {
  propagation.inject(ctx, hdrs, natsHeadersSetter);
}

/**
 * The context carried by `hdrs` (on top of `base`, default the active context); `base` unchanged
 * when the headers carry none.
 */
export function extractTraceContext(hdrs: MsgHdrs | undefined, base: Context = otelContext.active()): Context {
  return propagation.extract(base, hdrs, natsHeadersGetter);
}
