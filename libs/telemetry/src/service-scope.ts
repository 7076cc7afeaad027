import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Span, SpanOptions, Tracer, TracerOptions, TracerProvider } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

const scope = new AsyncLocalStorage<string>();

/**
 * Runs `fn` as the service `serviceName` of a process that hosts several (`ledgerflow start --single-process`):
 * spans started in `fn` and in everything it schedules (its NATS connections' callbacks, timers, HTTP server)
 * carry resource attribute `service.name = serviceName` when telemetry was started with that name in
 * `TelemetryOptions.serviceNames`. Outside any scope, spans carry the process's `serviceName`.
 * @example await runAsService('ledgerflow-planner', () => startPlanner());
 */
export function runAsService<T>(serviceName: string, fn: () => T): T {
  return scope.run(serviceName, fn);
}

/** The service whose {@link runAsService} scope the caller runs in; undefined outside any. */
export function currentServiceName(): string | undefined {
  return scope.getStore();
}

/**
 * A tracer provider for a process hosting several services: one `BasicTracerProvider` per service name
 * (each with its own `service.name` resource, all sharing `spanProcessors`), chosen when a span starts
 * from the caller's {@link runAsService} scope; `fallback` outside any scope or for a name not listed.
 */
export class ServiceScopedTracerProvider implements TracerProvider {
  private readonly providers = new Map<string, BasicTracerProvider>();

  constructor(
    private readonly fallback: BasicTracerProvider,
    resource: Resource,
    serviceNames: readonly string[],
    spanProcessors: readonly SpanProcessor[],
  ) {
    for (const name of serviceNames) {
      const own = resource.merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: name }));
      this.providers.set(name, new BasicTracerProvider({ resource: own, spanProcessors: [...spanProcessors] }));
    }
  }

  getTracer(name: string, version?: string, options?: TracerOptions): Tracer {
    const tracerOf = (): Tracer => {
      const service = scope.getStore();
      const provider = (service !== undefined ? this.providers.get(service) : undefined) ?? this.fallback;
      return provider.getTracer(name, version, options);
    };
    return {
      startSpan: (spanName: string, spanOptions?: SpanOptions, context?: Context): Span =>
        tracerOf().startSpan(spanName, spanOptions, context),
      startActiveSpan: ((...args: Parameters<Tracer['startActiveSpan']>) =>
        (tracerOf().startActiveSpan as (...a: unknown[]) => unknown)(...args)) as Tracer['startActiveSpan'],
    };
  }
}
