import type { RunCommand } from './commands.js';
import type { PolicyDecision, RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { gatesToOpen } from './next-actions.js';
import type { GateSpec } from './plan.js';
import {
  aPlan,
  aStep,
  allow,
  at,
  ev,
  gateOf,
  NOW,
  openGate,
  requireApproval,
  runSpec,
} from './run-fixtures.spec-util.js';

const a = aStep('a');
const plan = aPlan([a, aStep('b')]);
const started = ev.started(plan);
const awaitingPolicy = [...started, ev.evaluated('a', 1, requireApproval)];
const declared = (gate: GateSpec = { reviewers: ['bob', 'dana'], slaSeconds: 90, escalateTo: ['erin'] }) =>
  aPlan([aStep('a', { gate }), aStep('b')]);
const gateOpened = (data: Extract<RunEvent, { type: 'GateOpened' }>['data']): RunEvent => ({
  type: 'GateOpened',
  data,
});

describe('OpenGate: the approval service opens the gate of a step awaiting approval', () => {
  it('policy gate: reviewers, reason and escalation from decision.gate, due now + slaSeconds', () => {
    const events = runSpec(awaitingPolicy).when(openGate('a')).events();
    expect(events).toEqual([
      gateOpened({
        gateId: gateOf('a'),
        stepId: 'a',
        attempt: 1,
        reviewers: ['alice', 'bob'],
        reason: 'payout over 50,000 needs a reviewer',
        source: 'policy',
        dueAt: '2026-05-01T11:00:00.000Z',
        escalateTo: ['carol'],
      }),
    ]);
    const state = foldRun([...awaitingPolicy, ...events]);
    expect(state.steps['a']).toMatchObject({ status: 'awaiting_approval', gateId: gateOf('a') });
    expect(state.gates[gateOf('a')]).toMatchObject({ status: 'open', level: 0, reviewers: ['alice', 'bob'] });
    expect(gatesToOpen(state)).toEqual([]);
  });

  it('definition gate: from the step gate; dueAt counts from when the gate opens, not from the decision', () => {
    const given = [...ev.started(declared()), ev.evaluated('a')];
    runSpec(given)
      .when(openGate('a'), at('2026-05-01T10:05:00.000Z'))
      .then([
        gateOpened({
          gateId: gateOf('a'),
          stepId: 'a',
          attempt: 1,
          reviewers: ['bob', 'dana'],
          reason: 'step "a" declares an approval gate',
          source: 'definition',
          dueAt: '2026-05-01T10:06:30.000Z',
          escalateTo: ['erin'],
        }),
      ]);
  });

  it('no SLA and no escalation: no dueAt and no escalateTo', () => {
    runSpec([...ev.started(declared({ reviewers: ['dana'] })), ev.evaluated('a')])
      .when(openGate('a'))
      .then([
        gateOpened({
          gateId: gateOf('a'),
          stepId: 'a',
          attempt: 1,
          reviewers: ['dana'],
          reason: 'step "a" declares an approval gate',
          source: 'definition',
        }),
      ]);
  });

  it('names the current attempt: a retry whose new decision requires approval', () => {
    const given = [
      ...started,
      ...ev.running(a),
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 0, NOW),
      ev.evaluated('a', 2, requireApproval),
    ];
    expect(runSpec(given).when(openGate('a')).events()[0]).toMatchObject({ data: { attempt: 2, source: 'policy' } });
  });

  it('merge rule: policy and definition both ask; policy reviewers first, definition reviewers added once; policy SLA, reason, source', () => {
    runSpec([...ev.started(declared()), ev.evaluated('a', 1, requireApproval)])
      .when(openGate('a'))
      .then([
        gateOpened({
          gateId: gateOf('a'),
          stepId: 'a',
          attempt: 1,
          reviewers: ['alice', 'bob', 'dana'],
          reason: 'payout over 50,000 needs a reviewer',
          source: 'policy',
          dueAt: '2026-05-01T11:00:00.000Z',
          escalateTo: ['carol', 'erin'],
        }),
      ]);
  });

  it('merge rule: the definition fills what the policy leaves out (SLA; reviewers; reason from the rationale)', () => {
    const noSla: PolicyDecision = { ...requireApproval, gate: { reviewers: ['alice'], reason: 'big payout' } };
    expect(
      runSpec([...ev.started(declared()), ev.evaluated('a', 1, noSla)])
        .when(openGate('a'))
        .events()[0],
    ).toMatchObject({
      data: {
        reviewers: ['alice', 'bob', 'dana'],
        dueAt: '2026-05-01T10:01:30.000Z',
        reason: 'big payout',
        escalateTo: ['erin'],
      },
    });
    const { gate: _gate, ...noGate } = requireApproval;
    expect(
      runSpec([...ev.started(declared()), ev.evaluated('a', 1, noGate)])
        .when(openGate('a'))
        .events()[0],
    ).toMatchObject({ data: { reviewers: ['bob', 'dana'], source: 'policy', reason: 'payout over 50,000' } });
  });

  it('opens a gate while the run is paused', () => {
    expect(
      runSpec([...awaitingPolicy, ev.paused('maintenance')])
        .when(openGate('a'))
        .events()
        .map((event) => event.type),
    ).toEqual(['GateOpened']);
  });
});

