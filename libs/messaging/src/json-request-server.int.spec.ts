import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { subjects } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { SpanAttr } from '@ledgerflow/telemetry';
import { headers } from '@nats-io/nats-core';
import { serveJsonRequests, type JsonRequestServer } from './json-request-server.js';
import { startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { requestJson } from './request-json.js';

/**
 * Request handlers on a real nats-server: `serveJsonRequests` answers in the services' reply envelope, and each
 * request's span (`withRequestSpan`) is a CONSUMER `process <subject template>` span by the messaging conventions, a
 * child of the caller's `request` span, in the caller's trace.
 */
describe('serveJsonRequests: request handlers and their spans', () => {
  let nats: NatsFixture;
  let server: JsonRequestServer;
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const errors: string[] = [];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    trace.setGlobalTracerProvider(provider);
    nats = await startNatsFixture();
    server = await serveJsonRequests(await nats.connect('policy'), {
      queue: 'policy',
      handlers: {
        [subjects.policyEvaluate]: (body, span) => {
          const { runId } = body as { runId?: string };
          if (runId === undefined) throw new LedgerflowError('request_invalid', 'runId is required', false);
          span.setAttribute(SpanAttr.runId, runId);
          return { outcome: 'allow', runId };
        },
      },
      onError: (message, reason) => errors.push(`${message}: ${reason}`),
    });
  });
  afterAll(async () => {
    await server.stop();
    await nats.stop();
    trace.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  /** Sends `body` from inside a span `caller`; the spans finished, by name. */
  const requestFromCaller = async (body: unknown): Promise<{ answer: unknown; spans: Map<string, ReadableSpan> }> => {
    const answer = await trace.getTracer('test').startActiveSpan('caller', async (span) =>
      requestJson(nats.nc, subjects.policyEvaluate, body, { timeoutMs: 2_000 })
        .catch((error: unknown) => error)
        .finally(() => span.end()),
    );
    return { answer, spans: new Map(exporter.getFinishedSpans().map((s) => [s.name, s])) };
  };

  it('answers in a CONSUMER span "process <subject>", a child of the caller request span', async () => {
    const { answer, spans } = await requestFromCaller({ runId: 'run-7' });
    expect(answer).toEqual({ outcome: 'allow', runId: 'run-7' });
    expect([...spans.keys()].sort()).toEqual(['caller', 'process lf.policy.evaluate', 'request lf.policy.evaluate']);
    const processed = spans.get('process lf.policy.evaluate');
    const request = spans.get('request lf.policy.evaluate');
    expect(processed?.kind).toBe(SpanKind.CONSUMER);
    expect(processed?.spanContext().traceId).toBe(spans.get('caller')?.spanContext().traceId);
    expect(processed?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
    expect(processed?.attributes).toEqual({
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': 'lf.policy.evaluate',
      'messaging.consumer.group.name': 'policy',
      'messaging.message.body.size': JSON.stringify({ runId: 'run-7' }).length,
      [SpanAttr.runId]: 'run-7',
    });
    expect(processed?.status.code).not.toBe(SpanStatusCode.ERROR);
  });

  it('replies with the error a handler threw, and records it on the span', async () => {
    const { answer, spans } = await requestFromCaller({});
    expect(answer).toMatchObject({ code: 'request_invalid', message: 'runId is required', retryable: false });
    const processed = spans.get('process lf.policy.evaluate');
    expect(processed?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'runId is required' });
    expect(processed?.attributes[SpanAttr.errorCode]).toBe('request_invalid');
    expect(processed?.events.map((e) => e.name)).toEqual(['exception']);
  });

  it('refuses a body that is not JSON with message_malformed', async () => {
    const reply = await nats.nc.request(subjects.policyEvaluate, '{not json', { timeout: 2_000 });
    expect(reply.json()).toMatchObject({ ok: false, error: { code: 'message_malformed', retryable: false } });
    expect(errors).toEqual([]);
  });

  it('names the span after the subject template, and takes the message id from Nats-Msg-Id', async () => {
    const subject = subjects.trigger('claims');
    const triggers = await serveJsonRequests(nats.nc, {
      queue: 'planner',
      handlers: { [subject]: () => 'started' },
      onError: (message, reason) => errors.push(`${message}: ${reason}`),
    });
    try {
      const hdrs = headers();
      hdrs.set('Nats-Msg-Id', 'key-1');
      const reply = await nats.nc.request(subject, '{}', { timeout: 2_000, headers: hdrs });
      expect(reply.json()).toEqual({ ok: true, value: 'started' });
    } finally {
      await triggers.stop();
    }
    const [span] = exporter.getFinishedSpans();
    expect(span).toMatchObject({
      name: 'process lf.trigger.*',
      kind: SpanKind.CONSUMER,
      attributes: expect.objectContaining({
        'messaging.destination.name': 'lf.trigger.claims',
        'messaging.destination.template': 'lf.trigger.*',
        'messaging.message.id': 'key-1',
      }),
    });
    expect(span?.parentSpanContext).toBeUndefined();
  });
});
