import { ValidationError } from '@ledgerflow/domain';
import { anExport, chainedEvents, eventsWithLegacyPrefix, RUN_ID, viaJson } from './audit-fixtures.spec-util.js';
import { AUDIT_FORMAT, buildAuditExport, parseAuditExport, verifyAuditExport } from './audit-export.js';

describe('buildAuditExport', () => {
  it('carries the format, the run, the time and the chain head (the last event hash)', () => {
    const events = chainedEvents(4);
    const doc = buildAuditExport(RUN_ID, events, '2026-05-04T10:00:00.000Z');
    expect(doc).toEqual({
      format: AUDIT_FORMAT,
      runId: RUN_ID,
      exportedAt: '2026-05-04T10:00:00.000Z',
      head: events[3]?.metadata.hash,
      events,
    });
  });

  it('has a null head when no event is hashed (a run from before the audit trail)', () => {
    expect(buildAuditExport(RUN_ID, eventsWithLegacyPrefix(2, 0), 'now').head).toBeNull();
  });
});

describe('parseAuditExport', () => {
  it('accepts an export read back from JSON', () => {
    const doc = viaJson(anExport());
    expect(parseAuditExport(doc)).toBe(doc);
  });

  it.each([
    [
      'the format',
      (d: Record<string, unknown>) => {
        d.format = 'ledgerflow-audit/0';
      },
      '/format',
    ],
    [
      'a missing head',
      (d: Record<string, unknown>) => {
        delete d.head;
      },
      '/head',
    ],
    [
      'no events',
      (d: Record<string, unknown>) => {
        d.events = [];
      },
      '/events',
    ],
    [
      'a revision that is not an integer',
      (d: Record<string, unknown>) => {
        (d.events as Array<Record<string, unknown>>)[1]!.revision = '1';
      },
      '/events/1/revision',
    ],
    [
      'a malformed hash',
      (d: Record<string, unknown>) => {
        ((d.events as Array<Record<string, unknown>>)[2]!.metadata as Record<string, unknown>).hash = 'abc';
      },
      '/events/2/metadata/hash',
    ],
    [
      'an event without an id',
      (d: Record<string, unknown>) => {
        delete ((d.events as Array<Record<string, unknown>>)[0]!.metadata as Record<string, unknown>).eventId;
      },
      '/events/0/metadata/eventId',
    ],
  ])('refuses %s, naming the field', (_name, spoil, field) => {
    const doc = viaJson(anExport()) as unknown as Record<string, unknown>;
    spoil(doc);
    const error = (() => {
      try {
        parseAuditExport(doc);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'audit_export_invalid', details: { field } });
    expect((error as Error).message).toContain(field);
  });

  it('refuses what is not an object', () => {
    expect(() => parseAuditExport([1, 2])).toThrow(/not a ledgerflow-audit\/1 export: \/ must be object/);
  });
});

describe('verifyAuditExport', () => {
  it('verifies an intact export against its own head', () => {
    const doc = viaJson(anExport(6));
    expect(verifyAuditExport(doc)).toEqual({ ok: true, count: 6, head: doc.head, unhashed: 0 });
  });

  it('detects a truncated tail through the head the export carries', () => {
    const doc = viaJson(anExport(6));
    const truncated = { ...doc, events: doc.events.slice(0, 5) };
    expect(verifyAuditExport(truncated)).toMatchObject({ ok: false, index: 4, revision: 4, reason: 'head_mismatch' });
  });

  it('detects a truncation whose head was rewritten too, given a head obtained independently', () => {
    const doc = viaJson(anExport(6));
    const rewritten = { ...doc, events: doc.events.slice(0, 5), head: doc.events[4]?.metadata.hash as string };
    expect(verifyAuditExport(rewritten)).toMatchObject({ ok: true });
    expect(verifyAuditExport(rewritten, doc.head as string)).toMatchObject({
      ok: false,
      index: 4,
      reason: 'head_mismatch',
    });
    expect(verifyAuditExport(doc, doc.head as string)).toMatchObject({ ok: true });
  });

  it('detects a changed runId: the events are in another run stream', () => {
    const doc = { ...viaJson(anExport(3)), runId: 'another-run' };
    expect(verifyAuditExport(doc)).toMatchObject({ ok: false, index: 0, revision: 0, reason: 'wrong_stream' });
  });
});
