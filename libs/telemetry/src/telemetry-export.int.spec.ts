import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { freePort, startOtlpReceiver } from '@ledgerflow/testing';
import { ledgerflowMetrics } from './metrics.js';
import { startTelemetry } from './telemetry-sdk.js';
import { SpanAttr, withSpan } from './tracing.js';

describe('telemetry export', () => {
  it('serves ledgerflow_policy_decisions_total on the Prometheus endpoint once a decision is counted', async () => {
    const port = await freePort();
    ledgerflowMetrics(); // a call before the SDK starts must not pin no-op instruments
    const telemetry = await startTelemetry({ serviceName: 'policy', env: { LEDGERFLOW_METRICS_PORT: String(port) } });
    try {
      expect(telemetry.prometheusUrl).toBe(`http://127.0.0.1:${port}/metrics`);
      ledgerflowMetrics().policyDecisions.add(1, { outcome: 'deny' });
      ledgerflowMetrics().stepDuration.record(0.012, { tool: 'documents', action: 'extract', outcome: 'succeeded' });
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(body).toMatch(/^ledgerflow_policy_decisions_total\{[^}]*outcome="deny"[^}]*\} 1$/m);
      expect(body).toMatch(/^ledgerflow_step_duration_bucket\{[^}]*action="extract"[^}]*le="0.025"[^}]*\} 1$/m);
      // Node.js runtime metrics (instrumentation-runtime-node) come with every meter provider.
      expect(body).toMatch(/^nodejs_eventloop_utilization\{[^}]*\} [0-9.e+-]+$/m);
      expect(body).toMatch(/^v8js_memory_heap_used\{[^}]*v8js_heap_space_name="old_space"[^}]*\} [0-9.e+-]+$/m);
    } finally {
      await telemetry.shutdown();
    }
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
  });

  it('fails fast, naming the variable, when the metrics port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      await expect(
        startTelemetry({ serviceName: 'x', env: { LEDGERFLOW_METRICS_PORT: String(port) } }),
      ).rejects.toMatchObject({
        code: 'telemetry_metrics_port_unavailable',
        message: expect.stringContaining('LEDGERFLOW_METRICS_PORT'),
      });
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('delivers spans as OTLP/HTTP JSON to a plain node:http receiver', async () => {
    const receiver = await startOtlpReceiver();
    const telemetry = await startTelemetry({
      serviceName: 'executor',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    });
    try {
      expect(telemetry.plan.tracesUrl).toBe(receiver.tracesUrl);
      await withSpan('run', { attributes: { [SpanAttr.runId]: 'r-1', tries: 2 } }, async () => {
        await withSpan('step', async () => undefined);
      });
      await telemetry.forceFlush();
      const spans = await receiver.waitForSpans((s) => s.length >= 2);
      const run = spans.find((s) => s.name === 'run');
      const step = spans.find((s) => s.name === 'step');
      expect(run).toMatchObject({ serviceName: 'executor', attributes: { 'ledgerflow.run.id': 'r-1', tries: 2 } });
      expect(run?.parentSpanId).toBeUndefined();
      expect(step?.traceId).toBe(run?.traceId);
      expect(step?.parentSpanId).toBe(run?.spanId);
    } finally {
      await telemetry.shutdown();
      await receiver.stop();
    }
  });

  it('shares one SDK between starts in one process and stops it with the last shutdown', async () => {
    const first = await startTelemetry({ serviceName: 'gateway', env: {} });
    const second = await startTelemetry({ serviceName: 'planner', env: {} });
    expect(second.serviceName).toBe('gateway');
    await first.shutdown();
    await first.shutdown();
    const stillRecording = await withSpan('after-first', async (span) => span.isRecording());
    expect(stillRecording).toBe(true);
    await second.shutdown();
    expect(trace.getTracer('t').startSpan('after-both').isRecording()).toBe(false);
  });
});
