import { headers as lfHeaders, subjects, type ErrorBody } from '@ledgerflow/contracts';
import type { CheckpointStore, EventStore, StoredEvent, Subscription } from '@ledgerflow/event-store';
import { JetStreamApiError, JetStreamError, jetstream, type JetStreamClient } from '@nats-io/jetstream';
import {
  NoRespondersError,
  TimeoutError,
  createInbox,
  headers as natsHeaders,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
  type Subscription as NatsSubscription,
} from '@nats-io/nats-core';
import { MetricName, ledgerflowMetrics } from '@ledgerflow/telemetry';
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
  /**
   * Told about each event once JetStream acknowledged its copy in `LF_EVENTS`, in position order (e.g. to count runs
   * from their events, once for every process that appends). At least once: a relay resuming from its checkpoint
   * after a crash tells again the events relayed since (at most `checkpointEvery`). Must not throw (a throw is ignored).
   */
  readonly onRelayed?: (event: StoredEvent) => void;
}

/**
 * Counter of events the relay dead-lettered (`ledgerflow.relay.dead_letters`, Prometheus
 * `ledgerflow_relay_dead_letters_total`, unit `{event}`, attribute `reason`: event_too_large, event_rejected).
 * Any increase needs an operator (docs/operations.md, "Limits").
 */
export const RELAY_DEAD_LETTERS_METRIC = MetricName.relayDeadLetters;

export interface EventRelay {
  /** Position of the last event JetStream acknowledged (0 before the first). */
  readonly position: number;
  /** Position last saved to the checkpoint store. */
  readonly checkpoint: number;
  /** Stops issuing publishes, waits for the acks of those already issued, then saves the checkpoint. */
  stop(): Promise<void>;
}

/** Events in one published batch, at most; the store's subscription (pages of 256) waits while as many wait for the next. */
const MAX_BATCH = 1024;

/** An event whose publish was issued, with its message and what became of it. */
interface Issued {
  readonly event: StoredEvent;
  readonly message: EventMessage;
  /** Resolves with `undefined` once JetStream acknowledged the message, or with the error it failed with. */
  readonly ack: Promise<unknown>;
  /** Set when the message was not sent because it can never be (over the server's `max_payload`). */
  readonly refused?: ErrorBody;
}

const NOT_SENT: Promise<unknown> = Promise.resolve(undefined);

