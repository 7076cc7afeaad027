import type { RunCommand } from './commands.js';
import type { StepError } from './events.js';
import { foldRun } from './evolve.js';
import { nextActions } from './next-actions.js';
import { aPlan, aStep, ev, NOW, requireApproval, runSpec } from './run-fixtures.spec-util.js';

// A step whose input expression fails never starts: `RecordStepInputFailed` fails the waiting attempt.
const a = aStep('a');
const b = aStep('b', { dependsOn: ['a'] });
const c = aStep('c');
const timedOut: StepError = {
  code: 'input_expression_failed',
  message: 'step a input /id: expression "$loop()" failed: Evaluation timeout after 1000 milliseconds',
  retryable: true,
};
const broken: StepError = {
  code: 'input_expression_failed',
  message: 'step a input /id: expression "$number(\'x\')" failed: Unable to cast value to a number',
  retryable: false,
};
const inputFailed = (error: StepError, stepId = 'a', attempt = 1): RunCommand => ({
  type: 'RecordStepInputFailed',
  data: { stepId, attempt, error },
});

describe('RecordStepInputFailed', () => {
  it('fails a pending attempt (durationMs 0) and schedules a retry when the error is retryable', () => {
    runSpec(ev.started(aPlan([a, b])))
      .when(inputFailed(timedOut))
      .then([
        { type: 'StepFailed', data: { stepId: 'a', attempt: 1, error: timedOut, durationMs: 0, failedAt: NOW } },
        ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z'),
      ]);
  });

  it('a non-retryable error fails the step and pauses the run when nothing else can move', () => {
    runSpec(ev.started(aPlan([a, b])))
      .when(inputFailed(broken))
      .then([
        { type: 'StepFailed', data: { stepId: 'a', attempt: 1, error: broken, durationMs: 0, failedAt: NOW } },
        ev.paused('step_failed', 'a'),
      ]);
  });

  it('leaves an independent step free to run', () => {
    const events = runSpec(ev.started(aPlan([a, c])))
      .when(inputFailed(broken))
      .events();
    expect(events.map((event) => event.type)).toEqual(['StepFailed']);
  });

  it('fails a ready attempt (policy allowed it, the start failed on its input)', () => {
    const given = [...ev.started(aPlan([a, b])), ev.evaluated('a')];
    expect(
      runSpec(given)
        .when(inputFailed(broken))
        .events()
        .map((event) => event.type),
    ).toEqual(['StepFailed', 'RunPaused']);
  });

  it('fails a due retry with its attempt; the last attempt ends the retries', () => {
    const plan = aPlan([aStep('a', { retry: { maxAttempts: 2, backoffMs: 1000, multiplier: 2, maxBackoffMs: 5000 } })]);
    const given = [...ev.started(plan), ev.failed('a', 1, true), ev.retryScheduled('a', 2, 1000, NOW)];
    const events = runSpec(given)
      .when(inputFailed(timedOut, 'a', 2))
      .events();
    expect(events).toEqual([
      { type: 'StepFailed', data: { stepId: 'a', attempt: 2, error: timedOut, durationMs: 0, failedAt: NOW } },
      ev.paused('step_failed', 'a'),
    ]);
    expect(nextActions(foldRun([...given, ...events]), NOW)).toEqual([]);
  });

  it('refuses an attempt that is not about to start: run_step_not_startable', () => {
    const started = ev.started(aPlan([a, b]));
    runSpec([...started, ...ev.running(a)])
      .when(inputFailed(broken))
      .thenThrows('run_step_not_startable', { status: 'running' });
    runSpec(started)
      .when(inputFailed(broken, 'a', 2))
      .thenThrows('run_step_not_startable', { currentAttempt: 1 });
    runSpec(started).when(inputFailed(broken, 'b')).thenThrows('run_step_not_startable', { status: 'pending' });
    runSpec([...started, ev.evaluated('a', 1, requireApproval)])
      .when(inputFailed(broken))
      .thenThrows('run_step_not_startable', { status: 'awaiting_approval' });
    const retryNotDue = [
      ...started,
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z'),
    ];
    runSpec(retryNotDue)
      .when(inputFailed(broken, 'a', 2))
      .thenThrows('run_step_not_startable', { status: 'retry_scheduled' });
  });

  it('refuses when the run is not running: run_not_running', () => {
    runSpec([...ev.started(aPlan([a])), ev.paused('maintenance')])
      .when(inputFailed(broken))
      .thenThrows('run_not_running');
  });
});
