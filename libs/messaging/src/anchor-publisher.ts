import type { KeyObject } from 'node:crypto';
import { anchorKeyId, recordedHash, signAnchor, verifyContinuation } from '@ledgerflow/audit';
import type { ChainBroken, SignedAnchor } from '@ledgerflow/audit';
import { subjects } from '@ledgerflow/contracts';
import type { CheckpointStore, EventStore, StoredEvent } from '@ledgerflow/event-store';
import { jetstream } from '@nats-io/jetstream';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { metrics } from '@opentelemetry/api';
import { LRUCache } from 'lru-cache';
import { categoryOf, subjectToken } from './event-subject.js';
import { encodeJson } from './reply-envelope.js';

/**
 * Counter of signed anchors JetStream acknowledged (`ledgerflow.audit.anchors_published`, Prometheus
 * `ledgerflow_audit_anchors_published_total`, unit `{anchor}`, attribute `category`: the stream category, e.g.
 * `run`). Flat while runs move means the audit trail has no external anchor (docs/operations.md, "Integrity").
 */
export const ANCHORS_PUBLISHED_METRIC = 'ledgerflow.audit.anchors_published';

/** The instrumentation scope of Ledgerflow's metrics (libs/telemetry `INSTRUMENTATION_SCOPE`). */
const METER_SCOPE = '@ledgerflow/telemetry';

/** The subject of a store stream's anchors: `lf.anchor.<category>.<streamId>` (unsafe characters as `_`, see `subjectToken`). */
export const anchorSubject = (streamId: string): string =>
  subjects.anchor(subjectToken(categoryOf(streamId)), subjectToken(streamId));

/** The JetStream message id of an anchor: `<streamId>@<revision>`, so a re-publish after a restart is dropped. */
export const anchorMessageId = (anchor: Pick<SignedAnchor, 'streamId' | 'revision'>): string =>
  `${anchor.streamId}@${anchor.revision}`;

export interface AnchorPublisherOptions {
  readonly nc: NatsConnection;
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  /** Ed25519 private key (`anchorSigningKeyOf` of libs/audit). */
  readonly signingKey: KeyObject;
  /** Key id written into each anchor; default `anchorKeyId(signingKey)`. */
  readonly kid?: string;
  /** Milliseconds between two rounds (the first runs at start); default 10000. */
  readonly intervalMs?: number;
  /** Checkpoint name; default `'anchor'`. */
  readonly name?: string;
  /** Events read from the store per page; default 1000. One page: its moved heads anchored, then the checkpoint saved. */
  readonly pageSize?: number;
  /** Wait for each JetStream ack at most this long, in ms; default 5000. */
  readonly publishTimeoutMs?: number;
  /** The clock of `anchoredAt`; default the system clock. */
  readonly now?: () => Date;
  /** Told about a failed round (store, JetStream, checkpoint); the next round starts again from the checkpoint. */
  readonly onError?: (err: unknown) => void;
  /** Told about a stream whose new events do not continue its chain: its head is not anchored (an alert). */
  readonly onChainBroken?: (streamId: string, failure: ChainBroken) => void;
}

export interface AnchorPublisher {
  /** Store position up to which every moved head is anchored (and saved as the checkpoint). */
  readonly position: number;
  /** Anchors JetStream acknowledged since start. */
  readonly published: number;
  /** Runs one round now (after a round in progress): anchors every head that moved since the checkpoint. */
  anchorNow(): Promise<void>;
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
}

interface Head {
  readonly revision: number;
  readonly hash: string;
}

/** Stream heads the publisher keeps in memory at most, least recently anchored dropped first (a finished run is never anchored again). */
const REMEMBERED_HEADS = 10_000;

/**
 * Every `intervalMs`, reads the store after its checkpoint (name `'anchor'`), page by page, and for each stream
 * whose head moved publishes one signed anchor (`ledgerflow-anchor/1`: stream, revision, hash and position of its
 * last hashed event, time, key id, Ed25519 signature) to JetStream `LF_ANCHORS` on {@link anchorSubject}, message
 * id {@link anchorMessageId}, counted in {@link ANCHORS_PUBLISHED_METRIC}. A page's anchors are published at once
 * (pipelined) and their acks awaited together; the checkpoint moves past a page only once every anchor of it is
 * acknowledged: a failed round (told to `onError`) is redone from the checkpoint (heads already anchored are not
 * anchored again), and after a restart it resumes there. It anchors only chains that verify: new events must link
 * to the head it anchored before (or, first seen, to each other) and their content must match their hashes
 * (`verifyContinuation`); a stream that does not is told to `onChainBroken` and keeps its last anchor. Events
 * without a hash are not anchored.
 *
 * @example
 * const publisher = await startAnchorPublisher({ nc, store, checkpoints, signingKey: anchorSigningKeyOf(pem) });
 * process.on('SIGTERM', () => publisher.stop());
 */
