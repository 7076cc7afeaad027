import type { RunCommand } from './commands.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { nextActions } from './next-actions.js';
import type { PlanStep } from './plan.js';
import { planStepOfDraft } from './plan-step-draft.js';
import { aPlan, aStep, ev, NOW, RUN_ID, runSpec } from './run-fixtures.spec-util.js';

/** Operator actions with their actor, automatic recoveries (RecoverStep) and steps added by a tool result. */

const fetchStep = aStep('fetch');
const pay = aStep('pay', { dependsOn: ['fetch'], tool: 'billing', action: 'payout', agent: 'payer' });
const plan = aPlan([fetchStep, pay], {
  agents: { clerk: ['crm.read'], payer: ['billing.payout'], backup: ['billing.payout'] },
});
const payFailed = [
  ...ev.started(plan),
  ...ev.ran(fetchStep),
  ...ev.running(pay),
  ev.failed('pay'),
  ev.paused('step_failed', 'pay'),
];

describe('RetryStep by an operator', () => {
  it('records the substitute agent, reason and operator; the next attempt runs as that agent', () => {
    const events = runSpec(payFailed)
      .when({
        type: 'RetryStep',
        data: { stepId: 'pay', agent: 'backup', reason: 'payer is down', requestedBy: 'ops-ann' },
      })
      .events();
    expect(events).toEqual([
      { type: 'RunResumed', data: { reason: 'step_retried' } },
      {
        type: 'StepRetryScheduled',
        data: {
          stepId: 'pay',
          attempt: 2,
          delayMs: 0,
          dueAt: NOW,
          agent: 'backup',
          reason: 'payer is down',
          requestedBy: 'ops-ann',
        },
      },
    ]);
    const state = foldRun([...payFailed, ...events]);
    expect(state.plan?.steps.find((step) => step.id === 'pay')?.agent).toBe('backup');
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'pay', attempt: 2 }]);
    const started = runSpec([...payFailed, ...events, ev.evaluated('pay', 2)])
      .when({ type: 'StartStep', data: { stepId: 'pay', attempt: 2, idempotencyKey: `${RUN_ID}/pay/2`, input: {} } })
      .events();
    expect(started[0]).toMatchObject({ type: 'StepStarted', data: { agent: 'backup', attempt: 2 } });
  });

  it('keeps the agent when none is given', () => {
    const events = runSpec(payFailed)
      .when({ type: 'RetryStep', data: { stepId: 'pay' } })
      .events();
    expect(foldRun([...payFailed, ...events]).plan?.steps.find((step) => step.id === 'pay')?.agent).toBe('payer');
  });

  it('refuses a substitute the plan does not declare: plan_unknown_agent', () => {
    runSpec(payFailed)
      .when({ type: 'RetryStep', data: { stepId: 'pay', agent: 'stranger' } })
      .thenThrows('plan_unknown_agent', { agent: 'stranger' });
  });
});

describe('SkipStep and CancelRun record who asked', () => {
  const optionalPay = aPlan([fetchStep, aStep('notify', { dependsOn: ['fetch'], optional: true })]);
  const notifyFailed = [
    ...ev.started(optionalPay),
    ...ev.ran(fetchStep),
    ...ev.running(aStep('notify')),
    ev.failed('notify'),
    ev.paused('step_failed', 'notify'),
  ];

  it('StepSkipped carries requestedBy', () => {
    const events = runSpec(notifyFailed)
      .when({
        type: 'SkipStep',
        data: { stepId: 'notify', reason: 'not needed', runDurationMs: 5, requestedBy: 'ops-ann' },
      })
      .events();
    expect(events[0]).toEqual({
      type: 'StepSkipped',
      data: { stepId: 'notify', reason: 'not needed', requestedBy: 'ops-ann' },
    });
    expect(events.map((event) => event.type)).toEqual(['StepSkipped', 'RunCompleted']);
  });

  it('refuses to skip a required step: run_step_not_optional', () => {
    runSpec(payFailed)
      .when({ type: 'SkipStep', data: { stepId: 'pay', reason: 'x', runDurationMs: 5, requestedBy: 'ops-ann' } })
      .thenThrows('run_step_not_optional', { stepId: 'pay' });
  });

  it('RunCancelled carries requestedBy', () => {
    runSpec(payFailed)
      .when({ type: 'CancelRun', data: { reason: 'duplicate', requestedBy: 'ops-ann' } })
      .then([{ type: 'RunCancelled', data: { reason: 'duplicate', requestedBy: 'ops-ann' } }]);
    runSpec(payFailed)
      .when({ type: 'CancelRun', data: { reason: 'duplicate' } })
      .then([{ type: 'RunCancelled', data: { reason: 'duplicate' } }]);
  });
});

