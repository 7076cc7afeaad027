import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { runAsService } from './service-scope.js';
import { startTelemetry } from './telemetry-sdk.js';
import { withSpan } from './tracing.js';

describe('runAsService', () => {
  it('names each span after the hosted service it started in, across awaits and timers', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = await startTelemetry({
      serviceName: 'ledgerflow-services',
      serviceNames: ['ledgerflow-planner', 'ledgerflow-policy'],
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      env: {},
    });
    try {
      const later = (name: string) =>
        new Promise<void>((resolve) => setTimeout(() => void withSpan(name, () => resolve()), 5));
      await Promise.all([
        runAsService('ledgerflow-planner', () => later('planned')),
        runAsService('ledgerflow-policy', async () => {
          await Promise.resolve();
          await withSpan('decided', () => undefined);
        }),
      ]);
      await withSpan('outside', () => undefined);
      await runAsService('ledgerflow-unknown', () => withSpan('unlisted', () => undefined));
      const serviceOf = Object.fromEntries(
        exporter.getFinishedSpans().map((span) => [span.name, span.resource.attributes['service.name']]),
      );
      expect(serviceOf).toEqual({
        planned: 'ledgerflow-planner',
        decided: 'ledgerflow-policy',
        outside: 'ledgerflow-services',
        unlisted: 'ledgerflow-services',
      });
    } finally {
      await telemetry.shutdown();
    }
  });

  it('keeps one provider when the process hosts one service', async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = await startTelemetry({
      serviceName: 'executor',
      spanProcessors: [new SimpleSpanProcessor(exporter)],
      env: {},
    });
    try {
      await runAsService('ledgerflow-planner', () => withSpan('step', () => undefined));
      expect(exporter.getFinishedSpans()[0]?.resource.attributes['service.name']).toBe('executor');
    } finally {
      await telemetry.shutdown();
    }
  });
});