describe('OpenGate refusals', () => {
  it('refuses a run not running nor paused: run_not_running', () => {
    runSpec([]).when(openGate('a')).thenThrows('run_not_running', { status: 'none' });
    runSpec([...awaitingPolicy, { type: 'RunCancelled', data: { reason: 'dup' } }])
      .when(openGate('a'))
      .thenThrows('run_not_running', { status: 'cancelled' });
  });

  it('refuses an unknown step: step_not_found', () => {
    runSpec(awaitingPolicy).when(openGate('zz')).thenThrows('step_not_found', { stepId: 'zz' });
  });

  it('refuses a step not awaiting approval (pending, allowed, approved): run_step_not_awaiting_approval', () => {
    runSpec(started)
      .when(openGate('a'))
      .thenThrows('run_step_not_awaiting_approval', { stepId: 'a', status: 'pending' });
    runSpec([...started, ev.evaluated('a', 1, allow)])
      .when(openGate('a'))
      .thenThrows('run_step_not_awaiting_approval', { status: 'ready' });
    runSpec([...started, ...ev.gated('a'), ev.gateDecided('a')])
      .when(openGate('a'))
      .thenThrows('run_step_not_awaiting_approval', { status: 'ready' });
  });

  it('refuses a second opening: run_gate_already_open', () => {
    const opened = [...awaitingPolicy, ...runSpec(awaitingPolicy).when(openGate('a')).events()];
    runSpec(opened)
      .when(openGate('a'))
      .thenThrows('run_gate_already_open', { stepId: 'a', gateId: gateOf('a'), status: 'open' });
  });

  it('refuses a gate nobody could decide: run_gate_without_reviewers', () => {
    // RecordStepPolicyDecision refuses such a decision; only a history from another writer can hold it.
    const { gate: _gate, ...noGate } = requireApproval;
    runSpec([...started, ev.evaluated('a', 1, noGate)])
      .when(openGate('a'))
      .thenThrows('run_gate_without_reviewers', { stepId: 'a', source: 'policy' });
  });
});

describe('a step awaiting approval can still move', () => {
  const fail = (stepId: string): RunCommand => ({
    type: 'RecordStepFailed',
    data: {
      stepId,
      attempt: 1,
      error: { code: 'bad_request', message: 'tool failed', retryable: false },
      durationMs: 80,
    },
  });

  it('a failed step does not pause the run while another awaits approval, gate opened or not', () => {
    const failing = [...ev.started(plan), ...ev.running(aStep('b')), ev.evaluated('a', 1, requireApproval)];
    runSpec(failing)
      .when(fail('b'))
      .then([ev.failed('b', 1, false)]);
    runSpec([...failing, ev.gateOpened('a', { reviewers: ['alice', 'bob'] })])
      .when(fail('b'))
      .then([ev.failed('b', 1, false)]);
  });

  it('an operator may resume a paused run whose only live step awaits its gate', () => {
    const given = [
      ...ev.started(plan),
      ...ev.running(aStep('b')),
      ev.evaluated('a', 1, requireApproval),
      ev.failed('b', 1, false),
      ev.paused('maintenance'),
    ];
    runSpec(given)
      .when({ type: 'ResumeRun', data: { reason: 'go' } })
      .then([{ type: 'RunResumed', data: { reason: 'go' } }]);
  });
});
