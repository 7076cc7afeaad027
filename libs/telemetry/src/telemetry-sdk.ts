import { randomUUID } from 'node:crypto';
import type { TracerProvider } from '@opentelemetry/api';
import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { ExportPlan, TelemetryEnv } from './export-plan.js';
import { resolveExportPlan } from './export-plan.js';
import { startMetricsExport, traceExportProcessor } from './exporters.js';
import { startHttpClientSpans } from './http-client-spans.js';
import { traceContextPropagator } from './propagation.js';
import { ServiceScopedTracerProvider } from './service-scope.js';

/** Options of {@link startTelemetry}. */
export interface TelemetryOptions {
  /** Resource attribute `service.name`, e.g. `executor`. */
  readonly serviceName: string;
  /** Resource attribute `service.version`; optional. */
  readonly serviceVersion?: string;
  /** Extra span processors, added before the OTLP one (tests inject `SimpleSpanProcessor(InMemorySpanExporter)`). */
  readonly spanProcessors?: readonly SpanProcessor[];
  /** Variables to read (see {@link resolveExportPlan}); default `process.env`. */
  readonly env?: TelemetryEnv;
  /**
   * Services this process hosts (`ledgerflow start --single-process`), e.g. `['ledgerflow-planner', ...]`:
   * a span started inside `runAsService(name, ...)` for one of them carries `service.name = name`; other spans
   * carry `serviceName`. Default: none (every span carries `serviceName`).
   */
  readonly serviceNames?: readonly string[];
}

/** A running SDK. */
export interface Telemetry {
  readonly serviceName: string;
  /** What is exported (URLs, Prometheus host/port). */
  readonly plan: ExportPlan;
  /** `http://host:port/metrics` when a Prometheus endpoint is served. */
  readonly prometheusUrl?: string;
  /** Exports every finished span and metric now. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the exporters and the Prometheus server, and unregisters the global providers. Idempotent. */
  shutdown(): Promise<void>;
}

interface Running {
  readonly telemetry: Telemetry;
  users: number;
  stop(): Promise<void>;
}

let running: Running | undefined;

/**
 * Starts OpenTelemetry for this process: call it first thing in every service.
 *
 * Registers globally a tracer provider (resource `service.name`), the W3C trace-context + baggage
 * propagators and an AsyncLocalStorage context manager; exports traces over OTLP (`http/protobuf`, `http/json` or
 * `grpc` as `OTEL_EXPORTER_OTLP_PROTOCOL` says) and metrics over OTLP and/or Prometheus only as the variables ask
 * (see {@link resolveExportPlan}); the exporters and the metrics SDK are loaded only then (a process that exports
 * nothing keeps them out of memory). Metrics come with the Node.js runtime metrics (event loop, heap, GC); spans, when
 * any processor takes them, with a CLIENT span per outbound `fetch()` ({@link startHttpClientSpans}); no other
 * auto-instrumentation (the gateway's HTTP server spans: services/gateway/src/http-tracing.ts). A second call while
 * one is running shares the first (its service name and processors win) and needs its own `shutdown()`: the SDK
 * stops when the last user shuts down.
 *
 * Built from the SDK's parts (tracer and meter providers, exporters, propagators, context manager), not with
 * `NodeSDK` of `@opentelemetry/sdk-node`, which does not fit two requirements here: it registers one tracer provider
 * with one resource, where `ledgerflow start --single-process` needs a `service.name` per hosted service
 * ({@link ServiceScopedTracerProvider}); and with no variable set it exports traces and logs to `localhost:4318`
 * (the specification's default), where Ledgerflow exports nothing unless asked (docs/operations.md). Module weight
 * is a lesser reason: importing `@opentelemetry/sdk-node` 0.223 loads every exporter of every signal and protocol
 * (461 modules, +32 to +35 MiB resident on Node 24.21) where this assembly loads 295 modules (+31 to +32 MiB, the
 * Ledgerflow libraries it imports included) while exporting nothing; once it exports over OTLP (traces, metrics,
 * runtime metrics, outbound HTTP spans) both weigh about the same (472 modules, +36 MiB, against 462 and +33 MiB for
 * a started `NodeSDK`). Measured with `node --expose-gc libs/telemetry/src/module-weight.mjs @ledgerflow/telemetry
 * --start` (with `OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:9` for the exporting figures), and the same with
 * `@opentelemetry/sdk-node` from a directory where `npm install @opentelemetry/sdk-node@0.223.0` put it.
 *
 * @throws LedgerflowError `telemetry_metrics_port_unavailable` when the Prometheus endpoint cannot listen.
 * @example const telemetry = await startTelemetry({ serviceName: 'executor' }); ... await telemetry.shutdown();
 */
export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  if (running !== undefined) {
    diag.warn(`telemetry already started for ${running.telemetry.serviceName}; ${options.serviceName} shares it`);
    running.users += 1;
    return handle(running);
  }
  const plan = resolveExportPlan(options.env ?? process.env);
  for (const warning of plan.warnings) diag.warn(warning);

  const resource = defaultResource()
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: options.serviceName,
        'service.namespace': 'ledgerflow',
        'service.instance.id': randomUUID(),
        ...(options.serviceVersion !== undefined ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
      }),
    );

  const metricsExport = await startMetricsExport(plan, resource);
  const meterProvider = metricsExport?.meterProvider;
  const prometheusUrl = metricsExport?.prometheusUrl;

  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  const exportProcessor = await traceExportProcessor(plan);
  if (exportProcessor !== undefined) spanProcessors.push(exportProcessor);
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });
  const globalProvider: TracerProvider =
    options.serviceNames !== undefined && options.serviceNames.length > 0
      ? new ServiceScopedTracerProvider(tracerProvider, resource, options.serviceNames, spanProcessors)
      : tracerProvider;

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(traceContextPropagator);
  trace.setGlobalTracerProvider(globalProvider);
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);
  // Outbound HTTP spans only where spans go somewhere: each costs a span and a header per request.
  const httpClientSpans = spanProcessors.length > 0 ? await startHttpClientSpans(globalProvider) : undefined;

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      running = undefined;
      metricsExport?.stopRuntimeMetrics();
      httpClientSpans?.disable();
      try {
        await Promise.all([tracerProvider.shutdown(), meterProvider?.shutdown()]);
      } finally {
        trace.disable();
        metrics.disable();
        propagation.disable();
        context.disable();
      }
    })();
    return stopped;
  };
  const telemetry: Telemetry = {
    serviceName: options.serviceName,
    plan,
    ...(prometheusUrl !== undefined ? { prometheusUrl } : {}),
    forceFlush: async () => {
      await Promise.all([tracerProvider.forceFlush(), meterProvider?.forceFlush()]);
    },
    shutdown: stop,
  };
  running = { telemetry, users: 1, stop };
  return handle(running);
}

/** One user's view of the running SDK: its `shutdown()` releases it once; the last release stops the SDK. */
function handle(current: Running): Telemetry {
  let released = false;
  return {
    ...current.telemetry,
    shutdown: async () => {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users === 0) await current.stop();
    },
  };
}
