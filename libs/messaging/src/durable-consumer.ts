import { headers as lfHeaders, type ErrorBody } from '@ledgerflow/contracts';
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { MsgHdrs, NatsConnection } from '@nats-io/nats-core';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Context,
  type ObservableResult,
  type Span,
} from '@opentelemetry/api';
import { StoreUnavailableError } from '@ledgerflow/event-store';
import { SpanAttr, extractTraceContext, ledgerflowMetrics } from '@ledgerflow/telemetry';
import { upsertPullConsumer } from './consumer-config.js';
import { defaultDeadLetterSubject, publishDeadLetter } from './dead-letter.js';
import { toErrorBody } from './reply-envelope.js';
import { Slots } from './slots.js';
import { NATS_MSG_ID_HEADER, messagingSpanName, messagingTracer, natsAttributes } from './tracing.js';

/** One delivery handed to a durable consumer's handler. */
export interface ConsumedMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** The body parsed as JSON. @throws SyntaxError when it is not JSON (the delivery then counts as failed). */
  json<T>(): T;
  readonly headers: MsgHdrs | undefined;
  /** 1 on the first delivery, 2 on the first redelivery, ... */
  readonly deliveryCount: number;
  readonly streamSequence: number;
}

export interface DurableConsumerOptions {
  readonly stream: string;
  /** Durable name; processes using the same name share the work (each message goes to one of them). */
  readonly durable: string;
  /** Subjects to consume, e.g. `['lf.evt.run.>']`. Several subjects need nats-server 2.10+. */
  readonly filterSubjects: readonly string[];
  /**
   * Failed deliveries before a message is dead-lettered; default 5. Counted here, not by the server (the consumer's
   * `max_deliver` is unlimited), so a message whose dead letter could not be stored is redelivered, never dropped; a
   * delivery past this count (after such a failure, or a process that died handling it) is dead-lettered at once.
   * A store outage (`store_unavailable`) uses none of it: the handler is run again in place (see `startDurableConsumer`).
   */
  readonly maxDeliver?: number;
  /**
   * Nak delay after failed delivery n is `backoffMs[n-1]` (the last entry repeats), in ms; default [100, 500, 2000, 5000].
   * Also the delay before run n+1 of a handler that failed with `store_unavailable` (at least 100 ms).
   */
  readonly backoffMs?: readonly number[];
  /**
   * How long the server waits for an ack before redelivering, in ms; default 10000: a message held by a process
   * that was killed comes back after this long. Long handlers are kept alive (`working()` every half of it).
   */
  readonly ackWaitMs?: number;
  /** Handlers running at once in this process; default 16. */
  readonly concurrency?: number;
  /** Where failed messages go after `maxDeliver` deliveries; default `lf.dlq.<durable>`. */
  readonly deadLetterSubject?: string;
  /** Nak delay when the dead letter could not be stored (no `LF_DLQ`, stream full, no ack), in ms; default 5000. */
  readonly deadLetterRetryMs?: number;
  /** For a new consumer: `'all'` (default) from the stream's start, or `'new'` from now. */
  readonly deliverPolicy?: 'all' | 'new';
  /** Deliver only the headers of each message (JetStream `headers_only`); `data` is then empty. */
  readonly headersOnly?: boolean;
  /**
   * How long one pull request stays open, in ms (at least 1000); default 1000. `stop()` waits for the
   * open one to expire rather than abandon it, so no message is left stranded until its ack wait.
   */
  readonly pullExpiresMs?: number;
  /** Must be idempotent: a message may be delivered more than once. Throw to nak. */
  readonly handler: (msg: ConsumedMessage) => Promise<void>;
  /**
   * Tested first, synchronously (e.g. on the headers): true acks the message at once, without a span, a handler slot
   * or the handler (an event this process has already folded). Must not throw; a throw counts as false.
   */
  readonly skip?: (msg: ConsumedMessage) => boolean;
  /**
   * Handle the messages at hand together (e.g. apply them in one transaction) instead of one by one: messages
   * that arrive in the same event-loop turn, at most `maxMessages` (default 256), go to `handler` in delivery
   * order, one batch at a time (`concurrency` is then ignored); all are acked when it resolves. When it throws,
   * each message of the batch is handled again alone by the single-message `handler` above, so one bad message
   * is nakked, retried and dead-lettered alone and never takes the others with it. Must be idempotent too.
   */
  readonly batch?: {
    readonly maxMessages?: number;
    readonly handler: (msgs: readonly ConsumedMessage[]) => Promise<void>;
  };
  /** Told about handler failures and consumer trouble (for logging); never throws. */
  readonly onError?: (err: unknown, msg?: ConsumedMessage) => void;
}

