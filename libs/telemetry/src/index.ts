/**
 * @ledgerflow/telemetry: OpenTelemetry for every Ledgerflow process (docs/architecture.md, "Telemetry").
 * Start it first with {@link startTelemetry}; spans via {@link withSpan}; trace context in strings via
 * {@link traceparentOf} / {@link contextFromTraceparent}; metrics via {@link ledgerflowMetrics};
 * JSON-lines logs via {@link createLogger}; `/healthz` and `/readyz` of a service or tool worker via
 * {@link ServiceHealth} and {@link startHealthServer}.
 */
export type { Attributes, Context, Link, Span } from '@opentelemetry/api';
export { SpanKind, SpanStatusCode } from '@opentelemetry/api';
export * from './export-plan.js';
export * from './telemetry-sdk.js';
export { currentServiceName, runAsService } from './service-scope.js';
export * from './tracing.js';
export * from './propagation.js';
export * from './metrics.js';
export * from './logger.js';
export * from './health.js';
export * from './health-server.js';
