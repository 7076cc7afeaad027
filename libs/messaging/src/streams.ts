import { ANCHORS_STREAM, DLQ_STREAM, EVENTS_STREAM, TRIGGERS_STREAM, subjects } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import {
  DiscardPolicy,
  JetStreamApiError,
  StorageType,
  jetstreamManager,
  type JetStreamManager,
  type StreamConfig,
  type StreamInfo,
} from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';
import { ensureToolCatalog } from './tool-catalog.js';

/** Default duplicate windows, in milliseconds (docs/subjects.md, "JetStream streams"). */
export const DEFAULT_DUPLICATE_WINDOW_MS = {
  /** 24 h: a trigger re-sent with the same idempotency key within a day starts no second run. */
  triggers: 24 * 60 * 60 * 1000,
  /** 2 min: covers a relay restarting from a checkpoint saved at most ~200 ms (or 100 events) earlier. */
  events: 2 * 60 * 1000,
} as const;

const HOUR_MS = 60 * 60 * 1000;
const MIB = 1024 * 1024;

/** Retention of one stream: messages older than `maxAgeMs` or beyond `maxBytes` (oldest first) are removed. */
export interface StreamLimits {
  /** Milliseconds a message is kept; must be >= the stream's duplicate window. */
  readonly maxAgeMs: number;
  /** Bytes the stream may hold (JetStream reserves them against the server's `max_file_store`). */
  readonly maxBytes: number;
  /** Messages kept per subject, the oldest going first (JetStream `max_msgs_per_subject`); undefined: no limit. */
  readonly maxMsgsPerSubject?: number;
}

/**
 * Default retention (docs/operations.md, "Limits"): `LF_EVENTS` 7 days / 1 GiB (a copy for consumers; the
 * event store is the record), `LF_TRIGGERS` 7 days / 256 MiB (at least its 24 h duplicate window),
 * `LF_DLQ` 30 days / 256 MiB (time for an operator to look), `LF_ANCHORS` 365 days / 256 MiB and 16 anchors per
 * store stream (an auditor checks an export against an anchor long after the run; one anchor is ~450 bytes).
 * Discard policy: oldest first.
 */
export const DEFAULT_STREAM_LIMITS = {
  triggers: { maxAgeMs: 7 * 24 * HOUR_MS, maxBytes: 256 * MIB },
  events: { maxAgeMs: 7 * 24 * HOUR_MS, maxBytes: 1024 * MIB },
  dlq: { maxAgeMs: 30 * 24 * HOUR_MS, maxBytes: 256 * MIB },
  anchors: { maxAgeMs: 365 * 24 * HOUR_MS, maxBytes: 256 * MIB, maxMsgsPerSubject: 16 },
} as const satisfies Record<string, StreamLimits>;

export interface EnsureStreamsOptions {
  /** Override the duplicate window of either stream, in milliseconds. */
  readonly duplicateWindowMs?: { readonly triggers?: number; readonly events?: number };
  /** Stream replicas: 1 (default) on one server, 3 on the Kubernetes NATS cluster. */
  readonly replicas?: number;
  /** Override the retention of any stream (each field separately); default {@link DEFAULT_STREAM_LIMITS}. */
  readonly limits?: { readonly [S in keyof typeof DEFAULT_STREAM_LIMITS]?: Partial<StreamLimits> };
}

/** The retention settings of `CommonConfig` (libs/config), in hours and bytes. */
export interface StreamLimitSettings {
  readonly LEDGERFLOW_EVENTS_MAX_AGE_HOURS: number;
  readonly LEDGERFLOW_EVENTS_MAX_BYTES: number;
  readonly LEDGERFLOW_TRIGGERS_MAX_AGE_HOURS: number;
  readonly LEDGERFLOW_TRIGGERS_MAX_BYTES: number;
  readonly LEDGERFLOW_DLQ_MAX_AGE_HOURS: number;
  readonly LEDGERFLOW_DLQ_MAX_BYTES: number;
  readonly LEDGERFLOW_ANCHORS_MAX_AGE_HOURS: number;
  readonly LEDGERFLOW_ANCHORS_MAX_BYTES: number;
  readonly LEDGERFLOW_ANCHORS_PER_STREAM: number;
}

