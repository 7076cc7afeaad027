import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@ledgerflow/contracts';
import { eventually } from '@ledgerflow/testing';
import { ValidationError } from '@ledgerflow/domain';
import { DEFAULT_MAX_EVENT_BYTES, storedEventBytes } from './append-validation.js';
import { ConcurrencyError, EventTooLargeError } from './errors.js';
import type { EventStore, ExpectedRevision, NewEvent, StoredEvent } from './event-store.port.js';

/** A test event with fresh metadata; `overrides` replaces metadata fields. */
export function newEvent(type: string, data: unknown = {}, overrides: Partial<EventMetadata> = {}): NewEvent {
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      runId: 'run-under-test',
      causationId: randomUUID(),
      actor: { kind: 'service', id: 'contract-test' },
      occurredAt: '2026-01-02T03:04:05.678Z',
      schemaVersion: 1,
      ...overrides,
    },
  };
}

/** A stream-id prefix unique to one test, so the suite also runs against a shared EventStoreDB server. */
export function uniquePrefix(): string {
  return `t${randomUUID().replaceAll('-', '').slice(0, 12)}-`;
}

async function conflictOf(promise: Promise<unknown>): Promise<ConcurrencyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConcurrencyError);
  return error as ConcurrencyError;
}

/**
 * The `EventStore` contract (docs/events.md, "The stored event"): every adapter runs it. `factory` returns a
 * store; the suite closes it after each test. Stream ids are unique per test, so a shared store works.
 */
