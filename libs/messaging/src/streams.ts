import { DLQ_STREAM, EVENTS_STREAM, TRIGGERS_STREAM, subjects } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { JetStreamApiError, StorageType, jetstreamManager, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { nanos, type NatsConnection } from '@nats-io/nats-core';

/** Default duplicate windows, in milliseconds (design brief, "Messaging"). */
export const DEFAULT_DUPLICATE_WINDOW_MS = {
  /** 24 h: a trigger re-sent with the same idempotency key within a day starts no second run. */
  triggers: 24 * 60 * 60 * 1000,
  /** 2 min: covers a relay restarting from a checkpoint saved at most ~200 ms (or 100 events) earlier. */
  events: 2 * 60 * 1000,
} as const;

export interface EnsureStreamsOptions {
  /** Override the duplicate window of either stream, in milliseconds. */
  readonly duplicateWindowMs?: { readonly triggers?: number; readonly events?: number };
  /** Stream replicas: 1 (default) on one server, 3 on the Kubernetes NATS cluster. */
  readonly replicas?: number;
}

/** JetStream API error code: a stream with this name exists with another configuration. */
const STREAM_NAME_IN_USE = 10058;
const STREAM_NOT_FOUND = 10059;

type DesiredStream = Pick<StreamConfig, 'name' | 'subjects' | 'storage' | 'duplicate_window' | 'num_replicas'>;

/** The configuration `ensureStreams` wants for `LF_TRIGGERS`, `LF_EVENTS` and `LF_DLQ`. */
export function desiredStreams(options: EnsureStreamsOptions = {}): DesiredStream[] {
  const replicas = options.replicas ?? 1;
  const triggersMs = options.duplicateWindowMs?.triggers ?? DEFAULT_DUPLICATE_WINDOW_MS.triggers;
  const eventsMs = options.duplicateWindowMs?.events ?? DEFAULT_DUPLICATE_WINDOW_MS.events;
  return [
    { name: TRIGGERS_STREAM, subjects: [subjects.triggerAll], storage: StorageType.File, duplicate_window: nanos(triggersMs), num_replicas: replicas },
    { name: EVENTS_STREAM, subjects: [subjects.eventsAll], storage: StorageType.File, duplicate_window: nanos(eventsMs), num_replicas: replicas },
    { name: DLQ_STREAM, subjects: [subjects.deadLettersAll], storage: StorageType.File, duplicate_window: nanos(eventsMs), num_replicas: replicas },
  ];
}

/**
 * Creates `LF_TRIGGERS` (`lf.trigger.>`, file storage, duplicate window 24 h), `LF_EVENTS`
 * (`lf.evt.>`, file storage, duplicate window 2 min) and `LF_DLQ` (`lf.dlq.>`, file storage: dead letters are
 * kept until an operator deals with them), or updates them when their subjects, duplicate
 * window or replicas differ. Idempotent, and safe when several processes call it at once (a lost
 * create race turns into a check-and-update).
 *
 * @returns the info of the three streams: triggers, events, dead letters.
 * @throws LedgerflowError `NATS.STREAM_CONFIG_CONFLICT` when an existing stream uses another storage type
 *   (JetStream cannot change storage in place).
 */
export async function ensureStreams(nc: NatsConnection, options: EnsureStreamsOptions = {}): Promise<StreamInfo[]> {
  const jsm = await jetstreamManager(nc);
  const infos: StreamInfo[] = [];
  for (const desired of desiredStreams(options)) infos.push(await ensureStream(jsm, desired));
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
      'NATS.STREAM_CONFIG_CONFLICT',
      `stream ${desired.name} uses storage "${cfg.storage}", expected "${desired.storage}"; JetStream cannot change storage in place: back up and recreate the stream`,
      false,
      { stream: desired.name, storage: cfg.storage, expected: desired.storage },
    );
  }
  const sameSubjects = [...(cfg.subjects ?? [])].sort().join(' ') === [...desired.subjects].sort().join(' ');
  if (sameSubjects && cfg.duplicate_window === desired.duplicate_window && cfg.num_replicas === desired.num_replicas) return info;
  return jsm.streams.update(desired.name, {
    subjects: desired.subjects,
    duplicate_window: desired.duplicate_window,
    num_replicas: desired.num_replicas,
  });
}