describe('RecoverStep', () => {
  const refresh = aStep('refresh_token', { tool: 'crm', action: 'read' });
  const recover = (attempt = 1, steps: PlanStep[] = [refresh]): RunCommand => ({
    type: 'RecoverStep',
    data: { stepId: 'pay', attempt, rule: 'refresh-expired-token', recoverySteps: steps },
  });

  it('adds the recovery steps before a new attempt of the failed step, in one commit, and resumes the run', () => {
    const events = runSpec(payFailed).when(recover()).events();
    expect(events).toEqual([
      { type: 'RunResumed', data: { reason: 'step_recovered' } },
      {
        type: 'PlanRevised',
        data: {
          revision: 1,
          author: 'planner',
          rule: 'refresh-expired-token',
          addedSteps: [refresh],
          removedStepIds: [],
          addedDependencies: { pay: ['refresh_token'] },
          reason:
            'step "pay" failed with bad_request: recovery rule "refresh-expired-token" runs refresh_token before attempt 2',
        },
      },
      {
        type: 'StepRetryScheduled',
        data: { stepId: 'pay', attempt: 2, delayMs: 0, dueAt: NOW, waitsFor: ['refresh_token'] },
      },
    ]);
    const state = foldRun([...payFailed, ...events]);
    expect(state.steps.pay).toMatchObject({ status: 'pending', attempt: 2 });
    expect(state.plan?.steps.find((step) => step.id === 'pay')?.dependsOn).toEqual(['fetch', 'refresh_token']);
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'refresh_token', attempt: 1 }]);
    const refreshed = foldRun([...ev.ran(refresh)], state);
    expect(nextActions(refreshed, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'pay', attempt: 2 }]);
  });

  it('is idempotent per failed attempt: a second RecoverStep is run_step_not_failed', () => {
    const recovered = [...payFailed, ...runSpec(payFailed).when(recover()).events()];
    runSpec(recovered).when(recover()).thenThrows('run_step_not_failed', { status: 'pending', currentAttempt: 2 });
  });

  it('fires once for the same recovery steps: after another failure they are plan_duplicate_step', () => {
    const recovered = [
      ...payFailed,
      ...runSpec(payFailed).when(recover()).events(),
      ...ev.ran(refresh),
      ...ev.running(pay, 2),
      ev.failed('pay', 2),
    ];
    runSpec(recovered).when(recover(2)).thenThrows('plan_duplicate_step');
  });

  it('refuses a step that did not fail at that attempt, and an empty recovery', () => {
    runSpec(payFailed).when(recover(3)).thenThrows('run_step_not_failed', { attempt: 3 });
    runSpec(payFailed).when(recover(1, [])).thenThrows('run_revision_empty');
  });

  it('pauses on the recovery step when it fails too', () => {
    const recovered = [...payFailed, ...runSpec(payFailed).when(recover()).events(), ...ev.running(refresh)];
    runSpec(recovered)
      .when({
        type: 'RecordStepFailed',
        data: {
          stepId: 'refresh_token',
          attempt: 1,
          error: { code: 'crm_down', message: 'down', retryable: false },
          durationMs: 3,
        },
      })
      .then([
        {
          type: 'StepFailed',
          data: {
            stepId: 'refresh_token',
            attempt: 1,
            error: { code: 'crm_down', message: 'down', retryable: false },
            durationMs: 3,
            failedAt: NOW,
          },
        },
        { type: 'RunPaused', data: { reason: 'step_failed', stepId: 'refresh_token' } },
      ]);
  });
});

