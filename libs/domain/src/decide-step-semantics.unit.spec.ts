import type { RunCommand } from './commands.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { nextActions } from './next-actions.js';
import { validatePlan } from './plan-validation.js';
import { aPlan, aStep, at, ev, NOW, RUN_ID, runSpec } from './run-fixtures.spec-util.js';

const LATER = '2026-05-01T10:00:30.000Z';

describe('SkipStepByCondition (a step whose when condition is false)', () => {
  const a = aStep('a');
  const b = aStep('b', { dependsOn: ['a'], when: 'steps.a.output.ok = "yes"' });
  const c = aStep('c', { dependsOn: ['b'] });
  const plan = aPlan([a, b, c]);
  const skip = (stepId = 'b', attempt = 1): RunCommand => ({
    type: 'SkipStepByCondition',
    data: { stepId, attempt, runDurationMs: 500 },
  });

  it('records StepSkipped{condition_false}; the dependant is then evaluated', () => {
    const given = [...ev.started(plan), ...ev.ran(a)];
    const events = runSpec(given).when(skip()).events();
    expect(events).toEqual([{ type: 'StepSkipped', data: { stepId: 'b', reason: 'condition_false' } }]);
    expect(nextActions(foldRun([...given, ...events]), NOW)).toEqual([
      { type: 'evaluate_policy', stepId: 'c', attempt: 1 },
    ]);
  });

  it('completes the run when the skipped step was the last', () => {
    const last = aPlan([a, b]);
    runSpec([...ev.started(last), ...ev.ran(a)])
      .when(skip())
      .then([
        { type: 'StepSkipped', data: { stepId: 'b', reason: 'condition_false' } },
        { type: 'RunCompleted', data: { completedAt: NOW, durationMs: 500 } },
      ]);
  });

  it('is refused before the dependencies are done, and for a step without a condition', () => {
    runSpec(ev.started(plan)).when(skip()).thenThrows('run_step_not_evaluable', { stepId: 'b', status: 'pending' });
    runSpec(ev.started(plan)).when(skip('a')).thenThrows('run_step_without_condition', { stepId: 'a' });
  });

  it('is refused once the step was evaluated (the condition held)', () => {
    runSpec([...ev.started(plan), ...ev.ran(a), ev.evaluated('b')])
      .when(skip())
      .thenThrows('run_step_not_evaluable', { status: 'ready' });
  });
});

describe('TimeOutRun', () => {
  const a = aStep('a');
  const timed = aPlan([a], { timeoutMs: 10_000 });
  const timeOut = (runDurationMs: number): RunCommand => ({ type: 'TimeOutRun', data: { runDurationMs } });
  const timedOut: RunEvent = {
    type: 'RunFailed',
    data: {
      code: 'run_timed_out',
      reason: 'the run exceeded its timeout of 10000 ms (it ran 10001 ms)',
      failedAt: NOW,
    },
  };

  it('fails a running run past its timeout, a step still running', () => {
    runSpec([...ev.started(timed), ...ev.running(a)])
      .when(timeOut(10_001))
      .then([timedOut]);
  });

  it('fails a paused run too: paused time counts', () => {
    runSpec([...ev.started(timed), ev.paused('operator')])
      .when(timeOut(10_001))
      .then([timedOut]);
  });

  it('is refused before the deadline, without a timeout, and once the run ended', () => {
    runSpec(ev.started(timed))
      .when(timeOut(9_999))
      .thenThrows('run_not_timed_out', { timeoutMs: 10_000, runDurationMs: 9_999 });
    runSpec(ev.started(aPlan([a])))
      .when(timeOut(1e9))
      .thenThrows('run_without_timeout');
    runSpec([...ev.started(timed), timedOut])
      .when(timeOut(20_000))
      .thenThrows('run_not_running');
  });

  it('a timeout beyond the longest timer is an invalid plan', () => {
    expect(() => validatePlan(aPlan([a], { timeoutMs: 2 ** 31 }))).toThrow(/plan.timeoutMs must be within/);
  });
});

