/**
 * What a process exports, decided from environment variables only (pure: no I/O).
 *
 * Traces (OpenTelemetry SDK environment variable specification,
 * https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ and
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/):
 * - `OTEL_SDK_DISABLED=true`: nothing is exported at all.
 * - `OTEL_TRACES_EXPORTER`: `otlp` (the default) or `none`; other values are ignored with a warning.
 * - `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`: used as-is; otherwise `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`
 *   for OTLP/HTTP, or `OTEL_EXPORTER_OTLP_ENDPOINT` as-is for gRPC (e.g. `http://collector:4317`).
 *   Neither set: no trace exporter (Ledgerflow exports nothing unless asked, unlike the spec's localhost default).
 * - `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (the spec's default),
 *   `http/json` or `grpc`; another value is warned about and `http/protobuf` is used.
 *
 * Metrics:
 * - `LEDGERFLOW_METRICS_PORT` (1..65535): a Prometheus scrape endpoint at
 *   `http://<LEDGERFLOW_METRICS_HOST or 127.0.0.1>:<port>/metrics`.
 * - `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/metrics` over HTTP): periodic
 *   OTLP export every `OTEL_METRIC_EXPORT_INTERVAL` ms (default 60000, spec default), unless
 *   `OTEL_METRICS_EXPORTER=none`; protocol from `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, else
 *   `OTEL_EXPORTER_OTLP_PROTOCOL`, as for traces.
 */
export interface ExportPlan {
  /**
   * Where traces go: the full OTLP/HTTP URL (`http://collector:4318/v1/traces`) or the gRPC endpoint
   * (`http://collector:4317`); absent: no trace export.
   */
  readonly tracesUrl?: string;
  /** The OTLP protocol of trace export. */
  readonly tracesProtocol: OtlpProtocol;
  /** Where metrics go (as `tracesUrl`); absent: no OTLP metrics. */
  readonly metricsUrl?: string;
  /** The OTLP protocol of metric export. */
  readonly metricsProtocol: OtlpProtocol;
  /** Metric export interval in milliseconds (OTLP metrics only). */
  readonly metricsIntervalMs: number;
  /** Prometheus scrape endpoint; absent: none. */
  readonly prometheus?: { readonly host: string; readonly port: number };
  /** Problems with the variables, worth a warning, never fatal here (libs/config validates at start). */
  readonly warnings: readonly string[];
}

/**
 * An OTLP transport (https://opentelemetry.io/docs/specs/otlp/): protobuf or JSON bodies over HTTP (port 4318 by
 * convention), or gRPC (port 4317).
 */
export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** The protocols {@link OtlpProtocol} names; the first is the default (OTLP exporter specification). */
export const OTLP_PROTOCOLS: readonly OtlpProtocol[] = ['http/protobuf', 'http/json', 'grpc'];

/** The environment shape read by {@link resolveExportPlan}. */
export type TelemetryEnv = Readonly<Record<string, string | undefined>>;

const DEFAULT_METRIC_INTERVAL_MS = 60_000;

function value(env: TelemetryEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function signalUrl(env: TelemetryEnv, signal: 'traces' | 'metrics', protocol: OtlpProtocol): string | undefined {
  const specific = value(env, `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`);
  if (specific !== undefined) return specific;
  const base = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (base === undefined) return undefined;
  // gRPC has no per-signal path: the service name travels in the call (TraceService/Export, MetricsService/Export).
  return protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/${signal}`;
}

function signalProtocol(env: TelemetryEnv, signal: 'traces' | 'metrics', warnings: string[]): OtlpProtocol {
  const name = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`;
  const [variable, raw] =
    value(env, name) !== undefined
      ? [name, value(env, name)]
      : ['OTEL_EXPORTER_OTLP_PROTOCOL', value(env, 'OTEL_EXPORTER_OTLP_PROTOCOL')];
  if (raw === undefined) return OTLP_PROTOCOLS[0];
  const protocol = OTLP_PROTOCOLS.find((p) => p === raw.toLowerCase());
  if (protocol !== undefined) return protocol;
  warnings.push(`${variable}=${raw}: unsupported; supported: ${OTLP_PROTOCOLS.join(', ')}; using ${OTLP_PROTOCOLS[0]}`);
  return OTLP_PROTOCOLS[0];
}

function exporterList(env: TelemetryEnv, name: string): string[] {
  return (value(env, name) ?? 'otlp')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
}

/**
 * Resolves the export plan from `env`.
 * @example resolveExportPlan({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' }).tracesUrl
 *   // 'http://127.0.0.1:4318/v1/traces'
 */
export function resolveExportPlan(env: TelemetryEnv): ExportPlan {
  const warnings: string[] = [];
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') {
    return {
      tracesProtocol: OTLP_PROTOCOLS[0],
      metricsProtocol: OTLP_PROTOCOLS[0],
      metricsIntervalMs: DEFAULT_METRIC_INTERVAL_MS,
      warnings,
    };
  }

  const traceExporters = exporterList(env, 'OTEL_TRACES_EXPORTER');
  const metricExporters = exporterList(env, 'OTEL_METRICS_EXPORTER');
  for (const [name, list] of [
    ['OTEL_TRACES_EXPORTER', traceExporters],
    ['OTEL_METRICS_EXPORTER', metricExporters],
  ] as const) {
    const unsupported = list.filter((e) => e !== 'otlp' && e !== 'none' && e !== 'prometheus');
    if (unsupported.length > 0)
      warnings.push(`${name}: unsupported exporter(s) ${unsupported.join(', ')}; supported: otlp, none`);
  }

  const tracesProtocol = signalProtocol(env, 'traces', warnings);
  const metricsProtocol = signalProtocol(env, 'metrics', warnings);
  const tracesUrl =
    traceExporters.includes('none') || !traceExporters.includes('otlp')
      ? undefined
      : signalUrl(env, 'traces', tracesProtocol);
  const metricsUrl =
    metricExporters.includes('none') || !metricExporters.includes('otlp')
      ? undefined
      : signalUrl(env, 'metrics', metricsProtocol);

  const intervalRaw = value(env, 'OTEL_METRIC_EXPORT_INTERVAL');
  let metricsIntervalMs = DEFAULT_METRIC_INTERVAL_MS;
  if (intervalRaw !== undefined) {
    const n = Number(intervalRaw);
    if (Number.isInteger(n) && n > 0) metricsIntervalMs = n;
    else
      warnings.push(
        `OTEL_METRIC_EXPORT_INTERVAL=${intervalRaw}: must be a positive integer (ms); using ${DEFAULT_METRIC_INTERVAL_MS}`,
      );
  }

  let prometheus: ExportPlan['prometheus'];
  const portRaw = value(env, 'LEDGERFLOW_METRICS_PORT');
  if (portRaw !== undefined) {
    const port = Number(portRaw);
    if (Number.isInteger(port) && port >= 1 && port <= 65535) {
      prometheus = { host: value(env, 'LEDGERFLOW_METRICS_HOST') ?? '127.0.0.1', port };
    } else {
      warnings.push(`LEDGERFLOW_METRICS_PORT=${portRaw}: must be an integer in 1..65535; no Prometheus endpoint`);
    }
  }

  return {
    ...(tracesUrl !== undefined ? { tracesUrl } : {}),
    ...(metricsUrl !== undefined ? { metricsUrl } : {}),
    ...(prometheus !== undefined ? { prometheus } : {}),
    tracesProtocol,
    metricsProtocol,
    metricsIntervalMs,
    warnings,
  };
}
