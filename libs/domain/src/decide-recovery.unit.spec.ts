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

  it('refuses a step that is not failed: run_step_not_failed', () => {
    runSpec(ev.started(plan))
      .when({ type: 'RetryStep', data: { stepId: 'a' } })
      .thenThrows('run_step_not_failed', { status: 'pending' });
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

  it('refuses a step that is not optional: run_step_not_optional', () => {
    runSpec(ev.started(plan)).when(skip('b')).thenThrows('run_step_not_optional', { stepId: 'b' });
  });

  it('refuses a running step: run_step_not_skippable', () => {
    runSpec([...ev.started(plan), ...ev.running(a)])
      .when(skip('a'))
      .thenThrows('run_step_not_skippable', { status: 'running' });
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

  it("records a generator's proposal (adaptive steps) as PlanRevised.generated; a refused attempt last is refused", () => {
    const c = aStep('c', { dependsOn: ['a'] });
    const generated = {
      generator: 'llm' as const,
      goal: 'echo the number',
      model: 'm',
      prompt: '[system]\n...',
      response: '{"steps":[...]}',
      attempts: [{ issues: [{ rule: 'plan_cycle', path: '/steps', message: 'cycle' }] }, { issues: [] }],
      catalogDigest: 'sha256:00',
    };
    const adaptive = (data: typeof generated): RunCommand => ({
      type: 'RevisePlan',
      data: {
        author: 'planner:llm',
        reason: 'step "a" succeeded',
        addSteps: [c],
        removeStepIds: [],
        runDurationMs: 1,
        generated: data,
      },
    });
    const [revised] = runSpec(ev.started(plan)).when(adaptive(generated)).events();
    expect(revised).toEqual({
      type: 'PlanRevised',
      data: {
        revision: 1,
        author: 'planner:llm',
        reason: 'step "a" succeeded',
        addedSteps: [c],
        removedStepIds: [],
        generated,
      },
    });
    expect(foldRun([...ev.started(plan), revised as RunEvent]).plan?.steps.map((step) => step.id)).toEqual([
      'a',
      'b',
      'c',
    ]);
    runSpec(ev.started(plan))
      .when(adaptive({ ...generated, attempts: [...generated.attempts].reverse() }))
      .thenThrows('run_invalid_generation', { field: 'generated.attempts.1.issues' });
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

  it('refuses to remove a succeeded or running step: run_step_already_started', () => {
    runSpec([...ev.started(plan), ...ev.ran(a)])
      .when(revise([], ['a']))
      .thenThrows('run_step_already_started', { stepId: 'a', status: 'succeeded' });
    runSpec([...ev.started(plan), ...ev.running(a)])
      .when(revise([], ['a']))
      .thenThrows('run_step_already_started', { status: 'running' });
  });

  it('validates the revised plan: removing a step others depend on is plan_unknown_dependency', () => {
    runSpec(ev.started(plan))
      .when(revise([], ['a']))
      .thenThrows('plan_unknown_dependency', { stepId: 'b', dependency: 'a' });
    runSpec(ev.started(plan))
      .when(revise([aStep('a')], []))
      .thenThrows('plan_duplicate_step');
  });

  it('refuses an empty revision (run_revision_empty) and an unknown removed step (step_not_found)', () => {
    runSpec(ev.started(plan)).when(revise([], [])).thenThrows('run_revision_empty');
    runSpec(ev.started(plan))
      .when(revise([], ['ghost']))
      .thenThrows('step_not_found');
  });
});

describe('RevisePlan and step ids', () => {
  it('refuses to bring back the id of a removed step that had started: run_step_id_retired', () => {
    runSpec(failedPaused)
      .when(revise([aStep('a', { optional: true }), b], ['a', 'b']))
      .thenThrows('run_step_id_retired', { stepId: 'a' });
    const removed = [
      ...failedPaused,
      ...runSpec(failedPaused)
        .when(revise([aStep('a2'), aStep('b', { dependsOn: ['a2'] })], ['a', 'b']))
        .events(),
    ];
    expect(foldRun(removed).retiredStepIds).toEqual(['a']);
    runSpec(removed)
      .when(revise([aStep('a')], []))
      .thenThrows('run_step_id_retired');
  });
});
