import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from './telemetry-sdk.js';
import { withSpan } from './tracing.js';

/**
 * Outbound HTTP client spans (instrumentation-undici, registered by startTelemetry): a `fetch()` to a real node:http
 * server on loopback, made inside a span, is a CLIENT span child of it with the HTTP semantic conventions' attributes,
 * and the request carries its traceparent.
 */
describe('outbound HTTP client spans', () => {
  let server: Server;
  let base: string;
  const received: IncomingHttpHeaders[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      received.push(request.headers);
      request.resume();
      request.on('end', () => response.writeHead(request.url === '/fail' ? 503 : 202).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => (received.length = 0));

  it('records a fetch made inside a span as a CLIENT span child of it, and sends its traceparent', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = await startTelemetry({
      serviceName: 'gateway',
      env: {},
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    try {
      // A response's span ends once its body has been read (undici's trailers).
      const statusOf = async (response: Response): Promise<number> => (await response.arrayBuffer(), response.status);
      const statuses = await withSpan('webhook.deliver', async () => [
        await statusOf(await fetch(`${base}/hooks/claims?attempt=1`, { method: 'POST', body: '{}' })),
        await statusOf(await fetch(`${base}/fail`)),
      ]);
      expect(statuses).toEqual([202, 503]);
      const spans = exporter.getFinishedSpans();
      const parent = spans.find((s) => s.name === 'webhook.deliver');
      const [post, get] = ['POST', 'GET'].map((method) => spans.find((s) => s.name === method));
      expect(post).toMatchObject({
        kind: SpanKind.CLIENT,
        attributes: expect.objectContaining({
          'http.request.method': 'POST',
          'url.full': `${base}/hooks/claims?attempt=1`,
          'server.address': '127.0.0.1',
          'http.response.status_code': 202,
        }),
      });
      expect(post?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
      expect(post?.spanContext().traceId).toBe(parent?.spanContext().traceId);
      expect(received[0]?.traceparent).toBe(`00-${post?.spanContext().traceId}-${post?.spanContext().spanId}-01`);
      expect(get).toMatchObject({
        kind: SpanKind.CLIENT,
        attributes: expect.objectContaining({ 'http.response.status_code': 503, 'error.type': '503' }),
        status: { code: SpanStatusCode.ERROR },
      });
      expect(get?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('leaves requests alone where no span is exported, and after shutdown', async () => {
    const telemetry = await startTelemetry({ serviceName: 'gateway', env: {} });
    try {
      await withSpan('webhook.deliver', () => fetch(`${base}/hooks/claims`, { method: 'POST', body: '{}' }));
    } finally {
      await telemetry.shutdown();
    }
    const exporter = new InMemorySpanExporter();
    const traced = await startTelemetry({
      serviceName: 'gateway',
      env: {},
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    await traced.shutdown();
    await withSpan('webhook.deliver', () => fetch(`${base}/hooks/claims`, { method: 'POST', body: '{}' }));
    expect(received.map((headers) => headers.traceparent)).toEqual([undefined, undefined]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
