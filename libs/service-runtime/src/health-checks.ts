import type { NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import type { EventStore } from '@ledgerflow/event-store';
import type { ConsumerBinding } from './durable-consumer.host.js';
import type { CheckState, HealthCheck } from '@ledgerflow/telemetry';

/** A stream id no aggregate uses: reading it (always empty) proves the store answers queries. */
export const HEALTH_PROBE_STREAM = 'health-probe';

/**
 * `nats`: the service's own NATS connection is open and the server answers a PING (`rtt()`), so requests,
 * core subscriptions and JetStream calls can flow. Down while disconnected or reconnecting.
 */
export function natsCheck(nc: NatsConnection): HealthCheck {
  return {
    name: 'nats',
    run: async (): Promise<CheckState> => {
      if (nc.isClosed()) return { status: 'down', detail: 'connection closed' };
      const rttMs = await nc.rtt();
      return { status: 'up', detail: `${nc.getServer()} rtt ${rttMs.toFixed(1)} ms` };
    },
  };
}

/**
 * `store`: the event store answers a read (of {@link HEALTH_PROBE_STREAM}, one event at most: SQLite runs a
 * query on its file; EventStoreDB a read over gRPC). Down with the store's error, e.g. `store_unavailable`.
 */
export function storeCheck(store: EventStore): HealthCheck {
  return {
    name: 'store',
    run: async (): Promise<CheckState> => {
      await store.readStream(HEALTH_PROBE_STREAM, { maxCount: 1 });
      return { status: 'up' };
    },
  };
}

/** The connection states Nest's NATS transport reports (`INestMicroservice.status`). */
export type RpcStatus = 'connected' | 'disconnected' | 'reconnecting' | string;

/**
 * `rpc`: the NATS connection of Nest's transport, which holds the service's request subscriptions (queue group
 * = service name), is connected. `status()` gives its last reported state; undefined before it reported one.
 */
export function rpcCheck(status: () => RpcStatus | undefined): HealthCheck {
  return {
    name: 'rpc',
    run: async (): Promise<CheckState> => {
      const now = status();
      if (now === 'connected') return { status: 'up', detail: 'request subscriptions bound' };
      return { status: 'down', detail: now === undefined ? 'not listening yet' : now };
    },
  };
}

/**
 * `consumers`: every durable JetStream consumer of the service's consumer hosts is started in this process and
 * exists on the server (`CONSUMER.INFO`, a right every service has on its own durables). A leased host whose lease
 * another replica holds is on standby, which counts as ready. `hosts()` lists the hosts (found once the Nest
 * application exists). Up with no hosts (a service without durable consumers).
 */
export function consumersCheck(
  nc: NatsConnection,
  hosts: () => readonly { binding(): ConsumerBinding }[],
): HealthCheck {
  return {
    name: 'consumers',
    run: async (): Promise<CheckState> => {
      const bindings = hosts().map((host) => host.binding());
      const active = bindings.filter((b) => !b.standby);
      const durables = active.flatMap((b) => b.durables);
      if (bindings.length > 0 && active.length === 0) return { status: 'standby', detail: 'lease held elsewhere' };
      const missing = active.filter((b) => b.started < b.durables.length);
      if (missing.length > 0) {
        const names = missing.flatMap((b) => b.durables.map((d) => d.durable));
        return { status: 'down', detail: `not started: ${names.join(', ')}` };
      }
      if (durables.length === 0) return { status: 'up', detail: 'no durable consumers' };
      const jsm = await jetstreamManager(nc, { checkAPI: false });
      await Promise.all(durables.map((d) => jsm.consumers.info(d.stream, d.durable)));
      const standby = bindings.length - active.length;
      return {
        status: 'up',
        detail: `${durables.length} bound${standby > 0 ? `, ${standby} host(s) on standby` : ''}`,
      };
    },
  };
}
