import { headers as lfHeaders } from '@ledgerflow/contracts';
import type { CheckpointStore, EventStore, StoredEvent, Subscription } from '@ledgerflow/event-store';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { CheckpointSaver } from './checkpoint-saver.js';
import { eventSubject } from './event-subject.js';
import { encodeJson } from './reply-envelope.js';

export interface EventRelayOptions {
  readonly nc: NatsConnection;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  /** Checkpoint name; default `'relay'`. Relays with different names keep separate positions. */
  readonly name?: string;
  /** Relay only streams whose id starts with this (e.g. `run-`); default all. */
  readonly streamPrefix?: string;
  /** Save the checkpoint after this many published events or this many ms, whichever first; default 100 events / 200 ms. */
  readonly checkpointEvery?: { readonly events?: number; readonly ms?: number };
  /** Wait for each JetStream ack at most this long, in ms; default 5000. */
  readonly publishTimeoutMs?: number;
  /** Publish retry delays grow from `initialMs` (default 50) doubling up to `maxMs` (default 5000). */
  readonly retry?: { readonly initialMs?: number; readonly maxMs?: number };
  /** Told about publish, store and checkpoint errors (for logging); the relay keeps retrying. */
  readonly onError?: (err: unknown, event?: StoredEvent) => void;
}

export interface EventRelay {
  /** Position of the last event JetStream acknowledged (0 before the first). */
  readonly position: number;
  /** Position last saved to the checkpoint store. */
  readonly checkpoint: number;
  /** Stops after the event in hand (published or not), then saves the checkpoint. */
  stop(): Promise<void>;
}

/**
 * Copies every stored event after the saved checkpoint to JetStream, in position order: subject
 * `lf.evt.<category>.<streamId>.<type>` (see {@link eventSubject}), message id = `metadata.eventId`
 * (so a re-publish after a restart is dropped by the stream's duplicate window), headers
 * `traceparent`/`tracestate` from the metadata and `lf-run-id`, body = the `StoredEvent` as JSON.
 * The checkpoint only moves past events JetStream has acknowledged; a failed publish is retried with
 * backoff and never skipped, so an event appended by a process that died right after is delivered by
 * whichever relay runs next. Several relays with the same name are safe (duplicates are suppressed).
 *
 * @example
 * const relay = await startEventRelay({ nc, store, checkpoints });
 * process.on('SIGTERM', () => relay.stop());
 */
export async function startEventRelay(options: EventRelayOptions): Promise<EventRelay> {
  const name = options.name ?? 'relay';
  const js = jetstream(options.nc, { timeout: options.publishTimeoutMs ?? 5_000 });
  const initialMs = options.retry?.initialMs ?? 50;
  const maxMs = options.retry?.maxMs ?? 5_000;
  const report = (err: unknown, event?: StoredEvent): void => {
    try {
      options.onError?.(err, event);
    } catch {
      /* logging must not break the relay */
    }
  };
  const saver = new CheckpointSaver(options.checkpoints, name, options.checkpointEvery?.events ?? 100, options.checkpointEvery?.ms ?? 200, report);
  let published = await options.checkpoints.load(name);
  saver.loaded(published);

  let stopping = false;
  const sleepers = new Set<() => void>();
  /** Waits `ms`, or less when the relay stops. */
  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      sleepers.add(done);
    });

  const relayOne = async (event: StoredEvent): Promise<void> => {
    if (stopping || event.position <= published) return;
    for (let attempt = 0; !stopping; attempt++) {
      try {
        await publishEvent(js, event);
        published = event.position;
        await saver.advanced(published);
        return;
      } catch (err) {
        report(err, event);
        await sleep(Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 16)));
      }
    }
  };

  let subscription: Subscription | undefined;
  const subscribe = (): void => {
    if (stopping) return;
    subscription = options.store.subscribeToAll(
      {
        fromPosition: published,
        ...(options.streamPrefix ? { streamPrefix: options.streamPrefix } : {}),
        onError: (err) => {
          // The store failed (or a handler threw): resume from the last published event after a pause.
          report(err);
          void sleep(Math.min(maxMs, 1_000)).then(subscribe);
        },
      },
      relayOne,
    );
  };
  subscribe();

  let stopped: Promise<void> | undefined;
  return {
    get position() {
      return published;
    },
    get checkpoint() {
      return saver.saved;
    },
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        for (const done of [...sleepers]) done();
        await subscription?.close().catch(() => undefined);
        await saver.close();
      })();
      return stopped;
    },
  };
}

/** Publishes one stored event and waits for the JetStream ack (a duplicate ack counts as success). */
export async function publishEvent(js: JetStreamClient, event: StoredEvent): Promise<void> {
  await js.publish(eventSubject(event), encodeJson(event), { msgID: event.metadata.eventId, headers: eventHeaders(event) });
}

/** `traceparent`/`tracestate` from the event's metadata and `lf-run-id`. */
export function eventHeaders(event: StoredEvent): MsgHdrs {
  const hdrs = natsHeaders();
  const { traceparent, tracestate, runId } = event.metadata;
  if (traceparent) hdrs.set(lfHeaders.traceparent, traceparent);
  if (tracestate) hdrs.set(lfHeaders.tracestate, tracestate);
  if (runId) hdrs.set(lfHeaders.runId, runId);
  hdrs.set(lfHeaders.streamRevision, String(event.revision));
  return hdrs;
}