/**
 * Copies every stored event after the saved checkpoint to JetStream, in position order: subject
 * `lf.evt.<category>.<streamId>.<type>` (see {@link eventSubject}), message id = `metadata.eventId`
 * (so a re-publish after a restart is dropped by the stream's duplicate window), headers
 * `traceparent`/`tracestate` from the metadata and `lf-run-id`, body = the `StoredEvent` as JSON.
 * Publishing is pipelined: the events read from the store since the last batch (a page, up to {@link MAX_BATCH}) are
 * published at once, in position order (one socket write), and their acks (all on one subscription of the
 * connection's inbox, not a request per message) are awaited in that order, each `publishTimeoutMs` at most, before
 * the next batch goes out (so a batch lost with a connection is published again before any later event).
 * The checkpoint only moves past events JetStream has acknowledged, in `LF_EVENTS` or in `LF_DLQ`: a
 * transient failure (no responders, timeout, disconnection) stops the pipeline at that event, which is
 * retried with backoff and never skipped (the events after it are published again; JetStream drops the copies
 * it already has), so an event appended by a process that died right after is delivered by whichever relay
 * runs next. (A transient failure of one message while the next ones of its page are stored, e.g. `LF_EVENTS`
 * created between the two, puts it after them in `LF_EVENTS`.) An event that can never be published (over the
 * server's `max_payload`, or refused by JetStream for good, see `isPermanentPublishError`) is dead-lettered
 * (`deadLetterEvent`), counted in {@link RELAY_DEAD_LETTERS_METRIC}, reported to `onDeadLetter`, and the relay
 * moves on: one event never stalls the others. Each acknowledged copy records the relay lag (`ledgerflow.relay.lag`,
 * seconds from the event's `recordedAt`) and is reported to `onRelayed`.
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
  const saver = new CheckpointSaver(
    options.checkpoints,
    name,
    options.checkpointEvery?.events ?? 100,
    options.checkpointEvery?.ms ?? 200,
    report,
  );
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
  // At 0 from the start, so the first dead letter shows as an increase (Prometheus `increase()`, the alert).
  for (const reason of ['event_too_large', 'event_rejected'] as const)
    ledgerflowMetrics().relayDeadLetters.add(0, { reason });
  const deadLetter = async ({ event, message: { subject, body, size } }: Issued, reason: ErrorBody): Promise<void> => {
    const ref = {
      subject,
      body,
      size,
      streamId: event.streamId,
      revision: event.revision,
      position: event.position,
      eventId: event.metadata.eventId,
      type: event.type,
    };
    const carried = await deadLetterEvent(js, maxPayloadOf(options.nc), deadLetterSubject, ref, reason);
    ledgerflowMetrics().relayDeadLetters.add(1, {
      reason: reason.code === 'event_too_large' ? 'event_too_large' : 'event_rejected',
    });
    try {
      options.onDeadLetter?.(event, reason, carried);
    } catch {
      /* logging must not break the relay */
    }
  };

  // Relay lag (libs/telemetry `ledgerflow.relay.lag`): from the store's `recordedAt` to the ack of the copy.
  const relayed = (event: StoredEvent): void => {
    const recordedMs = Date.parse(event.recordedAt);
    if (Number.isFinite(recordedMs)) ledgerflowMetrics().relayLag.record(Math.max(0, Date.now() - recordedMs) / 1000);
    try {
      options.onRelayed?.(event);
    } catch {
      /* a metrics hook must not break the relay */
    }
  };

  // The pipeline: events handed over by the subscription (the last one at `queued`) wait in `pending` until the
  // page is read; then they are published together (`inFlight`) and acknowledged in order, and the events read
  // meanwhile form the next batch. One batch at a time: a batch lost with a connection is published again (after
  // its ack timeout) before any later event, so a reconnect cannot put later events first in LF_EVENTS.
  // A transient failure starts a new generation: everything after `published` is dropped and read again.
  let generation = 0;
  let queued = published;
  let pending: StoredEvent[] = [];
  let issueScheduled = false;
  let inFlight: Issued[] = [];
  let draining: Promise<void> | undefined;
  let failures = 0;
  let roomWaiters: Array<() => void> = [];
  const wakeRoomWaiters = (): void => {
    const waiters = roomWaiters;
    roomWaiters = [];
    for (const wake of waiters) wake();
  };

  const acks = new AckInbox(options.nc, options.publishTimeoutMs ?? 5_000);
  /** Publishes the pending events as one batch (`inFlight`). */
  const send = (): void => {
    const batch = pending;
    pending = [];
    wakeRoomWaiters();
    const maxPayload = maxPayloadOf(options.nc);
    const messages = batch.map(messageOf);
    const sent = acks.publish(messages.filter((message) => message.size <= maxPayload));
    let next = 0;
    inFlight = batch.map((event, i): Issued => {
      const message = messages[i] as EventMessage;
      if (message.size <= maxPayload) return { event, message, ack: sent[next++] as Promise<unknown> };
      const refused: ErrorBody = {
        code: 'event_too_large',
        message: `${describe(event)} is ${message.size} bytes, over the NATS server's max_payload of ${maxPayload} bytes`,
        retryable: false,
      };
      return { event, message, ack: NOT_SENT, refused };
    });
  };

  const issue = (): void => {
    issueScheduled = false;
    if (stopping || draining || pending.length === 0) return;
    send();
    draining = drain();
  };

  /** Awaits the acks of the batch in flight in publish order, moving `published`; returns the first transient failure, if any. */
  const acknowledge = async (): Promise<{ err: unknown; event: StoredEvent } | undefined> => {
    const batch = inFlight;
    let acked = 0;
    try {
      for (const item of batch) {
        const error = await item.ack;
        let refused = item.refused;
        if (error !== undefined) {
          if (!isPermanentPublishError(error)) return { err: error, event: item.event };
          const text = (error as Error).message;
          const tooLarge = /size|max_payload|maximum/i.test(text);
          refused = {
            code: tooLarge ? 'event_too_large' : 'event_rejected',
            message: `${describe(item.event)} (${item.message.size} bytes) was refused on ${item.message.subject}: ${text}`,
            retryable: false,
          };
        }
        if (refused) {
          try {
            await deadLetter(item, refused);
          } catch (err) {
            return { err, event: item.event };
          }
        }
        published = item.event.position;
        failures = 0;
        acked++;
        if (!refused) relayed(item.event);
      }
      return undefined;
    } finally {
      if (acked > 0) void saver.advanced(published, acked);
    }
  };

  /** Acknowledges batch after batch while events keep coming; after a transient failure, reads again from `published`. */
  const drain = async (): Promise<void> => {
    let failure: { err: unknown; event: StoredEvent } | undefined;
    for (;;) {
      failure = await acknowledge();
      inFlight = [];
      if (failure || stopping || pending.length === 0) break;
      send();
    }
    draining = undefined;
    if (!failure) return;
    // Drop what follows the failed event and read it again from the store after a pause.
    generation++;
    pending = [];
    queued = published;
    wakeRoomWaiters();
    report(failure.err, failure.event);
    if (stopping) return;
    const old = subscription;
    subscription = undefined;
    await old?.close().catch(() => undefined);
    await sleep(Math.min(maxMs, initialMs * 2 ** Math.min(failures++, 16)));
    subscribe();
  };

  const handlerOf =
    (gen: number) =>
    (event: StoredEvent): Promise<void> | undefined => {
      if (stopping || gen !== generation || event.position <= queued) return undefined;
      queued = event.position;
      pending.push(event);
      if (!issueScheduled && !draining) {
        issueScheduled = true;
        setImmediate(issue);
      }
      if (pending.length < MAX_BATCH) return undefined;
      return new Promise<void>((resolve) => roomWaiters.push(resolve));
    };

  let subscription: Subscription | undefined;
  const subscribe = (): void => {
    if (stopping) return;
    const gen = generation;
    subscription = options.store.subscribeToAll(
      {
        fromPosition: published,
        ...(options.streamPrefix ? { streamPrefix: options.streamPrefix } : {}),
        onError: (err) => {
          // The store failed: resume after the last published event after a pause (events in flight are not read twice).
          if (gen !== generation) return;
          report(err);
          void sleep(Math.min(maxMs, 1_000)).then(() => {
            if (gen === generation) subscribe();
          });
        },
      },
      handlerOf(gen),
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
        wakeRoomWaiters();
        await subscription?.close().catch(() => undefined);
        await draining;
        acks.close();
        await saver.close();
      })();
      return stopped;
    },
  };
}

