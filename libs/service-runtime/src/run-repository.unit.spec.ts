import { randomUUID } from 'node:crypto';
import { chainEvents, recordedHash } from '@ledgerflow/audit';
import { runStreamId } from '@ledgerflow/contracts';
import { DomainError } from '@ledgerflow/domain';
import type { RunState } from '@ledgerflow/domain';
import { ConcurrencyError } from '@ledgerflow/event-store';
import type { NewEvent } from '@ledgerflow/event-store';
import { allowStep, NOW, ObservedStore, startRun } from './run-fixtures.spec-util.js';
import { RunRepository } from './run-repository.js';
import type { Decision } from './run-repository.js';

const planner = { kind: 'service', id: 'planner' } as const;
const executor = { kind: 'service', id: 'executor' } as const;
const clock = () => new Date(NOW);

describe('RunRepository.load', () => {
  let store: ObservedStore;
  beforeEach(() => {
    store = new ObservedStore();
  });

  it('an unknown run is state "none" at revision -1 and is not cached', async () => {
    const runs = new RunRepository(store, planner, clock);
    const loaded = await runs.load('nope');
    expect(loaded).toEqual({
      state: expect.objectContaining({ status: 'none', eventCount: 0 }),
      revision: -1,
      root: undefined,
    });
    expect(runs.cachedRevision('nope')).toBe(-1);
  });

  it('folds the stream and keeps the metadata of RunTriggered as the root', async () => {
    await new RunRepository(store, planner, clock).execute('r1', startRun('r1'), { causationId: 'c1' });
    const loaded = await new RunRepository(store, executor, clock).load('r1');
    const stored = await store.readStream(runStreamId('r1'));
    expect(loaded.revision).toBe(1);
    expect(loaded.state).toMatchObject({ status: 'running', runId: 'r1', eventCount: 2 });
    expect(Object.keys(loaded.state.steps)).toEqual(['a', 'b']);
    expect(loaded.root).toEqual(stored[0]?.metadata);
  });

  it('caches the fold: a second load reads only the last folded event (to check it is unchanged) and those appended since, even behind its back', async () => {
    const writer = new RunRepository(store, planner, clock);
    const reader = new RunRepository(store, executor, clock);
    await writer.execute('r1', startRun('r1'), { causationId: 'c1' });
    const first = await reader.load('r1');
    expect(reader.cachedRevision('r1')).toBe(1);

    expect(await reader.load('r1')).toBe(first); // nothing new: the cached fold itself

    await writer.execute('r1', allowStep('a'), { causationId: 'c2' }); // another process appends
    store.reads.length = 0;
    const second = await reader.load('r1');
    expect(store.reads).toEqual([{ streamId: runStreamId('r1'), fromRevision: 1, returned: 2 }]);
    expect(second.revision).toBe(2);
    expect(second.state.steps['a']?.status).toBe('ready');
    expect(second.state.eventCount).toBe(3);
    expect(second.root).toEqual(first.root);
  });

  it('forget drops the cached fold: the next load reads the stream from the start', async () => {
    const runs = new RunRepository(store, planner, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    runs.forget('r1');
    expect(runs.cachedRevision('r1')).toBe(-1);
    store.reads.length = 0;
    expect((await runs.load('r1')).revision).toBe(1);
    expect(store.reads).toEqual([{ streamId: runStreamId('r1'), fromRevision: 0, returned: 2 }]);
  });

  it('keeps at most cacheSize runs', async () => {
    const runs = new RunRepository(store, planner, clock, 2);
    for (const runId of ['r1', 'r2', 'r3']) await runs.execute(runId, startRun(runId), { causationId: runId });
    expect(['r1', 'r2', 'r3'].map((runId) => runs.cachedRevision(runId))).toEqual([-1, 1, 1]);
  });
});

describe('RunRepository.execute', () => {
  let store: ObservedStore;
  beforeEach(() => {
    store = new ObservedStore();
  });

  it('appends the decided events with the revision they were decided on, and their metadata', async () => {
    const runs = new RunRepository(store, planner, clock);
    const started = await runs.execute('r1', startRun('r1'), { causationId: 'trigger-1' });
    const allowed = await runs.execute('r1', allowStep('a'), { causationId: 'policy-1' });

    expect(store.appends).toEqual([
      { streamId: runStreamId('r1'), expectedRevision: 'no_stream', types: ['RunTriggered', 'PlanCreated'] },
      { streamId: runStreamId('r1'), expectedRevision: 1, types: ['StepPolicyEvaluated'] },
    ]);
    expect(started.appended.map((e) => e.type)).toEqual(['RunTriggered', 'PlanCreated']);
    expect(started.revision).toBe(1);
    expect(allowed).toMatchObject({ revision: 2, appended: [{ type: 'StepPolicyEvaluated' }] });
    expect(allowed.state.steps['a']?.status).toBe('ready');

    const stored = await store.readStream(runStreamId('r1'));
    expect(stored.map((e) => e.metadata)).toEqual([
      {
        eventId: expect.any(String),
        runId: 'r1',
        causationId: 'trigger-1',
        actor: planner,
        occurredAt: NOW,
        schemaVersion: 1,
        prevHash: expect.any(String),
        hash: expect.any(String),
      },
      {
        eventId: expect.any(String),
        runId: 'r1',
        causationId: 'trigger-1',
        actor: planner,
        occurredAt: NOW,
        schemaVersion: 1,
        prevHash: expect.any(String),
        hash: expect.any(String),
      },
      {
        eventId: expect.any(String),
        runId: 'r1',
        causationId: 'policy-1',
        actor: planner,
        occurredAt: NOW,
        schemaVersion: 1,
        prevHash: expect.any(String),
        hash: expect.any(String),
      },
    ]);
    expect(new Set(stored.map((e) => e.metadata.eventId)).size).toBe(3);
  });

  it('passes the decision the current state, the clock time and the loaded run', async () => {
    const runs = new RunRepository(store, planner, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    const seen: Array<{ status: string; now: string; revision: number; triggeredAt?: string }> = [];
    await runs.execute(
      'r1',
      (state, now, run) => {
        seen.push({ status: state.status, now, revision: run.revision, triggeredAt: run.root?.occurredAt });
        return [];
      },
      { causationId: 'c2' },
    );
    expect(seen).toEqual([{ status: 'running', now: NOW, revision: 1, triggeredAt: NOW }]);
  });

  it('a decision returning [] appends nothing (and creates no stream)', async () => {
    const runs = new RunRepository(store, planner, clock);
    expect(await runs.execute('r0', () => [], { causationId: 'c0' })).toEqual({
      state: expect.objectContaining({ status: 'none' }),
      revision: -1,
      appended: [],
    });
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    const result = await runs.execute('r1', () => [], { causationId: 'c2' });
    expect(result).toMatchObject({ revision: 1, appended: [] });
    expect(store.appends).toHaveLength(1);
    expect((await store.readAll()).map((e) => e.streamId)).toEqual([runStreamId('r1'), runStreamId('r1')]);
  });

  it('resolves a concurrent append by another repository by re-deciding: both changes are stored, in order', async () => {
    const runs = new RunRepository(store, executor, clock);
    const other = new RunRepository(store, executor, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    await other.load('r1');

    const statesSeen: RunState[] = [];
    const decideA: Decision = (state, now, run) => {
      statesSeen.push(state);
      return allowStep('a')(state, now, run);
    };
    store.beforeNextAppend(async () => {
      await other.execute('r1', allowStep('b'), { causationId: 'other' });
    });
    const result = await runs.execute('r1', decideA, { causationId: 'mine' });

    const stored = await store.readStream(runStreamId('r1'));
    expect(stored.map((e) => [e.type, (e.data as { stepId?: string }).stepId, e.metadata.causationId])).toEqual([
      ['RunTriggered', undefined, 'c1'],
      ['PlanCreated', undefined, 'c1'],
      ['StepPolicyEvaluated', 'b', 'other'],
      ['StepPolicyEvaluated', 'a', 'mine'],
    ]);
    expect(statesSeen.map((s) => s.steps['b']?.status)).toEqual(['pending', 'ready']); // decided again on the new state
    expect(result.revision).toBe(3);
    expect(result.state.steps['a']?.status).toBe('ready');
    expect(result.state.steps['b']?.status).toBe('ready');
    expect(runs.cachedRevision('r1')).toBe(3);
  });

  it('a conflict that makes the change invalid surfaces the domain refusal and appends nothing more', async () => {
    const runs = new RunRepository(store, executor, clock);
    const other = new RunRepository(store, executor, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    store.beforeNextAppend(async () => {
      await other.execute('r1', allowStep('a'), { causationId: 'other' });
    });
    await expect(runs.execute('r1', allowStep('a'), { causationId: 'mine' })).rejects.toMatchObject({
      code: 'run_step_not_evaluable',
    });
    const stored = await store.readStream(runStreamId('r1'));
    expect(stored.filter((e) => e.type === 'StepPolicyEvaluated').map((e) => e.metadata.causationId)).toEqual([
      'other',
    ]);
  });

  it('gives up after 8 conflicting attempts with the ConcurrencyError', async () => {
    const runs = new RunRepository(store, executor, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    store.beforeEveryAppend(async () => {
      // Another process appends a properly chained event each time (an unchained one would break the audit chain).
      const last = (await store.readStream(runStreamId('r1'))).at(-1)!;
      const paused: NewEvent = {
        type: 'RunPaused',
        data: { reason: 'operator' },
        metadata: {
          eventId: randomUUID(),
          runId: 'r1',
          causationId: 'operator',
          actor: { kind: 'human', id: 'ops' },
          occurredAt: NOW,
          schemaVersion: 1,
        },
      };
      const { events } = chainEvents(runStreamId('r1'), last.revision + 1, [paused], recordedHash(last)!);
      await store.appendAsAnotherProcess(runStreamId('r1'), events);
    });
    let decisions = 0;
    const resume: Decision = () => {
      decisions += 1;
      return [{ type: 'RunResumed', data: { reason: 'retry' } }];
    };
    const error: unknown = await runs.execute('r1', resume, { causationId: 'mine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(decisions).toBe(8);
    const stored = await store.readStream(runStreamId('r1'));
    expect(stored.filter((e) => e.type === 'RunResumed')).toEqual([]);
    expect(stored.filter((e) => e.type === 'RunPaused')).toHaveLength(8);
  });

  it('a DomainError from the decision is not retried and appends nothing', async () => {
    const runs = new RunRepository(store, planner, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    let decisions = 0;
    const refuse: Decision = () => {
      decisions += 1;
      throw new DomainError('run_already_started', 'no');
    };
    await expect(runs.execute('r1', refuse, { causationId: 'c2' })).rejects.toMatchObject({
      code: 'run_already_started',
    });
    expect(decisions).toBe(1);
    expect(store.appends).toHaveLength(1);
  });
});

describe('RunRepository.trustOwnAppends', () => {
  let store: ObservedStore;
  beforeEach(() => {
    store = new ObservedStore();
  });

  it('answers loads from the fold after its own append without reading, until invalidate; a stale decision conflicts and is decided again', async () => {
    const executorRuns = new RunRepository(store, executor, clock).trustOwnAppends();
    const other = new RunRepository(store, planner, clock);
    await executorRuns.execute('r1', startRun('r1'), { causationId: 'c1' });
    store.reads.length = 0;
    const cached = await executorRuns.load('r1');
    expect(store.reads).toEqual([]);
    expect(cached.revision).toBe(1);

    // Another process appends; until told, this one decides on its fold, and the append's expected revision catches it.
    await other.execute('r1', allowStep('a'), { causationId: 'c2' });
    expect((await executorRuns.load('r1')).revision).toBe(1);
    const decided: number[] = [];
    const result = await executorRuns.execute(
      'r1',
      (state, now, run) => {
        decided.push(run.revision);
        return allowStep('b')(state, now, run);
      },
      { causationId: 'c3' },
    );
    expect(decided).toEqual([1, 2]); // decided on the stale fold, conflicted, read the stream, decided again
    expect(result.revision).toBe(3);
    expect((await store.readStream(runStreamId('r1'))).map((e) => e.type).slice(-2)).toEqual([
      'StepPolicyEvaluated',
      'StepPolicyEvaluated',
    ]);

    // Told of another append, the next load reads the stream and verifies what it reads.
    await other.execute(
      'r1',
      () => [
        { type: 'RunCancelled', data: { reason: 'operator', requestedBy: { kind: 'human', id: 'ann' } } } as never,
      ],
      { causationId: 'c4' },
    );
    store.reads.length = 0;
    executorRuns.invalidate('r1');
    const fresh = await executorRuns.load('r1');
    expect(store.reads).toEqual([{ streamId: runStreamId('r1'), fromRevision: 3, returned: 2 }]);
    expect(fresh.revision).toBe(4);
  });

  it('is off by default: every load reads at least the last folded event', async () => {
    const runs = new RunRepository(store, executor, clock);
    await runs.execute('r1', startRun('r1'), { causationId: 'c1' });
    store.reads.length = 0;
    await runs.load('r1');
    expect(store.reads).toEqual([{ streamId: runStreamId('r1'), fromRevision: 1, returned: 1 }]);
  });
});

describe('RunRepository.runDurationMs', () => {
  const root = {
    eventId: 'e',
    runId: 'r1',
    causationId: 'c',
    actor: planner,
    occurredAt: '2026-05-01T10:00:00.000Z',
    schemaVersion: 1,
  };
  const loaded = { state: {} as RunState, revision: 5, root };

  it('is the time from RunTriggered to now, in ms', () => {
    expect(RunRepository.runDurationMs(loaded, '2026-05-01T10:00:01.500Z')).toBe(1500);
    expect(RunRepository.runDurationMs(loaded, '2026-05-02T10:00:00.000Z')).toBe(86_400_000);
  });

  it('is 0 when the root is unknown or now is before it', () => {
    expect(RunRepository.runDurationMs({ state: loaded.state, revision: -1 }, '2026-05-01T10:00:01.500Z')).toBe(0);
    expect(RunRepository.runDurationMs(loaded, '2026-05-01T09:59:59.000Z')).toBe(0);
  });

  it('measures from the run loaded out of the store', async () => {
    const store = new ObservedStore();
    await new RunRepository(store, planner, clock).execute('r1', startRun('r1'), { causationId: 'c1' });
    const run = await new RunRepository(store, executor, clock).load('r1');
    expect(RunRepository.runDurationMs(run, '2026-05-01T10:00:02.250Z')).toBe(2250);
  });
});
