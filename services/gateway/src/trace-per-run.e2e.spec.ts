import { authHeader, startTracedStack } from '@ledgerflow/testing';
import type { OtlpReceiver, Stack, TracedStack } from '@ledgerflow/testing';

/**
 * One trace per run: every service exports spans over OTLP/HTTP JSON to a receiver in this test; the run's
 * trace id (from `RunTriggered` metadata, shown by `/v1/runs/{id}/trace`) must collect spans from the
 * gateway, planner, executor and policy processes, with every span's parent inside the trace.
 */
describe('one trace per run', () => {
  let stack: Stack;
  let receiver: OtlpReceiver;

  let traced: TracedStack | undefined;

  beforeAll(async () => {
    traced = await startTracedStack();
    ({ stack, receiver } = traced);
  }, 60_000);

  afterAll(async () => traced?.stop(), 30_000);

  it('links the spans of several services into the run trace', async () => {
    const started = await fetch(`${stack.gatewayUrl}/v1/workflows/noop-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: {} }),
    });
    const { runId } = (await started.json()) as { runId: string };
    let trace: { status: string; trace_id: string | null } = { status: 'running', trace_id: null };
    for (let i = 0; i < 200 && trace.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      trace = (await (
        await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/trace`, { headers: await authHeader(stack) })
      ).json()) as typeof trace;
    }
    expect(trace.status).toBe('completed');
    expect(trace.trace_id).toMatch(/^[0-9a-f]{32}$/);

    const wanted = ['ledgerflow-gateway', 'ledgerflow-planner', 'ledgerflow-executor', 'ledgerflow-policy'];
    await receiver.waitForSpans((spans) => {
      const services = new Set(spans.filter((s) => s.traceId === trace.trace_id).map((s) => s.serviceName));
      const inTrace = spans.filter((s) => s.traceId === trace.trace_id);
      return (
        wanted.every((name) => services.has(name)) &&
        inTrace.filter((s) => s.name === 'executor.run-step').length === 10 &&
        inTrace.filter((s) => s.name === 'process lf.policy.evaluate').length === 10
      );
    }, 15_000);
    const spans = receiver.spans().filter((s) => s.traceId === trace.trace_id);
    const ids = new Set(spans.map((s) => s.spanId));
    const roots = spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId));
    expect(roots).toHaveLength(1);
    expect(roots[0].serviceName).toBe('ledgerflow-gateway');
    expect(spans.filter((s) => s.name === 'process lf.policy.evaluate')).toHaveLength(10);
  }, 60_000);
});
