import { jetstream } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { SPAN_ATTRIBUTE_KEYS } from '@ledgerflow/telemetry';
import { authHeader, eventually, startTracedStack } from '@ledgerflow/testing';
import type { OtlpReceiver, ReceivedSpan, Stack, TracedStack } from '@ledgerflow/testing';

const SERVER = 2;
const CONSUMER = 5;
/** A caller's trace: what an enterprise system's own instrumentation sends with its request. */
const CALLER_TRACE_ID = '5f0c3a9e7d1b24c68e0a4f2b9c7d1e3a';
const CALLER_SPAN_ID = '7a1c9e3b5d2f4a60';
/** Attribute namespaces of the OpenTelemetry semantic conventions the services use, besides `ledgerflow.*`. */
const CONVENTION_NAMESPACES = /^(messaging|http|url|network|error|server|client|user_agent)\./;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * HTTP server spans at the gateway and one trace per run continuing the caller's: each service (and the bench tool
 * workers) runs as its own OS process on a real nats-server and exports spans over OTLP/HTTP to a receiver here.
 */
describe('gateway HTTP server spans and the caller trace', () => {
  let stack: Stack;
  let receiver: OtlpReceiver;
  /** The run the first test starts (the later ones read its spans). */
  let runId = '';

  let traced: TracedStack | undefined;

  beforeAll(async () => {
    traced = await startTracedStack();
    ({ stack, receiver } = traced);
  }, 60_000);

  afterAll(async () => traced?.stop(), 30_000);

  const get = async (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${stack.gatewayUrl}${path}`, { headers: { ...(await authHeader(stack)), ...headers } });

  it('starts the run in the trace of an incoming traceparent, under a POST server span named by its route', async () => {
    const started = await fetch(`${stack.gatewayUrl}/v1/workflows/noop-chain/runs`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`,
        ...(await authHeader(stack)),
      },
      body: JSON.stringify({ input: {} }),
    });
    expect(started.status).toBeLessThan(300);
    ({ runId } = (await started.json()) as { runId: string });
    expect(runId).not.toBe('');

    const trace = await eventually(async () => {
      const view = (await (await get(`/v1/runs/${runId}/trace`)).json()) as { status: string; trace_id: string };
      return view.status === 'completed' ? view : undefined;
    }, 20_000);
    expect(trace.trace_id).toBe(CALLER_TRACE_ID);

    const services = ['ledgerflow-gateway', 'ledgerflow-planner', 'ledgerflow-executor', 'ledgerflow-policy'];
    const inTrace = (spans: ReceivedSpan[]): ReceivedSpan[] => spans.filter((s) => s.traceId === CALLER_TRACE_ID);
    await receiver.waitForSpans((all) => {
      const spans = inTrace(all);
      return (
        services.every((name) => spans.some((s) => s.serviceName === name)) &&
        spans.filter((s) => s.name === 'executor.run-step').length === 10 &&
        spans.filter((s) => s.name === 'process lf.tool.bench.noop').length === 10
      );
    }, 15_000);
    const spans = inTrace(receiver.spans());

    // The HTTP server span: the caller's span is its parent; the route, not the workflow id, names it.
    const server = spans.filter((s) => s.kind === SERVER && s.serviceName === 'ledgerflow-gateway');
    expect(server).toHaveLength(1);
    expect(server[0]).toMatchObject({
      name: 'POST /v1/workflows/:workflowId/runs',
      parentSpanId: CALLER_SPAN_ID,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/v1/workflows/:workflowId/runs',
        'url.path': '/v1/workflows/noop-chain/runs',
        'http.response.status_code': started.status,
      },
    });

    // Every span of the run hangs under the HTTP span: the caller's span is the only parent outside the trace.
    const ids = new Set(spans.map((s) => s.spanId));
    const outside = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    expect(outside.map((s) => s.name)).toEqual(['POST /v1/workflows/:workflowId/runs']);

    // Tool workers continue the step's trace: each tool span is a child of the executor's request to the tool.
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const tool of spans.filter((s) => s.name === 'process lf.tool.bench.noop')) {
      expect(tool.serviceName).toBe('bench-workers');
      expect(byId.get(tool.parentSpanId ?? '')).toMatchObject({
        name: 'request lf.tool.bench.noop',
        serviceName: 'ledgerflow-executor',
      });
      expect(tool.attributes).toMatchObject({ 'ledgerflow.run.id': runId, 'messaging.operation.type': 'process' });
    }

    // A request handler's span: CONSUMER `process <subject>`, a child of the caller's request span (messaging conventions).
    const startRun = spans.filter((s) => s.name === 'process lf.planner.start-run');
    expect(startRun).toHaveLength(1);
    expect(startRun[0]).toMatchObject({
      kind: CONSUMER,
      serviceName: 'ledgerflow-planner',
      attributes: {
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'lf.planner.start-run',
        'ledgerflow.run.id': runId,
      },
    });
    expect(byId.get(startRun[0]?.parentSpanId ?? '')).toMatchObject({
      name: 'request lf.planner.start-run',
      serviceName: 'ledgerflow-gateway',
    });

    // Relayed events are processed under a name by subject template; the concrete subject and event id are attributes.
    const processed = spans.filter((s) => s.name === 'process lf.evt.run.*.PlanCreated');
    expect(processed.length).toBeGreaterThan(0);
    expect(processed[0]?.attributes).toMatchObject({
      'messaging.system': 'nats',
      'messaging.operation.type': 'process',
      'messaging.destination.name': expect.stringMatching(new RegExp(`^lf\\.evt\\.run\\.run-${runId}\\.PlanCreated$`)),
      'messaging.message.id': expect.stringMatching(/.+/),
    });
  }, 60_000);

  it('continues the trace of a trigger published on JetStream with a traceparent header', async () => {
    const traceId = '9d2b7c4e1a3f5068b7c9d1e2f3a4b5c6';
    const senderSpanId = '3c5e7a9b1d2f4e60';
    const nc = await stack.connect('publisher');
    try {
      const headers = natsHeaders();
      headers.set('traceparent', `00-${traceId}-${senderSpanId}-01`);
      await jetstream(nc).publish('lf.trigger.noop-chain', JSON.stringify({}), { msgID: 'traced-trigger-1', headers });
    } finally {
      await nc.close();
    }
    const spans = (
      await receiver.waitForSpans(
        (all) => all.filter((s) => s.traceId === traceId && s.name === 'executor.run-step').length === 10,
        20_000,
      )
    ).filter((s) => s.traceId === traceId);
    const processed = spans.find((s) => s.name === 'process lf.trigger.*');
    expect(processed).toMatchObject({
      parentSpanId: senderSpanId,
      serviceName: 'ledgerflow-planner',
      attributes: {
        'messaging.destination.name': 'lf.trigger.noop-chain',
        'messaging.message.id': 'traced-trigger-1',
        'messaging.consumer.group.name': 'planner',
      },
    });
    expect(spans.find((s) => s.name === 'planner.trigger')).toMatchObject({
      parentSpanId: processed?.spanId,
      attributes: { 'ledgerflow.workflow.id': 'noop-chain' },
    });
  }, 60_000);

  it('names no span after an id, and uses one attribute vocabulary', async () => {
    const spans = receiver.spans();
    expect(spans.filter((s) => s.traceId === CALLER_TRACE_ID).length).toBeGreaterThan(40);
    const namedByIds = spans.filter((s) => UUID.test(s.name) || s.name.includes(runId));
    expect(namedByIds.map((s) => s.name)).toEqual([]);
    const keys = new Set(spans.flatMap((s) => Object.keys(s.attributes)));
    const foreign = [...keys].filter((k) => !SPAN_ATTRIBUTE_KEYS.has(k) && !CONVENTION_NAMESPACES.test(k));
    expect(foreign).toEqual([]);
  });

  it('starts a new trace for a request without a valid traceparent, with the path ids out of the span name', async () => {
    const answer = await get(`/v1/runs/${runId}`, { traceparent: '00-not-a-trace-parent-01' });
    expect(answer.status).toBe(200);
    const [span] = (
      await receiver.waitForSpans(
        (spans) => spans.some((s) => s.attributes['url.path'] === `/v1/runs/${runId}` && s.kind === SERVER),
        10_000,
      )
    ).filter((s) => s.attributes['url.path'] === `/v1/runs/${runId}` && s.kind === SERVER);
    expect(span).toMatchObject({ name: 'GET /v1/runs/:runId', attributes: { 'http.response.status_code': 200 } });
    expect(span?.parentSpanId).toBeUndefined();
    expect(span?.traceId).not.toBe(CALLER_TRACE_ID);

    // An unknown path: no route, so the name is the method alone.
    expect((await get('/v1/no-such-thing/42')).status).toBe(404);
    const unrouted = await receiver.waitForSpans((spans) =>
      spans.some((s) => s.attributes['url.path'] === '/v1/no-such-thing/42'),
    );
    expect(unrouted.find((s) => s.attributes['url.path'] === '/v1/no-such-thing/42')).toMatchObject({
      name: 'GET',
      attributes: { 'http.response.status_code': 404 },
    });
  });
});