export interface DurableConsumer {
  /**
   * Stops pulling: waits for the open pull request to end (at most `pullExpiresMs`), hands back (nak)
   * what arrives meanwhile, and resolves once running handlers have finished.
   */
  stop(): Promise<void>;
}

export const DEFAULT_BACKOFF_MS: readonly number[] = [100, 500, 2000, 5000];

/** How long a metrics collection waits for a consumer's info (`num_pending`) before leaving it out, in ms. */
const PENDING_INFO_TIMEOUT_MS = 2_000;

/** The server-side `max_deliver` of every durable: unlimited, deliveries are counted against `maxDeliver` here. */
const UNLIMITED_DELIVERIES = -1;

/**
 * Creates or updates a durable pull consumer (explicit ack) on `stream` and consumes it until `stop()`.
 * On handler success the message is acked; on failure it is nakked with `backoffMs[deliveryCount-1]`;
 * when the failed delivery was the `maxDeliver`-th, the message is published to JetStream on the dead-letter
 * subject (see `publishDeadLetter`) and terminated once `LF_DLQ` has acknowledged it; when the dead letter
 * cannot be stored, the message is nakked (`deadLetterRetryMs`) and dead-lettered on its next delivery. A failed
 * message is never acked, and never terminated before its dead letter is stored.
 *
 * A handler failing with a store outage (code `store_unavailable`, `StoreUnavailableError`) is run again in place
 * after `backoffMs` (run n waits `backoffMs[n-1]`, at least 100 ms) until it stops failing so, the message kept in
 * progress meanwhile (as are messages waiting for a handler slot or a batch), so a store down for minutes uses none
 * of `maxDeliver` and dead-letters nothing. Not a nak: JetStream counts every redelivery, and a count of outage naks
 * kept in one process is not seen by the replicas the message is redelivered to. On `stop()` during an outage the
 * message is nakked (one delivery used, as by a process that stops while handling it), never dead-lettered.
 *
 * Metrics (attribute `consumer`: the durable name): `ledgerflow.consumer.redeliveries` per delivery after the first,
 * `ledgerflow.consumer.dead_letters` per dead letter stored (both from 0), `ledgerflow.consumer.pending` (JetStream
 * `num_pending`, asked of the server at each collection, left out when it does not answer within 2 s) while the
 * consumer runs, 0 once it has stopped.
 *
 * @throws LedgerflowError `nats_consumer_config_*` when the consumer cannot be created or updated.
 * @example
 * const c = await startDurableConsumer(nc, { stream: EVENTS_STREAM, durable: 'executor', filterSubjects: ['lf.evt.run.>'],
 *   handler: async (m) => onRunEvent(m.json<StoredEvent>()) });
 */
