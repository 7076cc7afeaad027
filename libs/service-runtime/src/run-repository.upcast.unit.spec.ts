import { runStreamId } from '@ledgerflow/contracts';
import { RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { RunEvent } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { rejectionOf, renamedField } from '@ledgerflow/testing';
import { NOW, startRun } from './run-fixtures.spec-util.js';
import { RunRepository } from './run-repository.js';
import type { Decision } from './run-repository.js';

const planner = { kind: 'service', id: 'planner' } as const;
const clock = () => new Date(NOW);

/**
 * A change of shape as a test registers it: suppose `RunTriggered` v1 named the definition's version `version` and
 * v2 (the shape `evolve` reads) renamed it `workflowVersion` (docs/events.md, "Versions and upcasting").
 */
const renamed = RUN_EVENT_UPCASTERS.with(renamedField('RunTriggered', 'version', 'workflowVersion'));

/** StartRun's events with RunTriggered written in the v1 shape, by a release that knew only v1. */
const startRunAtV1: Decision = (state, now, run) =>
  startRun('r1')(state, now, run).map((event) => {
    if (event.type !== 'RunTriggered') return event;
    const { workflowVersion, ...rest } = event.data;
    return { type: 'RunTriggered', data: { ...rest, version: workflowVersion } } as unknown as RunEvent;
  });

describe('RunRepository: stored events upcast on read', () => {
  let store: InMemoryEventStore;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    await new RunRepository(store, planner, clock).execute('r1', startRunAtV1, { causationId: 'c1' });
  });

  it('folds a v1 RunTriggered after a v2 change of its shape, and writes v2 from then on', async () => {
    const runs = new RunRepository(store, planner, clock).upcastWith(renamed);
    const loaded = await runs.loadVerified('r1');
    expect(loaded.state).toMatchObject({ status: 'running', workflowId: 'claims', workflowVersion: '1.0.0' });
    expect(loaded.integrity).toBeUndefined();
    // The stored event is read as stored (its hash verifies), and upcast only for the fold and the views.
    const [stored] = await runs.events('r1');
    expect(stored).toMatchObject({ type: 'RunTriggered', data: { version: '1.0.0' }, metadata: { schemaVersion: 1 } });
    expect((await runs.currentEvents('r1'))[0]).toMatchObject({
      data: { workflowVersion: '1.0.0' },
      metadata: { schemaVersion: 2 },
    });

    const repository = new RunRepository(store, planner, clock).upcastWith(renamed);
    await repository.execute('r2', startRun('r2'), { causationId: 'c3' });
    expect((await store.readStream(runStreamId('r2'))).map((e) => [e.type, e.metadata.schemaVersion])).toEqual([
      ['RunTriggered', 2],
      ['PlanCreated', 1],
    ]);
  });

  it('refuses to fold an event newer than it reads, naming its type and version', async () => {
    await new RunRepository(store, planner, clock)
      .upcastWith(renamed)
      .execute('r2', startRun('r2'), { causationId: 'c3' });
    const error = await rejectionOf(new RunRepository(store, planner, clock).load('r2'));
    expect(error).toMatchObject({
      code: 'event_version_unsupported',
      details: { type: 'RunTriggered', schemaVersion: 2, currentVersion: 1 },
    });
    expect(error.message).toContain('RunTriggered event has schemaVersion 2');
  });
});
