import { foldRun } from './evolve.js';
import type { RunCommand } from './commands.js';
import { aPlan, aStep, ev, NOW, RUN_ID, runSpec } from './run-fixtures.spec-util.js';

const a = aStep('a');
const b = aStep('b', { dependsOn: ['a'] });
const plan = aPlan([a, b]);
const startRun = (overrides: Partial<Extract<RunCommand, { type: 'StartRun' }>['data']> = {}): RunCommand => ({
  type: 'StartRun',
  data: {
    runId: RUN_ID,
    workflowId: 'claims',
    workflowVersion: '1.0.0',
    trigger: { source: 'api', idempotencyKey: 'key-1' },
    input: { claim: 42 },
    plan,
    ...overrides,
  },
});

describe('StartRun', () => {
  it('records the trigger and the plan', () => {
    runSpec([]).when(startRun()).then(ev.started(plan));
  });

  it('records an evaluation tag in RunTriggered and the folded state', () => {
    const evaluation = { goldenSet: 'claims-golden', caseId: 'case-7' };
    const events = runSpec([]).when(startRun({ evaluation })).events();
    expect(events[0]).toMatchObject({ type: 'RunTriggered', data: { evaluation } });
    expect(foldRun(events).evaluation).toEqual(evaluation);
    expect(foldRun(ev.started(plan))).not.toHaveProperty('evaluation');
  });

  it.each([
    [{ goldenSet: '', caseId: 'c' }, 'evaluation.goldenSet'],
    [{ goldenSet: 'g', caseId: 'a b' }, 'evaluation.caseId'],
    [{ goldenSet: 'g', caseId: 'x'.repeat(129) }, 'evaluation.caseId'],
  ])('refuses evaluation %j: run_invalid_evaluation naming %s', (evaluation, field) => {
    runSpec([]).when(startRun({ evaluation })).thenThrows('run_invalid_evaluation', { field });
  });

  const generated = {
    generator: 'catalog' as const,
    goal: 'answer the ticket',
    attempts: [{ issues: [{ rule: 'policy_denied', path: '/steps/1', message: 'denied' }] }, { issues: [] }],
    catalogDigest: `sha256:${'a'.repeat(64)}`,
  };

  it('records a generated plan: RunTriggered, PlanGenerated, PlanCreated by planner:<generator>; the fold keeps generator and attempts', () => {
    const events = runSpec([]).when(startRun({ generated })).events();
    expect(events.map((event) => event.type)).toEqual(['RunTriggered', 'PlanGenerated', 'PlanCreated']);
    expect(events[1]).toEqual({ type: 'PlanGenerated', data: generated });
    expect(events[2]).toEqual({ type: 'PlanCreated', data: { plan, author: 'planner:catalog' } });
    const state = foldRun(events);
    expect(state.generated).toEqual({ generator: 'catalog', attempts: 2 });
    expect(state.planAuthor).toBe('planner:catalog');
    expect(foldRun(ev.started(plan))).not.toHaveProperty('planAuthor');
  });

  it.each([
    [{ ...generated, generator: 'oracle' }, 'generated.generator'],
    [{ ...generated, goal: ' ' }, 'generated.goal'],
    [{ ...generated, attempts: [] }, 'generated.attempts'],
    [{ ...generated, attempts: [...generated.attempts].reverse() }, 'generated.attempts.1.issues'],
  ])('refuses a generation record %#: run_invalid_generation naming %s', (record, field) => {
    runSpec([])
      .when(startRun({ generated: record as typeof generated }))
      .thenThrows('run_invalid_generation', { field });
  });

  it('refuses a second start: run_already_started', () => {
    runSpec(ev.started(plan)).when(startRun()).thenThrows('run_already_started', { status: 'running' });
  });

  it('refuses a plan of another workflow version: run_plan_mismatch', () => {
    runSpec([])
      .when(startRun({ workflowVersion: '2.0.0' }))
      .thenThrows('run_plan_mismatch');
  });

  it('refuses an invalid plan with its validation code', () => {
    const cyclic = aPlan([aStep('a', { dependsOn: ['b'] }), aStep('b', { dependsOn: ['a'] })]);
    runSpec([])
      .when(startRun({ plan: cyclic }))
      .thenThrows('plan_cycle', { cycle: ['a', 'b', 'a'] });
  });

  it('refuses a malformed context time: invalid_timestamp', () => {
    runSpec([]).when(startRun(), { now: '2026-05-01 10:00' }).thenThrows('invalid_timestamp');
  });
});

describe('CancelRun', () => {
  const cancel: RunCommand = { type: 'CancelRun', data: { reason: 'duplicate claim' } };

  it('cancels a running or paused run', () => {
    runSpec(ev.started(plan))
      .when(cancel)
      .then([{ type: 'RunCancelled', data: { reason: 'duplicate claim' } }]);
    runSpec([...ev.started(plan), ev.paused('maintenance')])
      .when(cancel)
      .then([{ type: 'RunCancelled', data: { reason: 'duplicate claim' } }]);
  });

  it('refuses an ended run: run_already_ended', () => {
    runSpec([...ev.started(plan), { type: 'RunCancelled', data: { reason: 'x' } }])
      .when(cancel)
      .thenThrows('run_already_ended', { status: 'cancelled' });
    runSpec([...ev.started(plan), { type: 'RunCompleted', data: { completedAt: NOW, durationMs: 5 } }])
      .when(cancel)
      .thenThrows('run_already_ended');
  });

  it('refuses a run that never started: run_not_running', () => {
    runSpec([]).when(cancel).thenThrows('run_not_running');
  });
});

describe('PauseRun and ResumeRun', () => {
  it('pauses a running run and resumes it', () => {
    runSpec(ev.started(plan))
      .when({ type: 'PauseRun', data: { reason: 'maintenance' } })
      .then([ev.paused('maintenance')]);
    runSpec([...ev.started(plan), ev.paused('maintenance')])
      .when({ type: 'ResumeRun', data: { reason: 'done' } })
      .then([{ type: 'RunResumed', data: { reason: 'done' } }]);
  });

  it('refuses to pause a paused run (run_not_running) or resume a running one (run_not_paused)', () => {
    runSpec([...ev.started(plan), ev.paused('maintenance')])
      .when({ type: 'PauseRun', data: { reason: 'again' } })
      .thenThrows('run_not_running');
    runSpec(ev.started(plan))
      .when({ type: 'ResumeRun', data: { reason: 'go' } })
      .thenThrows('run_not_paused');
  });

  it('refuses to resume while only a failed step is left: run_stalled', () => {
    const given = [...ev.started(plan), ...ev.running(a), ev.failed('a'), ev.paused('step_failed', 'a')];
    runSpec(given)
      .when({ type: 'ResumeRun', data: { reason: 'go' } })
      .thenThrows('run_stalled', { stepId: 'a' });
  });
});