const maxPayloadOf = (nc: NatsConnection): number => nc.info?.max_payload ?? 1024 * 1024;

/** The message the relay publishes for an event: subject, body, headers (message id included), and its size in bytes (body + encoded headers). */
interface EventMessage {
  readonly subject: string;
  readonly body: Uint8Array;
  readonly headers: MsgHdrs;
  readonly size: number;
}

function messageOf(event: StoredEvent): EventMessage {
  const body = encodeJson(event);
  const headers = eventHeaders(event);
  headers.set(MSG_ID_HEADER, event.metadata.eventId);
  return { subject: eventSubject(event), body, headers, size: body.length + headersBytes(headers) };
}

const describe = (event: StoredEvent): string =>
  `event ${event.type} of stream '${event.streamId}' at revision ${event.revision}`;

/** JetStream's deduplication header (`JetStreamClient.publish`'s `msgID`). */
const MSG_ID_HEADER = 'Nats-Msg-Id';

const ackDecoder = new TextDecoder();

/** A message waiting for its ack, and the batch it was sent in. */
interface AckWaiter {
  readonly subject: string;
  readonly batch: { remaining: number; timer?: NodeJS.Timeout };
  readonly settle: (error: unknown) => void;
}

/**
 * Publishes to JetStream with one subscription for all the acks: message n's reply subject is `<inbox>.<n>`, `<inbox>`
 * a fresh inbox under the connection's `inboxPrefix` (the only one a Ledgerflow service may read). A batch of messages
 * goes out in one write and costs one timer, where `JetStreamClient.publish` makes a request of each (a timer, a mux
 * entry and an Error object per message: a third of the relay's CPU per event). Each message's promise resolves with
 * `undefined` once acknowledged (a duplicate too), or with what `js.publish` would have thrown: `JetStreamApiError`
 * (refused), `NoRespondersError` (no stream on the subject), `TimeoutError` (no ack within `timeoutMs`), the client's
 * error (e.g. over `max_payload`). It never rejects.
 */
