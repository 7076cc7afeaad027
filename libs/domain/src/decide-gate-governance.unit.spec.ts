import type { RunCommand } from './commands.js';
import type { GateRevision, PolicyDecision, RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { nextActions } from './next-actions.js';
import type { ReviewerActor } from './reviewers.js';
import { matchReviewer, parseReviewerEntry } from './reviewers.js';
import { aPlan, aStep, at, ev, gateOf, NOW, openGate, runSpec } from './run-fixtures.spec-util.js';

const byRole: PolicyDecision = {
  outcome: 'require_approval',
  rationale: 'payout over 50,000',
  auditId: 'audit-r',
  rules: [{ rule: 'payout_limit', pack: 'approval@1.0.0', result: 'enforced', message: 'payout over 50,000' }],
  gate: { reviewers: ['role:claims-lead', 'team:payments', 'user:ann', 'dora'], reason: 'needs a claims lead' },
};
const a = aStep('a');
const pay = aStep('pay', { dependsOn: ['a'] });
const notify = aStep('notify', { dependsOn: ['pay'] });
const audit = aStep('audit', { dependsOn: ['a'] });
const plan = aPlan([a, pay, notify, audit]);
const awaitingPay = [...ev.started(plan), ...ev.ran(a), ev.evaluated('pay', 1, byRole)];
const payGateOpen = [...awaitingPay, ...runSpec(awaitingPay).when(openGate('pay')).events()];

const human = (id: string, extra: Partial<ReviewerActor> = {}): ReviewerActor => ({ kind: 'human', id, ...extra });
const decide = (
  outcome: 'approve' | 'reject' | 'redirect',
  reviewer: ReviewerActor,
  extra: { comment?: string; revision?: GateRevision; correctedOutput?: unknown } = {},
): RunCommand => ({
  type: 'DecideGate',
  data: { gateId: gateOf('pay'), reviewer, outcome, ...extra },
});

describe('reviewer entries', () => {
  it('parses user:, role:, team: and a bare id (a user); anything else is malformed', () => {
    expect(parseReviewerEntry('ann')).toEqual({ kind: 'user', name: 'ann' });
    expect(parseReviewerEntry('user:ann')).toEqual({ kind: 'user', name: 'ann' });
    expect(parseReviewerEntry('role:claims-lead')).toEqual({ kind: 'role', name: 'claims-lead' });
    expect(parseReviewerEntry('team:payments')).toEqual({ kind: 'team', name: 'payments' });
    for (const bad of ['', 'group:x', 'role:', 'user:']) expect(parseReviewerEntry(bad)).toBeUndefined();
  });

  it('matches by id, role or team, first entry in the gate order wins', () => {
    const entries = ['user:ann', 'role:claims-lead', 'team:payments'];
    expect(matchReviewer(entries, human('ann', { roles: ['claims-lead'] }))).toBe('user:ann');
    expect(matchReviewer(entries, human('bo', { roles: ['claims-lead'] }))).toBe('role:claims-lead');
    expect(matchReviewer(entries, human('cy', { teams: ['payments'] }))).toBe('team:payments');
    expect(matchReviewer(entries, human('claims-lead'))).toBeUndefined(); // an id is not a role
    expect(matchReviewer(['ann'], human('ann'))).toBe('ann');
  });
});

describe('DecideGate by role and team', () => {
  it('a holder of a named role decides; GateDecided records the entry that named them', () => {
    runSpec(payGateOpen)
      .when(decide('approve', human('bo', { roles: ['claims-lead'] })))
      .then([
        {
          type: 'GateDecided',
          data: {
            gateId: gateOf('pay'),
            stepId: 'pay',
            outcome: 'approved',
            reviewer: 'bo',
            matchedAs: 'role:claims-lead',
          },
        },
      ]);
  });

  it('a team member decides; a bare id and user:<id> name the user (no matchedAs for the bare id)', () => {
    expect(
      runSpec(payGateOpen)
        .when(decide('approve', human('cy', { teams: ['payments'] })))
        .events()[0],
    ).toMatchObject({ data: { reviewer: 'cy', matchedAs: 'team:payments' } });
    expect(
      runSpec(payGateOpen)
        .when(decide('approve', human('ann')))
        .events()[0],
    ).toMatchObject({ data: { reviewer: 'ann', matchedAs: 'user:ann' } });
    expect(
      runSpec(payGateOpen)
        .when(decide('approve', human('dora')))
        .events()[0]?.data,
    ).not.toHaveProperty('matchedAs');
  });

  it('refuses a human with other roles and teams (run_reviewer_not_named) and an agent holding the role (run_actor_cannot_decide)', () => {
    runSpec(payGateOpen)
      .when(decide('approve', human('eve', { roles: ['intern'], teams: ['sales'] })))
      .thenThrows('run_reviewer_not_named', { reviewer: 'eve' });
    runSpec(payGateOpen)
      .when(decide('approve', { kind: 'agent', id: 'bot', roles: ['claims-lead'] }))
      .thenThrows('run_actor_cannot_decide');
  });

  it('refuses a second decision, even by another named reviewer', () => {
    const decided = [
      ...payGateOpen,
      ...runSpec(payGateOpen)
        .when(decide('approve', human('ann')))
        .events(),
    ];
    runSpec(decided)
      .when(decide('reject', human('bo', { roles: ['claims-lead'] })))
      .thenThrows('run_gate_already_decided', { decidedBy: 'ann' });
  });
});

describe('DecideGate redirect', () => {
  const manual = aStep('manual_pay', { dependsOn: ['a'] });

  it('records GateDecided redirected + PlanRevised by the reviewer: the gated step is replaced, the run goes on', () => {
    const events = runSpec(payGateOpen)
      .when(
        decide('redirect', human('ann'), {
          comment: 'pay by cheque',
          revision: { addSteps: [manual], removeStepIds: ['notify'] },
        }),
      )
      .events();
    expect(events).toEqual([
      {
        type: 'GateDecided',
        data: {
          gateId: gateOf('pay'),
          stepId: 'pay',
          outcome: 'redirected',
          reviewer: 'ann',
          matchedAs: 'user:ann',
          comment: 'pay by cheque',
        },
      },
      {
        type: 'PlanRevised',
        data: {
          revision: 1,
          author: 'ann',
          reason: 'pay by cheque',
          addedSteps: [manual],
          removedStepIds: ['pay', 'notify'],
        },
      },
    ]);
    const state = foldRun([...payGateOpen, ...events]);
    expect(state.plan?.steps.map((step) => step.id)).toEqual(['a', 'audit', 'manual_pay']);
    expect(state.gates[gateOf('pay')]).toMatchObject({ status: 'redirected', decidedBy: 'ann' });
    expect(nextActions(state, NOW)).toContainEqual({ type: 'evaluate_policy', stepId: 'manual_pay', attempt: 1 });
    runSpec([...payGateOpen, ...events])
      .when(decide('approve', human('ann')))
      .thenThrows('run_gate_already_decided');
  });

  it('validates the revision like RevisePlan: a kept dependant of the removed step, a retired id, a step not after the gate', () => {
    runSpec(payGateOpen)
      .when(decide('redirect', human('ann'), { revision: { addSteps: [manual], removeStepIds: [] } }))
      .thenThrows('plan_unknown_dependency', { stepId: 'notify' });
    runSpec(payGateOpen)
      .when(decide('redirect', human('ann'), { revision: { addSteps: [aStep('pay')], removeStepIds: ['notify'] } }))
      .thenThrows('run_step_id_retired');
    runSpec(payGateOpen)
      .when(decide('redirect', human('ann'), { revision: { addSteps: [], removeStepIds: ['notify', 'audit'] } }))
      .thenThrows('run_step_not_downstream', { stepId: 'audit' });
  });

  it('refuses a malformed decision: run_decision_invalid', () => {
    runSpec(payGateOpen)
      .when(decide('redirect', human('ann')))
      .thenThrows('run_decision_invalid', { field: 'revision' });
    runSpec(payGateOpen)
      .when(decide('approve', human('ann'), { revision: { addSteps: [], removeStepIds: [] } }))
      .thenThrows('run_decision_invalid', { field: 'revision' });
    runSpec(payGateOpen)
      .when(decide('approve', human('ann'), { correctedOutput: { amount: 1 } }))
      .thenThrows('run_decision_invalid', { field: 'correctedOutput' });
  });

  it('a redirect that leaves nothing to run completes the run', () => {
    const last = aPlan([a, aStep('pay', { dependsOn: ['a'] })]);
    const waiting = [...ev.started(last), ...ev.ran(a), ev.evaluated('pay', 1, byRole)];
    const open = [...waiting, ...runSpec(waiting).when(openGate('pay')).events()];
    const events = runSpec(open)
      .when({
        type: 'DecideGate',
        data: {
          gateId: gateOf('pay'),
          reviewer: human('ann'),
          outcome: 'redirect',
          revision: { addSteps: [], removeStepIds: [] },
          runDurationMs: 900,
        },
      })
      .events();
    expect(events.map((event) => event.type)).toEqual(['GateDecided', 'PlanRevised', 'RunCompleted']);
    expect(events[2]).toEqual({ type: 'RunCompleted', data: { completedAt: NOW, durationMs: 900 } });
  });
});

describe('escalation chains', () => {
  const chained: PolicyDecision = {
    ...byRole,
    gate: {
      reviewers: ['ann'],
      slaSeconds: 60,
      escalation: [{ reviewers: ['role:director'], slaSeconds: 30 }, { reviewers: ['cfo'] }],
      reason: 'big payout',
    },
  };
  const waiting = [...ev.started(plan), ...ev.ran(a), ev.evaluated('pay', 1, chained)];
  const opened = runSpec(waiting).when(openGate('pay')).events();
  const escalate: RunCommand = { type: 'EscalateGate', data: { gateId: gateOf('pay') } };

  it('GateOpened records every level with its SLA resolved (a level without one takes the gate SLA)', () => {
    expect(opened).toEqual([
      {
        type: 'GateOpened',
        data: {
          gateId: gateOf('pay'),
          stepId: 'pay',
          attempt: 1,
          reviewers: ['ann'],
          reason: 'big payout',
          source: 'policy',
          dueAt: '2026-05-01T10:01:00.000Z',
          escalateTo: ['role:director'],
          escalation: [
            { reviewers: ['role:director'], slaSeconds: 30 },
            { reviewers: ['cfo'], slaSeconds: 60 },
          ],
          slaSeconds: 60,
        },
      },
    ]);
  });

  it('escalates level by level, each level getting its own SLA from when it was escalated to, and no further after the last', () => {
    const first = runSpec([...waiting, ...opened])
      .when(escalate, at('2026-05-01T10:02:00.000Z'))
      .events();
    expect(first).toEqual([
      {
        type: 'GateEscalated',
        data: { gateId: gateOf('pay'), level: 1, reviewers: ['role:director'], dueAt: '2026-05-01T10:02:30.000Z' },
      },
    ]);
    const afterFirst = [...waiting, ...opened, ...first];
    runSpec(afterFirst).when(escalate, at('2026-05-01T10:02:29.999Z')).thenThrows('run_gate_not_due');
    runSpec(afterFirst)
      .when(decide('approve', human('ann')))
      .thenThrows('run_reviewer_not_named');
    const second = runSpec(afterFirst).when(escalate, at('2026-05-01T10:03:00.000Z')).events();
    expect(second).toEqual([{ type: 'GateEscalated', data: { gateId: gateOf('pay'), level: 2, reviewers: ['cfo'] } }]);
    runSpec([...afterFirst, ...second])
      .when(escalate, at('2026-05-02T00:00:00.000Z'))
      .thenThrows('run_gate_not_escalatable', { level: 2 });
    expect(
      runSpec([...afterFirst, ...second])
        .when(decide('approve', human('cfo')))
        .events()[0],
    ).toMatchObject({ data: { outcome: 'approved', reviewer: 'cfo' } });
  });

  it('a stored gate with a flat escalateTo keeps its meaning: one level, and its fold is what it was', () => {
    const legacy: RunEvent[] = [
      ...ev.started(plan),
      ...ev.gated('a', { dueAt: NOW, escalateTo: ['carol'] }),
      { type: 'GateEscalated', data: { gateId: gateOf('a'), level: 1, reviewers: ['carol'] } },
    ];
    expect(foldRun(legacy).gates[gateOf('a')]).toMatchObject({ level: 1, reviewers: ['carol'], escalateTo: [] });
    expect(foldRun(legacy).gates[gateOf('a')]).not.toHaveProperty('dueAt');
  });
});
