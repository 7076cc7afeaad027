import type { RunCommand } from './commands.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { nextActions } from './next-actions.js';
import type { PlanStep } from './plan.js';
import { aPlan, aStep, ev, gateOf, NOW, runSpec } from './run-fixtures.spec-util.js';

const a = aStep('a', { optional: true });
const b = aStep('b', { dependsOn: ['a'] });
const plan = aPlan([a, b]);
const failedPaused = [...ev.started(plan), ...ev.running(a), ev.failed('a'), ev.paused('step_failed', 'a')];
const skip = (stepId: string): RunCommand => ({
  type: 'SkipStep',
  data: { stepId, reason: 'not needed', runDurationMs: 7000 },
});
const revise = (addSteps: PlanStep[], removeStepIds: string[]): RunCommand => ({
  type: 'RevisePlan',
  data: { author: 'planner', reason: 'recovery', rule: 'fallback-crm', addSteps, removeStepIds, runDurationMs: 7000 },
});

describe('RetryStep', () => {
  it('resumes a paused run and schedules the next attempt now', () => {
    runSpec(failedPaused)
      .when({ type: 'RetryStep', data: { stepId: 'a' } })
      .then([{ type: 'RunResumed', data: { reason: 'step_retried' } }, ev.retryScheduled('a', 2, 0, NOW)]);
  });

  it('refuses a step that is not failed: RUN.STEP_NOT_FAILED', () => {
    runSpec(ev.started(plan))
      .when({ type: 'RetryStep', data: { stepId: 'a' } })
      .thenThrows('RUN.STEP_NOT_FAILED', { status: 'pending' });
  });
});

describe('SkipStep', () => {
  it('skips a failed optional step and resumes the run, so its dependants go on', () => {
    const events = runSpec(failedPaused).when(skip('a')).events();
    expect(events).toEqual([
      { type: 'RunResumed', data: { reason: 'step_skipped' } },
      { type: 'StepSkipped', data: { stepId: 'a', reason: 'not needed' } },
    ]);
    expect(nextActions(foldRun([...failedPaused, ...events]), NOW)).toEqual([
      { type: 'evaluate_policy', stepId: 'b', attempt: 1 },
    ]);
  });

  it('completes the run when the skipped step was the last one', () => {
    const last = aPlan([aStep('x'), aStep('y', { optional: true })]);
    runSpec([...ev.started(last), ...ev.ran(aStep('x'))])
      .when(skip('y'))
      .then([
        { type: 'StepSkipped', data: { stepId: 'y', reason: 'not needed' } },
        { type: 'RunCompleted', data: { completedAt: NOW, durationMs: 7000 } },
      ]);
  });

  it('refuses a step that is not optional: RUN.STEP_NOT_OPTIONAL', () => {
    runSpec(ev.started(plan)).when(skip('b')).thenThrows('RUN.STEP_NOT_OPTIONAL', { stepId: 'b' });
  });

  it('refuses a running step: RUN.STEP_NOT_SKIPPABLE', () => {
    runSpec([...ev.started(plan), ...ev.running(a)])
      .when(skip('a'))
      .thenThrows('RUN.STEP_NOT_SKIPPABLE', { status: 'running' });
  });
});

describe('RevisePlan', () => {
  it('adds a step as revision 1', () => {
    const c = aStep('c', { dependsOn: ['b'] });
    runSpec(ev.started(plan))
      .when(revise([c], []))
      .then([
        {
          type: 'PlanRevised',
          data: {
            revision: 1,
            author: 'planner',
            reason: 'recovery',
            rule: 'fallback-crm',
            addedSteps: [c],
            removedStepIds: [],
          },
        },
      ]);
  });

  it('replaces a failed step and its dependant, then resumes the paused run', () => {
    const fallback = aStep('a2');
    const b2 = aStep('b', { dependsOn: ['a2'] });
    const events = runSpec(failedPaused)
      .when(revise([fallback, b2], ['a', 'b']))
      .events();
    expect(events.map((event) => event.type)).toEqual(['RunResumed', 'PlanRevised']);
    const state = foldRun([...failedPaused, ...events]);
    expect(state.planRevision).toBe(1);
    expect(state.plan?.steps.map((step) => step.id)).toEqual(['a2', 'b']);
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'a2', attempt: 1 }]);
  });

  it('drops the gate of a removed step', () => {
    const given: RunEvent[] = [...ev.started(plan), ...ev.gated('a')];
    const events = runSpec(given)
      .when(revise([aStep('b')], ['a', 'b']))
      .events();
    expect(foldRun([...given, ...events]).gates[gateOf('a')]).toBeUndefined();
  });

  it('completes the run when the revision leaves only finished steps', () => {
    const given = [...ev.started(aPlan([aStep('x'), aStep('y')])), ...ev.ran(aStep('x'))];
    expect(
      runSpec(given)
        .when(revise([], ['y']))
        .events()
        .map((event) => event.type),
    ).toEqual(['PlanRevised', 'RunCompleted']);
  });

  it('refuses to remove a succeeded or running step: RUN.STEP_ALREADY_STARTED', () => {
    runSpec([...ev.started(plan), ...ev.ran(a)])
      .when(revise([], ['a']))
      .thenThrows('RUN.STEP_ALREADY_STARTED', { stepId: 'a', status: 'succeeded' });
    runSpec([...ev.started(plan), ...ev.running(a)])
      .when(revise([], ['a']))
      .thenThrows('RUN.STEP_ALREADY_STARTED', { status: 'running' });
  });

  it('validates the revised plan: removing a step others depend on is plan_unknown_dependency', () => {
    runSpec(ev.started(plan))
      .when(revise([], ['a']))
      .thenThrows('plan_unknown_dependency', { stepId: 'b', dependency: 'a' });
    runSpec(ev.started(plan))
      .when(revise([aStep('a')], []))
      .thenThrows('plan_duplicate_step');
  });

  it('refuses an empty revision (RUN.REVISION_EMPTY) and an unknown removed step (RUN.STEP_NOT_FOUND)', () => {
    runSpec(ev.started(plan)).when(revise([], [])).thenThrows('RUN.REVISION_EMPTY');
    runSpec(ev.started(plan))
      .when(revise([], ['ghost']))
      .thenThrows('RUN.STEP_NOT_FOUND');
  });
});

describe('RevisePlan and step ids', () => {
  it('refuses to bring back the id of a removed step that had started: RUN.STEP_ID_RETIRED', () => {
    runSpec(failedPaused)
      .when(revise([aStep('a', { optional: true }), b], ['a', 'b']))
      .thenThrows('RUN.STEP_ID_RETIRED', { stepId: 'a' });
    const removed = [
      ...failedPaused,
      ...runSpec(failedPaused)
        .when(revise([aStep('a2'), aStep('b', { dependsOn: ['a2'] })], ['a', 'b']))
        .events(),
    ];
    expect(foldRun(removed).retiredStepIds).toEqual(['a']);
    runSpec(removed)
      .when(revise([aStep('a')], []))
      .thenThrows('RUN.STEP_ID_RETIRED');
  });
});