export async function startDurableConsumer(
  nc: NatsConnection,
  options: DurableConsumerOptions,
): Promise<DurableConsumer> {
  const maxDeliver = options.maxDeliver ?? 5;
  const ackWaitMs = options.ackWaitMs ?? 10_000;
  const concurrency = Math.max(1, options.concurrency ?? 16);
  const backoff = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  const dlq = options.deadLetterSubject ?? defaultDeadLetterSubject(options.durable);
  const deadLetterRetryMs = options.deadLetterRetryMs ?? 5_000;
  const keepAliveMs = Math.max(500, Math.floor(ackWaitMs / 2));
  const backoffAfter = (n: number): number => (backoff.length === 0 ? 0 : backoff[Math.min(n - 1, backoff.length - 1)]);
  const report = (err: unknown, msg?: ConsumedMessage): void => {
    try {
      options.onError?.(err, msg);
    } catch {
      /* a logging hook must not break consumption */
    }
  };

  const jsm = await jetstreamManager(nc);
  await upsertPullConsumer(nc, jsm, {
    stream: options.stream,
    durable: options.durable,
    filterSubjects: options.filterSubjects,
    maxDeliver: UNLIMITED_DELIVERIES,
    ackWaitMs,
    deliverPolicy: options.deliverPolicy ?? 'all',
    headersOnly: options.headersOnly ?? false,
  });
  const js = jetstream(nc);
  const consumer = await js.consumers.get(options.stream, options.durable);

  // Metrics (libs/telemetry metrics.ts): redeliveries and dead letters as they happen, pending at each collection.
  const countRedelivery = (m: JsMsg): void => {
    if (m.info.redelivered) ledgerflowMetrics().consumerRedeliveries.add(1, { consumer: options.durable });
  };
  // Counters start at 0, so the first redelivery or dead letter shows as an increase (Prometheus `increase()`).
  ledgerflowMetrics().consumerRedeliveries.add(0, { consumer: options.durable });
  ledgerflowMetrics().consumerDeadLetters.add(0, { consumer: options.durable });
  const pendingGauge = ledgerflowMetrics().consumerPending;
  let pendingStopped = false;
  const observePending = async (result: ObservableResult<{ consumer: string }>): Promise<void> => {
    if (pendingStopped) {
      // Stopped (shutdown, or a lease lost): 0 from here on, since the SDK keeps reporting a series' last value.
      result.observe(0, { consumer: options.durable });
      pendingGauge.removeCallback(observePending);
      return;
    }
    const info = await Promise.race([
      consumer.info().catch(() => undefined),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), PENDING_INFO_TIMEOUT_MS).unref()),
    ]);
    if (info !== undefined) result.observe(info.num_pending, { consumer: options.durable });
  };
  pendingGauge.addCallback(observePending);

  const slots = new Slots(concurrency);
  const inFlight = new Set<Promise<void>>();
  const expires = Math.max(1_000, options.pullExpiresMs ?? 1_000);
  // On stop, a message is handed back for after the open pull request (it runs to its end): a nak without a delay
  // came straight back into it, and was nakked again, each time a delivery used.
  const handBack = (m: JsMsg): void => m.nak(expires);
  let stopping = false;
  let wake: () => void = () => undefined;
  const stopSignal = new Promise<void>((resolve) => (wake = resolve));

  // Span of one delivery (messaging conventions): the concrete subject, the JetStream message id, the durable.
  // Its attributes are computed only for a recording span (none while tracing is off: a per-message cost saved).
  const startProcessSpan = (m: JsMsg, parent: Context): Span => {
    const span = messagingTracer().startSpan(
      messagingSpanName('process', m.subject),
      { kind: SpanKind.CONSUMER },
      parent,
    );
    if (!span.isRecording()) return span;
    const messageId = m.headers?.get(NATS_MSG_ID_HEADER) || undefined;
    const runId = m.headers?.get(lfHeaders.runId) || undefined;
    span.setAttributes({
      ...natsAttributes(m.subject, 'process', 'process', {
        consumerGroup: options.durable,
        bodySize: m.data.length,
        ...(messageId ? { messageId } : {}),
      }),
      ...(runId ? { [SpanAttr.runId]: runId } : {}),
    });
    return span;
  };

  const processOne = async (m: JsMsg, view: ConsumedMessage = viewOf(m)): Promise<void> => {
    const parent = extractTraceContext(m.headers, ROOT_CONTEXT);
    const span = startProcessSpan(m, parent);
    const settle = (what: () => void): void => settleQuietly(what, view);
    // Kept alive until settled: the dead letter's publish waits for its ack too.
    const keepAlive = setInterval(() => settle(() => m.working()), keepAliveMs);
    try {
      const error =
        view.deliveryCount > maxDeliver
          ? overLimit(view.deliveryCount)
          : await handledThroughOutages(view, span, parent);
      if (!error) return settle(() => m.ack());
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      if (isStoreOutage(error)) return settle(() => handBack(m)); // left by stop(): never dead-lettered
      if (view.deliveryCount < maxDeliver) return settle(() => m.nak(backoffAfter(view.deliveryCount)));
      try {
        await publishDeadLetter(js, dlq, m, error);
      } catch (dlqErr) {
        report(dlqErr, view);
        return settle(() => m.nak(deadLetterRetryMs));
      }
      ledgerflowMetrics().consumerDeadLetters.add(1, { consumer: options.durable });
      settle(() => m.term());
    } finally {
      clearInterval(keepAlive);
      span.end();
    }
  };

  /** Runs the handler in `span`; the error body when it threw (reported), else undefined. */
  const handled = async (view: ConsumedMessage, span: Span, parent: Context): Promise<ErrorBody | undefined> => {
    try {
      await context.with(trace.setSpan(parent, span), () => options.handler(view));
      return undefined;
    } catch (err) {
      report(err, view);
      return toErrorBody(err);
    }
  };

  /** {@link handled}, run again while it fails with a store outage (after `backoffAfter(run)`), until `stop()`. */
  const handledThroughOutages = async (
    view: ConsumedMessage,
    span: Span,
    parent: Context,
  ): Promise<ErrorBody | undefined> => {
    for (let run = 1; ; run++) {
      const error = await handled(view, span, parent);
      if (!isStoreOutage(error) || stopping) return error;
      span.addEvent('store unavailable: handler to run again', { [SpanAttr.handlerRun]: run });
      await Promise.race([new Promise((r) => setTimeout(r, Math.max(100, backoffAfter(run)))), stopSignal]);
    }
  };

  const overLimit = (deliveries: number): ErrorBody => ({
    code: 'delivery_limit_exceeded',
    message: `delivered ${deliveries} times, more than maxDeliver (${maxDeliver}): an earlier dead letter was not stored, or the process stopped while handling it`,
    retryable: false,
  });

  const track = (task: Promise<void>): void => {
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  // Single messages: one pull request for as many messages as there are handler slots, handed out as slots free
  // up (a message waiting for a slot is already delivered to this process, so its ack wait runs). One pull per
  // `concurrency` messages rather than one per free slot: under load, a pull for the one free slot cost a pull
  // request, a subscription and its removal per message, the consumers' largest CPU cost.
  const skips = (view: ConsumedMessage): boolean => {
    if (!options.skip) return false;
    try {
      return options.skip(view);
    } catch {
      return false;
    }
  };
  const handOut = async (m: JsMsg): Promise<void> => {
    countRedelivery(m);
    const view = viewOf(m);
    if (!stopping && skips(view)) return settleQuietly(() => m.ack(), view);
    if (!(await slotFor(m, view))) return settleQuietly(() => handBack(m), view);
    track(processOne(m, view).finally(() => slots.release()));
  };
  /** Takes a handler slot, the message kept in progress while it waits (slots may be held through a store outage); false once stopping. */
  const slotFor = async (m: JsMsg, view: ConsumedMessage): Promise<boolean> => {
    if (stopping) return false;
    if (slots.tryTake()) return true;
    const keepAlive = setInterval(() => settleQuietly(() => m.working(), view), keepAliveMs);
    try {
      while (!stopping && !slots.tryTake()) await slots.whenFree();
    } finally {
      clearInterval(keepAlive);
    }
    return !stopping;
  };

  // Batches: messages that arrived in one event-loop turn (at most maxBatch) are handled together, one batch at a time.
  const maxBatch = Math.max(1, options.batch?.maxMessages ?? 256);
  let gathered: JsMsg[] = [];
  let batches: Promise<void> = Promise.resolve();
  let flushScheduled = false;
  const flush = (): void => {
    flushScheduled = false;
    const batch = gathered;
    gathered = [];
    if (batch.length === 0) return;
    // Kept in progress from now: the batch may wait behind one held up by a store outage.
    const keepAlive = setInterval(() => batch.forEach((m) => settleQuietly(() => m.working())), keepAliveMs);
    const task = (batches = batches.then(() => processBatch(batch)).finally(() => clearInterval(keepAlive)));
    track(task);
  };
  const gather = async (m: JsMsg): Promise<void> => {
    countRedelivery(m);
    if (stopping) return settleQuietly(() => handBack(m));
    // Past its deliveries (its dead letter is due): alone, so that it never fails a batch again.
    if (m.info.deliveryCount > maxDeliver) return track(processOne(m));
    gathered.push(m);
    if (gathered.length >= maxBatch) {
      flush();
      await batches;
    } else if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  const processBatch = async (batch: readonly JsMsg[]): Promise<void> => {
    const handleBatch = options.batch?.handler;
    if (!handleBatch) return;
    const views = batch.map(viewOf);
    const span = messagingTracer().startSpan(`process ${options.durable} batch`, {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.operation.type': 'process',
        'messaging.operation.name': 'process',
        'messaging.batch.message_count': batch.length,
        'messaging.consumer.group.name': options.durable,
      },
    });
    try {
      await context.with(trace.setSpan(ROOT_CONTEXT, span), () => handleBatch(views));
      batch.forEach((m, i) => settleQuietly(() => m.ack(), views[i]));
    } catch (err) {
      // One by one, so that a bad message fails (and is dead-lettered) alone.
      span.setStatus({ code: SpanStatusCode.ERROR, message: toErrorBody(err).message });
      for (const [i, m] of batch.entries()) await processOne(m, views[i]);
    } finally {
      span.end();
    }
  };

  // Acks go out on the connection; when it is closed they throw: report, and let the server redeliver.
  function settleQuietly(what: () => void, view?: ConsumedMessage): void {
    try {
      what();
    } catch (err) {
      report(err, view);
    }
  }

  // Every pull request runs to its end: one abandoned early would still receive messages nobody handles until
  // their ack wait.
  const loop = (async () => {
    while (!stopping) {
      try {
        const pulled = await consumer.fetch({ max_messages: options.batch ? maxBatch : concurrency, expires });
        for await (const m of pulled) await (options.batch ? gather(m) : handOut(m));
        if (options.batch) {
          flush();
          await batches;
        }
      } catch (err) {
        report(err);
        await Promise.race([new Promise((r) => setTimeout(r, 1000)), stopSignal]);
      }
    }
  })();

  let stopped: Promise<void> | undefined;
  return {
    stop: () => {
      stopped ??= (async () => {
        stopping = true;
        wake();
        slots.wakeAll();
        await loop;
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        pendingStopped = true;
      })();
      return stopped;
    },
  };
}

/** A handler failure that is the store's, not the message's: retried in place, never counted against `maxDeliver`. */
function isStoreOutage(error: ErrorBody | undefined): boolean {
  return error?.code === StoreUnavailableError.code;
}

function viewOf(m: JsMsg): ConsumedMessage {
  return {
    subject: m.subject,
    data: m.data,
    json: <T>() => m.json<T>(),
    headers: m.headers,
    deliveryCount: m.info.deliveryCount,
    streamSequence: m.info.streamSequence,
  };
}
