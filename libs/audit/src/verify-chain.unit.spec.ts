import fc from 'fast-check';
import { chainedEvents, eventsWithLegacyPrefix, mutable, RUN_ID, viaJson } from './audit-fixtures.spec-util.js';
import type { AuditEvent } from './audit-export.js';
import { eventHash, GENESIS } from './event-hash.js';
import { verifyChain } from './verify-chain.js';
import type { ChainVerification } from './verify-chain.js';

const STREAM = `run-${RUN_ID}`;
const verify = (events: unknown, head?: string | null): ChainVerification =>
  verifyChain(events as AuditEvent[], { streamId: STREAM, runId: RUN_ID, ...(head === undefined ? {} : { head }) });
const idOf = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe('verifyChain: an intact chain', () => {
  it('verifies, counts the events and returns the last hash as the head', () => {
    const events = chainedEvents(6);
    expect(verify(events, events[5]?.metadata.hash as string)).toEqual({
      ok: true,
      count: 6,
      head: events[5]?.metadata.hash,
      unhashed: 0,
    });
  });

  it('starts at GENESIS and links every event to the one before it, across commits', () => {
    const events = chainedEvents(5);
    expect(events[0]?.metadata.prevHash).toBe(GENESIS);
    for (let i = 1; i < events.length; i++) expect(events[i]?.metadata.prevHash).toBe(events[i - 1]?.metadata.hash);
    expect(new Set(events.map((e) => e.metadata.hash)).size).toBe(5);
  });

  it('still verifies after a JSON round trip and with metadata keys in another order', () => {
    const events = mutable(chainedEvents(4));
    events[2]!.metadata = Object.fromEntries(Object.entries(events[2]!.metadata).reverse());
    expect(verify(viaJson(events))).toMatchObject({ ok: true, count: 4 });
  });

  it('reports an unhashed prefix (events appended before the audit trail) and verifies the chain after it', () => {
    expect(verify(eventsWithLegacyPrefix(2, 3))).toMatchObject({ ok: true, count: 5, unhashed: 2 });
    expect(verify(eventsWithLegacyPrefix(3, 0), null)).toEqual({ ok: true, count: 3, head: null, unhashed: 3 });
  });

  it('does not cover what the store assigns at commit: position and recordedAt', () => {
    const events = mutable(chainedEvents(3));
    (events[1] as Record<string, unknown>).position = 9999;
    (events[1] as Record<string, unknown>).recordedAt = '2030-01-01T00:00:00.000Z';
    expect(verify(events)).toMatchObject({ ok: true });
  });
});

