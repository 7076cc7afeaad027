import type { EventMetadata } from '@ledgerflow/contracts';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  ErrorType,
  jsonEvent,
  type AppendExpectedRevision,
  type EventData,
  type ReadPosition,
} from '@eventstore/db-client';
import { ConcurrencyError, StoreUnavailableError, type ActualRevision } from './errors.js';
import type { ExpectedRevision, NewEvent, StoredEvent } from './event-store.port.js';

/**
 * Pure mappings between the port and `@eventstore/db-client` v6, kept apart from the adapter so they
 * are unit-tested without a server.
 */

/** Port expectation -> client expectation: `'no_stream'` -> NO_STREAM, `'stream_exists'` -> STREAM_EXISTS, `'any'` -> ANY, n -> BigInt(n). */
export function toEsdbExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    case 'any':
      return ANY;
    default:
      return BigInt(expected);
  }
}

/** A port event -> a JSON event whose id is `metadata.eventId` (EventStoreDB dedupes retried appends by id). */
export function toEsdbEventData(event: NewEvent): EventData {
  return jsonEvent({
    id: event.metadata.eventId,
    type: event.type,
    data: (event.data ?? null) as never,
    metadata: event.metadata as unknown as Record<string, unknown>,
  });
}

/**
 * A global position -> the client's read position: 0 -> START, p -> `{commit: p, prepare: p}` (for an
 * event written outside an explicit transaction, EventStoreDB's commit and prepare positions are equal).
 */
export function toEsdbPosition(position: number): ReadPosition {
  return position <= 0 ? 'start' : { commit: BigInt(position), prepare: BigInt(position) };
}

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_UNAVAILABLE = 14;

/**
 * A client error -> the port's error: WrongExpectedVersionError -> ConcurrencyError (actual: the stream's
 * last revision, or 'no_stream'); unavailable, deadline exceeded, timeout, not leader (also as raw gRPC
 * statuses 14 and 4) -> StoreUnavailableError.
 * Anything else is returned unchanged.
 */
export function fromEsdbError(
  error: unknown,
  operation: string,
  streamId: string,
  expected?: ExpectedRevision,
): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  if (type === ErrorType.WRONG_EXPECTED_VERSION) {
    const actualVersion = (error as { actualVersion?: unknown }).actualVersion;
    const actual: ActualRevision = typeof actualVersion === 'bigint' ? Number(actualVersion) : 'no_stream';
    return new ConcurrencyError(streamId, expected ?? 'any', actual);
  }
  // Batch appends may surface the raw gRPC error: status 14 UNAVAILABLE or 4 DEADLINE_EXCEEDED.
  const grpcStatus = type === undefined ? (error as { code?: unknown } | null)?.code : undefined;
  if (
    type === ErrorType.UNAVAILABLE ||
    type === ErrorType.DEADLINE_EXCEEDED ||
    type === ErrorType.TIMEOUT ||
    type === ErrorType.NOT_LEADER ||
    grpcStatus === GRPC_UNAVAILABLE ||
    grpcStatus === GRPC_DEADLINE_EXCEEDED
  ) {
    return new StoreUnavailableError(operation, String((error as Error).message ?? type), error);
  }
  return error;
}

/** True for EventStoreDB's own records: `$`-prefixed event types (incl. links `$>`) or streams. */
export function isSystemRecord(record: { readonly type: string; readonly streamId: string }): boolean {
  return record.type.startsWith('$') || record.streamId.startsWith('$');
}

/** The parts of a client `ResolvedEvent`/`AllStreamResolvedEvent` this adapter reads. */
export interface EsdbResolvedEventLike {
  readonly event?: {
    readonly streamId: string;
    readonly revision: bigint;
    readonly type: string;
    readonly created: Date | number | string;
    readonly isJson: boolean;
    readonly data: unknown;
    readonly metadata?: unknown;
    readonly position?: { readonly commit: bigint };
  };
  readonly commitPosition?: bigint;
}

/**
 * A resolved event -> a `StoredEvent`, or `undefined` for what the port never shows: a missing event
 * (a link to a deleted event), a system record, a non-JSON event.
 * `position` = Number(commit position): exact below 2^53 (about 9 PB of log), precision is lost beyond.
 * 0 when the server does not return positions on stream reads (servers before 22.6).
 */
export function fromEsdbResolvedEvent(resolved: EsdbResolvedEventLike): StoredEvent | undefined {
  const event = resolved.event;
  if (!event || !event.isJson || isSystemRecord(event)) return undefined;
  const commit = resolved.commitPosition ?? event.position?.commit;
  return {
    streamId: event.streamId,
    revision: Number(event.revision),
    position: commit === undefined ? 0 : Number(commit),
    recordedAt: new Date(event.created).toISOString(),
    type: event.type,
    data: event.data,
    metadata: event.metadata as EventMetadata,
  };
}
