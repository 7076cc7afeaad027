import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { LedgerflowError } from '@ledgerflow/domain';
import type { Telemetry } from './telemetry-sdk.js';
import { startTelemetry } from './telemetry-sdk.js';
import { withSpan } from './tracing.js';
import { headers as natsHeaders } from '@nats-io/nats-core';
import {
  contextFromTraceparent,
  extractTraceContext,
  injectTraceContext,
  spanLinkFromTraceparent,
  traceparentOf,
} from './propagation.js';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  let telemetry: Telemetry;

  beforeAll(async () => {
    telemetry = await startTelemetry({
      serviceName: 'unit-svc',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      env: {},
    });
  });
  afterAll(async () => {
    await telemetry.shutdown();
  });
  beforeEach(() => exporter.reset());

  const finished = (name: string) => {
    const span = exporter.getFinishedSpans().find((s) => s.name === name);
    if (span === undefined) throw new Error(`no finished span ${name}`);
    return span;
  };

  it('nests spans through async code and stamps the service name', async () => {
    const result = await withSpan('outer', { attributes: { a: 1 } }, async () => {
      await new Promise((r) => setTimeout(r, 1));
      return withSpan('inner', { kind: SpanKind.CLIENT }, async () => 42);
    });
    expect(result).toBe(42);
    const outer = finished('outer');
    const inner = finished('inner');
    expect(inner.spanContext().traceId).toBe(outer.spanContext().traceId);
    expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(inner.kind).toBe(SpanKind.CLIENT);
    expect(outer.attributes.a).toBe(1);
    expect(outer.resource.attributes['service.name']).toBe('unit-svc');
    expect(outer.ended).toBe(true);
  });

  it('rebuilds a context from a traceparent string so later spans join the same trace', async () => {
    const carried = await withSpan('root', async () => traceparentOf());
    expect(carried.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    // Later, elsewhere, outside any span:
    expect(trace.getActiveSpan()).toBeUndefined();
    await withSpan('resumed', { parent: contextFromTraceparent(carried.traceparent, carried.tracestate) }, async () => {
      await withSpan('grandchild', async () => undefined);
    });
    const root = finished('root');
    const resumed = finished('resumed');
    expect(resumed.spanContext().traceId).toBe(root.spanContext().traceId);
    expect(resumed.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    expect(finished('grandchild').parentSpanContext?.spanId).toBe(resumed.spanContext().spanId);
  });

  it('keeps tracestate across the round trip', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const ctx = contextFromTraceparent(tp, 'vendor=abc');
    expect(traceparentOf(ctx)).toEqual({ traceparent: tp, tracestate: 'vendor=abc' });
  });

  it('ignores a malformed traceparent: a fresh trace, no link', async () => {
    expect(traceparentOf(contextFromTraceparent('garbage'))).toEqual({});
    expect(spanLinkFromTraceparent('00-zz-yy-01')).toBeUndefined();
    expect(traceparentOf(context.active())).toEqual({});
    await withSpan('fresh', { parent: contextFromTraceparent(undefined) }, async () => undefined);
    expect(finished('fresh').parentSpanContext).toBeUndefined();
  });

  it('links a span to another trace', async () => {
    const { traceparent } = await withSpan('gate-opened', async () => traceparentOf());
    const link = spanLinkFromTraceparent(traceparent, undefined, { reason: 'gate' });
    expect(link).toBeDefined();
    await withSpan('gate-decided', { links: link ? [link] : [] }, async () => undefined);
    const decided = finished('gate-decided');
    const opened = finished('gate-opened');
    expect(decided.spanContext().traceId).not.toBe(opened.spanContext().traceId);
    expect(decided.links).toHaveLength(1);
    expect(decided.links[0]?.context.spanId).toBe(opened.spanContext().spanId);
    expect(decided.links[0]?.attributes).toEqual({ reason: 'gate' });
  });

  it('records an error, sets status ERROR, ends the span and rethrows', async () => {
    const failure = new LedgerflowError('run_step_failed', 'tool timed out', true);
    await expect(
      withSpan('failing', async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    const span = finished('failing');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'tool timed out' });
    expect(span.attributes['ledgerflow.error.code']).toBe('run_step_failed');
    const exception = span.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.message']).toBe('tool timed out');
  });

  it('carries trace context and baggage through message headers', async () => {
    const withBaggage = propagation.setBaggage(
      context.active(),
      propagation.createBaggage({ tenant: { value: 'acme' } }),
    );
    const headers = natsHeaders();
    await context.with(withBaggage, () => withSpan('publish', async () => injectTraceContext(headers)));
    expect(headers.get('baggage')).toBe('tenant=acme');
    const ctx = extractTraceContext(headers);
    expect(propagation.getBaggage(ctx)?.getEntry('tenant')?.value).toBe('acme');
    await withSpan('consume', { parent: ctx }, async () => undefined);
    expect(finished('consume').parentSpanContext?.spanId).toBe(finished('publish').spanContext().spanId);
  });
});
