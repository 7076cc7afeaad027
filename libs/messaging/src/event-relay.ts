import { headers as lfHeaders, subjects, type ErrorBody } from '@ledgerflow/contracts';
import type { CheckpointStore, EventStore, StoredEvent, Subscription } from '@ledgerflow/event-store';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs, type NatsConnection } from '@nats-io/nats-core';
import { metrics } from '@opentelemetry/api';
import { CheckpointSaver } from './checkpoint-saver.js';
import { deadLetterEvent, headersBytes, isPermanentPublishError } from './dead-letter.js';
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
  /** Told about transient publish, store and checkpoint errors (for logging); the relay keeps retrying. */
  readonly onError?: (err: unknown, event?: StoredEvent) => void;
  /** Where events that cannot be published go (stream `LF_DLQ`); default `lf.dlq.<name>`. */
  readonly deadLetterSubject?: string;
  /**
   * Told about each event put into `LF_DLQ` instead of `LF_EVENTS` (log it as an error): `reason.code` is
   * `event_too_large` or `event_rejected`; `carried` says whether the dead letter holds the event or only a
   * reference to it (stream id, revision, position, size).
   */
  readonly onDeadLetter?: (event: StoredEvent, reason: ErrorBody, carried: 'event' | 'reference') => void;
}

/**
 * Counter of events the relay dead-lettered (`ledgerflow.relay.dead_letters`, Prometheus
 * `ledgerflow_relay_dead_letters_total`, unit `{event}`, attribute `reason`: event_too_large, event_rejected).
 * Any increase needs an operator (docs/operations.md, "Limits").
 */
export const RELAY_DEAD_LETTERS_METRIC = 'ledgerflow.relay.dead_letters';

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
 * The checkpoint only moves past events JetStream has acknowledged, in `LF_EVENTS` or in `LF_DLQ`: a
 * transient failure (no responders, timeout, disconnection) is retried with backoff and never skipped, so an
 * event appended by a process that died right after is delivered by whichever relay runs next. An event
 * that can never be published (over the server's `max_payload`, or refused by JetStream for good, see
 * `isPermanentPublishError`) is dead-lettered (`deadLetterEvent`), counted in {@link RELAY_DEAD_LETTERS_METRIC},
 * reported to `onDeadLetter`, and the relay moves on: one event never stalls the others.
 * Several relays with the same name are safe (duplicates are suppressed).
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

  const deadLetterSubject = options.deadLetterSubject ?? subjects.deadLetter(name);
  const deadLetters = (): ReturnType<ReturnType<typeof metrics.getMeter>['createCounter']> =>
    metrics.getMeter(METER_SCOPE).createCounter(RELAY_DEAD_LETTERS_METRIC, { unit: '{event}', description: 'Events the relay could not publish and dead-lettered.' });
  const relayOne = async (event: StoredEvent): Promise<void> => {
    if (stopping || event.position <= published) return;
    for (let attempt = 0; !stopping; attempt++) {
      try {
        const reason = await publishOrRefuse(js, options.nc, event);
        if (reason) {
          const { subject, body, size } = messageOf(event);
          const ref = { subject, body, size, streamId: event.streamId, revision: event.revision, position: event.position, eventId: event.metadata.eventId, type: event.type };
          const carried = await deadLetterEvent(js, maxPayloadOf(options.nc), deadLetterSubject, ref, reason);
          deadLetters().add(1, { reason: reason.code });
          try {
            options.onDeadLetter?.(event, reason, carried);
          } catch {
            /* logging must not break the relay */
          }
        }
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

/** The instrumentation scope of Ledgerflow's metrics (libs/telemetry `INSTRUMENTATION_SCOPE`). */
const METER_SCOPE = '@ledgerflow/telemetry';

const maxPayloadOf = (nc: NatsConnection): number => nc.info?.max_payload ?? 1024 * 1024;

/** The message the relay publishes for `event`: subject, body and size in bytes (body + encoded headers). */
function messageOf(event: StoredEvent): { subject: string; body: Uint8Array; size: number } {
  const body = encodeJson(event);
  return { subject: eventSubject(event), body, size: body.length + headersBytes(eventHeaders(event)) };
}

/**
 * Publishes `event`, or says why it never can be: `event_too_large` when its message exceeds the server's
 * `max_payload` (checked before sending) or JetStream refuses its size, `event_rejected` for another
 * permanent refusal. Returns `undefined` once published.
 * @throws transient errors (no responders, timeout, connection): retry.
 */
async function publishOrRefuse(js: JetStreamClient, nc: NatsConnection, event: StoredEvent): Promise<ErrorBody | undefined> {
  const { subject, size } = messageOf(event);
  const maxPayload = maxPayloadOf(nc);
  const where = `event ${event.type} of stream '${event.streamId}' at revision ${event.revision}`;
  if (size > maxPayload) {
    return { code: 'event_too_large', message: `${where} is ${size} bytes, over the NATS server's max_payload of ${maxPayload} bytes`, retryable: false };
  }
  try {
    await publishEvent(js, event);
    return undefined;
  } catch (err) {
    if (!isPermanentPublishError(err)) throw err;
    const message = (err as Error).message;
    const tooLarge = /size|max_payload|maximum/i.test(message);
    return { code: tooLarge ? 'event_too_large' : 'event_rejected', message: `${where} (${size} bytes) was refused on ${subject}: ${message}`, retryable: false };
  }
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
