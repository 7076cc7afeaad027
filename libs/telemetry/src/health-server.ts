import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LedgerflowError } from '@ledgerflow/domain';
import type { ServiceHealth } from './health.js';

/** Liveness path: 200 while the event loop answers. */
export const LIVENESS_PATH = '/healthz';
/** Readiness path: 200 when every check is up, else 503 naming the failing checks. */
export const READINESS_PATH = '/readyz';

/** A running health listener. */
export interface HealthServer {
  /** `http://<host>:<port>`, the port as bound (the system's pick for port 0). */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** The line a service prints on stdout once its health listener is bound (test harnesses read the port from it). */
export const healthLine = (name: string, url: string): string => `ledgerflow:health ${name} ${url}`;

/**
 * Serves `health` over plain HTTP on `host:port` (a listener of its own, apart from the metrics endpoint, so it
 * exists whether or not metrics are exported, and a process hosting several services serves each one's health on
 * its own port). `GET|HEAD /healthz`: 200 `LivenessReport`; `GET|HEAD /readyz`: 200 or 503 `ReadinessReport`
 * (503 with `Retry-After: 5`); any other path 404, any other method 405 (with `Allow`), each with a JSON
 * `{ code, message }` body. Bodies are `application/json`, never cached.
 * @throws LedgerflowError `health_port_unavailable` (not retryable) when the port cannot be bound, naming it.
 */
export async function startHealthServer(health: ServiceHealth, host: string, port: number): Promise<HealthServer> {
  const server = createServer((request, response) => void answer(health, request, response));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: Error) =>
      reject(
        new LedgerflowError(
          'health_port_unavailable',
          `LEDGERFLOW_HEALTH_PORT=${port}: cannot serve /healthz and /readyz on ${host}:${port}: ${error.message}`,
          false,
          { host, port },
        ),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(health: ServiceHealth, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = (request.url ?? '/').split('?')[0];
  const known = path === LIVENESS_PATH || path === READINESS_PATH;
  if (!known)
    return send(
      response,
      404,
      { code: 'health_not_found', message: `no ${path} here: try ${LIVENESS_PATH} or ${READINESS_PATH}` },
      request,
    );
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return send(
      response,
      405,
      { code: 'health_method_not_allowed', message: `${path} answers GET and HEAD, not ${request.method}` },
      request,
    );
  }
  if (path === LIVENESS_PATH) return send(response, 200, health.liveness(), request);
  const report = await health.readiness();
  if (report.status !== 'ready') response.setHeader('Retry-After', '5');
  send(response, report.status === 'ready' ? 200 : 503, report, request);
}

function send(response: ServerResponse, status: number, body: unknown, request: IncomingMessage): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  response.end(request.method === 'HEAD' ? undefined : text);
}
