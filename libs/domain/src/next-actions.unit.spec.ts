import { foldRun } from './evolve.js';
import { dueGates, gatesToOpen, gateWakeAt, nextActions, wakeAt } from './next-actions.js';
import { isStalled } from './run-rules.js';
import { aPlan, aStep, allow, ev, gateOf, NOW, requireApproval } from './run-fixtures.spec-util.js';

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
    const state = foldRun([...ev.started(plan), ...ev.gated('c')]);
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'a', attempt: 1 }]);
    const afterA = foldRun([...ev.started(plan), ...ev.ran(a)]);
    expect(nextActions(afterA, NOW).map((action) => action.stepId)).toEqual(['b', 'c']);
  });

  it('offers nothing for a step awaiting approval, before or after its gate opened', () => {
    const plan = aPlan([a, b], { concurrency: 2 });
    const awaiting = foldRun([...ev.started(plan), ev.evaluated('a', 1, requireApproval)]);
    expect(nextActions(awaiting, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'b', attempt: 1 }]);
    expect(nextActions(foldRun([...ev.started(plan), ...ev.gated('a')]), NOW)).toEqual([
      { type: 'evaluate_policy', stepId: 'b', attempt: 1 },
    ]);
  });

  it('offers a scheduled retry once due, with its new attempt', () => {
    const state = foldRun([
      ...ev.started(aPlan([a])),
      ...ev.running(a),
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z'),
    ]);
    expect(nextActions(state, NOW)).toEqual([]);
    expect(nextActions(state, '2026-05-01T10:00:01.000Z')).toEqual([
      { type: 'evaluate_policy', stepId: 'a', attempt: 2 },
    ]);
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
      ...ev.started(plan),
      ...ev.running(a),
      ...ev.running(b),
      ev.failed('a', 1, true),
      ev.failed('b', 1, true),
      ev.retryScheduled('a', 2, 4000, '2026-05-01T10:00:04.000Z'),
      ev.retryScheduled('b', 2, 2000, '2026-05-01T12:00:02+02:00'),
    ]);
    expect(wakeAt(state)).toBe('2026-05-01T12:00:02+02:00');
    expect(wakeAt(foldRun(ev.started(plan)))).toBeUndefined();
  });

  it('dueGates lists open gates due at now that can still be escalated', () => {
    const plan = aPlan([a, b, c], { concurrency: 3 });
    const state = foldRun([
      ...ev.started(plan),
      ...ev.gated('a', { dueAt: '2026-05-01T10:30:00.000Z', escalateTo: ['carol'] }),
      ...ev.gated('b', { dueAt: '2026-05-01T09:00:00.000Z' }),
      ...ev.gated('c', { dueAt: '2026-05-01T11:30:00.000Z', escalateTo: ['carol'] }),
    ]);
    expect(dueGates(state, NOW)).toEqual([]);
    expect(dueGates(state, '2026-05-01T10:30:00.000Z').map((gate) => gate.gateId)).toEqual([gateOf('a')]);
    expect(gateWakeAt(state)).toBe('2026-05-01T10:30:00.000Z');
    // A gate can be decided while the run is paused, so its SLA runs on: a paused run's gate escalates too.
    expect(
      dueGates(
        foldRun([...ev.started(plan), ...ev.gated('a', { dueAt: NOW, escalateTo: ['x'] }), ev.paused('hold')]),
        NOW,
      ).map((gate) => gate.gateId),
    ).toEqual([gateOf('a')]);
    expect(
      dueGates(
        foldRun([
          ...ev.started(plan),
          ...ev.gated('a', { dueAt: NOW, escalateTo: ['x'] }),
          { type: 'RunCancelled', data: { reason: 'x' } },
        ]),
        NOW,
      ),
    ).toEqual([]);
  });
});

describe('gatesToOpen', () => {
  const gatedC = aStep('c', { gate: { reviewers: ['dana'] } });
  const plan = aPlan([a, b, gatedC], { concurrency: 3 });
  const awaiting = [
    ...ev.started(plan),
    ev.evaluated('b', 1, requireApproval),
    ev.evaluated('a', 1, allow),
    ev.evaluated('c', 1, allow),
  ];

  it('lists steps awaiting approval with no gate yet, in plan order, with their attempt', () => {
    expect(gatesToOpen(foldRun(awaiting))).toEqual([
      { stepId: 'b', attempt: 1, kind: 'approval' },
      { stepId: 'c', attempt: 1, kind: 'approval' },
    ]);
    expect(gatesToOpen(foldRun([...awaiting, ev.gateOpened('b')]))).toEqual([
      { stepId: 'c', attempt: 1, kind: 'approval' },
    ]);
    expect(gatesToOpen(foldRun(ev.started(plan)))).toEqual([]);
  });

  it('includes a paused run, not an ended or unstarted one', () => {
    expect(gatesToOpen(foldRun([...awaiting, ev.paused('maintenance')])).map((gate) => gate.stepId)).toEqual([
      'b',
      'c',
    ]);
    expect(gatesToOpen(foldRun([...awaiting, { type: 'RunCancelled', data: { reason: 'dup' } }]))).toEqual([]);
    expect(gatesToOpen(foldRun([]))).toEqual([]);
  });

  it('a step awaiting its gate keeps the run live (not stalled)', () => {
    const single = aPlan([aStep('x', { gate: { reviewers: ['dana'] } })]);
    expect(isStalled(foldRun([...ev.started(single), ev.evaluated('x')]))).toBe(false);
  });
});