export function describeEventStoreContract(name: string, factory: () => Promise<EventStore>): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    let p: string;
    beforeEach(async () => {
      store = await factory();
      p = uniquePrefix();
    });
    afterEach(async () => {
      await store.close();
    });

    /** Appends a marker event to a stream outside the test's prefix; returns its position. */
    async function marker(): Promise<number> {
      const result = await store.append(`marker-${randomUUID()}`, [newEvent('Marked')], {
        expectedRevision: 'no_stream',
      });
      return result.position;
    }

    describe('append and readStream', () => {
      it('stores events at revisions 0..n-1 and reads them forwards with type, data, metadata and increasing positions', async () => {
        const events = [newEvent('A', { n: 1 }), newEvent('B', { n: 2 }), newEvent('C', { n: 3 })];
        const result = await store.append(`${p}s`, events, { expectedRevision: 'no_stream' });
        const read = await store.readStream(`${p}s`);
        expect(result.nextExpectedRevision).toBe(2);
        expect(read.map((e) => [e.streamId, e.revision, e.type, e.data])).toEqual([
          [`${p}s`, 0, 'A', { n: 1 }],
          [`${p}s`, 1, 'B', { n: 2 }],
          [`${p}s`, 2, 'C', { n: 3 }],
        ]);
        expect(read.map((e) => e.metadata)).toEqual(events.map((e) => e.metadata));
        expect(read[0].position).toBeLessThan(read[1].position);
        expect(read[1].position).toBeLessThan(read[2].position);
        expect(result.position).toBe(read[2].position);
        for (const e of read) expect(new Date(e.recordedAt).toISOString()).toBe(e.recordedAt);
      });

      it('reads backwards, from a revision, and at most maxCount events', async () => {
        await store.append(
          `${p}s`,
          ['A', 'B', 'C', 'D', 'E'].map((t) => newEvent(t)),
          { expectedRevision: 'no_stream' },
        );
        const types = (events: StoredEvent[]): string[] => events.map((e) => e.type);
        expect(types(await store.readStream(`${p}s`, { direction: 'backwards' }))).toEqual(['E', 'D', 'C', 'B', 'A']);
        expect(types(await store.readStream(`${p}s`, { fromRevision: 2 }))).toEqual(['C', 'D', 'E']);
        expect(types(await store.readStream(`${p}s`, { fromRevision: 1, maxCount: 2 }))).toEqual(['B', 'C']);
        expect(types(await store.readStream(`${p}s`, { direction: 'backwards', fromRevision: 2 }))).toEqual([
          'C',
          'B',
          'A',
        ]);
        expect(types(await store.readStream(`${p}s`, { direction: 'backwards', maxCount: 2 }))).toEqual(['E', 'D']);
        expect(await store.readStream(`${p}s`, { fromRevision: 5 })).toEqual([]);
      });

      it('reads a missing stream as []', async () => {
        expect(await store.readStream(`${p}missing`)).toEqual([]);
        expect(await store.readStream(`${p}missing`, { direction: 'backwards' })).toEqual([]);
      });

      it('continues a stream with the revision returned by the previous append', async () => {
        const first = await store.append(`${p}s`, [newEvent('A')], { expectedRevision: 'no_stream' });
        const second = await store.append(`${p}s`, [newEvent('B'), newEvent('C')], {
          expectedRevision: first.nextExpectedRevision,
        });
        expect(second.nextExpectedRevision).toBe(2);
        expect(second.position).toBeGreaterThan(first.position);
        expect((await store.readStream(`${p}s`)).map((e) => e.revision)).toEqual([0, 1, 2]);
      });

      it('round-trips metadata (actor, trace context, schema version) and JSON data exactly', async () => {
        const data = { amount: 50_000.25, nested: { list: [1, 'two', null, true] }, text: 'Zürich ✓ 東京', empty: {} };
        const event = newEvent('Rich', data, {
          actor: { kind: 'human', id: 'reviewer@example.com' },
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          tracestate: 'vendor=value',
          schemaVersion: 2,
        });
        await store.append(`${p}s`, [event], { expectedRevision: 'any' });
        const [read] = await store.readStream(`${p}s`);
        expect(read.data).toEqual(data);
        expect(read.metadata).toEqual(event.metadata);
      });

      it('keeps every event id, unique across streams', async () => {
        const a = [newEvent('A'), newEvent('B')];
        const b = [newEvent('C')];
        await store.append(`${p}a`, a, { expectedRevision: 'no_stream' });
        await store.append(`${p}b`, b, { expectedRevision: 'no_stream' });
        const ids = [...(await store.readStream(`${p}a`)), ...(await store.readStream(`${p}b`))].map(
          (e) => e.metadata.eventId,
        );
        expect(ids).toEqual([...a, ...b].map((e) => e.metadata.eventId));
        expect(new Set(ids).size).toBe(3);
      });

      it('treats a repeated append (same ids, same expectedRevision) as done, writing nothing twice', async () => {
        const events = [newEvent('A'), newEvent('B')];
        const first = await store.append(`${p}s`, events, { expectedRevision: 'no_stream' });
        const again = await store.append(`${p}s`, events, { expectedRevision: 'no_stream' });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(await store.readStream(`${p}s`)).toHaveLength(2);
      });

      it('rejects an invalid expectedRevision with a ValidationError naming the field', async () => {
        const error = await store.append(`${p}s`, [newEvent('A')], { expectedRevision: -1 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).details).toMatchObject({ field: 'expectedRevision' });
      });

      it('stores an event of exactly the size limit and refuses one byte more (multi-byte text counted in bytes), writing nothing', async () => {
        const limit = DEFAULT_MAX_EVENT_BYTES;
        const sized = (bytes: number): NewEvent => {
          const event = newEvent('RunTriggered', { input: '' });
          const pad = bytes - storedEventBytes(`${p}s`, event);
          // 'é' is 2 bytes in UTF-8: a character count would let this event through.
          return { ...event, data: { input: 'é'.repeat(Math.floor(pad / 2)) + 'x'.repeat(pad % 2) } };
        };
        const fits = sized(limit);
        expect(storedEventBytes(`${p}s`, fits)).toBe(limit);
        await store.append(`${p}s`, [fits], { expectedRevision: 'no_stream' });
        expect((await store.readStream(`${p}s`))[0].data).toEqual(fits.data);

        const error = await store
          .append(`${p}t`, [newEvent('A'), sized(limit + 1)], { expectedRevision: 'no_stream' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(EventTooLargeError);
        expect(error).toMatchObject({
          code: 'store_event_too_large',
          retryable: false,
          details: { streamId: `${p}t`, eventType: 'RunTriggered', index: 1, size: limit + 1, limit },
        });
        expect((error as Error).message).toContain(`${limit + 1} bytes`);
        expect(await store.readStream(`${p}t`)).toEqual([]);
      });
    });

    describe('expectedRevision', () => {
      const cases: Array<[string, number, ExpectedRevision, boolean]> = [
        ['no_stream on a missing stream', 0, 'no_stream', true],
        ['no_stream on an existing stream', 2, 'no_stream', false],
        ['stream_exists on a missing stream', 0, 'stream_exists', false],
        ['stream_exists on an existing stream', 2, 'stream_exists', true],
        ['any on a missing stream', 0, 'any', true],
        ['any on an existing stream', 2, 'any', true],
        ['the exact last revision', 2, 1, true],
        ['a stale revision', 2, 0, false],
        ['a revision ahead of the stream', 2, 5, false],
        ['a revision on a missing stream', 0, 0, false],
      ];
      it.each(cases)('%s', async (_label, existing, expected, succeeds) => {
        const stream = `${p}s`;
        if (existing > 0) {
          await store.append(
            stream,
            Array.from({ length: existing }, () => newEvent('Seed')),
            { expectedRevision: 'no_stream' },
          );
        }
        const attempt = store.append(stream, [newEvent('Next')], { expectedRevision: expected });
        if (succeeds) {
          expect((await attempt).nextExpectedRevision).toBe(existing);
          expect(await store.readStream(stream)).toHaveLength(existing + 1);
          return;
        }
        const conflict = await conflictOf(attempt);
        expect(conflict.code).toBe('store_concurrency');
        expect(conflict.retryable).toBe(true);
        expect(conflict.details).toEqual({
          streamId: stream,
          expected,
          actual: existing > 0 ? existing - 1 : 'no_stream',
        });
        expect(await store.readStream(stream)).toHaveLength(existing);
      });

      it('lets exactly one of two appends decided on the same revision win', async () => {
        await store.append(`${p}s`, [newEvent('A')], { expectedRevision: 'no_stream' });
        const results = await Promise.allSettled([
          store.append(`${p}s`, [newEvent('B')], { expectedRevision: 0 }),
          store.append(`${p}s`, [newEvent('C')], { expectedRevision: 0 }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(ConcurrencyError);
        expect(await store.readStream(`${p}s`)).toHaveLength(2);
      });
    });

    describe('readAll', () => {
      it('returns events of all streams in commit order after fromPosition, filtered by prefix, at most maxCount', async () => {
        const from = await marker();
        await store.append(`${p}a`, [newEvent('A1')], { expectedRevision: 'no_stream' });
        await store.append(`other-${p}b`, [newEvent('B1')], { expectedRevision: 'no_stream' });
        await store.append(`${p}a`, [newEvent('A2'), newEvent('A3')], { expectedRevision: 0 });
        await store.append(`${p}c`, [newEvent('C1')], { expectedRevision: 'no_stream' });

        const mine = (events: StoredEvent[]): StoredEvent[] => events.filter((e) => e.streamId.includes(p));
        const all = mine(await store.readAll({ fromPosition: from }));
        expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'A2', 'A3', 'C1']);
        for (let i = 1; i < all.length; i++) expect(all[i].position).toBeGreaterThan(all[i - 1].position);

        const prefixed = await store.readAll({ fromPosition: from, streamPrefix: p });
        expect(prefixed.map((e) => e.type)).toEqual(['A1', 'A2', 'A3', 'C1']);
        expect((await store.readAll({ fromPosition: from, streamPrefix: p, maxCount: 2 })).map((e) => e.type)).toEqual([
          'A1',
          'A2',
        ]);
        const after = await store.readAll({ fromPosition: prefixed[1].position, streamPrefix: p });
        expect(after.map((e) => e.type)).toEqual(['A3', 'C1']);
        expect(await store.readAll({ fromPosition: prefixed[3].position, streamPrefix: p })).toEqual([]);
      });

      it('reads the same event the same way through readStream and readAll', async () => {
        const from = await marker();
        await store.append(`${p}s`, [newEvent('A', { x: 1 })], { expectedRevision: 'no_stream' });
        const [viaAll] = await store.readAll({ fromPosition: from, streamPrefix: p });
        const [viaStream] = await store.readStream(`${p}s`);
        expect(viaAll).toEqual(viaStream);
      });
    });

    describe('subscribeToAll', () => {
      it('delivers stored events (catch-up) then live ones, in position order, each once', async () => {
        const from = await marker();
        await store.append(`${p}a`, [newEvent('A1'), newEvent('A2')], { expectedRevision: 'no_stream' });
        await store.append(`skip-${p}`, [newEvent('X')], { expectedRevision: 'no_stream' });
        const seen: StoredEvent[] = [];
        const subscription = store.subscribeToAll({ fromPosition: from, streamPrefix: p }, (e) => {
          seen.push(e);
        });
        await eventually('two events seen', () => seen.length >= 2, 5000, 5);
        await store.append(`${p}b`, [newEvent('B1')], { expectedRevision: 'no_stream' });
        await store.append(`${p}a`, [newEvent('A3')], { expectedRevision: 1 });
        await eventually('four events seen', () => seen.length >= 4, 5000, 5);
        await new Promise((resolve) => setTimeout(resolve, 100));
        await subscription.close();
        await subscription.closed;
        expect(seen.map((e) => e.type)).toEqual(['A1', 'A2', 'B1', 'A3']);
        for (let i = 1; i < seen.length; i++) expect(seen[i].position).toBeGreaterThan(seen[i - 1].position);
        expect(subscription.position).toBe(seen[3].position);
      });

      it('awaits each handler call before delivering the next event', async () => {
        const from = await marker();
        await store.append(
          `${p}s`,
          ['A', 'B', 'C'].map((t) => newEvent(t)),
          { expectedRevision: 'no_stream' },
        );
        const log: string[] = [];
        const subscription = store.subscribeToAll({ fromPosition: from, streamPrefix: p }, async (e) => {
          log.push(`start ${e.type}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
          log.push(`end ${e.type}`);
        });
        await eventually('six log entries', () => log.length >= 6, 5000, 5);
        await subscription.close();
        expect(log).toEqual(['start A', 'end A', 'start B', 'end B', 'start C', 'end C']);
      });

      it('stops on a handler error without skipping the event: onError, rejected closed, resumable from position', async () => {
        const from = await marker();
        await store.append(
          `${p}s`,
          ['A', 'B', 'C'].map((t) => newEvent(t)),
          { expectedRevision: 'no_stream' },
        );
        const failure = new Error('handler failed on B');
        const errors: unknown[] = [];
        const seen: string[] = [];
        const subscription = store.subscribeToAll(
          { fromPosition: from, streamPrefix: p, onError: (e) => errors.push(e) },
          (e) => {
            if (e.type === 'B') throw failure;
            seen.push(e.type);
          },
        );
        await expect(subscription.closed).rejects.toBe(failure);
        await eventually('one error', () => errors.length === 1, 5000, 5);
        expect(errors[0]).toBe(failure);
        expect(seen).toEqual(['A']);

        const resumed: string[] = [];
        const again = store.subscribeToAll({ fromPosition: subscription.position, streamPrefix: p }, (e) => {
          resumed.push(e.type);
        });
        await eventually('two events after resuming', () => resumed.length >= 2, 5000, 5);
        await again.close();
        expect(resumed).toEqual(['B', 'C']);
      });

      it('can be closed from inside its handler', async () => {
        const from = await marker();
        await store.append(
          `${p}s`,
          ['A', 'B'].map((t) => newEvent(t)),
          { expectedRevision: 'no_stream' },
        );
        const seen: string[] = [];
        const subscription = store.subscribeToAll({ fromPosition: from, streamPrefix: p }, async (e) => {
          seen.push(e.type);
          await subscription.close();
        });
        await subscription.closed;
        expect(seen).toEqual(['A']);
      });
    });
  });
}
