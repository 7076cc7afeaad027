import { createServer, type AddressInfo } from 'node:net';
import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
} from '@eventstore/db-client';
import { describeEventStoreContract, newEvent } from './event-store.contract.spec-util.js';
import { ConcurrencyError, StoreUnavailableError } from './errors.js';
import { EventStoreDbEventStore } from './eventstoredb.event-store.js';
import {
  fromEsdbError,
  fromEsdbResolvedEvent,
  isSystemRecord,
  toEsdbEventData,
  toEsdbExpectedRevision,
  toEsdbPosition,
  type EsdbResolvedEventLike,
} from './eventstoredb.mapping.js';

const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;
if (connectionString) {
  describeEventStoreContract('eventstoredb', () => EventStoreDbEventStore.connect(connectionString));
}

describe('EventStoreDbEventStore without a server', () => {
  it('reports a refused connection as StoreUnavailableError on append, readStream and readAll', async () => {
    const port = await refusedPort();
    const store = await EventStoreDbEventStore.connect(`esdb://127.0.0.1:${port}?tls=false`);
    try {
      await expect(store.append('run-1', [newEvent('A')], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await expect(store.readStream('run-1')).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});

/** A local TCP port nobody listens on (bound, then released). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('EventStoreDB mapping (pure, no server needed)', () => {
  it('maps every expected revision to the client constant or a bigint', () => {
    expect(toEsdbExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toEsdbExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
    expect(toEsdbExpectedRevision('any')).toBe(ANY);
    expect(toEsdbExpectedRevision(0)).toBe(0n);
    expect(toEsdbExpectedRevision(41)).toBe(41n);
  });

  it('maps WrongExpectedVersionError to ConcurrencyError with the actual revision or no_stream', () => {
    const behind = new WrongExpectedVersionError(undefined, { streamName: 'run-1', expected: 0n, current: 3n });
    const missing = new WrongExpectedVersionError(undefined, {
      streamName: 'run-2',
      expected: STREAM_EXISTS,
      current: NO_STREAM,
    });
    const a = fromEsdbError(behind, 'append', 'run-1', 0);
    const b = fromEsdbError(missing, 'append', 'run-2', 'stream_exists');
    expect(a).toBeInstanceOf(ConcurrencyError);
    expect((a as ConcurrencyError).details).toEqual({ streamId: 'run-1', expected: 0, actual: 3 });
    expect((a as ConcurrencyError).retryable).toBe(true);
    expect((b as ConcurrencyError).details).toEqual({
      streamId: 'run-2',
      expected: 'stream_exists',
      actual: 'no_stream',
    });
  });

  it('maps an unavailable server to StoreUnavailableError and leaves other errors unchanged', () => {
    const unavailable = fromEsdbError(new UnavailableError(undefined, 'connection refused'), 'append', 'run-1', 'any');
    expect(unavailable).toBeInstanceOf(StoreUnavailableError);
    expect((unavailable as StoreUnavailableError).details).toMatchObject({ operation: 'append' });
    const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'refused',
    });
    expect(fromEsdbError(grpc, 'append', 'run-1', 'any')).toBeInstanceOf(StoreUnavailableError);
    const notFound = new StreamNotFoundError(undefined, 'run-1');
    expect(fromEsdbError(notFound, 'readStream', 'run-1')).toBe(notFound);
    const plain = new Error('boom');
    expect(fromEsdbError(plain, 'append', 'run-1', 'any')).toBe(plain);
  });

  it('maps a position to START or an equal commit/prepare pair', () => {
    expect(toEsdbPosition(0)).toBe('start');
    expect(toEsdbPosition(1234)).toEqual({ commit: 1234n, prepare: 1234n });
  });

  it('builds a JSON event whose id is the metadata event id and whose metadata is the port metadata', () => {
    const event = newEvent('StepStarted', { stepId: 's1' });
    const data = toEsdbEventData(event);
    expect(data).toMatchObject({ id: event.metadata.eventId, type: 'StepStarted', contentType: 'application/json' });
    expect(data.data).toEqual({ stepId: 's1' });
    expect(data.metadata).toEqual(event.metadata);
  });

  describe('resolved event -> StoredEvent', () => {
    const metadata = newEvent('X').metadata;
    const recorded = (overrides: Partial<NonNullable<EsdbResolvedEventLike['event']>> = {}): EsdbResolvedEventLike => ({
      event: {
        streamId: 'run-7',
        revision: 4n,
        type: 'StepSucceeded',
        created: new Date('2026-03-04T05:06:07.890Z'),
        isJson: true,
        data: { ok: true },
        metadata,
        position: { commit: 9_000n },
        ...overrides,
      },
    });

    it('maps stream, revision, type, data, metadata, recordedAt and the commit position', () => {
      expect(fromEsdbResolvedEvent(recorded())).toEqual({
        streamId: 'run-7',
        revision: 4,
        position: 9000,
        recordedAt: '2026-03-04T05:06:07.890Z',
        type: 'StepSucceeded',
        data: { ok: true },
        metadata,
      });
    });

    it('prefers the resolved commit position and falls back to 0 when the server gives none', () => {
      expect(fromEsdbResolvedEvent({ ...recorded(), commitPosition: 12_345n })?.position).toBe(12345);
      expect(fromEsdbResolvedEvent(recorded({ position: undefined }))?.position).toBe(0);
    });

    it('drops system records, link events, non-JSON events and unresolved links', () => {
      expect(fromEsdbResolvedEvent(recorded({ type: '$>' }))).toBeUndefined();
      expect(fromEsdbResolvedEvent(recorded({ streamId: '$stats-127.0.0.1:2113' }))).toBeUndefined();
      expect(fromEsdbResolvedEvent(recorded({ isJson: false, data: new Uint8Array([1]) }))).toBeUndefined();
      expect(fromEsdbResolvedEvent({})).toBeUndefined();
      expect(isSystemRecord({ type: 'RunTriggered', streamId: 'run-1' })).toBe(false);
      expect(isSystemRecord({ type: '$metadata', streamId: 'run-1' })).toBe(true);
    });
  });
});
