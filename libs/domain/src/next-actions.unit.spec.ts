import { foldRun } from './evolve.js';
import { dueGates, gateWakeAt, nextActions, wakeAt } from './next-actions.js';
import { aPlan, aStep, ev, gateOf, NOW } from './run-fixtures.spec-util.js';

const steps = ['a', 'b', 'c', 'd', 'e'].map((id) => aStep(id));
const [a, b, c] = steps as [ReturnType<typeof aStep>, ReturnType<typeof aStep>, ReturnType<typeof aStep>];

describe('nextActions', () => {
  it('offers at most plan.concurrency evaluations, in plan order', () => {
    const state = foldRun(ev.started(aPlan(steps, { concurrency: 2 })));
    expect(nextActions(state, NOW)).toEqual([
      { type: 'evaluate_policy', stepId: 'a', attempt: 1 },
      { type: 'evaluate_policy', stepId: 'b', attempt: 1 },
    ]);
  });

  it('counts running steps against the limit and puts starts first', () => {
    const state = foldRun([...ev.started(aPlan(steps, { concurrency: 3 })), ...ev.running(a), ev.evaluated('c')]);
    expect(nextActions(state, NOW)).toEqual([
      { type: 'start_step', stepId: 'c', attempt: 1 },
      { type: 'evaluate_policy', stepId: 'b', attempt: 1 },
    ]);
  });

  it('offers nothing when every slot is taken', () => {
    const state = foldRun([...ev.started(aPlan(steps, { concurrency: 2 })), ...ev.running(a), ...ev.running(b)]);
    expect(nextActions(state, NOW)).toEqual([]);
  });

  it('waits for dependencies and gates', () => {
    const plan = aPlan([a, aStep('b', { dependsOn: ['a'] }), c], { concurrency: 4 });
    const state = foldRun([...ev.started(plan), ev.evaluated('c'), ev.gateOpened('c')]);
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'a', attempt: 1 }]);
    const afterA = foldRun([...ev.started(plan), ...ev.ran(a)]);
    expect(nextActions(afterA, NOW).map((action) => action.stepId)).toEqual(['b', 'c']);
  });

  it('offers a scheduled retry once due, with its new attempt', () => {
    const state = foldRun([...ev.started(aPlan([a])), ...ev.running(a), ev.failed('a', 1, true), ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z')]);
    expect(nextActions(state, NOW)).toEqual([]);
    expect(nextActions(state, '2026-05-01T10:00:01.000Z')).toEqual([{ type: 'evaluate_policy', stepId: 'a', attempt: 2 }]);
  });

  it('offers nothing unless the run is running', () => {
    expect(nextActions(foldRun([...ev.started(aPlan(steps)), ev.paused('maintenance')]), NOW)).toEqual([]);
    expect(nextActions(foldRun([]), NOW)).toEqual([]);
  });
});

describe('wakeAt and dueGates', () => {
  it('wakeAt is the earliest retry due time, comparing instants', () => {
    const plan = aPlan([a, b, c], { concurrency: 3 });
    const state = foldRun([
      ...ev.started(plan), ...ev.running(a), ...ev.running(b), ev.failed('a', 1, true), ev.failed('b', 1, true),
      ev.retryScheduled('a', 2, 4000, '2026-05-01T10:00:04.000Z'), ev.retryScheduled('b', 2, 2000, '2026-05-01T12:00:02+02:00'),
    ]);
    expect(wakeAt(state)).toBe('2026-05-01T12:00:02+02:00');
    expect(wakeAt(foldRun(ev.started(plan)))).toBeUndefined();
  });

  it('dueGates lists open gates due at now that can still be escalated', () => {
    const plan = aPlan([a, b, c], { concurrency: 3 });
    const state = foldRun([
      ...ev.started(plan),
      ev.evaluated('a'), ev.gateOpened('a', { dueAt: '2026-05-01T10:30:00.000Z', escalateTo: ['carol'] }),
      ev.evaluated('b'), ev.gateOpened('b', { dueAt: '2026-05-01T09:00:00.000Z' }),
      ev.evaluated('c'), ev.gateOpened('c', { dueAt: '2026-05-01T11:30:00.000Z', escalateTo: ['carol'] }),
    ]);
    expect(dueGates(state, NOW)).toEqual([]);
    expect(dueGates(state, '2026-05-01T10:30:00.000Z').map((gate) => gate.gateId)).toEqual([gateOf('a')]);
    expect(gateWakeAt(state)).toBe('2026-05-01T10:30:00.000Z');
    expect(dueGates(foldRun([...ev.started(plan), ev.evaluated('a'), ev.gateOpened('a', { dueAt: NOW, escalateTo: ['x'] }), ev.paused('hold')]), NOW)).toEqual([]);
  });
});
