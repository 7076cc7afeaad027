import { ANCHORS_STREAM, DLQ_STREAM, EVENTS_STREAM, TRIGGERS_STREAM } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { StorageType, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { DEFAULT_STREAM_LIMITS, ensureStreams, streamLimitsOf } from './streams.js';

describe('ensureStreams', () => {
  let nats: NatsFixture;
  beforeAll(async () => {
    nats = await startNatsFixture();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('creates every stream with their subjects, file storage and duplicate windows, even when two processes race', async () => {
    const other = await nats.connect('other-process');
    const [a, b] = await Promise.all([ensureStreams(nats.nc), ensureStreams(other)]);
    expect(a.map((s) => s.config.name)).toEqual([TRIGGERS_STREAM, EVENTS_STREAM, DLQ_STREAM, ANCHORS_STREAM]);
    expect(b.map((s) => s.config.name)).toEqual([TRIGGERS_STREAM, EVENTS_STREAM, DLQ_STREAM, ANCHORS_STREAM]);

    const jsm = await jetstreamManager(nats.nc);
    const triggers = await jsm.streams.info(TRIGGERS_STREAM);
    const events = await jsm.streams.info(EVENTS_STREAM);
    expect(triggers.config.subjects).toEqual(['lf.trigger.>']);
    expect(triggers.config.storage).toBe(StorageType.File);
    expect(triggers.config.duplicate_window).toBe(nanos(24 * 60 * 60 * 1000));
    expect(events.config.subjects).toEqual(['lf.evt.>']);
    expect(events.config.storage).toBe(StorageType.File);
    expect(events.config.duplicate_window).toBe(nanos(2 * 60 * 1000));
    const anchors = await jsm.streams.info(ANCHORS_STREAM);
    expect(anchors.config).toMatchObject({
      subjects: ['lf.anchor.>'],
      storage: StorageType.File,
      duplicate_window: nanos(2 * 60 * 1000),
      max_msgs_per_subject: 16,
    });
    expect(events.config.max_msgs_per_subject).toBe(-1);
  });

  it('is idempotent and keeps stored messages', async () => {
    const jsm = await jetstreamManager(nats.nc);
    await jsm.jetstream().publish('lf.trigger.wf1', '{}', { msgID: 'k1' });
    await ensureStreams(nats.nc);
    await ensureStreams(nats.nc);
    expect((await jsm.streams.info(TRIGGERS_STREAM)).state.messages).toBe(1);
  });

  it('updates a changed duplicate window in place', async () => {
    const [triggers] = await ensureStreams(nats.nc, { duplicateWindowMs: { triggers: 60_000 } });
    expect(triggers?.config.duplicate_window).toBe(nanos(60_000));
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.streams.info(TRIGGERS_STREAM)).state.messages).toBe(1);
    await ensureStreams(nats.nc);
    expect((await jsm.streams.info(TRIGGERS_STREAM)).config.duplicate_window).toBe(nanos(24 * 60 * 60 * 1000));
  });

  it('gives every stream a max age and max bytes, oldest discarded first', async () => {
    const infos = await ensureStreams(nats.nc);
    const byName = Object.fromEntries(infos.map((i) => [i.config.name, i.config]));
    expect(byName[TRIGGERS_STREAM]).toMatchObject({
      max_age: nanos(7 * 24 * 3_600_000),
      max_bytes: 256 * 1024 * 1024,
      discard: 'old',
    });
    expect(byName[EVENTS_STREAM]).toMatchObject({
      max_age: nanos(DEFAULT_STREAM_LIMITS.events.maxAgeMs),
      max_bytes: 1024 * 1024 * 1024,
    });
    expect(byName[DLQ_STREAM]).toMatchObject({ max_age: nanos(30 * 24 * 3_600_000), max_bytes: 256 * 1024 * 1024 });
    expect(byName[ANCHORS_STREAM]).toMatchObject({
      max_age: nanos(365 * 24 * 3_600_000),
      max_bytes: 256 * 1024 * 1024,
      max_msgs_per_subject: 16,
      discard: 'old',
    });
  });

  it('keeps the last N anchors per subject, as configured, and reconciles that limit in place', async () => {
    const settings = {
      LEDGERFLOW_EVENTS_MAX_AGE_HOURS: 168,
      LEDGERFLOW_EVENTS_MAX_BYTES: 1024 ** 3,
      LEDGERFLOW_TRIGGERS_MAX_AGE_HOURS: 168,
      LEDGERFLOW_TRIGGERS_MAX_BYTES: 256 * 1024 ** 2,
      LEDGERFLOW_DLQ_MAX_AGE_HOURS: 720,
      LEDGERFLOW_DLQ_MAX_BYTES: 256 * 1024 ** 2,
      LEDGERFLOW_ANCHORS_MAX_AGE_HOURS: 48,
      LEDGERFLOW_ANCHORS_MAX_BYTES: 8 * 1024 ** 2,
      LEDGERFLOW_ANCHORS_PER_STREAM: 3,
    };
    const infos = await ensureStreams(nats.nc, { limits: streamLimitsOf(settings) });
    expect(infos[3]?.config).toMatchObject({
      max_age: nanos(48 * 3_600_000),
      max_bytes: 8 * 1024 ** 2,
      max_msgs_per_subject: 3,
    });
    const js = (await jetstreamManager(nats.nc)).jetstream();
    for (let revision = 0; revision < 5; revision++)
      await js.publish('lf.anchor.run.run-a', String(revision), { msgID: `run-a@${revision}` });
    await js.publish('lf.anchor.run.run-b', '0', { msgID: 'run-b@0' });
    const jsm = await jetstreamManager(nats.nc);
    expect((await jsm.streams.info(ANCHORS_STREAM)).state.messages).toBe(4);
    expect((await jsm.streams.getMessage(ANCHORS_STREAM, { last_by_subj: 'lf.anchor.run.run-a' }))?.string()).toBe('4');
    expect((await ensureStreams(nats.nc))[3]?.config.max_msgs_per_subject).toBe(16);
  });

  it('reconciles changed limits in place, keeping stored messages, and enforces them', async () => {
    const jsm = await jetstreamManager(nats.nc);
    const before = (await jsm.streams.info(TRIGGERS_STREAM)).state.messages;
    const limits = { events: { maxAgeMs: 3_600_000, maxBytes: 2 * 1024 * 1024 }, dlq: { maxBytes: 4096 } };
    const [, events, dlq] = await ensureStreams(nats.nc, { limits });
    expect(events?.config).toMatchObject({ max_age: nanos(3_600_000), max_bytes: 2 * 1024 * 1024 });
    expect(dlq?.config).toMatchObject({ max_age: nanos(DEFAULT_STREAM_LIMITS.dlq.maxAgeMs), max_bytes: 4096 });
    expect((await jsm.streams.info(TRIGGERS_STREAM)).state.messages).toBe(before);

    const js = jsm.jetstream();
    for (let i = 0; i < 10; i++) await js.publish('lf.dlq.test', 'x'.repeat(1000));
    const { state } = await jsm.streams.info(DLQ_STREAM);
    expect(state.bytes).toBeLessThanOrEqual(4096);
    expect(state.last_seq - state.first_seq + 1).toBeLessThan(10); // the oldest went first

    const again = await ensureStreams(nats.nc);
    expect(again[2]?.config.max_bytes).toBe(DEFAULT_STREAM_LIMITS.dlq.maxBytes);
  });

  it('refuses to change the storage type of an existing stream', async () => {
    const jsm = await jetstreamManager(nats.nc);
    await jsm.streams.delete(EVENTS_STREAM);
    await jsm.streams.add({ name: EVENTS_STREAM, subjects: ['lf.evt.>'], storage: StorageType.Memory });
    const err = await ensureStreams(nats.nc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect((err as LedgerflowError).code).toBe('nats_stream_config_conflict');
    expect((err as LedgerflowError).message).toMatch(/storage "memory", expected "file"/);
  });
});
