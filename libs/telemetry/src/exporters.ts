import type { IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LedgerflowError } from '@ledgerflow/domain';
import type { ExportPlan } from './export-plan.js';

/**
 * The OTLP/HTTP span processor when the plan exports traces, else none. The exporter and its OTLP
 * transformer are imported only then. With the metrics SDK and exporters below, what a process that exports
 * nothing no longer loads comes to about 136 modules and 4 MiB of resident memory (module-load trace and
 * RSS after `gc()` per import, Node 24; README, "Performance").
 */
export async function traceExportProcessor(plan: ExportPlan): Promise<SpanProcessor | undefined> {
  if (plan.tracesUrl === undefined) return undefined;
  const [{ OTLPTraceExporter }, { BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  return new BatchSpanProcessor(new OTLPTraceExporter({ url: plan.tracesUrl }));
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
 * @throws LedgerflowError `TELEMETRY.METRICS_PORT_UNAVAILABLE` when the Prometheus endpoint cannot listen.
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
    const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-http');
    readers.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: plan.metricsUrl }),
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
            'TELEMETRY.METRICS_PORT_UNAVAILABLE',
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
