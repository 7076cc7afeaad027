import type { RelayedEvent } from '@ledgerflow/audit';
import { connectNats, latestAnchorOf, natsAuthFromEnv, relayedEventsOf } from '@ledgerflow/messaging';

/** What the audit commands read from NATS: the latest anchor of a stream, and the relay's copy of its events. */
export interface AuditBus {
  /** The last message of the stream in `LF_ANCHORS` (parsed JSON), or undefined when it has none. */
  latestAnchor(streamId: string): Promise<unknown>;
  /** Every copy of the stream's events in `LF_EVENTS`, oldest first. */
  relayedEvents(streamId: string): Promise<readonly RelayedEvent[]>;
  close(): Promise<void>;
}

/** Opens an {@link AuditBus} with the command's environment; tests pass a stand-in. */
export type AuditBusConnector = (env: Readonly<Record<string, string | undefined>>) => Promise<AuditBus>;

/**
 * Connects to NATS as the CLI user: `NATS_URL` (default `nats://127.0.0.1:4222`), credentials from
 * `NATS_NKEY_SEED_FILE` / `NATS_NKEY_SEED` and `NATS_TLS_*` (`natsAuthFromEnv`). The user must be allowed to
 * read `LF_ANCHORS` and `LF_EVENTS` through the JetStream API (the `admin` user of `ledgerflow nats credentials`).
 * @throws LedgerflowError `nats_credentials_invalid` naming the variable; the client's connection or authorization error.
 */
export const connectAuditBus: AuditBusConnector = async (env) => {
  const nc = await connectNats({
    servers: env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: 'ledgerflow-cli',
    auth: natsAuthFromEnv(env),
    extra: { maxReconnectAttempts: 0 },
  });
  return {
    latestAnchor: (streamId) => latestAnchorOf(nc, streamId),
    relayedEvents: (streamId) => relayedEventsOf(nc, streamId),
    close: () => nc.close(),
  };
};

/** Opens the bus with `connect`, runs `read` on it, and closes it whatever happens. @throws what `connect` or `read` throws. */
export async function readAuditBus<T>(
  connect: AuditBusConnector,
  env: Readonly<Record<string, string | undefined>>,
  read: (bus: AuditBus) => Promise<T>,
): Promise<T> {
  const bus = await connect(env);
  try {
    return await read(bus);
  } finally {
    await bus.close().catch(() => undefined);
  }
}
