import { runStreamId } from '@ledgerflow/contracts';
import type { Actor } from '@ledgerflow/contracts';
import { decide, DomainError, gateIdOf } from '@ledgerflow/domain';
import type { Plan, PolicyDecision } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import { aPlan, aStep } from '@ledgerflow/testing';
import { GateDecider } from './decide-gate.js';

const NOW = '2026-05-01T10:00:00.000Z';
const RUN_ID = '6f1c2a4e-8d0b-8c3e-9a51-3b7d2e90c4f1';
const GATE_ID = gateIdOf(RUN_ID, 'payout');

const plan: Plan = aPlan(
  [
    aStep('payout', {
      name: 'Pay the claim',
      tool: 'billing',
      action: 'payout',
      agent: 'payout-agent',
      input: {},
      retry: { maxAttempts: 1, backoffMs: 0, multiplier: 1, maxBackoffMs: 0 },
      timeoutMs: 10_000,
      policyTags: ['payout'],
      gate: { reviewers: ['claims-lead', 'claims-deputy'], slaSeconds: 3600 },
    }),
  ],
  { workflowId: 'claim-review', concurrency: 1, agents: { 'payout-agent': ['billing.payout'] } },
);
const allow: PolicyDecision = { outcome: 'allow', rationale: 'granted', auditId: 'aud-1', rules: [] };

const human = (id: string): Actor => ({ kind: 'human', id });

