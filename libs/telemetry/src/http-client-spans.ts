import type { TracerProvider } from '@opentelemetry/api';

/** Outbound HTTP client spans while enabled; {@link disable} stops them. */
export interface HttpClientSpans {
  disable(): void;
}

/**
 * CLIENT spans of the process's outbound HTTP requests made with Node's `fetch()` or undici (webhook deliveries,
 * JWKS look-ups, notifications, a model provider's API), from `tracerProvider`: `@opentelemetry/instrumentation-undici`,
 * which listens on undici's `diagnostics_channel` events, so no module is patched and it works however the caller
 * imported `fetch`. Each span (OpenTelemetry HTTP semantic conventions, "HTTP client span") is named by the method
 * (`POST`), is a child of the span active when the request was made, and carries `http.request.method`, `url.full`,
 * `server.address`, `server.port`, `http.response.status_code` and, for a failed request or a 4xx/5xx answer,
 * `error.type`; the request gets the span's `traceparent` header (the global propagator). Requests made with
 * `node:http` (the OTLP exporters' own) get no span.
 */
export async function startHttpClientSpans(tracerProvider: TracerProvider): Promise<HttpClientSpans> {
  const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
  // Enabled as it is constructed (`{ enabled: false }` would keep it from making spans even once enabled).
  const instrumentation = new UndiciInstrumentation();
  instrumentation.setTracerProvider(tracerProvider);
  return instrumentation;
}