describe('steps added by a tool result', () => {
  const convert = {
    id: 'convert_currency',
    tool: 'fx',
    action: 'convert',
    agent: 'clerk',
    dependsOn: ['fetch'],
    input: { to: 'EUR' },
  };
  const fetchRunning = [...ev.started(plan), ...ev.running(fetchStep)];
  const succeeded = (addSteps: unknown[]): RunCommand => ({
    type: 'RecordStepSucceeded',
    data: {
      stepId: 'fetch',
      attempt: 1,
      output: { currency: 'USD' },
      durationMs: 10,
      runDurationMs: 20,
      addSteps: addSteps as never,
    },
  });

  it('records StepSucceeded + PlanRevised by tool:<tool>.<action>, with defaults filled in; the added step is evaluated next', () => {
    const events = runSpec(fetchRunning)
      .when(succeeded([convert]))
      .events();
    expect(events.map((event) => event.type)).toEqual(['StepSucceeded', 'PlanRevised']);
    expect(events[1]).toEqual({
      type: 'PlanRevised',
      data: {
        revision: 1,
        author: 'tool:crm.read',
        reason: 'the result of step "fetch" added convert_currency',
        addedSteps: [planStepOfDraft(convert)],
        removedStepIds: [],
      },
    });
    expect(nextActions(foldRun([...fetchRunning, ...events]), NOW)).toEqual([
      { type: 'evaluate_policy', stepId: 'pay', attempt: 1 },
      { type: 'evaluate_policy', stepId: 'convert_currency', attempt: 1 },
    ]);
  });

  it('fails the run with workflow_depth_exceeded past 50 steps, the success still recorded', () => {
    const many = Array.from({ length: 49 }, (_, i) => ({ ...convert, id: `convert_${i}` }));
    const events = runSpec(fetchRunning).when(succeeded(many)).events();
    expect(events.map((event) => event.type)).toEqual(['StepSucceeded', 'RunFailed']);
    expect(events[1]).toMatchObject({
      type: 'RunFailed',
      data: { code: 'workflow_depth_exceeded', stepId: 'fetch', failedAt: NOW },
    });
    expect((events[1] as Extract<RunEvent, { type: 'RunFailed' }>).data.reason).toContain('51');
    const state = foldRun([...fetchRunning, ...events]);
    expect(state.status).toBe('failed');
    expect(state.steps.fetch?.status).toBe('succeeded');
  });

  it('fails the run with the validation code of a malformed or invalid addition', () => {
    const [, malformed] = runSpec(fetchRunning)
      .when(succeeded([{ id: 'x', tool: 'fx' }]))
      .events();
    expect(malformed).toMatchObject({ type: 'RunFailed', data: { code: 'plan_invalid_step' } });
    const [, unknownAgent] = runSpec(fetchRunning)
      .when(succeeded([{ ...convert, agent: 'ghost' }]))
      .events();
    expect(unknownAgent).toMatchObject({ type: 'RunFailed', data: { code: 'plan_unknown_agent' } });
  });
});

describe('planStepOfDraft', () => {
  it('fills the defaults and names the bad field', () => {
    expect(planStepOfDraft({ id: 'a', tool: 't', action: 'x', agent: 'g' })).toEqual({
      id: 'a',
      name: 'a',
      tool: 't',
      action: 'x',
      agent: 'g',
      dependsOn: [],
      input: {},
      retry: { maxAttempts: 1, backoffMs: 1000, multiplier: 2, maxBackoffMs: 60000 },
      timeoutMs: 30000,
      optional: false,
      policyTags: [],
    });
    expect(() =>
      planStepOfDraft({ id: 'a', tool: 't', action: 'x', agent: 'g', dependsOn: 'b' }, 'addSteps[0]'),
    ).toThrow('addSteps[0]: dependsOn must be a list of step ids');
    expect(() => planStepOfDraft('nope')).toThrow('must be an object');
  });
});
