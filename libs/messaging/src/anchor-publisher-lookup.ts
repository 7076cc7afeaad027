import { ANCHORS_STREAM, EVENTS_STREAM, subjects } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { anchorSubject } from './anchor-publisher.js';
import { categoryOf, subjectToken } from './event-subject.js';

/**
 * The latest anchor of a store stream in JetStream `LF_ANCHORS` (the last message on {@link anchorSubject}), as
 * parsed JSON (check it with `parseSignedAnchor` of libs/audit), or undefined when the stream has none.
 * The caller's NATS user needs `$JS.API.STREAM.MSG.GET.LF_ANCHORS` (the `admin` user has it).
 * @throws JetStreamApiError when `LF_ANCHORS` does not exist or the request is refused; a connection error.
 */
export async function latestAnchorOf(nc: NatsConnection, streamId: string): Promise<unknown> {
  const jsm = await jetstreamManager(nc);
  const msg = await jsm.streams.getMessage(ANCHORS_STREAM, { last_by_subj: anchorSubject(streamId) });
  return msg ? msg.json<unknown>() : undefined;
}

/** The subjects of a store stream's events in `LF_EVENTS`: `lf.evt.<category>.<streamId>.>` (see `eventSubject`). */
export const relayedSubjectsOf = (streamId: string): string =>
  subjects.event(subjectToken(categoryOf(streamId)), subjectToken(streamId), '>');

/**
 * Every copy of a store stream's events the relay published to JetStream `LF_EVENTS` (message bodies: the
 * `StoredEvent` JSON), oldest first, read with an ordered consumer filtered on {@link relayedSubjectsOf}. Events
 * past `LF_EVENTS`' max age are gone; a repeat published after the duplicate window appears twice.
 * @param timeoutMs how long to wait for each batch, in ms (default 5000).
 * @throws LedgerflowError `nats_read_timeout` (retryable) when the server stops delivering before the last
 *   message; JetStreamApiError when `LF_EVENTS` does not exist or the consumer is refused.
 */
export async function relayedEventsOf(nc: NatsConnection, streamId: string, timeoutMs = 5_000): Promise<StoredEvent[]> {
  const jsm = await jetstreamManager(nc);
  const filter = relayedSubjectsOf(streamId);
  const { state } = await jsm.streams.info(EVENTS_STREAM, { subjects_filter: filter });
  let remaining = Object.values(state.subjects ?? {}).reduce((sum, n) => sum + n, 0);
  const events: StoredEvent[] = [];
  if (remaining === 0) return events;
  // One subject as a string: the consumer then uses `filter_subject`, which nats-server 2.9 has (the list form needs 2.10).
  const consumer = await jetstream(nc).consumers.get(EVENTS_STREAM, { filter_subjects: filter });
  try {
    while (remaining > 0) {
      let got = 0;
      for await (const msg of await consumer.fetch({ max_messages: Math.min(remaining, 500), expires: timeoutMs })) {
        events.push(msg.json<StoredEvent>());
        got++;
        remaining = msg.info.pending;
        if (remaining === 0) break;
      }
      if (got === 0) {
        throw new LedgerflowError(
          'nats_read_timeout',
          `no message of ${filter} in ${EVENTS_STREAM} within ${timeoutMs} ms (${remaining} expected)`,
          true,
          { subject: filter },
        );
      }
    }
  } finally {
    await consumer.delete().catch(() => undefined);
  }
  return events;
}
