import { EVENTS_STREAM } from '@ledgerflow/contracts';
import type { CheckpointStore } from '@ledgerflow/event-store';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';

/**
 * The store position of the last event in `LF_EVENTS` (its body is the `StoredEvent` the relay published, with its
 * `position`), or 0 when the stream holds none (empty, or every message past its retention).
 * @throws JetStream errors other than "no message" (e.g. the user may not read the stream's messages).
 */
export async function lastRelayedPosition(nc: NatsConnection): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const { state } = await jsm.streams.info(EVENTS_STREAM);
  if (state.messages === 0 || state.last_seq === 0) return 0;
  const message = await jsm.streams.getMessage(EVENTS_STREAM, { seq: state.last_seq });
  if (message === null) return 0;
  const position = message.json<{ position?: unknown }>().position;
  return typeof position === 'number' && Number.isSafeInteger(position) && position > 0 ? position : 0;
}

/**
 * The relay's checkpoints when replicas take turns relaying (the lease `relay`): each replica saves to its own store
 * (an SQLite file per planner pod), so a replica taking over would resume from its own, older checkpoint and publish
 * again events older than `LF_EVENTS`' 2-minute duplicate window. `load` returns the later of its own checkpoint
 * and the position of the last event in `LF_EVENTS` ({@link lastRelayedPosition}): the relay publishes in position
 * order, and an event JetStream holds was published with every event before it (events it refused for good went to
 * `LF_DLQ`). When `LF_EVENTS` cannot be read, its own checkpoint (re-publishing more, never skipping).
 */
export function relayedCheckpoints(
  own: CheckpointStore,
  nc: NatsConnection,
  onError?: (error: unknown) => void,
): CheckpointStore {
  return {
    async load(name) {
      const saved = await own.load(name);
      try {
        return Math.max(saved, await lastRelayedPosition(nc));
      } catch (error) {
        onError?.(error);
        return saved;
      }
    },
    save: (name, position) => own.save(name, position),
    close: () => own.close(),
  };
}