describe('external steps', () => {
  const a = aStep('a');
  const review = aStep('review', {
    kind: 'external',
    tool: 'external',
    action: 'task',
    dependsOn: ['a'],
    reviewers: ['user:dana', 'role:claims-lead'],
  });
  const plan = aPlan([a, review]);
  const dana = { kind: 'human' as const, id: 'dana' };
  const lead = { kind: 'human' as const, id: 'eli', roles: ['claims-lead'] };
  const startReview: RunCommand = {
    type: 'StartStep',
    data: { stepId: 'review', attempt: 1, idempotencyKey: `${RUN_ID}/review/1`, input: { resolved: 'review' } },
  };
  const complete = (actor = dana, output: unknown = { approved: true }): RunCommand => ({
    type: 'CompleteExternalStep',
    data: { stepId: 'review', output, actor, runDurationMs: 60_000 },
  });
  const waiting = [...ev.started(plan), ...ev.ran(a), ev.stepStarted(review)];

  it('starts without a policy decision once its dependencies are done', () => {
    const given = [...ev.started(plan), ...ev.ran(a)];
    expect(nextActions(foldRun(given), NOW)).toEqual([{ type: 'start_step', stepId: 'review', attempt: 1 }]);
    runSpec(given)
      .when(startReview)
      .then([ev.stepStarted(review)]);
    runSpec(ev.started(plan)).when(startReview).thenThrows('run_step_not_ready');
  });

  it('a named reviewer completes it: StepSucceeded with completedBy, then the run completes', () => {
    runSpec(waiting)
      .when(complete(dana), at(LATER))
      .then([
        {
          type: 'StepSucceeded',
          data: {
            stepId: 'review',
            attempt: 1,
            output: { approved: true },
            durationMs: 30_000,
            completedAt: LATER,
            completedBy: 'dana',
          },
        },
        { type: 'RunCompleted', data: { completedAt: LATER, durationMs: 60_000 } },
      ]);
  });

  it('records the entry that named a reviewer by role', () => {
    const [succeeded] = runSpec(waiting).when(complete(lead)).events();
    expect(succeeded?.data).toMatchObject({ completedBy: 'eli', matchedAs: 'role:claims-lead' });
  });

  it('a named reviewer fails it: StepFailed (not retryable) with failedBy, and the run pauses', () => {
    runSpec(waiting)
      .when({ type: 'FailExternalStep', data: { stepId: 'review', reason: 'documents missing', actor: dana } })
      .then([
        {
          type: 'StepFailed',
          data: {
            stepId: 'review',
            attempt: 1,
            error: { code: 'external_task_failed', message: 'documents missing', retryable: false },
            durationMs: 0,
            failedAt: NOW,
            failedBy: 'dana',
          },
        },
        { type: 'RunPaused', data: { reason: 'step_failed', stepId: 'review' } },
      ]);
  });

  it('refuses a person it does not name, a service, a tool step, and a task not waiting', () => {
    runSpec(waiting)
      .when(complete({ kind: 'human', id: 'mallory' }))
      .thenThrows('run_reviewer_not_named', { stepId: 'review', reviewer: 'mallory' });
    runSpec(waiting)
      .when(complete({ kind: 'service', id: 'dana' } as never))
      .thenThrows('run_actor_cannot_decide');
    runSpec([...ev.started(plan), ...ev.running(a)])
      .when({ type: 'CompleteExternalStep', data: { stepId: 'a', output: {}, actor: dana, runDurationMs: 1 } })
      .thenThrows('run_step_not_external');
    runSpec([...ev.started(plan), ...ev.ran(a)])
      .when(complete())
      .thenThrows('run_step_not_running', { status: 'pending' });
  });

  it('an external step must name well-formed reviewers and has no gate', () => {
    expect(() => validatePlan(aPlan([aStep('x', { kind: 'external' })]))).toThrow(/must name at least one reviewer/);
    expect(() => validatePlan(aPlan([aStep('x', { kind: 'external', reviewers: ['boss:x'] })]))).toThrow(
      /reviewers names "boss:x"/,
    );
    expect(() =>
      validatePlan(aPlan([aStep('x', { kind: 'external', reviewers: ['dana'], gate: { reviewers: ['dana'] } })])),
    ).toThrow(/cannot have a gate/);
  });
});

describe('PauseRun / ResumeRun record the operator', () => {
  const plan = aPlan([aStep('a')]);
  it('records requestedBy', () => {
    runSpec(ev.started(plan))
      .when({ type: 'PauseRun', data: { reason: 'maintenance', requestedBy: 'ops' } })
      .then([{ type: 'RunPaused', data: { reason: 'maintenance', requestedBy: 'ops' } }]);
    runSpec([...ev.started(plan), ev.paused('maintenance')])
      .when({ type: 'ResumeRun', data: { reason: 'done', requestedBy: 'ops' } })
      .then([{ type: 'RunResumed', data: { reason: 'done', requestedBy: 'ops' } }]);
  });
});
