import { SpanKind, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { startNatsServer, type NatsServerHandle } from '@ledgerflow/testing';
import { SPAN_ATTRIBUTE_KEYS, SpanAttr } from '@ledgerflow/telemetry';
import { defineTool, startToolWorker, type ToolWorker } from './index.js';
import { callTool, toolRequest, unverified } from './tool-worker.spec-util.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';
const traceparent = `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`;

let server: NatsServerHandle;
let nc: NatsConnection;
let worker: ToolWorker | undefined;

afterAll(async () => {
  await worker?.stop();
  await nc?.close();
  await server?.stop();
  trace.disable();
  context.disable();
  propagation.disable();
});

describe('tool worker tracing', () => {
  it('runs the handler in a CONSUMER span "process lf.tool.<tool>.<action>" continuing the trace in the message headers', async () => {
    server = await startNatsServer({ jetstream: false });
    nc = await connect({ servers: server.url });
    const handlerTraceparents: (string | undefined)[] = [];
    worker = startToolWorker({
      ...unverified(),
      nc,
      name: 'w1',
      tools: [
        defineTool({
          tool: 'docs',
          action: 'extract',
          handler: (_input, ctx) => {
            handlerTraceparents.push(ctx.traceparent);
            return { activeTrace: trace.getActiveSpan()?.spanContext().traceId };
          },
        }),
      ],
    });
    await nc.flush();

    // Without an OpenTelemetry SDK the trace context still reaches the handler.
    await callTool(nc, 'docs', 'extract', toolRequest('no-sdk', {}), { traceparent });
    expect(handlerTraceparents[0]).toBe(traceparent);

    const exporter = new InMemorySpanExporter();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    const { reply } = await callTool(nc, 'docs', 'extract', toolRequest('with-sdk', {}), { traceparent });

    expect(reply).toEqual({ ok: true, value: { output: { activeTrace: TRACE_ID } } });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['process lf.tool.docs.extract']);
    const span = spans[0];
    expect(span?.kind).toBe(SpanKind.CONSUMER);
    expect(span?.spanContext().traceId).toBe(TRACE_ID);
    expect(span?.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
    expect(span?.attributes).toMatchObject({
      [SpanAttr.runId]: 'run-1',
      [SpanAttr.stepId]: 'with-sdk',
      [SpanAttr.attempt]: 1,
      [SpanAttr.tool]: 'docs',
      [SpanAttr.action]: 'extract',
      [SpanAttr.toolWorker]: 'w1',
      [SpanAttr.deduplicated]: false,
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'lf.tool.docs.extract',
      'messaging.consumer.group.name': 'tool.docs.extract',
    });
    // One vocabulary: every attribute is a messaging convention or a SpanAttr key.
    const foreign = Object.keys(span?.attributes ?? {}).filter(
      (k) => !k.startsWith('messaging.') && !SPAN_ATTRIBUTE_KEYS.has(k),
    );
    expect(foreign).toEqual([]);
    expect(handlerTraceparents[1]).toBe(`00-${TRACE_ID}-${span?.spanContext().spanId}-01`);
  });
});