describe('verifyChain: every kind of tampering is detected at the first event that does not verify', () => {
  it('a changed data field: content altered, at that event', () => {
    const events = mutable(chainedEvents(6));
    (events[3]!.data.output as Record<string, unknown>).amount = 1;
    expect(verify(events)).toMatchObject({
      ok: false,
      index: 3,
      revision: 3,
      eventId: idOf(3),
      reason: 'content_altered',
    });
  });

  it('a changed metadata field (actor, occurredAt) or type: content altered', () => {
    const actor = mutable(chainedEvents(6));
    actor[2]!.metadata.actor = { kind: 'human', id: 'mallory' };
    expect(verify(actor)).toMatchObject({ ok: false, index: 2, eventId: idOf(2), reason: 'content_altered' });
    const time = mutable(chainedEvents(6));
    time[4]!.metadata.occurredAt = '2026-05-04T09:29:00.000Z';
    expect(verify(time)).toMatchObject({ ok: false, index: 4, reason: 'content_altered' });
    const type = mutable(chainedEvents(6));
    type[5]!.type = 'RunFailed';
    expect(verify(type)).toMatchObject({ ok: false, index: 5, reason: 'content_altered' });
  });

  it('an altered event whose hash was recomputed: the next event no longer links to it', () => {
    const events = mutable(chainedEvents(6));
    events[2]!.data.stepId = 'forged';
    events[2]!.metadata.hash = eventHash(events[2] as never, events[2]!.metadata.prevHash as string);
    expect(verify(events)).toMatchObject({
      ok: false,
      index: 3,
      revision: 3,
      eventId: idOf(3),
      reason: 'previous_hash_mismatch',
    });
  });

  it('a removed event: the event after the gap is named', () => {
    const events = mutable(chainedEvents(6));
    events.splice(2, 1);
    expect(verify(events)).toMatchObject({
      ok: false,
      index: 2,
      revision: 3,
      eventId: idOf(3),
      reason: 'previous_hash_mismatch',
    });
    const first = mutable(chainedEvents(6)).slice(1);
    expect(verify(first)).toMatchObject({
      ok: false,
      index: 0,
      revision: 1,
      eventId: idOf(1),
      reason: 'previous_hash_mismatch',
    });
  });

  it('two events swapped: the one moved up is named', () => {
    const events = mutable(chainedEvents(6));
    [events[1], events[4]] = [events[4]!, events[1]!];
    expect(verify(events)).toMatchObject({
      ok: false,
      index: 1,
      revision: 4,
      eventId: idOf(4),
      reason: 'previous_hash_mismatch',
    });
  });

  it('a duplicated event: the copy is named', () => {
    const events = mutable(chainedEvents(6));
    events.splice(3, 0, viaJson(events[2]!));
    expect(verify(events)).toMatchObject({
      ok: false,
      index: 3,
      revision: 2,
      eventId: idOf(2),
      reason: 'previous_hash_mismatch',
    });
  });

  it('a truncated tail: only the expected head shows it (an export carries its head); the last event left is named', () => {
    const all = chainedEvents(6);
    const head = all[5]?.metadata.hash as string;
    const truncated = all.slice(0, 4);
    expect(verify(truncated)).toMatchObject({ ok: true }); // without the head, a prefix is a valid chain
    expect(verify(truncated, head)).toMatchObject({
      ok: false,
      index: 3,
      revision: 3,
      eventId: idOf(3),
      reason: 'head_mismatch',
    });
  });

  it('another run: wrong stream, at the first event of the other run', () => {
    const events = mutable(chainedEvents(4));
    expect(verifyChain(events as never, { streamId: 'run-other', runId: 'other' })).toMatchObject({
      ok: false,
      index: 0,
      reason: 'wrong_stream',
    });
    events[2]!.metadata.runId = 'other';
    expect(verify(events)).toMatchObject({ ok: false, index: 2, reason: 'wrong_stream' });
    const moved = mutable(chainedEvents(4));
    moved[1]!.streamId = 'run-other';
    expect(verify(moved)).toMatchObject({ ok: false, index: 1, reason: 'wrong_stream' });
  });

  it('a hash stripped from an event after the chain started: hash missing', () => {
    const events = mutable(chainedEvents(6));
    delete events[3]!.metadata.hash;
    expect(verify(events)).toMatchObject({ ok: false, index: 3, reason: 'hash_missing' });
  });

  it('hashes stripped from the start to pass events off as unhashed: the first hashed event does not start at GENESIS', () => {
    const events = mutable(chainedEvents(6));
    for (const event of events.slice(0, 2)) {
      delete event.metadata.hash;
      delete event.metadata.prevHash;
    }
    events[1]!.data.stepId = 'forged';
    expect(verify(events)).toMatchObject({ ok: false, index: 2, revision: 2, reason: 'previous_hash_mismatch' });
  });

  it('a changed revision: content altered (the revision is hashed); a gap in an unhashed prefix: revision gap', () => {
    const events = mutable(chainedEvents(4));
    events[2]!.revision = 7;
    expect(verify(events)).toMatchObject({ ok: false, index: 2, revision: 7, reason: 'content_altered' });
    const legacy = mutable(eventsWithLegacyPrefix(3, 2));
    legacy.splice(1, 1);
    expect(verify(legacy)).toMatchObject({ ok: false, index: 1, revision: 2, reason: 'revision_gap' });
  });

  it('any removal, swap or duplication is detected at the first position that changed (property)', () => {
    const base = chainedEvents(8);
    const head = base[7]?.metadata.hash as string;
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('remove' as const), i: fc.nat(7) }),
      fc.record({ kind: fc.constant('swap' as const), i: fc.nat(7), j: fc.nat(7) }).filter(({ i, j }) => i !== j),
      fc.record({ kind: fc.constant('duplicate' as const), i: fc.nat(7), j: fc.nat(8) }),
    );
    fc.assert(
      fc.property(edit, (change) => {
        const events = mutable(base);
        let first: number;
        if (change.kind === 'remove') {
          events.splice(change.i, 1);
          first = change.i === 7 ? 6 : change.i; // removing the last event is a truncation: the head names the new last
        } else if (change.kind === 'swap') {
          const { i, j } = change as { i: number; j: number };
          [events[i], events[j]] = [events[j]!, events[i]!];
          first = Math.min(i, j);
        } else {
          const { i, j } = change as { i: number; j: number };
          events.splice(j, 0, viaJson(events[i]!));
          first = j === i ? j + 1 : j; // a copy inserted right before its original reads as the original
        }
        const result = verify(events, head);
        expect(result.ok).toBe(false);
        expect(result.ok ? -1 : result.index).toBe(first);
      }),
    );
  });
});
