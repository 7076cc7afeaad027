import { RUN_EVENT_UPCASTERS, decide } from '@ledgerflow/domain';
import type { Plan, RunCommand, RunEvent, Upcasters } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import { createLogger } from '@ledgerflow/telemetry';
import { aPlan, aStep, rejectionOf, renamedField } from '@ledgerflow/testing';
import { RunSlots, runSlotsStreamId } from './run-slots.js';

const actor = { kind: 'service', id: 'executor' } as const;
const plan: Plan = aPlan(
  [
    aStep('s', {
      name: 's',
      tool: 't',
      action: 'x',
      agent: 'a',
      input: {},
      retry: { maxAttempts: 1, backoffMs: 0, multiplier: 1, maxBackoffMs: 0 },
      timeoutMs: 1000,
    }),
  ],
  { workflowId: 'limited', concurrency: 1, agents: { a: ['t.x'] }, maxConcurrentRuns: 2 },
);
const RUNS = ['q1', 'q2', 'q3', 'q4', 'q5'];
const startRunOf = (runId: string): RunCommand => ({
  type: 'StartRun',
  data: {
    runId,
    workflowId: 'limited',
    workflowVersion: '1.0.0',
    trigger: { source: 'api', idempotencyKey: runId },
    input: {},
    plan,
  },
});

/**
 * Two executor replicas (each its own RunSlots and RunRepository, as two processes have) over one store: the slot
 * stream's expected revision alone keeps them from granting a slot twice; a crash between the slot append and the
 * run's `RunDequeued`, and a release lost with a killed process, are repaired by `recover`.
 */
