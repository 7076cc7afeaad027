import { LedgerflowError } from '@ledgerflow/domain';
import {
  AckPolicy,
  DeliverPolicy,
  JetStreamApiError,
  type ConsumerConfig,
  type ConsumerInfo,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';

export interface PullConsumerSpec {
  readonly stream: string;
  readonly durable: string;
  readonly filterSubjects: readonly string[];
  readonly maxDeliver: number;
  readonly ackWaitMs: number;
  readonly deliverPolicy: 'all' | 'new';
  /** Deliver headers only (no body): for consumers that need just the ids in the headers. */
  readonly headersOnly?: boolean;
}

const CONSUMER_NOT_FOUND = 10014;
const STREAM_NOT_FOUND = 10059;

/** `true` when the connected server is at least `major.minor`. */
export function serverAtLeast(nc: NatsConnection, major: number, minor: number): boolean {
  const [maj = 0, min = 0] = (nc.info?.version ?? '0.0.0').split('.').map((part) => Number.parseInt(part, 10));
  return maj > major || (maj === major && min >= minor);
}

/**
 * The JetStream configuration of a durable pull consumer with explicit ack. One filter subject uses
 * `filter_subject` (any server); several use `filter_subjects`, which needs nats-server 2.10+.
 */
export function pullConsumerConfig(spec: PullConsumerSpec): Partial<ConsumerConfig> {
  const filter =
    spec.filterSubjects.length === 1
      ? { filter_subject: spec.filterSubjects[0] }
      : { filter_subjects: [...spec.filterSubjects] };
  return {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: spec.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All,
    ack_wait: nanos(spec.ackWaitMs),
    max_deliver: spec.maxDeliver,
    ...(spec.headersOnly ? { headers_only: true } : {}),
    ...filter,
  };
}

/**
 * Creates the durable pull consumer, or updates an existing one's ack wait, max deliveries and filter.
 * Safe when several processes call it at once (creating an identical consumer is idempotent; a lost
 * race turns into an update).
 *
 * @throws LedgerflowError `nats_consumer_config_invalid` for an empty filter list, or several filter
 *   subjects on a server older than 2.10 (which would silently ignore them).
 */
export async function upsertPullConsumer(
  nc: NatsConnection,
  jsm: JetStreamManager,
  spec: PullConsumerSpec,
): Promise<ConsumerInfo> {
  if (spec.filterSubjects.length === 0) {
    throw new LedgerflowError(
      'nats_consumer_config_invalid',
      `consumer ${spec.durable}: filterSubjects must name at least one subject`,
      false,
      { field: 'filterSubjects' },
    );
  }
  if (spec.filterSubjects.length > 1 && !serverAtLeast(nc, 2, 10)) {
    throw new LedgerflowError(
      'nats_consumer_config_invalid',
      `consumer ${spec.durable}: ${spec.filterSubjects.length} filterSubjects need nats-server 2.10 or later (connected: ${nc.info?.version ?? 'unknown'}); use one wildcard subject or one consumer per subject`,
      false,
      { field: 'filterSubjects', serverVersion: nc.info?.version },
    );
  }
  const config = pullConsumerConfig(spec);
  try {
    return await jsm.consumers.add(spec.stream, config);
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code === CONSUMER_NOT_FOUND || err.code === STREAM_NOT_FOUND)
      throw err;
    // The durable exists with another configuration: update what JetStream lets us update.
    const { durable_name: _name, ack_policy: _ack, deliver_policy: _deliver, ...mutable } = config;
    try {
      return await jsm.consumers.update(spec.stream, spec.durable, mutable);
    } catch (updateErr) {
      throw new LedgerflowError(
        'nats_consumer_config_conflict',
        `consumer ${spec.durable} on ${spec.stream} exists with a configuration that cannot be updated (${(updateErr as Error).message}); create: ${(err as Error).message}`,
        false,
        { stream: spec.stream, durable: spec.durable },
      );
    }
  }
}
