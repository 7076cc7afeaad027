import { resolveExportPlan } from './export-plan.js';

describe('resolveExportPlan', () => {
  it('exports nothing when no variable asks for it', () => {
    expect(resolveExportPlan({})).toEqual({
      tracesProtocol: 'http/protobuf',
      metricsProtocol: 'http/protobuf',
      metricsIntervalMs: 60000,
      warnings: [],
    });
  });

  it('sends OTLP over http/protobuf unless OTEL_EXPORTER_OTLP_PROTOCOL names http/json or grpc', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(resolveExportPlan(base)).toMatchObject({
      tracesProtocol: 'http/protobuf',
      metricsProtocol: 'http/protobuf',
    });
    expect(resolveExportPlan({ ...base, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' })).toMatchObject({
      tracesProtocol: 'http/json',
      tracesUrl: 'http://collector:4318/v1/traces',
      metricsProtocol: 'http/json',
    });
  });

  it('sends gRPC to OTEL_EXPORTER_OTLP_ENDPOINT as it is (no signal path)', () => {
    const plan = resolveExportPlan({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
    });
    expect(plan).toMatchObject({
      tracesProtocol: 'grpc',
      tracesUrl: 'http://collector:4317',
      metricsProtocol: 'grpc',
      metricsUrl: 'http://collector:4317',
      warnings: [],
    });
  });

  it('lets a signal-specific protocol win over OTEL_EXPORTER_OTLP_PROTOCOL', () => {
    const plan = resolveExportPlan({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://collector:4318/v1/metrics',
    });
    expect(plan).toMatchObject({ tracesProtocol: 'grpc', metricsProtocol: 'http/json' });
    expect(resolveExportPlan({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'GRPC' }).tracesProtocol).toBe('grpc');
  });

  it('derives signal URLs from OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    const plan = resolveExportPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(plan.tracesUrl).toBe('http://collector:4318/v1/traces');
    expect(plan.metricsUrl).toBe('http://collector:4318/v1/metrics');
  });

  it('uses signal-specific endpoints as they are', () => {
    const plan = resolveExportPlan({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://jaeger:4318/custom',
    });
    expect(plan.tracesUrl).toBe('http://jaeger:4318/custom');
    expect(plan.metricsUrl).toBe('http://collector:4318/v1/metrics');
  });

  it('honours OTEL_TRACES_EXPORTER=none, OTEL_METRICS_EXPORTER=none and OTEL_SDK_DISABLED', () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', LEDGERFLOW_METRICS_PORT: '9464' };
    const noTraces = resolveExportPlan({ ...base, OTEL_TRACES_EXPORTER: 'none' });
    expect(noTraces.tracesUrl).toBeUndefined();
    expect(noTraces.metricsUrl).toBe('http://c:4318/v1/metrics');
    expect(resolveExportPlan({ ...base, OTEL_METRICS_EXPORTER: 'none' }).metricsUrl).toBeUndefined();
    const disabled = resolveExportPlan({ ...base, OTEL_SDK_DISABLED: 'true' });
    expect(disabled.tracesUrl).toBeUndefined();
    expect(disabled.prometheus).toBeUndefined();
  });

  it('serves Prometheus on 127.0.0.1 unless LEDGERFLOW_METRICS_HOST says otherwise', () => {
    expect(resolveExportPlan({ LEDGERFLOW_METRICS_PORT: '9464' }).prometheus).toEqual({
      host: '127.0.0.1',
      port: 9464,
    });
    expect(
      resolveExportPlan({ LEDGERFLOW_METRICS_PORT: '9464', LEDGERFLOW_METRICS_HOST: '0.0.0.0' }).prometheus,
    ).toEqual({ host: '0.0.0.0', port: 9464 });
  });

  it('warns about bad values instead of guessing', () => {
    const plan = resolveExportPlan({
      LEDGERFLOW_METRICS_PORT: '70000',
      OTEL_METRIC_EXPORT_INTERVAL: 'soon',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift',
      OTEL_TRACES_EXPORTER: 'zipkin',
    });
    expect(plan.prometheus).toBeUndefined();
    expect(plan.metricsIntervalMs).toBe(60000);
    expect(plan.tracesProtocol).toBe('http/protobuf');
    expect(plan.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('LEDGERFLOW_METRICS_PORT=70000'),
        expect.stringContaining('OTEL_METRIC_EXPORT_INTERVAL=soon'),
        expect.stringContaining('OTEL_EXPORTER_OTLP_PROTOCOL=thrift: unsupported'),
        expect.stringContaining('OTEL_TRACES_EXPORTER: unsupported exporter(s) zipkin'),
      ]),
    );
  });
});
