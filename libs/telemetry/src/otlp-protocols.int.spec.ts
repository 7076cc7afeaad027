import { startOtlpReceiver } from '@ledgerflow/testing';
import type { OtlpReceiver } from '@ledgerflow/testing';
import { startTelemetry } from './telemetry-sdk.js';
import type { OtlpProtocol } from './export-plan.js';
import { SpanAttr, withSpan } from './tracing.js';
import { traceparentOf } from './propagation.js';

/**
 * Each OTLP transport `OTEL_EXPORTER_OTLP_PROTOCOL` names, through the OpenTelemetry exporters, to a real receiver
 * (libs/testing otlp-receiver: OTLP/HTTP with JSON or protobuf bodies, OTLP/gRPC): the spans arrive by that
 * transport, with their ids, parent, name and attributes intact.
 */
describe('OTLP export by OTEL_EXPORTER_OTLP_PROTOCOL', () => {
  let receiver: OtlpReceiver;

  beforeAll(async () => {
    receiver = await startOtlpReceiver({ grpc: true });
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  const endpointFor = (protocol: OtlpProtocol | undefined): string =>
    protocol === 'grpc' ? (receiver.grpcUrl as string) : receiver.url;

  it.each<[OtlpProtocol | undefined, OtlpProtocol]>([
    [undefined, 'http/protobuf'],
    ['http/protobuf', 'http/protobuf'],
    ['http/json', 'http/json'],
    ['grpc', 'grpc'],
  ])(
    'OTEL_EXPORTER_OTLP_PROTOCOL=%s sends %s',
    async (asked, expected) => {
      const serviceName = `otlp-${asked ?? 'default'}`;
      const telemetry = await startTelemetry({
        serviceName,
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: endpointFor(asked),
          ...(asked !== undefined ? { OTEL_EXPORTER_OTLP_PROTOCOL: asked } : {}),
        },
      });
      let parent = '';
      try {
        expect(telemetry.plan.tracesProtocol).toBe(expected);
        await withSpan('run', { attributes: { [SpanAttr.runId]: `r-${expected}`, [SpanAttr.attempt]: 2 } }, () =>
          withSpan('step', { attributes: { [SpanAttr.deduplicated]: true } }, () => {
            parent = traceparentOf().traceparent ?? '';
          }),
        );
        await telemetry.forceFlush();
      } finally {
        await telemetry.shutdown();
      }
      const spans = (
        await receiver.waitForSpans((all) => all.filter((s) => s.serviceName === serviceName).length === 2)
      ).filter((s) => s.serviceName === serviceName);
      expect(spans.map((s) => s.protocol)).toEqual([expected, expected]);
      const run = spans.find((s) => s.name === 'run');
      const step = spans.find((s) => s.name === 'step');
      expect(run?.attributes).toEqual({ [SpanAttr.runId]: `r-${expected}`, [SpanAttr.attempt]: 2 });
      expect(step?.attributes).toEqual({ [SpanAttr.deduplicated]: true });
      expect(run?.parentSpanId).toBeUndefined();
      expect(step?.parentSpanId).toBe(run?.spanId);
      expect(parent).toBe(`00-${step?.traceId}-${step?.spanId}-01`);
    },
    20_000,
  );
});
