import type { IMetricReader, MeterProvider, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LedgerflowError } from '@ledgerflow/domain';
import type { ExportPlan, OtlpProtocol } from './export-plan.js';

/**
 * A batching span processor exporting over OTLP by the plan's protocol (`http/protobuf`, `http/json` or `grpc`) when
 * the plan exports traces, else none. Only the exporter of that protocol is imported, and only then (with the metrics
 * SDK and exporters below, what a process that exports nothing no longer loads comes to about 136 modules and 4 MiB of
 * resident memory: module-load trace and RSS after `gc()` per import, Node 24; README, "Performance"). The batch
 * settings come from `OTEL_BSP_*` (read by the SDK).
 */
export async function traceExportProcessor(plan: ExportPlan): Promise<SpanProcessor | undefined> {
  if (plan.tracesUrl === undefined) return undefined;
  const [exporter, { BatchSpanProcessor }] = await Promise.all([
    otlpTraceExporter(plan.tracesProtocol, plan.tracesUrl),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  return new BatchSpanProcessor(exporter);
}

/** The OpenTelemetry OTLP trace exporter of `protocol`, sending to `url` (an HTTP URL, or the gRPC endpoint). */
async function otlpTraceExporter(protocol: OtlpProtocol, url: string): Promise<SpanExporter> {
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter({ url });
    case 'http/json':
      return new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url });
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter({ url });
  }
}

/** The OpenTelemetry OTLP metric exporter of `protocol`, sending to `url` (an HTTP URL, or the gRPC endpoint). */
async function otlpMetricExporter(protocol: OtlpProtocol, url: string): Promise<PushMetricExporter> {
  switch (protocol) {
    case 'grpc':
      return new (await import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter({ url });
    case 'http/json':
      return new (await import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter({ url });
    case 'http/protobuf':
      return new (await import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter({ url });
  }
}

/** A running meter provider and, when Prometheus is served, its URL. */
export interface MetricsExport {
  readonly meterProvider: MeterProvider;
  readonly prometheusUrl?: string;
  /** Stops the runtime metrics' collectors (event loop delay monitor, GC observer); call before shutting the provider down. */
  stopRuntimeMetrics(): void;
}

/**
 * A meter provider with the readers the plan asks for (Prometheus endpoint, periodic OTLP export) and the Node.js
 * runtime metrics (see {@link startRuntimeMetrics}), or undefined when it asks for none: the metrics SDK and its exporters are then not loaded at all, and the
 * API's no-op meter serves {@link ledgerflowMetrics}.
 * @throws LedgerflowError `telemetry_metrics_port_unavailable` when the Prometheus endpoint cannot listen.
 */
export async function startMetricsExport(plan: ExportPlan, resource: Resource): Promise<MetricsExport | undefined> {
  if (plan.prometheus === undefined && plan.metricsUrl === undefined) return undefined;
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const readers: IMetricReader[] = [];
  let prometheusUrl: string | undefined;
  if (plan.prometheus !== undefined) {
    readers.push(await startPrometheus(plan.prometheus.host, plan.prometheus.port));
    const host = plan.prometheus.host.includes(':') ? `[${plan.prometheus.host}]` : plan.prometheus.host;
    prometheusUrl = `http://${host}:${plan.prometheus.port}/metrics`;
  }
  if (plan.metricsUrl !== undefined) {
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: await otlpMetricExporter(plan.metricsProtocol, plan.metricsUrl),
        exportIntervalMillis: plan.metricsIntervalMs,
        exportTimeoutMillis: Math.min(30_000, plan.metricsIntervalMs),
      }),
    );
  }
  const meterProvider = new MeterProvider({ resource, readers });
  const runtime = await startRuntimeMetrics(meterProvider);
  return {
    meterProvider,
    ...(prometheusUrl !== undefined ? { prometheusUrl } : {}),
    stopRuntimeMetrics: () => runtime.disable(),
  };
}

/**
 * The Node.js runtime metrics of `@opentelemetry/instrumentation-runtime-node` on `meterProvider`: event loop delay
 * (`nodejs.eventloop.delay.*`, s), utilization and time, V8 heap spaces (`v8js.memory.heap.*`, By), garbage
 * collection (`v8js.gc.duration`, s, by `v8js.gc.type`) and active handles (OpenTelemetry semantic conventions,
 * "Semantic conventions for Node.js runtime metrics" and "... V8 JS engine runtime metrics").
 */
async function startRuntimeMetrics(meterProvider: MeterProvider): Promise<{ disable(): void }> {
  const { RuntimeNodeInstrumentation } = await import('@opentelemetry/instrumentation-runtime-node');
  const runtime = new RuntimeNodeInstrumentation();
  runtime.setMeterProvider(meterProvider);
  runtime.enable();
  return runtime;
}

async function startPrometheus(host: string, port: number): Promise<IMetricReader> {
  const { PrometheusExporter } = await import('@opentelemetry/exporter-prometheus');
  return new Promise((resolve, reject) => {
    const exporter = new PrometheusExporter({ host, port }, (error) => {
      if (error) {
        reject(
          new LedgerflowError(
            'telemetry_metrics_port_unavailable',
            `LEDGERFLOW_METRICS_PORT=${port}: cannot serve Prometheus metrics on ${host}:${port}: ${error.message}`,
            false,
            { host, port },
          ),
        );
      } else {
        resolve(exporter);
      }
    });
  });
}