/** `EnsureStreamsOptions.limits` from the `LEDGERFLOW_*_MAX_AGE_HOURS` / `_MAX_BYTES` settings. */
export function streamLimitsOf(s: StreamLimitSettings): NonNullable<EnsureStreamsOptions['limits']> {
  return {
    events: { maxAgeMs: s.LEDGERFLOW_EVENTS_MAX_AGE_HOURS * HOUR_MS, maxBytes: s.LEDGERFLOW_EVENTS_MAX_BYTES },
    triggers: { maxAgeMs: s.LEDGERFLOW_TRIGGERS_MAX_AGE_HOURS * HOUR_MS, maxBytes: s.LEDGERFLOW_TRIGGERS_MAX_BYTES },
    dlq: { maxAgeMs: s.LEDGERFLOW_DLQ_MAX_AGE_HOURS * HOUR_MS, maxBytes: s.LEDGERFLOW_DLQ_MAX_BYTES },
    anchors: {
      maxAgeMs: s.LEDGERFLOW_ANCHORS_MAX_AGE_HOURS * HOUR_MS,
      maxBytes: s.LEDGERFLOW_ANCHORS_MAX_BYTES,
      maxMsgsPerSubject: s.LEDGERFLOW_ANCHORS_PER_STREAM,
    },
  };
}

/** JetStream API error code: a stream with this name exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;
const STREAM_NOT_FOUND = 10059;

type DesiredStream = Pick<
  StreamConfig,
  | 'name'
  | 'subjects'
  | 'storage'
  | 'duplicate_window'
  | 'num_replicas'
  | 'max_age'
  | 'max_bytes'
  | 'discard'
  | 'max_msgs_per_subject'
>;
type Reconciled = 'duplicate_window' | 'num_replicas' | 'max_age' | 'max_bytes' | 'discard' | 'max_msgs_per_subject';

/** The configuration `ensureStreams` wants for `LF_TRIGGERS`, `LF_EVENTS`, `LF_DLQ` and `LF_ANCHORS`. */
export function desiredStreams(options: EnsureStreamsOptions = {}): DesiredStream[] {
  const replicas = options.replicas ?? 1;
  const triggersMs = options.duplicateWindowMs?.triggers ?? DEFAULT_DUPLICATE_WINDOW_MS.triggers;
  const eventsMs = options.duplicateWindowMs?.events ?? DEFAULT_DUPLICATE_WINDOW_MS.events;
  const limits = (
    which: keyof typeof DEFAULT_STREAM_LIMITS,
  ): Pick<StreamConfig, 'max_age' | 'max_bytes' | 'discard' | 'max_msgs_per_subject'> => {
    const { maxAgeMs, maxBytes, maxMsgsPerSubject }: StreamLimits = {
      ...DEFAULT_STREAM_LIMITS[which],
      ...options.limits?.[which],
    };
    return {
      max_age: nanos(maxAgeMs),
      max_bytes: maxBytes,
      discard: DiscardPolicy.Old,
      max_msgs_per_subject: maxMsgsPerSubject ?? -1,
    };
  };
  const file = { storage: StorageType.File, num_replicas: replicas };
  return [
    {
      name: TRIGGERS_STREAM,
      subjects: [subjects.triggerAll],
      ...file,
      duplicate_window: nanos(triggersMs),
      ...limits('triggers'),
    },
    {
      name: EVENTS_STREAM,
      subjects: [subjects.eventsAll],
      ...file,
      duplicate_window: nanos(eventsMs),
      ...limits('events'),
    },
    {
      name: DLQ_STREAM,
      subjects: [subjects.deadLettersAll],
      ...file,
      duplicate_window: nanos(eventsMs),
      ...limits('dlq'),
    },
    {
      name: ANCHORS_STREAM,
      subjects: [subjects.anchorsAll],
      ...file,
      duplicate_window: nanos(eventsMs),
      ...limits('anchors'),
    },
  ];
}

