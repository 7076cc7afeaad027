import { connect, type ConnectionOptions, type NatsConnection } from '@nats-io/transport-node';
import { natsAuthOptions, type NatsClientAuth } from './nats-client-auth.js';

export interface ConnectNatsOptions {
  /** One URL or a list, e.g. `nats://127.0.0.1:4222` (the `NATS_URL` variable). */
  readonly servers: string | readonly string[];
  /** Connection name shown by the server's monitoring, e.g. the service name. */
  readonly name: string;
  /**
   * Credentials (nkey seed, TLS), e.g. `natsAuthFromEnv()`; undefined: connect without (a development
   * server without authorization). With a seed, the connection uses the user's own inbox prefix.
   */
  readonly auth?: NatsClientAuth;
  /** Anything else the v3 client accepts; overrides the defaults below. */
  readonly extra?: Partial<ConnectionOptions>;
}

/**
 * How a long-running service's NATS connection outlives a server restart or outage: reconnect forever every 1 s
 * with up to 500 ms jitter (the client's default gives up after 10 attempts, 2 s apart: a connection that outlives
 * a 25 s outage only by luck), ping every 30 s and declare the connection stale after 3 missed pongs, and connect
 * within 10 s. For every connection a service holds: {@link connectNats}'s, and the NestJS NATS transport's
 * (`natsTransportOptions` in libs/service-runtime), which answers the service's requests.
 */
export const SERVICE_RECONNECT_OPTIONS = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 1_000,
  reconnectJitter: 500,
  timeout: 10_000,
  pingInterval: 30_000,
  maxPingOut: 3,
} as const satisfies Partial<ConnectionOptions>;

/**
 * Connects to NATS with reconnect settings for long-running services ({@link SERVICE_RECONNECT_OPTIONS}): once connected, reconnect
 * forever (`maxReconnectAttempts: -1`) every 1 s with up to 500 ms jitter; ping every 30 s and
 * declare the connection stale after 3 missed pongs. The first connect fails fast (10 s timeout) so a
 * misconfigured `NATS_URL` stops the service; pass `extra: { waitOnFirstConnect: true }` to wait instead.
 * `noAsyncTraces`: a request does not build an Error (with its stack) up front for a timeout it may never have;
 * a timeout still rejects with the client's TimeoutError, without the caller's frames (profiled: 1-2% of the
 * executor's and the planner's CPU under load went to those unused stacks).
 *
 * @throws the client's connection error (e.g. `ConnectionError`) when no server is reachable, or an
 *   authorization error (`AuthorizationError`) when the server refuses the credentials.
 * @example
 * const nc = await connectNats({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'my-workers', auth: natsAuthFromEnv() });
 */
export function connectNats(options: ConnectNatsOptions): Promise<NatsConnection> {
  const servers =
    typeof options.servers === 'string'
      ? options.servers
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [...options.servers];
  return connect({
    servers,
    name: options.name,
    ...SERVICE_RECONNECT_OPTIONS,
    noAsyncTraces: true,
    ...natsAuthOptions(options.auth),
    ...options.extra,
  });
}
