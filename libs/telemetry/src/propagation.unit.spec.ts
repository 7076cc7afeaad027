import { ROOT_CONTEXT, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { contextFromTraceparent, extractTraceContext, injectTraceContext, traceparentOf } from './propagation.js';

// No SDK started and no global propagator: the helpers must carry trace context on their own.
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';
const traceparent = `00-${TRACE_ID}-${SPAN_ID}-01`;

describe('trace context in message headers', () => {
  beforeAll(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  afterAll(() => context.disable());

  it('writes and reads traceparent, tracestate and baggage without an SDK or a global propagator', () => {
    const sent = propagation.setBaggage(
      contextFromTraceparent(traceparent, 'vendor=abc'),
      propagation.createBaggage({ tenant: { value: 'acme' } }),
    );
    const hdrs = natsHeaders();
    injectTraceContext(hdrs, sent);
    expect([hdrs.get('traceparent'), hdrs.get('tracestate'), hdrs.get('baggage')]).toEqual([
      traceparent,
      'vendor=abc',
      'tenant=acme',
    ]);
    const received = extractTraceContext(hdrs);
    expect(traceparentOf(received)).toEqual({ traceparent, tracestate: 'vendor=abc' });
    expect(propagation.getBaggage(received)?.getEntry('tenant')?.value).toBe('acme');
  });

  it('reads header names in any case, and an empty value as absent', () => {
    const hdrs = natsHeaders();
    hdrs.set('TraceParent', traceparent);
    expect(trace.getSpanContext(extractTraceContext(hdrs))?.spanId).toBe(SPAN_ID);
    const empty = natsHeaders();
    empty.set('traceparent', '');
    expect(extractTraceContext(empty)).toBe(ROOT_CONTEXT);
  });

  it('builds on the root context by default: the active span does not leak into a message without trace context', () => {
    const active = contextFromTraceparent(`00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`);
    const extracted = context.with(active, () => [extractTraceContext(natsHeaders()), extractTraceContext(undefined)]);
    expect(extracted).toEqual([ROOT_CONTEXT, ROOT_CONTEXT]);
    expect(context.with(active, () => extractTraceContext(undefined, context.active()))).toBe(active);
  });

  it('traceparentOf returns the W3C strings of a context, {} for one without a valid span', () => {
    expect(traceparentOf(contextFromTraceparent(traceparent))).toEqual({ traceparent });
    expect(traceparentOf(ROOT_CONTEXT)).toEqual({});
  });
});
