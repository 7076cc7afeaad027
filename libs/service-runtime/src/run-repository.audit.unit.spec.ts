import { randomUUID } from 'node:crypto';
import { GENESIS, verifyChain } from '@ledgerflow/audit';
import { runStreamId } from '@ledgerflow/contracts';
import { allowStep, NOW, ObservedStore, startRun } from './run-fixtures.spec-util.js';
import { RunRepository } from './run-repository.js';

const planner = { kind: 'service', id: 'planner' } as const;
const executor = { kind: 'service', id: 'executor' } as const;
const clock = () => new Date(NOW);

/** The audit hash chain the repository writes into every appended event's metadata. */
describe('RunRepository: audit hash chain', () => {
  let store: ObservedStore;
  beforeEach(() => {
    store = new ObservedStore();
  });

  const storedChain = async (runId: string) => {
    const events = await store.readStream(runStreamId(runId));
    return { events, verification: verifyChain(events, { streamId: runStreamId(runId), runId }) };
  };

  it('chains the events of one commit among themselves, from GENESIS, and the next commit to the last of them', async () => {
    const runs = new RunRepository(store, planner, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'trigger-1' });
    await runs.execute('r1', allowStep('a'), { causationId: 'policy-1' });

    const { events, verification } = await storedChain('r1');
    expect(events.map((e) => e.metadata.prevHash)).toEqual([
      GENESIS,
      events[0]?.metadata.hash,
      events[1]?.metadata.hash,
    ]);
    expect(events.every((e) => /^[0-9a-f]{64}$/.test(e.metadata.hash ?? ''))).toBe(true);
    expect(verification).toEqual({ ok: true, count: 3, head: events[2]?.metadata.hash, unhashed: 0 });
  });

  it('keeps the chain head in the loaded run: after its own append, and read from the last stored event on load', async () => {
    const runs = new RunRepository(store, planner, clock);
    expect((await runs.load('r1')).head).toBeUndefined();
    const result = await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    const { events } = await storedChain('r1');
    expect((await runs.load('r1')).head).toBe(events[1]?.metadata.hash);
    expect(result.revision).toBe(1);
    expect((await new RunRepository(store, executor, clock).load('r1')).head).toBe(events[1]?.metadata.hash);
  });

  it('another process continues the chain where this one stopped, and a cached fold picks up its head', async () => {
    const planners = new RunRepository(store, planner, clock);
    const executors = new RunRepository(store, executor, clock);
    await planners.execute('r1', startRun('r1'), { causationId: 'c1' });
    await executors.execute('r1', allowStep('a'), { causationId: 'c2' });
    await planners.execute('r1', allowStep('b'), { causationId: 'c3' }); // the planner's cached fold is behind
    const { events, verification } = await storedChain('r1');
    expect(verification).toMatchObject({ ok: true, count: 4 });
    expect((await planners.load('r1')).head).toBe(events[3]?.metadata.hash);
    expect((await executors.load('r1')).head).toBe(events[3]?.metadata.hash);
  });

  it('after a concurrency conflict the re-decided events link to the real predecessor', async () => {
    const runs = new RunRepository(store, executor, clock);
    const other = new RunRepository(store, executor, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    await other.load('r1');
    store.beforeNextAppend(async () => {
      await other.execute('r1', allowStep('b'), { causationId: 'other' });
    });
    await runs.execute('r1', allowStep('a'), { causationId: 'mine' });

    const { events, verification } = await storedChain('r1');
    expect(events.map((e) => e.metadata.causationId)).toEqual(['c1', 'c1', 'other', 'mine']);
    expect(events[3]?.metadata.prevHash).toBe(events[2]?.metadata.hash);
    expect(verification).toMatchObject({ ok: true, count: 4 });
  });

  it('a stream from before the audit trail: the chain starts at GENESIS at the first new event; the verifier reports the prefix', async () => {
    const legacy = (type: string, data: unknown) => ({
      type,
      data,
      metadata: {
        eventId: randomUUID(),
        runId: 'r1',
        causationId: 'old',
        actor: planner,
        occurredAt: NOW,
        schemaVersion: 1,
      },
    });
    const seed = startRun('r1')((await new RunRepository(store, planner, clock).load('r1')).state, NOW, {
      state: undefined as never,
      revision: -1,
    });
    await store.appendAsAnotherProcess(
      runStreamId('r1'),
      seed.map((e) => legacy(e.type, e.data)),
    );

    const runs = new RunRepository(store, executor, clock);
    expect((await runs.load('r1')).head).toBeUndefined();
    await runs.execute('r1', allowStep('a'), { causationId: 'c2' });
    const { events, verification } = await storedChain('r1');
    expect(events[2]?.metadata.prevHash).toBe(GENESIS);
    expect(verification).toEqual({ ok: true, count: 3, head: events[2]?.metadata.hash, unhashed: 2 });
  });

  describe('verification of what a process folds', () => {
    const stepAllowed = async (runs: RunRepository) => runs.execute('r1', allowStep('a'), { causationId: 'policy' });

    it('flags a run whose stored event was altered, and refuses to append to it (integrity_failed)', async () => {
      const writer = new RunRepository(store, planner, clock);
      await writer.execute('r1', startRun('r1'), { causationId: 'c1' });
      store.tamper((events) =>
        events.map((e) => (e.revision === 1 ? { ...e, data: { ...(e.data as object), concurrency: 99 } } : e)),
      );
      const reader = new RunRepository(store, executor, clock);
      const loaded = await reader.load('r1');
      expect(loaded.integrity).toMatchObject({ ok: false, revision: 1, reason: 'content_altered' });
      expect(loaded.revision).toBe(1); // folded as stored, so the API can show it, flagged
      await expect(stepAllowed(reader)).rejects.toMatchObject({
        code: 'integrity_failed',
        details: { runId: 'r1', revision: 1, reason: 'content_altered' },
      });
      expect(store.appends.filter((a) => a.types.includes('StepPolicyEvaluated'))).toEqual([]);
    });

    it('verifies the events appended since its cached fold: a forged unchained event is refused', async () => {
      const runs = new RunRepository(store, planner, clock);
      await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
      await runs.load('r1');
      await store.appendAsAnotherProcess(runStreamId('r1'), [
        {
          type: 'RunCancelled',
          data: { reason: 'forged', requestedBy: 'mallory' },
          metadata: {
            eventId: randomUUID(),
            runId: 'r1',
            causationId: 'x',
            actor: { kind: 'human', id: 'mallory' },
            occurredAt: NOW,
            schemaVersion: 1,
          },
        },
      ]);
      expect((await runs.load('r1')).integrity).toMatchObject({ revision: 2, reason: 'hash_missing' });
      await expect(stepAllowed(runs)).rejects.toMatchObject({ code: 'integrity_failed' });
    });

    it('notices the last verified event edited in place (same recorded hash, other content)', async () => {
      const runs = new RunRepository(store, planner, clock);
      await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
      await stepAllowed(runs);
      store.tamper((events) =>
        events.map((e) => (e.revision === 2 ? { ...e, data: { ...(e.data as object), stepId: 'b' } } : e)),
      );
      expect((await runs.load('r1')).integrity).toMatchObject({ ok: false, revision: 2, reason: 'content_altered' });
    });

    it('never serves a cached fold the store no longer holds: removed events are refolded and flagged', async () => {
      const runs = new RunRepository(store, planner, clock);
      await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
      await stepAllowed(runs);
      expect(runs.cachedRevision('r1')).toBe(2);
      store.tamper((events) => events.filter((e) => e.revision < 2)); // the last event deleted
      const loaded = await runs.load('r1');
      expect(loaded.revision).toBe(1);
      expect(loaded.state.steps['a']?.decision).toBeUndefined();
      expect(loaded.integrity).toMatchObject({ ok: false, revision: 2, reason: 'head_mismatch' });
      expect(runs.cachedRevision('r1')).toBe(-1);
    });
  });
});
