import type { RunCommand } from './commands.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { nextActions } from './next-actions.js';
import { aPlan, aStep, ev, NOW, RUN_ID, runSpec } from './run-fixtures.spec-util.js';

const a = aStep('a');
const limited = aPlan([a], { maxConcurrentRuns: 2 });
const queued: RunEvent = { type: 'RunQueued', data: { workflowId: 'claims', maxConcurrentRuns: 2 } };
const dequeued: RunEvent = { type: 'RunDequeued', data: { dequeuedAt: NOW } };
const start: RunCommand = {
  type: 'StartRun',
  data: {
    runId: RUN_ID,
    workflowId: 'claims',
    workflowVersion: '1.0.0',
    trigger: { source: 'api', idempotencyKey: 'key-1' },
    input: { claim: 42 },
    plan: limited,
  },
};
const dequeue: RunCommand = { type: 'DequeueRun', data: {} };

describe('StartRun with maxConcurrentRuns', () => {
  it('records the run as queued after its trigger and plan', () => {
    runSpec([])
      .when(start)
      .then([...ev.started(limited), queued]);
  });

  it('leaves a queued run with nothing to do until it is dequeued', () => {
    const state = foldRun([...ev.started(limited), queued]);
    expect(state.status).toBe('queued');
    expect(nextActions(state, NOW)).toEqual([]);
    const after = foldRun([dequeued], state);
    expect(after.status).toBe('running');
    expect(nextActions(after, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'a', attempt: 1 }]);
  });

  it('refuses a limit outside 1..10000: plan_invalid_concurrency naming maxConcurrentRuns', () => {
    for (const maxConcurrentRuns of [0, 10_001, 1.5]) {
      const plan = aPlan([a], { maxConcurrentRuns });
      runSpec([])
        .when({ ...start, data: { ...start.data, plan } } as RunCommand)
        .thenThrows('plan_invalid_concurrency', { field: 'maxConcurrentRuns' });
    }
  });
});

describe('DequeueRun', () => {
  it('starts a queued run', () => {
    runSpec([...ev.started(limited), queued])
      .when(dequeue)
      .then([dequeued]);
  });

  it('refuses a run that is not queued: run_not_queued', () => {
    runSpec([...ev.started(limited), queued, dequeued])
      .when(dequeue)
      .thenThrows('run_not_queued', { status: 'running' });
    runSpec([...ev.started(limited), queued, { type: 'RunCancelled', data: { reason: 'x' } }])
      .when(dequeue)
      .thenThrows('run_not_queued', { status: 'cancelled' });
    runSpec(ev.started(aPlan([a])))
      .when(dequeue)
      .thenThrows('run_not_queued', { status: 'running' });
  });
});

describe('a queued run', () => {
  const given = [...ev.started(limited), queued];

  it('may be cancelled', () => {
    runSpec(given)
      .when({ type: 'CancelRun', data: { reason: 'not needed' } })
      .then([{ type: 'RunCancelled', data: { reason: 'not needed' } }]);
  });

  it('cannot be paused: run_not_running', () => {
    runSpec(given)
      .when({ type: 'PauseRun', data: { reason: 'x' } })
      .thenThrows('run_not_running', { status: 'queued' });
  });

  it('times out: queued time counts toward the run timeout', () => {
    const timed = aPlan([a], { maxConcurrentRuns: 2, timeoutMs: 1000 });
    const events = runSpec([...ev.started(timed), queued])
      .when({ type: 'TimeOutRun', data: { runDurationMs: 1500 } })
      .events();
    expect(events).toEqual([
      expect.objectContaining({ type: 'RunFailed', data: expect.objectContaining({ code: 'run_timed_out' }) }),
    ]);
  });
});
