import { DLQ_STREAM, EVENTS_STREAM, TRIGGERS_STREAM } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { StorageType, jetstreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { startNatsFixture, type NatsFixture } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';

describe('ensureStreams', () => {
  let nats: NatsFixture;
  beforeAll(async () => {
    nats = await startNatsFixture();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('creates both streams with their subjects, file storage and duplicate windows, even when two processes race', async () => {
    const other = await nats.connect('other-process');
    const [a, b] = await Promise.all([ensureStreams(nats.nc), ensureStreams(other)]);
    expect(a.map((s) => s.config.name)).toEqual([TRIGGERS_STREAM, EVENTS_STREAM, DLQ_STREAM]);
    expect(b.map((s) => s.config.name)).toEqual([TRIGGERS_STREAM, EVENTS_STREAM, DLQ_STREAM]);

    const jsm = await jetstreamManager(nats.nc);
    const triggers = await jsm.streams.info(TRIGGERS_STREAM);
    const events = await jsm.streams.info(EVENTS_STREAM);
    expect(triggers.config.subjects).toEqual(['lf.trigger.>']);
    expect(triggers.config.storage).toBe(StorageType.File);
    expect(triggers.config.duplicate_window).toBe(nanos(24 * 60 * 60 * 1000));
    expect(events.config.subjects).toEqual(['lf.evt.>']);
    expect(events.config.storage).toBe(StorageType.File);
    expect(events.config.duplicate_window).toBe(nanos(2 * 60 * 1000));
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

  it('refuses to change the storage type of an existing stream', async () => {
    const jsm = await jetstreamManager(nats.nc);
    await jsm.streams.delete(EVENTS_STREAM);
    await jsm.streams.add({ name: EVENTS_STREAM, subjects: ['lf.evt.>'], storage: StorageType.Memory });
    const err = await ensureStreams(nats.nc).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LedgerflowError);
    expect((err as LedgerflowError).code).toBe('NATS.STREAM_CONFIG_CONFLICT');
    expect((err as LedgerflowError).message).toMatch(/storage "memory", expected "file"/);
  });
});
