import type { RunCommand } from './commands.js';
import { carriedStepIds } from './decide-fork.js';
import { decide } from './decide.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { lineageOf } from './lineage.js';
import { nextActions } from './next-actions.js';
import { aPlan, aStep, ev, NOW, runSpec } from './run-fixtures.spec-util.js';
import type { RunState } from './state.js';

const plan = aPlan(
  [aStep('a'), aStep('b', { dependsOn: ['a'] }), aStep('c', { dependsOn: ['b'] }), aStep('opt', { optional: true })],
  { concurrency: 1 },
);
const [a, b] = plan.steps;
const withLineage: RunEvent = {
  type: 'StepSucceeded',
  data: {
    stepId: 'a',
    attempt: 1,
    output: { n: 1 },
    confidence: 0.9,
    cumulativeConfidence: 0.9,
    lineage: { source: 'crm', fresh: true },
    durationMs: 12,
    completedAt: NOW,
  },
};
const origin: RunState = foldRun([
  ...ev.started(plan),
  ...ev.running(a!),
  withLineage,
  { type: 'StepSkipped', data: { stepId: 'opt', reason: 'not needed' } },
  ...ev.running(b!),
  ev.failed('b'),
]);
const forkedFrom = { runId: 'run-1', checkpoint: 'cp-2', revision: 6 };
const fork = (over: Partial<Extract<RunCommand, { type: 'ForkRun' }>['data']> = {}): RunCommand => ({
  type: 'ForkRun',
  data: { runId: 'run-2', trigger: { source: 'api', idempotencyKey: 'fork/run-1/cp-2' }, origin, forkedFrom, ...over },
});

describe('ForkRun', () => {
  it('a fork of an evaluation run stays an evaluation run (same golden set and case)', () => {
    const evaluation = { goldenSet: 'claims-golden', caseId: 'case-3' };
    const tagged = { ...origin, evaluation };
    const [triggered] = runSpec([])
      .when(fork({ origin: tagged }))
      .events();
    expect(triggered).toMatchObject({ type: 'RunTriggered', data: { evaluation } });
  });

  it('a fork of a generated run copies the recorded plan and its author and generates nothing (no PlanGenerated)', () => {
    const generated = {
      ...origin,
      generated: { generator: 'catalog' as const, attempts: 1 },
      planAuthor: 'planner:catalog',
    };
    const events = runSpec([])
      .when(fork({ origin: generated }))
      .events();
    expect(events.map((event) => event.type)).not.toContain('PlanGenerated');
    expect(events[1]).toEqual({ type: 'PlanCreated', data: { plan, author: 'planner:catalog' } });
  });

  it('starts a run linked to its origin, with the origin plan and the done steps carried over', () => {
    const events = runSpec([]).when(fork()).events();
    expect(events).toEqual([
      {
        type: 'RunTriggered',
        data: {
          runId: 'run-2',
          workflowId: 'claims',
          workflowVersion: '1.0.0',
          trigger: { source: 'api', idempotencyKey: 'fork/run-1/cp-2' },
          input: { claim: 42 },
          forkedFrom,
        },
      },
      { type: 'PlanCreated', data: { plan } },
      {
        type: 'StepSucceeded',
        data: {
          stepId: 'a',
          attempt: 1,
          output: { n: 1 },
          confidence: 0.9,
          cumulativeConfidence: 0.9,
          lineage: { source: 'crm', fresh: true },
          durationMs: 12,
          completedAt: NOW,
          carriedOver: true,
        },
      },
      { type: 'StepSkipped', data: { stepId: 'opt', reason: 'not needed', carriedOver: true } },
    ]);
    const state = foldRun(events);
    expect(state.forkedFrom).toEqual(forkedFrom);
    expect(Object.values(state.steps).map((s) => `${s.stepId}:${s.status}:${s.attempt}`)).toEqual([
      'a:succeeded:1',
      'b:pending:1',
      'c:pending:1',
      'opt:skipped:1',
    ]);
    // The executor runs the rest anew: b (failed in the origin) is evaluated again; a never starts.
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'b', attempt: 1 }]);
    expect(lineageOf(state, 'a')).toEqual({
      stepId: 'a',
      status: 'succeeded',
      source: 'crm',
      fresh: true,
      confidence: 0.9,
      cumulativeConfidence: 0.9,
      upstream: [],
      reviewed: false,
      corrected: false,
      carriedOver: true,
    });
    expect(lineageOf(state, 'c')).toMatchObject({ upstream: ['b'], carriedOver: false });
    expect(lineageOf(state, 'nope')).toBeUndefined();
  });

  it('completes at once when every step was done at the checkpoint', () => {
    const done = foldRun([...ev.started(aPlan([aStep('a')])), ...ev.ran(aStep('a'))]);
    expect(
      runSpec([])
        .when(fork({ origin: done }))
        .events()
        .map((e) => e.type),
    ).toEqual(['RunTriggered', 'PlanCreated', 'StepSucceeded', 'RunCompleted']);
  });

  it('does not carry a result held for review, nor a step whose dependency is not carried', () => {
    const heldPlan = aPlan([aStep('x', { minConfidence: 0.8 }), aStep('y', { dependsOn: ['x'] })]);
    const held = foldRun([
      ...ev.started(heldPlan),
      ...ev.running(heldPlan.steps[0]!),
      {
        type: 'StepSucceeded',
        data: {
          stepId: 'x',
          attempt: 1,
          output: {},
          confidence: 0.2,
          review: { minConfidence: 0.8, basis: 'step' },
          durationMs: 1,
          completedAt: NOW,
        },
      },
    ]);
    expect(carriedStepIds(held)).toEqual([]);
    const odd: RunState = {
      ...origin,
      steps: { ...origin.steps, c: { stepId: 'c', status: 'succeeded', attempt: 1 } },
    };
    expect(carriedStepIds(odd)).toEqual(['a', 'opt']);
  });

  it('is refused for a run already there (a second fork at the same checkpoint), an empty origin or a mismatched one', () => {
    const forked = decide(fork(), foldRun([]), { now: NOW });
    runSpec(forked).when(fork()).thenThrows('run_already_started');
    runSpec([])
      .when(fork({ origin: foldRun([]) }))
      .thenThrows('run_fork_origin_not_started');
    runSpec([])
      .when(fork({ forkedFrom: { ...forkedFrom, runId: 'run-9' } }))
      .thenThrows('run_fork_origin_mismatch');
    runSpec([])
      .when(fork({ runId: 'run-1' }))
      .thenThrows('run_fork_origin_mismatch');
  });
});