export async function startAnchorPublisher(options: AnchorPublisherOptions): Promise<AnchorPublisher> {
  const name = options.name ?? 'anchor';
  const js = jetstream(options.nc, { timeout: options.publishTimeoutMs ?? 5_000 });
  const pageSize = options.pageSize ?? 1_000;
  const now = options.now ?? (() => new Date());
  // Last anchored head per stream, most recently anchored last; bounded: a stream forgotten here is verified from its
  // next event's own prevHash, as after a restart.
  const heads = new LRUCache<string, Head>({ max: REMEMBERED_HEADS });
  const counter = metrics.getMeter(METER_SCOPE).createCounter(ANCHORS_PUBLISHED_METRIC, {
    unit: '{anchor}',
    description: 'Signed anchors of stream heads published to LF_ANCHORS.',
  });
  let position = await options.checkpoints.load(name);
  let published = 0;

  // The key id is the same for every anchor: derive it once (it hashes the public key's DER encoding).
  const kid = options.kid ?? anchorKeyId(options.signingKey);

  /** The signed anchor of a stream's new head in `events` (one page's events of it), or undefined when none is due. */
  const anchorOf = (streamId: string, events: readonly StoredEvent[]): SignedAnchor | undefined => {
    const known = heads.get(streamId);
    const fresh = known ? events.filter((e) => e.revision > known.revision) : events;
    const first = fresh[0];
    if (!first) return undefined;
    // First seen since start: its first new event's prevHash is taken as given (the anchor before it vouches for it).
    const head = known?.hash ?? (first.revision > 0 ? first.metadata.prevHash : undefined);
    const verified = verifyContinuation(
      fresh,
      { revision: known?.revision ?? first.revision - 1, ...(head ? { head } : {}) },
      { streamId },
    );
    if (!verified.ok) {
      options.onChainBroken?.(streamId, verified);
      return undefined;
    }
    for (let i = fresh.length - 1; i >= 0; i--) {
      const last = fresh[i] as StoredEvent;
      const hash = recordedHash(last);
      if (hash !== undefined)
        return signAnchor(
          { streamId, revision: last.revision, hash, position: last.position, anchoredAt: now().toISOString() },
          options.signingKey,
          kid,
        );
    }
    return undefined;
  };

  const remember = (anchor: SignedAnchor): void => {
    heads.set(anchor.streamId, { revision: anchor.revision, hash: anchor.hash });
    published++;
    counter.add(1, { category: categoryOf(anchor.streamId) });
  };

  const round = async (): Promise<void> => {
    for (;;) {
      const page = await options.store.readAll({ fromPosition: position, maxCount: pageSize });
      if (page.length === 0) return;
      const byStream = new Map<string, StoredEvent[]>();
      for (const event of page) {
        const events = byStream.get(event.streamId);
        if (events) events.push(event);
        else byStream.set(event.streamId, [event]);
      }
      const anchors: SignedAnchor[] = [];
      for (const [streamId, events] of byStream) {
        const anchor = anchorOf(streamId, events);
        if (anchor) anchors.push(anchor);
      }
      // The page's anchors are published at once (one socket write), then every ack is awaited.
      const acks = anchors.map((anchor) => publishAnchor(js, anchor));
      let failure: { err: unknown } | undefined;
      for (const [i, anchor] of anchors.entries()) {
        try {
          await acks[i];
          remember(anchor);
        } catch (err) {
          failure ??= { err };
        }
      }
      if (failure) throw failure.err;
      const next = (page[page.length - 1] as StoredEvent).position;
      await options.checkpoints.save(name, next);
      position = next;
      if (page.length < pageSize) return;
    }
  };

  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const anchorNow = (): Promise<void> => {
    running = running.then(round).catch((err: unknown) => {
      try {
        options.onError?.(err);
      } catch {
        /* logging must not break the publisher */
      }
    });
    return running;
  };
  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => void anchorNow().then(schedule), options.intervalMs ?? 10_000);
  };
  void anchorNow().then(schedule);

  return {
    get position() {
      return position;
    },
    get published() {
      return published;
    },
    anchorNow,
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Publishes one signed anchor and waits for the JetStream ack (a duplicate ack counts as success). */
export async function publishAnchor(js: JetStreamClient, anchor: SignedAnchor): Promise<void> {
  await js.publish(anchorSubject(anchor.streamId), encodeJson(anchor), { msgID: anchorMessageId(anchor) });
}