describe('GateDecider', () => {
  let store: InMemoryEventStore;
  let decider: GateDecider;

  /** Drives a run through the Run aggregate to the step's declared gate being open (policy allow, then OpenGate). */
  beforeEach(async () => {
    store = new InMemoryEventStore();
    const executor = new RunRepository(store, { kind: 'service', id: 'executor' }, () => new Date(NOW));
    await executor.execute(
      RUN_ID,
      (state, now) =>
        decide(
          {
            type: 'StartRun',
            data: {
              runId: RUN_ID,
              workflowId: 'claim-review',
              workflowVersion: '1.0.0',
              trigger: { source: 'api', idempotencyKey: 'k1' },
              input: {},
              plan,
            },
          },
          state,
          { now },
        ),
      { causationId: 'k1' },
    );
    const evaluated = await executor.execute(
      RUN_ID,
      (state, now) =>
        decide(
          {
            type: 'RecordStepPolicyDecision',
            data: { stepId: 'payout', attempt: 1, decision: allow },
          },
          state,
          { now },
        ),
      { causationId: 'policy' },
    );
    expect(evaluated.appended.map((e) => e.type)).toEqual(['StepPolicyEvaluated']);
    expect(evaluated.state.steps['payout']?.status).toBe('awaiting_approval');
    const opened = await executor.execute(
      RUN_ID,
      (state, now) => decide({ type: 'OpenGate', data: { stepId: 'payout' } }, state, { now }),
      { causationId: 'approval' },
    );
    expect(opened.appended).toEqual([
      expect.objectContaining({
        type: 'GateOpened',
        data: expect.objectContaining({ gateId: GATE_ID, reviewers: ['claims-lead', 'claims-deputy'] }),
      }),
    ]);
    decider = new GateDecider(
      new RunRepository(store, { kind: 'service', id: 'approval' }, () => new Date('2026-05-01T10:30:00.000Z')),
    );
  });

  const eventTypes = async (): Promise<string[]> => (await store.readStream(runStreamId(RUN_ID))).map((e) => e.type);
  const refusal = async (promise: Promise<unknown>): Promise<DomainError> => {
    const error: unknown = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  };

  it('a reviewer the gate names approves: GateDecided is appended and the step may start', async () => {
    const result = await decider.decide({
      gateId: GATE_ID,
      reviewer: human('claims-lead'),
      outcome: 'approve',
      comment: 'checked the invoice',
    });
    expect(result).toEqual({ gateId: GATE_ID, runId: RUN_ID, outcome: 'approved' });
    const events = await store.readStream(runStreamId(RUN_ID));
    const last = events[events.length - 1];
    expect(last).toMatchObject({
      type: 'GateDecided',
      data: {
        gateId: GATE_ID,
        stepId: 'payout',
        outcome: 'approved',
        reviewer: 'claims-lead',
        comment: 'checked the invoice',
      },
      metadata: { causationId: `decision:${GATE_ID}`, occurredAt: '2026-05-01T10:30:00.000Z' },
    });
    // The reviewer, as their token proved them, on whose behalf approval appended: no roles or teams in metadata.
    expect(last?.metadata.actor).toEqual({ kind: 'human', id: 'claims-lead', via: 'approval' });
    const { state } = await new RunRepository(store, { kind: 'service', id: 'reader' }).load(RUN_ID);
    expect(state.steps['payout']?.status).toBe('ready');
  });

  it('a rejection blocks the step and fails the run', async () => {
    const result = await decider.decide({ gateId: GATE_ID, reviewer: human('claims-deputy'), outcome: 'reject' });
    expect(result.outcome).toBe('rejected');
    const commit = (await store.readStream(runStreamId(RUN_ID))).slice(-3);
    expect(commit.map((e) => e.type)).toEqual(['GateDecided', 'StepBlocked', 'RunFailed']);
    expect(commit.map((e) => e.metadata.actor)).toEqual(
      Array(3).fill({ kind: 'human', id: 'claims-deputy', via: 'approval' }),
    );
  });

  it('refuses a human the gate does not name: run_reviewer_not_named, nothing appended', async () => {
    const before = await eventTypes();
    const error = await refusal(decider.decide({ gateId: GATE_ID, reviewer: human('mallory'), outcome: 'approve' }));
    expect(error.code).toBe('run_reviewer_not_named');
    expect(error.message).toContain('claims-lead, claims-deputy');
    expect(await eventTypes()).toEqual(before);
  });

  it.each(['service', 'agent', 'system'] as const)(
    'refuses a %s even with a reviewer id: run_actor_cannot_decide',
    async (kind) => {
      const error = await refusal(
        decider.decide({ gateId: GATE_ID, reviewer: { kind, id: 'claims-lead' }, outcome: 'approve' }),
      );
      expect(error.code).toBe('run_actor_cannot_decide');
      expect((await eventTypes()).includes('GateDecided')).toBe(false);
    },
  );

  it('refuses a second decision: run_gate_already_decided, and the first stands', async () => {
    await decider.decide({ gateId: GATE_ID, reviewer: human('claims-lead'), outcome: 'approve' });
    const error = await refusal(
      decider.decide({ gateId: GATE_ID, reviewer: human('claims-deputy'), outcome: 'reject' }),
    );
    expect(error.code).toBe('run_gate_already_decided');
    expect((await eventTypes()).filter((type) => type === 'GateDecided')).toHaveLength(1);
  });

  it('a second approval decider instance (another replica) also sees the decision', async () => {
    await decider.decide({ gateId: GATE_ID, reviewer: human('claims-lead'), outcome: 'approve' });
    const replica = new GateDecider(new RunRepository(store, { kind: 'service', id: 'approval' }));
    expect(
      (await refusal(replica.decide({ gateId: GATE_ID, reviewer: human('claims-lead'), outcome: 'approve' }))).code,
    ).toBe('run_gate_already_decided');
  });

  it.each([
    ['no dot', 'payout'],
    ['an empty step', `${RUN_ID}.`],
    ['an empty run', '.payout'],
    ['an invalid step id', `${RUN_ID}.Pay Out`],
  ])('a malformed gate id (%s) is run_gate_not_found', async (_label, gateId) => {
    const error = await refusal(decider.decide({ gateId, reviewer: human('claims-lead'), outcome: 'approve' }));
    expect(error.code).toBe('run_gate_not_found');
    expect(error.message).toContain(gateId);
  });

  it('a gate of an unknown run is run_gate_not_found and creates no stream', async () => {
    const error = await refusal(
      decider.decide({ gateId: 'no-such-run.payout', reviewer: human('claims-lead'), outcome: 'approve' }),
    );
    expect(error.code).toBe('run_gate_not_found');
    expect(await store.readStream(runStreamId('no-such-run'))).toEqual([]);
  });

  it('a step awaiting approval whose gate is not opened yet has no gate to decide: run_gate_not_found', async () => {
    const runId = 'run-without-open-gate';
    const executor = new RunRepository(store, { kind: 'service', id: 'executor' }, () => new Date(NOW));
    await executor.execute(
      runId,
      (state, now) =>
        decide(
          {
            type: 'StartRun',
            data: {
              runId,
              workflowId: 'claim-review',
              workflowVersion: '1.0.0',
              trigger: { source: 'api', idempotencyKey: 'k2' },
              input: {},
              plan,
            },
          },
          state,
          { now },
        ),
      { causationId: 'k2' },
    );
    await executor.execute(
      runId,
      (state, now) =>
        decide({ type: 'RecordStepPolicyDecision', data: { stepId: 'payout', attempt: 1, decision: allow } }, state, {
          now,
        }),
      { causationId: 'policy' },
    );
    const error = await refusal(
      decider.decide({ gateId: gateIdOf(runId, 'payout'), reviewer: human('claims-lead'), outcome: 'approve' }),
    );
    expect(error.code).toBe('run_gate_not_found');
  });

  it('an unknown step of a known run is run_gate_not_found', async () => {
    const error = await refusal(
      decider.decide({ gateId: gateIdOf(RUN_ID, 'refund'), reviewer: human('claims-lead'), outcome: 'approve' }),
    );
    expect(error.code).toBe('run_gate_not_found');
  });

  it('a redirect by a reviewer adds a step with defaults filled in, replacing the gated one; the run then completes with it', async () => {
    const result = await decider.decide({
      gateId: GATE_ID,
      reviewer: human('claims-lead'),
      outcome: 'redirect',
      comment: 'pay by cheque',
      revision: {
        addSteps: [
          { id: 'cheque', tool: 'billing', action: 'payout', agent: 'payout-agent', input: { mode: 'cheque' } },
        ],
        removeStepIds: [],
      },
    });
    expect(result.outcome).toBe('redirected');
    const events = await store.readStream(runStreamId(RUN_ID));
    expect(events.slice(-2).map((e) => e.type)).toEqual(['GateDecided', 'PlanRevised']);
    expect(events[events.length - 1]?.data).toMatchObject({
      author: 'claims-lead',
      reason: 'pay by cheque',
      removedStepIds: ['payout'],
      addedSteps: [
        {
          id: 'cheque',
          name: 'cheque',
          dependsOn: [],
          input: { mode: 'cheque' },
          retry: { maxAttempts: 1 },
          timeoutMs: 30_000,
          optional: false,
          policyTags: [],
        },
      ],
    });
  });

  it('passes the reviewer’s roles and teams: a gate naming a role is decided by its holder', async () => {
    const error = await refusal(
      decider.decide({
        gateId: GATE_ID,
        reviewer: { kind: 'human', id: 'zoe', roles: ['claims-deputy'] },
        outcome: 'approve',
      }),
    );
    expect(error.code).toBe('run_reviewer_not_named'); // the gate names the user claims-deputy, not the role
  });
});