class AckInbox {
  private readonly prefix: string;
  private readonly waiting = new Map<number, AckWaiter>();
  private subscription: NatsSubscription | undefined;
  private last = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    // `options` is public on the client's connection class (not on the NatsConnection interface).
    this.prefix = createInbox((nc as { options?: { inboxPrefix?: string } }).options?.inboxPrefix);
  }

  publish(
    messages: ReadonlyArray<{ readonly subject: string; readonly body: Uint8Array; readonly headers: MsgHdrs }>,
  ): Array<Promise<unknown>> {
    if (messages.length === 0) return [];
    if (!this.subscription || this.subscription.isClosed()) {
      try {
        this.subscription = this.nc.subscribe(`${this.prefix}.*`, {
          callback: (error, msg) => (error ? this.failAll(error) : this.acknowledged(msg)),
        });
      } catch (err) {
        return messages.map(() => Promise.resolve(err)); // the connection is closed: a transient failure for the relay
      }
    }
    const batch: AckWaiter['batch'] = { remaining: 0 };
    const acks = messages.map(
      ({ subject, body, headers }) =>
        new Promise<unknown>((settle) => {
          const id = ++this.last;
          try {
            this.nc.publish(subject, body, { reply: `${this.prefix}.${id}`, headers });
            this.waiting.set(id, { subject, batch, settle });
            batch.remaining++;
          } catch (err) {
            settle(err);
          }
        }),
    );
    if (batch.remaining > 0) {
      const last = this.last;
      const first = last - messages.length + 1;
      batch.timer = setTimeout(() => {
        for (let id = first; id <= last && batch.remaining > 0; id++) {
          const waiter = this.waiting.get(id);
          if (waiter?.batch === batch) this.settle(id, waiter, new TimeoutError());
        }
      }, this.timeoutMs);
    }
    return acks;
  }

  /** Stops listening; messages still waiting settle with a TimeoutError. */
  close(): void {
    this.failAll(new TimeoutError());
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** Settles every waiting message with `error` (e.g. the server refused the inbox subscription: a permissions violation). */
  private failAll(error: unknown): void {
    for (const [id, waiter] of this.waiting) this.settle(id, waiter, error);
  }

  private acknowledged(msg: Msg): void {
    const id = Number(msg.subject.slice(this.prefix.length + 1));
    const waiter = this.waiting.get(id);
    if (!waiter) return; // timed out already
    this.settle(id, waiter, ackError(msg, waiter.subject));
  }

  private settle(id: number, waiter: AckWaiter, error: unknown): void {
    this.waiting.delete(id);
    if (--waiter.batch.remaining === 0) clearTimeout(waiter.batch.timer);
    waiter.settle(error);
  }
}

/** What an ack says: `undefined` when the message is stored (or was already), else the error `js.publish` throws for it. */
function ackError(msg: Msg, subject: string): unknown {
  if (msg.data.length === 0 && msg.headers?.code === 503) return new NoRespondersError(subject);
  try {
    const ack = JSON.parse(ackDecoder.decode(msg.data)) as {
      stream?: string;
      error?: ConstructorParameters<typeof JetStreamApiError>[0];
    };
    if (ack.error) return new JetStreamApiError(ack.error);
    return ack.stream ? undefined : new JetStreamError('invalid ack response');
  } catch (err) {
    return err;
  }
}

/** Publishes one stored event and waits for the JetStream ack (a duplicate ack counts as success). */
export async function publishEvent(js: JetStreamClient, event: StoredEvent): Promise<void> {
  await js.publish(eventSubject(event), encodeJson(event), {
    msgID: event.metadata.eventId,
    headers: eventHeaders(event),
  });
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
