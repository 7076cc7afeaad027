import type { CommandActor, RunCommand } from './commands.js';
import { foldRun } from './evolve.js';
import { nextActions } from './next-actions.js';
import { aPlan, aStep, at, ev, gateOf, NOW, openGate, requireApproval, runSpec } from './run-fixtures.spec-util.js';

const a = aStep('a');
const plan = aPlan([a, aStep('b')]);
const awaiting = [...ev.started(plan), ev.evaluated('a', 1, requireApproval)];
/** The gate as the approval service opens it at NOW: due at NOW + 3600 s, escalation to carol. */
const gateOpen = [...awaiting, ...runSpec(awaiting).when(openGate('a')).events()];
const alice: CommandActor = { kind: 'human', id: 'alice' };
const decideGate = (outcome: 'approve' | 'reject', reviewer: CommandActor = alice, comment?: string): RunCommand => ({
  type: 'DecideGate',
  data: { gateId: gateOf('a'), reviewer, outcome, ...(comment === undefined ? {} : { comment }) },
});
const escalate: RunCommand = { type: 'EscalateGate', data: { gateId: gateOf('a') } };

describe('DecideGate', () => {
  it('approve: records the decision and the step becomes ready to start', () => {
    const events = runSpec(gateOpen)
      .when(decideGate('approve', alice, 'checked the claim'))
      .events();
    expect(events).toEqual([
      {
        type: 'GateDecided',
        data: {
          gateId: gateOf('a'),
          stepId: 'a',
          outcome: 'approved',
          reviewer: 'alice',
          comment: 'checked the claim',
        },
      },
    ]);
    const state = foldRun([...gateOpen, ...events]);
    expect(state.steps['a']?.status).toBe('ready');
    expect(state.gates[gateOf('a')]).toMatchObject({ status: 'approved', decidedBy: 'alice' });
    expect(nextActions(state, NOW)).toContainEqual({ type: 'start_step', stepId: 'a', attempt: 1 });
  });

  it('reject: blocks the step and fails the run', () => {
    const reason = `gate "${gateOf('a')}" rejected by alice: amount looks wrong`;
    runSpec(gateOpen)
      .when(decideGate('reject', alice, 'amount looks wrong'))
      .then([
        {
          type: 'GateDecided',
          data: {
            gateId: gateOf('a'),
            stepId: 'a',
            outcome: 'rejected',
            reviewer: 'alice',
            comment: 'amount looks wrong',
          },
        },
        { type: 'StepBlocked', data: { stepId: 'a', attempt: 1, code: 'gate_rejected', reason, policies: [] } },
        { type: 'RunFailed', data: { code: 'gate_rejected', reason, stepId: 'a', failedAt: NOW } },
      ]);
  });

  it('refuses an unknown gate, or one not opened yet: run_gate_not_found', () => {
    runSpec(awaiting)
      .when(decideGate('approve'))
      .thenThrows('run_gate_not_found', { gateId: gateOf('a') });
    runSpec(gateOpen)
      .when({ type: 'DecideGate', data: { gateId: gateOf('b'), reviewer: alice, outcome: 'approve' } })
      .thenThrows('run_gate_not_found');
  });

  it('refuses a second decision: run_gate_already_decided', () => {
    runSpec([...gateOpen, ev.gateDecided('a')])
      .when(decideGate('reject', { kind: 'human', id: 'bob' }))
      .thenThrows('run_gate_already_decided', { decidedBy: 'alice' });
  });

  it('says a gate was already decided even when that decision has ended the run (not run_not_running)', () => {
    const rejected = [...gateOpen, ...runSpec(gateOpen).when(decideGate('reject')).events()];
    expect(foldRun(rejected).status).toBe('failed');
    runSpec(rejected)
      .when(decideGate('approve', { kind: 'human', id: 'bob' }))
      .thenThrows('run_gate_already_decided', { decidedBy: 'alice' });
  });

  it('refuses an open gate of a run that has ended: run_not_running', () => {
    runSpec([...gateOpen, { type: 'RunCancelled', data: { reason: 'withdrawn', requestedBy: 'operator-1' } }])
      .when(decideGate('approve'))
      .thenThrows('run_not_running');
  });

  it.each(['agent', 'service', 'system'] as const)('refuses a %s as decider: run_actor_cannot_decide', (kind) => {
    runSpec(gateOpen)
      .when(decideGate('approve', { kind, id: 'alice' }))
      .thenThrows('run_actor_cannot_decide');
  });

  it('refuses a human the gate does not name: run_reviewer_not_named', () => {
    runSpec(gateOpen)
      .when(decideGate('approve', { kind: 'human', id: 'mallory' }))
      .thenThrows('run_reviewer_not_named', { reviewer: 'mallory', reviewers: ['alice', 'bob'] });
  });

  it('after an escalation only the escalation reviewers may decide', () => {
    const escalated = [
      ...gateOpen,
      { type: 'GateEscalated' as const, data: { gateId: gateOf('a'), level: 1, reviewers: ['carol'] } },
    ];
    runSpec(escalated).when(decideGate('approve', alice)).thenThrows('run_reviewer_not_named');
    expect(
      runSpec(escalated)
        .when(decideGate('approve', { kind: 'human', id: 'carol' }))
        .events()[0],
    ).toMatchObject({ data: { reviewer: 'carol', outcome: 'approved' } });
  });
});

describe('EscalateGate', () => {
  it('escalates a due gate to escalateTo, one level up', () => {
    runSpec(gateOpen)
      .when(escalate, at('2026-05-01T11:00:00.000Z'))
      .then([{ type: 'GateEscalated', data: { gateId: gateOf('a'), level: 1, reviewers: ['carol'] } }]);
  });

  it('refuses before dueAt: run_gate_not_due', () => {
    runSpec(gateOpen)
      .when(escalate, at('2026-05-01T10:59:59.999Z'))
      .thenThrows('run_gate_not_due', { dueAt: '2026-05-01T11:00:00.000Z' });
  });

  it('refuses a gate with no escalation left: run_gate_not_escalatable', () => {
    const escalated = [
      ...gateOpen,
      { type: 'GateEscalated' as const, data: { gateId: gateOf('a'), level: 1, reviewers: ['carol'] } },
    ];
    runSpec(escalated)
      .when(escalate, at('2026-05-02T00:00:00.000Z'))
      .thenThrows('run_gate_not_escalatable', { level: 1 });
  });

  it('refuses a decided gate (run_gate_already_decided) and an unknown one (run_gate_not_found)', () => {
    runSpec([...gateOpen, ev.gateDecided('a')])
      .when(escalate, at('2026-05-02T00:00:00.000Z'))
      .thenThrows('run_gate_already_decided');
    runSpec(ev.started(plan)).when(escalate).thenThrows('run_gate_not_found');
  });
});
