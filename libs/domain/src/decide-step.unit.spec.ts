import type { RunCommand } from './commands.js';
import type { PolicyDecision, RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { gatesToOpen } from './next-actions.js';
import { aPlan, aStep, allow, at, deny, ev, NOW, requireApproval, RUN_ID, runSpec } from './run-fixtures.spec-util.js';

const a = aStep('a');
const b = aStep('b', { dependsOn: ['a'] });
const c = aStep('c');
const plan = aPlan([a, b, c]);
const started = ev.started(plan);
const evaluate = (stepId: string, decision: PolicyDecision = allow, attempt = 1): RunCommand => ({
  type: 'RecordStepPolicyDecision',
  data: { stepId, attempt, decision },
});
const start = (stepId: string, attempt = 1): RunCommand => ({
  type: 'StartStep',
  data: { stepId, attempt, idempotencyKey: `${RUN_ID}/${stepId}/${attempt}`, input: { resolved: stepId } },
});
const succeed = (stepId: string, attempt = 1): RunCommand => ({
  type: 'RecordStepSucceeded',
  data: { stepId, attempt, output: { ok: stepId }, durationMs: 120, runDurationMs: 9000 },
});
const fail = (stepId: string, attempt = 1, retryable = true): RunCommand => ({
  type: 'RecordStepFailed',
  data: {
    stepId,
    attempt,
    error: { code: retryable ? 'timeout' : 'bad_request', message: 'tool failed', retryable },
    durationMs: 80,
  },
});

describe('RecordStepPolicyDecision', () => {
  it('allow: records the decision (the step becomes ready)', () => {
    runSpec(started)
      .when(evaluate('a'))
      .then([ev.evaluated('a')]);
  });

  it('deny: blocks the step with the failing rules as pack/rule and fails the run', () => {
    runSpec(started)
      .when(evaluate('a', deny))
      .then([
        ev.evaluated('a', 1, deny),
        {
          type: 'StepBlocked',
          data: {
            stepId: 'a',
            attempt: 1,
            code: 'policy_denied',
            reason: 'agent lacks billing.payout',
            policies: ['capabilities@1.0.0/capability', 'compliance@2.0.0/no_weekend_payout'],
          },
        },
        {
          type: 'RunFailed',
          data: { code: 'policy_denied', reason: 'agent lacks billing.payout', stepId: 'a', failedAt: NOW },
        },
      ]);
  });

  it('require_approval: records the decision only; the step awaits approval with no gate yet', () => {
    const events = runSpec(started).when(evaluate('a', requireApproval)).events();
    expect(events).toEqual([ev.evaluated('a', 1, requireApproval)]);
    const state = foldRun([...started, ...events]);
    expect(state.steps['a']).toMatchObject({ status: 'awaiting_approval', attempt: 1 });
    expect(state.steps['a']?.gateId).toBeUndefined();
    expect(state.gates).toEqual({});
    expect(gatesToOpen(state)).toEqual([{ stepId: 'a', attempt: 1, kind: 'approval' }]);
  });

  it('allow on a step declaring a gate: the step awaits approval, no GateOpened', () => {
    const gated = aPlan([aStep('a', { gate: { reviewers: ['dana'], slaSeconds: 90 } })]);
    const events = runSpec(ev.started(gated)).when(evaluate('a')).events();
    expect(events).toEqual([ev.evaluated('a')]);
    expect(foldRun([...ev.started(gated), ...events]).steps['a']?.status).toBe('awaiting_approval');
  });

  it('a retry of a step whose gate was approved does not open the gate again', () => {
    const gated = aPlan([aStep('a', { gate: { reviewers: ['dana'] } })]);
    const given = [
      ...ev.started(gated),
      ev.evaluated('a'),
      ev.gateOpened('a', { reviewers: ['dana'], source: 'definition' }),
      ev.gateDecided('a', 'approved', 'dana'),
      ev.stepStarted(gated.steps[0]!),
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z'),
    ];
    const events = runSpec(given)
      .when(evaluate('a', requireApproval, 2), at('2026-05-01T10:00:05.000Z'))
      .events();
    expect(events).toEqual([ev.evaluated('a', 2, requireApproval)]);
    const state = foldRun([...given, ...events]);
    expect(state.steps['a']).toMatchObject({ status: 'ready', attempt: 2 });
    expect(gatesToOpen(state)).toEqual([]);
  });

  it('refuses a step whose dependencies have not succeeded: run_step_not_evaluable', () => {
    runSpec([...started, ...ev.running(a)])
      .when(evaluate('b'))
      .thenThrows('run_step_not_evaluable', { stepId: 'b', status: 'pending' });
  });

  it('refuses another attempt than the current one, and a step already evaluated: run_step_not_evaluable', () => {
    runSpec(started)
      .when(evaluate('a', allow, 2))
      .thenThrows('run_step_not_evaluable', { currentAttempt: 1 });
    runSpec([...started, ev.evaluated('a')])
      .when(evaluate('a'))
      .thenThrows('run_step_not_evaluable', { status: 'ready' });
  });

  it('evaluates a scheduled retry only once it is due', () => {
    const given = [
      ...started,
      ...ev.running(a),
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z'),
    ];
    runSpec(given)
      .when(evaluate('a', allow, 2), at('2026-05-01T10:00:00.999Z'))
      .thenThrows('run_step_not_evaluable', { status: 'retry_scheduled' });
    runSpec(given)
      .when(evaluate('a', allow, 2), at('2026-05-01T10:00:01.000Z'))
      .then([ev.evaluated('a', 2)]);
  });

  it('refuses when the run is paused (run_not_running) or the step unknown (step_not_found)', () => {
    runSpec([...started, ev.paused('maintenance')])
      .when(evaluate('a'))
      .thenThrows('run_not_running', { status: 'paused' });
    runSpec(started).when(evaluate('zz')).thenThrows('step_not_found', { stepId: 'zz' });
  });

  it('refuses require_approval when no reviewer is named anywhere: run_gate_without_reviewers', () => {
    const { gate: _gate, ...noGate } = requireApproval;
    runSpec(started)
      .when(evaluate('a', noGate))
      .thenThrows('run_gate_without_reviewers', { stepId: 'a', auditId: 'audit-3' });
    const declared = aPlan([aStep('a', { gate: { reviewers: ['dana'] } })]);
    runSpec(ev.started(declared))
      .when(evaluate('a', noGate))
      .then([ev.evaluated('a', 1, noGate)]);
  });
});

describe('StartStep', () => {
  it('starts a ready step with agent, tool, action and timeout from the plan', () => {
    runSpec([...started, ev.evaluated('a')])
      .when(start('a'))
      .then([ev.stepStarted(a)]);
  });

  it('refuses a step already started with that attempt: run_step_already_started', () => {
    runSpec([...started, ...ev.running(a)])
      .when(start('a'))
      .thenThrows('run_step_already_started', { status: 'running' });
    runSpec([...started, ...ev.ran(a)])
      .when(start('a'))
      .thenThrows('run_step_already_started', { status: 'succeeded' });
  });

  it('refuses a step not evaluated, awaiting approval, or evaluated for another attempt: run_step_not_ready', () => {
    runSpec(started).when(start('a')).thenThrows('run_step_not_ready', { status: 'pending' });
    runSpec([...started, ev.evaluated('a', 1, requireApproval)])
      .when(start('a'))
      .thenThrows('run_step_not_ready', { status: 'awaiting_approval' });
    runSpec([...started, ...ev.gated('a')])
      .when(start('a'))
      .thenThrows('run_step_not_ready', { status: 'awaiting_approval' });
    runSpec([...started, ev.evaluated('a')])
      .when(start('a', 2))
      .thenThrows('run_step_not_ready');
  });

  it('refuses beyond plan.concurrency running steps: run_concurrency_limit_reached', () => {
    const one = aPlan([a, c], { concurrency: 1 });
    runSpec([...ev.started(one), ...ev.running(a), ev.evaluated('c')])
      .when(start('c'))
      .thenThrows('run_concurrency_limit_reached', { limit: 1 });
  });

  it('refuses when the run is paused: run_not_running', () => {
    runSpec([...started, ev.evaluated('a'), ev.paused('maintenance')])
      .when(start('a'))
      .thenThrows('run_not_running');
  });
});

describe('RecordStepSucceeded', () => {
  it('records the output, confidence (and the cumulative one) and lineage', () => {
    const command: RunCommand = {
      type: 'RecordStepSucceeded',
      data: {
        stepId: 'a',
        attempt: 1,
        output: { n: 1 },
        confidence: 0.9,
        lineage: { source: 'crm', fresh: true },
        durationMs: 42,
        runDurationMs: 100,
      },
    };
    runSpec([...started, ...ev.running(a)])
      .when(command)
      .then([
        {
          type: 'StepSucceeded',
          data: {
            stepId: 'a',
            attempt: 1,
            output: { n: 1 },
            confidence: 0.9,
            lineage: { source: 'crm', fresh: true },
            durationMs: 42,
            completedAt: NOW,
            cumulativeConfidence: 0.9,
          },
        },
      ]);
  });

  it('records the usage the tool reported, and none when it reported no field', () => {
    const withUsage = (usage: object): RunCommand => ({
      type: 'RecordStepSucceeded',
      data: { stepId: 'a', attempt: 1, output: 1, durationMs: 5, runDurationMs: 9, usage },
    });
    const given = [...started, ...ev.running(a)];
    const [recorded] = runSpec(given)
      .when(withUsage({ costUsd: 0.002, inputTokens: 1200, outputTokens: 80 }))
      .events();
    expect(recorded).toEqual({
      type: 'StepSucceeded',
      data: {
        stepId: 'a',
        attempt: 1,
        output: 1,
        durationMs: 5,
        completedAt: NOW,
        usage: { inputTokens: 1200, outputTokens: 80, costUsd: 0.002 },
      },
    });
    const [bare] = runSpec(given).when(withUsage({})).events();
    expect(bare?.data).not.toHaveProperty('usage');
    const [none] = runSpec(given).when(succeed('a')).events();
    expect(none?.data).not.toHaveProperty('usage');
  });

  it('completes the run with runDurationMs when the last step succeeds', () => {
    runSpec([...started, ...ev.ran(a), ...ev.ran(c), ...ev.running(b)])
      .when(succeed('b'))
      .then([
        {
          type: 'StepSucceeded',
          data: { stepId: 'b', attempt: 1, output: { ok: 'b' }, durationMs: 120, completedAt: NOW },
        },
        { type: 'RunCompleted', data: { completedAt: NOW, durationMs: 9000 } },
      ]);
  });

  it('pauses the run when only a failed step is left', () => {
    const given = [...started, ...ev.running(a), ...ev.running(c), ev.failed('a', 1, false)];
    const events = runSpec(given).when(succeed('c')).events();
    expect(events.map((event) => event.type)).toEqual(['StepSucceeded', 'RunPaused']);
    expect(events[1]).toEqual(ev.paused('step_failed', 'a'));
  });

  it('refuses a step not running with that attempt (already recorded): run_step_not_running', () => {
    runSpec([...started, ...ev.ran(a)])
      .when(succeed('a'))
      .thenThrows('run_step_not_running', { status: 'succeeded' });
    runSpec([...started, ...ev.running(a)])
      .when(succeed('a', 2))
      .thenThrows('run_step_not_running');
  });

  it('records a result while paused, not after the run ended (run_not_running)', () => {
    const given = [...started, ...ev.running(a)];
    expect(
      runSpec([...given, ev.paused('maintenance')])
        .when(succeed('a'))
        .events()[0]?.type,
    ).toBe('StepSucceeded');
    runSpec([...given, { type: 'RunCancelled', data: { reason: 'x' } }])
      .when(succeed('a'))
      .thenThrows('run_not_running');
  });
});

describe('RecordStepFailed', () => {
  const retryAt = (attempt: number, delayMs: number, dueAt: string): RunEvent =>
    ev.retryScheduled('a', attempt, delayMs, dueAt);

  it('schedules a retryable failure: attempt 2 after backoffMs (1000 ms)', () => {
    runSpec([...started, ...ev.running(a)])
      .when(fail('a'))
      .then([
        {
          type: 'StepFailed',
          data: {
            stepId: 'a',
            attempt: 1,
            error: { code: 'timeout', message: 'tool failed', retryable: true },
            durationMs: 80,
            failedAt: NOW,
          },
        },
        retryAt(2, 1000, '2026-05-01T10:00:01.000Z'),
      ]);
  });

  it('doubles the delay for attempt 3 (2000 ms), capped by maxBackoffMs', () => {
    const given = [...started, ...ev.running(a), ev.failed('a', 1, true), retryAt(2, 1000, NOW), ...ev.running(a, 2)];
    expect(runSpec(given).when(fail('a', 2)).events()[1]).toEqual(retryAt(3, 2000, '2026-05-01T10:00:02.000Z'));
    const capped = aPlan([
      aStep('a', { retry: { maxAttempts: 9, backoffMs: 1000, multiplier: 10, maxBackoffMs: 3000 } }),
    ]);
    const cappedGiven = [
      ...ev.started(capped),
      ...ev.running(a),
      ev.failed('a', 1, true),
      retryAt(2, 1000, NOW),
      ...ev.running(a, 2),
    ];
    expect(runSpec(cappedGiven).when(fail('a', 2)).events()[1]).toEqual(retryAt(3, 3000, '2026-05-01T10:00:03.000Z'));
  });

  it('fails the step when attempts are exhausted and pauses the run when nothing else can move', () => {
    const single = aPlan([a, b]);
    const given = [
      ...ev.started(single),
      ...ev.running(a),
      ev.failed('a', 1, true),
      retryAt(2, 1000, NOW),
      ...ev.running(a, 2),
      ev.failed('a', 2, true),
      retryAt(3, 2000, NOW),
      ...ev.running(a, 3),
    ];
    const events = runSpec(given).when(fail('a', 3)).events();
    expect(events.map((event) => event.type)).toEqual(['StepFailed', 'RunPaused']);
    expect(events[1]).toEqual(ev.paused('step_failed', 'a'));
  });

  it('a non-retryable failure pauses only its branch while an independent step can still run', () => {
    runSpec([...started, ...ev.running(a)])
      .when(fail('a', 1, false))
      .then([ev.failed('a', 1, false)]);
  });

  it('refuses a step not running: run_step_not_running', () => {
    runSpec(started).when(fail('a')).thenThrows('run_step_not_running', { status: 'pending' });
  });
});

describe('ReclaimStep (an executor instance takes over a running attempt whose executor is gone)', () => {
  const reclaim = (stepId: string, executor: string, attempt = 1): RunCommand => ({
    type: 'ReclaimStep',
    data: { stepId, attempt, executor },
  });
  const startedBy = (executor: string): RunEvent[] => {
    const [evaluated, stepStarted] = ev.running(a);
    return [
      evaluated!,
      {
        ...stepStarted!,
        data: { ...(stepStarted as Extract<RunEvent, { type: 'StepStarted' }>).data, executor },
      } as RunEvent,
    ];
  };

  it('StartStep records the executor; StepReclaimed names the new one and who had it; the fold follows', () => {
    const startEvents = runSpec([...started, ev.evaluated('a')])
      .when({
        type: 'StartStep',
        data: { stepId: 'a', attempt: 1, idempotencyKey: `${RUN_ID}/a/1`, input: {}, executor: 'host-a:11' },
      })
      .events();
    expect(startEvents).toMatchObject([
      { type: 'StepStarted', data: { stepId: 'a', attempt: 1, executor: 'host-a:11' } },
    ]);
    const given = [...started, ...startedBy('host-a:11')];
    expect(foldRun(given).steps['a']?.executor).toBe('host-a:11');
    runSpec(given)
      .when(reclaim('a', 'host-b:22'))
      .then([
        {
          type: 'StepReclaimed',
          data: { stepId: 'a', attempt: 1, executor: 'host-b:22', previousExecutor: 'host-a:11', reclaimedAt: NOW },
        },
      ]);
    const events = runSpec(given).when(reclaim('a', 'host-b:22')).events();
    expect(foldRun([...given, ...events]).steps['a']).toMatchObject({
      status: 'running',
      attempt: 1,
      executor: 'host-b:22',
      idempotencyKey: `${RUN_ID}/a/1`,
    });
  });

  it('a StepStarted recorded before replicas (no executor): the reclaim names no previous executor', () => {
    runSpec([...started, ...ev.running(a)])
      .when(reclaim('a', 'host-b:22'))
      .then([{ type: 'StepReclaimed', data: { stepId: 'a', attempt: 1, executor: 'host-b:22', reclaimedAt: NOW } }]);
  });

  it('nothing when the executor already has the attempt', () => {
    runSpec([...started, ...startedBy('host-a:11')])
      .when(reclaim('a', 'host-a:11'))
      .then([]);
  });

  it('refuses an attempt that is not running, another attempt, an ended run and an external step', () => {
    runSpec([...started, ev.evaluated('a')])
      .when(reclaim('a', 'host-b:22'))
      .thenThrows('run_step_not_running', { stepId: 'a', status: 'ready' });
    runSpec([...started, ...startedBy('host-a:11')])
      .when(reclaim('a', 'host-b:22', 2))
      .thenThrows('run_step_not_running', { attempt: 2 });
    runSpec([...started, ...ev.running(a), ev.succeeded('a')])
      .when(reclaim('a', 'host-b:22'))
      .thenThrows('run_step_not_running', { status: 'succeeded' });
    const review = aStep('review', { kind: 'external', tool: 'external', action: 'task', reviewers: ['user:dana'] });
    const external = aPlan([review]);
    const externalStarted = {
      type: 'StepStarted',
      data: {
        stepId: 'review',
        attempt: 1,
        idempotencyKey: `${RUN_ID}/review/1`,
        agent: review.agent,
        tool: 'external',
        action: 'task',
        input: {},
        timeoutMs: review.timeoutMs,
        startedAt: NOW,
      },
    } as RunEvent;
    runSpec([...ev.started(external), externalStarted])
      .when(reclaim('review', 'host-b:22'))
      .thenThrows('run_step_external', { stepId: 'review' });
  });
});
