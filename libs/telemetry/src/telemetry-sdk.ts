import { randomUUID } from 'node:crypto';
import { context, diag, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { LedgerflowError } from '@ledgerflow/domain';
import type { ExportPlan, TelemetryEnv } from './export-plan.js';
import { resolveExportPlan } from './export-plan.js';

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
 * propagators and an AsyncLocalStorage context manager; exports traces over OTLP/HTTP JSON and metrics
 * over OTLP and/or Prometheus only as the variables ask (see {@link resolveExportPlan}). No
 * auto-instrumentation. A second call while one is running shares the first (its service name and
 * processors win) and needs its own `shutdown()`: the SDK stops when the last user shuts down.
 *
 * @throws LedgerflowError `TELEMETRY.METRICS_PORT_UNAVAILABLE` when the Prometheus endpoint cannot listen.
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
    .merge(resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      'service.namespace': 'ledgerflow',
      'service.instance.id': randomUUID(),
      ...(options.serviceVersion !== undefined ? { [ATTR_SERVICE_VERSION]: options.serviceVersion } : {}),
    }));

  const readers: IMetricReader[] = [];
  let prometheusUrl: string | undefined;
  if (plan.prometheus !== undefined) {
    readers.push(await startPrometheus(plan.prometheus.host, plan.prometheus.port));
    const host = plan.prometheus.host.includes(':') ? `[${plan.prometheus.host}]` : plan.prometheus.host;
    prometheusUrl = `http://${host}:${plan.prometheus.port}/metrics`;
  }
  if (plan.metricsUrl !== undefined) {
    readers.push(new PeriodicExportingMetricReader({
      exporter: new OTLPMetricExporter({ url: plan.metricsUrl }),
      exportIntervalMillis: plan.metricsIntervalMs,
      exportTimeoutMillis: Math.min(30_000, plan.metricsIntervalMs),
    }));
  }
  const meterProvider = readers.length > 0 ? new MeterProvider({ resource, readers }) : undefined;

  const spanProcessors: SpanProcessor[] = [...(options.spanProcessors ?? [])];
  if (plan.tracesUrl !== undefined) spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: plan.tracesUrl })));
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors });

  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  }));
  trace.setGlobalTracerProvider(tracerProvider);
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      running = undefined;
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

function startPrometheus(host: string, port: number): Promise<PrometheusExporter> {
  return new Promise((resolve, reject) => {
    const exporter: PrometheusExporter = new PrometheusExporter({ host, port }, (error) => {
      if (error) {
        reject(new LedgerflowError(
          'TELEMETRY.METRICS_PORT_UNAVAILABLE',
          `LEDGERFLOW_METRICS_PORT=${port}: cannot serve Prometheus metrics on ${host}:${port}: ${error.message}`,
          false,
          { host, port },
        ));
      } else {
        resolve(exporter);
      }
    });
  });
}