describe('RunSlots across replicas', () => {
  let store: InMemoryEventStore;
  const replica = (dequeued: string[] = []) => {
    const runs = new RunRepository(store, actor);
    return {
      runs,
      slots: new RunSlots({
        store,
        runs,
        actor,
        logger: createLogger('executor', { level: 'error' }),
        onDequeued: (runId) => dequeued.push(runId),
      }),
    };
  };
  const command = async (runId: string, cmd: RunCommand) =>
    replica().runs.execute(runId, (state, now) => decide(cmd, state, { now }), { causationId: 'test' });
  const stateOf = async (runId: string) => (await replica().runs.load(runId)).state;
  const dequeues = async (): Promise<string[]> =>
    (await store.readAll({ streamPrefix: 'run-' }))
      .filter((e) => e.type === 'RunDequeued')
      .map((e) => e.metadata.runId);
  const slotEvents = (): Promise<StoredEvent[]> => store.readStream(runSlotsStreamId('limited'));

  beforeEach(async () => {
    store = new InMemoryEventStore();
    for (const runId of RUNS) await command(runId, startRunOf(runId));
  });

  it('grants two slots, in trigger order, however the replicas interleave', async () => {
    const [a, b] = [replica(), replica()];
    // Every run admitted by both replicas at once, latest-triggered first.
    await Promise.all(
      [...RUNS].reverse().flatMap(async (runId) => {
        const state = await stateOf(runId);
        return Promise.all([a.slots.admit(runId, state), b.slots.admit(runId, state)]);
      }),
    );
    expect(await dequeues()).toEqual(['q1', 'q2']);
    expect((await stateOf('q3')).status).toBe('queued');
    expect(
      (await slotEvents()).filter((e) => e.type === 'RunSlotAcquired').map((e) => (e.data as { runId: string }).runId),
    ).toEqual(['q1', 'q2']);
  });

  it('hands a freed slot to the head of the queue, and repairs a lost dequeue and a lost release on recovery', async () => {
    const dequeued: string[] = [];
    const a = replica(dequeued);
    for (const runId of RUNS) await a.slots.admit(runId, await stateOf(runId));
    expect(dequeued).toEqual(['q2']); // granted in q1's pass: reported for the reconciler to start it
    await command('q1', { type: 'CancelRun', data: { reason: 'test' } });
    await a.slots.release('q1', await stateOf('q1'));
    expect(dequeued).toEqual(['q2', 'q3']);
    expect(await dequeues()).toEqual(['q1', 'q2', 'q3']);

    // A killed executor: q2 ended but its release was lost; q4 acquired a slot but was never dequeued.
    await command('q2', { type: 'CancelRun', data: { reason: 'test' } });
    const revision = (await slotEvents()).at(-1)?.revision as number;
    await store.append(
      runSlotsStreamId('limited'),
      [
        {
          type: 'RunSlotAcquired',
          data: { runId: 'q4' },
          metadata: {
            eventId: 'lost-1',
            runId: 'q4',
            causationId: 'test',
            actor,
            occurredAt: new Date().toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: revision },
    );
    expect((await stateOf('q4')).status).toBe('queued');

    const restarted: string[] = [];
    await replica(restarted).slots.recover();
    expect(restarted).toEqual(['q4']);
    expect(await dequeues()).toEqual(['q1', 'q2', 'q3', 'q4']);
    expect((await stateOf('q5')).status).toBe('queued');
    // A second recovery finds nothing to do.
    const before = (await slotEvents()).length;
    await replica().slots.recover();
    expect((await slotEvents()).length).toBe(before);
  });
});

/**
 * A change of shape as a test registers it (docs/events.md, "Versions and upcasting"): suppose `RunQueued` v1 named the
 * limit `limit` and v2 (the shape read here) renamed it `maxConcurrentRuns`.
 */
const renamed = RUN_EVENT_UPCASTERS.with(renamedField('RunQueued', 'limit', 'maxConcurrentRuns'));

describe('RunSlots: queued runs read in their current shape', () => {
  let store: InMemoryEventStore;
  const slotsOver = (runs: RunRepository) =>
    new RunSlots({ store, runs, actor, logger: createLogger('executor', { level: 'error' }), onDequeued: () => {} });
  const dequeues = async (): Promise<string[]> =>
    (await store.readAll({ streamPrefix: 'run-' }))
      .filter((e) => e.type === 'RunDequeued')
      .map((e) => e.metadata.runId);
  /** Starts each run by a repository reading `upcasters`; `atV1`: its `RunQueued` in the v1 shape, as an older release wrote it. */
  const start = async (upcasters: Upcasters, atV1: boolean) => {
    for (const runId of RUNS.slice(0, 3)) {
      await new RunRepository(store, actor).upcastWith(upcasters).execute(
        runId,
        (state, now) =>
          decide(startRunOf(runId), state, { now }).map((event) => {
            if (event.type !== 'RunQueued' || !atV1) return event;
            const { maxConcurrentRuns, ...rest } = event.data;
            return { type: 'RunQueued', data: { ...rest, limit: maxConcurrentRuns } } as unknown as RunEvent;
          }),
        { causationId: 'test' },
      );
    }
  };

  beforeEach(() => {
    store = new InMemoryEventStore();
  });

  it('grants slots to runs queued at v1 after a v2 change of the shape of RunQueued', async () => {
    await start(RUN_EVENT_UPCASTERS, true);
    const runs = new RunRepository(store, actor).upcastWith(renamed);
    for (const runId of RUNS.slice(0, 3)) await slotsOver(runs).admit(runId, (await runs.load(runId)).state);
    expect(await dequeues()).toEqual(['q1', 'q2']);
  });

  it('grants nothing on a queue holding a RunQueued newer than it reads, refusing it by its type and version', async () => {
    await start(renamed, false);
    const newer = new RunRepository(store, actor).upcastWith(renamed);
    const error = await rejectionOf(
      slotsOver(new RunRepository(store, actor)).admit('q1', (await newer.load('q1')).state),
    );
    expect(error).toMatchObject({
      code: 'event_version_unsupported',
      details: { type: 'RunQueued', schemaVersion: 2, currentVersion: 1 },
    });
    expect(await dequeues()).toEqual([]);
    expect(await store.readStream(runSlotsStreamId('limited'))).toEqual([]);
  });
});
