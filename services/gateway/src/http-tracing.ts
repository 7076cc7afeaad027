import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { extractTraceContext, getTracer } from '@ledgerflow/telemetry';

/** Paths answered without a span: the probes Kubernetes and compose call every few seconds (health.controller.ts). */
const UNTRACED_PATHS: ReadonlySet<string> = new Set(['/healthz', '/readyz']);

/** The methods of the HTTP semantic conventions' `http.request.method`; any other is reported as `_OTHER`. */
const KNOWN_METHODS: ReadonlySet<string> = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'TRACE',
]);

/** An Express request as far as this middleware reads it (`route` and `baseUrl` are set by the router). */
type RoutedRequest = IncomingMessage & { route?: { path?: unknown }; baseUrl?: string };

/**
 * The route template Express matched (`/v1/workflows/:workflowId/runs`), or undefined before a match or when no
 * route matched (404).
 */
export function routeOf(request: RoutedRequest): string | undefined {
  const path = request.route?.path;
  return typeof path === 'string' ? `${request.baseUrl ?? ''}${path}` : undefined;
}

/**
 * The trace context of an incoming request's W3C `traceparent`/`tracestate` (and `baggage`) headers, on the root
 * context: a valid `traceparent` makes the server span its child, in the caller's trace; a missing or malformed one
 * starts a new trace (W3C Trace Context, https://www.w3.org/TR/trace-context/).
 */
export function incomingTraceContext(request: Pick<IncomingMessage, 'headers'>): Context {
  const headers = request.headers;
  return extractTraceContext({
    keys: () => Object.keys(headers),
    get: (name) => {
      const value = headers[name.toLowerCase()];
      return Array.isArray(value) ? value.join(',') : (value ?? '');
    },
  });
}

/**
 * Express middleware creating one SERVER span per HTTP request, by the OpenTelemetry HTTP semantic conventions
 * (semconv 1.45, "HTTP server spans", https://opentelemetry.io/docs/specs/semconv/http/http-spans/):
 * - name `{method} {route template}`, e.g. `POST /v1/workflows/:workflowId/runs` (just `{method}` when no route
 *   matched): the ids of a path are in `url.path`, never in the name;
 * - attributes `http.request.method`, `url.path`, `url.scheme`, `network.protocol.version`, `http.route` (once
 *   matched), `http.response.status_code`; a 5xx answer sets status ERROR and `error.type` (a 4xx does not: the
 *   client's error, not the server's);
 * - parent: the caller's span from an incoming `traceparent` ({@link incomingTraceContext}), so that the run a
 *   `POST /v1/workflows/{id}/runs` starts continues the caller's trace (the planner records the active span as the
 *   run's root, docs/architecture.md "Telemetry");
 * - the span is active for everything the request runs (guards, handlers, NATS requests; the request's and
 *   response's event listeners are bound to it, so body parsing keeps it), and ends when the response is finished
 *   or the connection closes.
 * `/healthz` and `/readyz` get no span. Register it before the body parsers (`app.use(httpServerTracing())`).
 */
export function httpServerTracing(): (request: IncomingMessage, response: ServerResponse, next: () => void) => void {
  return (request, response, next) => {
    const path = pathOf(request.url);
    if (UNTRACED_PATHS.has(path)) return next();
    const method = KNOWN_METHODS.has(request.method ?? '') ? (request.method as string) : '_OTHER';
    const attributes: Attributes = {
      'http.request.method': method,
      'url.path': path,
      'url.scheme': 'encrypted' in request.socket && request.socket.encrypted ? 'https' : 'http',
      'network.protocol.version': request.httpVersion,
    };
    if (method === '_OTHER' && request.method !== undefined)
      attributes['http.request.method_original'] = request.method;
    const parent = incomingTraceContext(request);
    const span = getTracer().startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
    const active = trace.setSpan(parent, span);
    context.bind(active, request);
    context.bind(active, response);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      finish(span, method, request as RoutedRequest, response);
    };
    response.once('finish', end);
    response.once('close', end);
    context.with(active, next);
  };
}

function finish(span: Span, method: string, request: RoutedRequest, response: ServerResponse): void {
  const route = routeOf(request);
  if (route !== undefined) {
    span.setAttribute('http.route', route);
    span.updateName(`${method} ${route}`);
  }
  if (response.headersSent) {
    span.setAttribute('http.response.status_code', response.statusCode);
    if (response.statusCode >= 500) {
      span.setAttribute('error.type', String(response.statusCode));
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
  } else {
    // The connection closed before an answer was sent (the client went away).
    span.setAttribute('error.type', 'connection_closed');
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the response was sent' });
  }
  span.end();
}

/** The path of a request target without its query (`/v1/runs?limit=2` -> `/v1/runs`). */
function pathOf(url: string | undefined): string {
  const target = url ?? '/';
  const query = target.indexOf('?');
  return query === -1 ? target : target.slice(0, query);
}