/**
 * Creates `LF_TRIGGERS` (`lf.trigger.>`, file storage, duplicate window 24 h), `LF_EVENTS`
 * (`lf.evt.>`, file storage, duplicate window 2 min), `LF_DLQ` (`lf.dlq.>`, file storage: dead letters are
 * kept for an operator, 30 days by default) and `LF_ANCHORS` (`lf.anchor.>`, file storage, duplicate window
 * 2 min, 16 signed anchors kept per store stream), each with a max age and max bytes ({@link DEFAULT_STREAM_LIMITS},
 * oldest discarded first), or updates them when their subjects, duplicate window, replicas or limits differ. Idempotent, and safe when several processes call it at once (a lost
 * create race turns into a check-and-update). Then creates the tool catalog's KV bucket `LF_TOOLS` when missing
 * ({@link ensureToolCatalog}: history 1, no TTL, `replicas`).
 *
 * @returns the info of the four streams: triggers, events, dead letters, anchors.
 * @throws LedgerflowError `nats_stream_config_conflict` when an existing stream uses another storage type
 *   (JetStream cannot change storage in place).
 */
export async function ensureStreams(nc: NatsConnection, options: EnsureStreamsOptions = {}): Promise<StreamInfo[]> {
  const jsm = await jetstreamManager(nc);
  const infos: StreamInfo[] = [];
  for (const desired of desiredStreams(options)) infos.push(await ensureStream(jsm, desired));
  await ensureToolCatalog(nc, { replicas: options.replicas ?? 1 });
  return infos;
}

async function ensureStream(jsm: JetStreamManager, desired: DesiredStream): Promise<StreamInfo> {
  for (let attempt = 0; ; attempt++) {
    const existing = await currentInfo(jsm, desired.name);
    if (existing) return reconcile(jsm, existing, desired);
    try {
      return await jsm.streams.add(desired);
    } catch (err) {
      // Another process created it between our info and add: check it again.
      if (!(err instanceof JetStreamApiError && err.code === STREAM_NAME_IN_USE) || attempt >= 2) throw err;
    }
  }
}

async function currentInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === STREAM_NOT_FOUND) return undefined;
    throw err;
  }
}

async function reconcile(jsm: JetStreamManager, info: StreamInfo, desired: DesiredStream): Promise<StreamInfo> {
  const cfg = info.config;
  if (cfg.storage !== desired.storage) {
    throw new LedgerflowError(
      'nats_stream_config_conflict',
      `stream ${desired.name} uses storage "${cfg.storage}", expected "${desired.storage}"; JetStream cannot change storage in place: back up and recreate the stream`,
      false,
      { stream: desired.name, storage: cfg.storage, expected: desired.storage },
    );
  }
  const sameSubjects = [...(cfg.subjects ?? [])].sort().join(' ') === [...desired.subjects].sort().join(' ');
  const same = (key: Reconciled): boolean => cfg[key] === desired[key];
  if (
    sameSubjects &&
    same('duplicate_window') &&
    same('num_replicas') &&
    same('max_age') &&
    same('max_bytes') &&
    same('discard') &&
    same('max_msgs_per_subject')
  )
    return info;
  return jsm.streams.update(desired.name, {
    subjects: desired.subjects,
    duplicate_window: desired.duplicate_window,
    num_replicas: desired.num_replicas,
    max_age: desired.max_age,
    max_bytes: desired.max_bytes,
    discard: desired.discard,
    max_msgs_per_subject: desired.max_msgs_per_subject,
  });
}
