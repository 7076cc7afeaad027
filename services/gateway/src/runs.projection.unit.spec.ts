import { randomUUID } from 'node:crypto';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { RunHistoryBuilder } from '@ledgerflow/testing';
import { RunsProjection } from './runs.projection.js';
import { approval, deny, planOf, claimRun, step } from './run-script.spec-util.js';

const t = (minute: number): string => new Date(Date.UTC(2026, 4, 1, 10, minute)).toISOString();
const claimPlan = planOf('claim-review', [
  step('extract'),
  step('payout', { dependsOn: ['extract'], tool: 'billing', action: 'payout', agent: 'payer' }),
]);
const onePlan = planOf('onboarding', [step('extract')]);

/** A claim run whose payout waits at a policy gate of claims-lead (SLA 1 h, escalating to claims-director). */
const atGate = (runId: string, start = 0): RunHistoryBuilder =>
  claimRun(runId)
    .at(t(start))
    .start(claimPlan)
    .at(t(start))
    .evaluate('extract')
    .at(t(start))
    .run('extract')
    .at(t(start + 1))
    .succeed('extract', 900)
    .at(t(start + 2))
    .evaluate('payout', approval(['claims-lead'], 3600, ['claims-director']));

describe('RunsProjection', () => {
  let store: InMemoryEventStore;
  let projection: RunsProjection;
  beforeEach(() => {
    store = new InMemoryEventStore();
    projection = new RunsProjection(store);
  });

  it('is empty over an empty store', async () => {
    expect(await projection.listRuns()).toEqual([]);
    expect(await projection.listGates()).toEqual([]);
  });

  it('lists runs newest first with workflow, version, status and times', async () => {
    await claimRun('r1').at(t(0)).start(claimPlan).writeTo(store);
    await claimRun('r2').at(t(5)).start(onePlan).at(t(6)).evaluate('extract').writeTo(store);
    expect(await projection.listRuns()).toEqual([
      {
        runId: 'r2',
        workflowId: 'onboarding',
        workflowVersion: '1.0.0',
        status: 'running',
        createdAt: t(5),
        updatedAt: t(6),
        openGates: 0,
      },
      {
        runId: 'r1',
        workflowId: 'claim-review',
        workflowVersion: '1.0.0',
        status: 'running',
        createdAt: t(0),
        updatedAt: t(0),
        openGates: 0,
      },
    ]);
  });

  it('follows a run through paused, running again and cancelled', async () => {
    const run = claimRun('r1').at(t(0)).start(claimPlan);
    const statusAfter = async (): Promise<[string, string] | undefined> => {
      await run.writeTo(store);
      const summary = (await projection.listRuns())[0];
      return summary && [summary.status, summary.updatedAt];
    };
    expect(await statusAfter()).toEqual(['running', t(0)]);
    run.at(t(1)).do({ type: 'PauseRun', data: { reason: 'maintenance' } });
    expect(await statusAfter()).toEqual(['paused', t(1)]);
    run.at(t(2)).do({ type: 'ResumeRun', data: { reason: 'done' } });
    expect(await statusAfter()).toEqual(['running', t(2)]);
    run.at(t(3)).do({ type: 'CancelRun', data: { reason: 'duplicate claim' } });
    expect(await statusAfter()).toEqual(['cancelled', t(3)]);
  });

  it('shows a run of a limited workflow as queued until it is dequeued', async () => {
    const run = claimRun('r1')
      .at(t(0))
      .start({ ...onePlan, maxConcurrentRuns: 1 });
    await run.writeTo(store);
    expect(await projection.listRuns({ status: 'queued' })).toEqual([
      expect.objectContaining({ runId: 'r1', status: 'queued' }),
    ]);
    run.at(t(1)).do({ type: 'DequeueRun', data: {} });
    await run.writeTo(store);
    expect(await projection.listRuns()).toEqual([
      expect.objectContaining({ runId: 'r1', status: 'running', updatedAt: t(1) }),
    ]);
  });

  it('marks a completed run, and a failed one with its failure code and reason', async () => {
    await claimRun('done')
      .at(t(0))
      .start(onePlan)
      .at(t(0))
      .evaluate('extract')
      .at(t(0))
      .run('extract')
      .at(t(1))
      .succeed('extract', 500, { runDurationMs: 60_000 })
      .writeTo(store);
    await claimRun('denied').at(t(2)).start(claimPlan).at(t(2)).evaluate('extract', deny).writeTo(store);
    const runs = await projection.listRuns();
    expect(runs.find((r) => r.runId === 'done')).toMatchObject({ status: 'completed', updatedAt: t(1) });
    expect(runs.find((r) => r.runId === 'done')).not.toHaveProperty('failure');
    expect(runs.find((r) => r.runId === 'denied')).toMatchObject({
      status: 'failed',
      failure: { code: 'policy_denied', reason: deny.rationale },
    });
  });

  it('opens a gate with its reviewers, reason and due time, and counts it on the run', async () => {
    const run = atGate('r1');
    await run.writeTo(store);
    expect(await projection.listGates()).toEqual([
      {
        gateId: run.gateId('payout'),
        runId: 'r1',
        stepId: 'payout',
        status: 'open',
        source: 'policy',
        level: 0,
        reviewers: ['claims-lead'],
        reason: 'payout above 50,000 needs a claims lead',
        openedAt: t(2),
        dueAt: t(62),
      },
    ]);
    expect((await projection.listRuns())[0]?.openGates).toBe(1);
    expect(await projection.getGate(run.gateId('payout'))).toMatchObject({ status: 'open' });
    expect(await projection.getGate('r1.nope')).toBeUndefined();
  });

  it('an escalation replaces the reviewers; a decision closes the gate with who decided', async () => {
    const run = atGate('r1');
    run.at(t(62)).do({ type: 'EscalateGate', data: { gateId: run.gateId('payout') } });
    await run.writeTo(store);
    expect(await projection.listGates({ reviewer: { kind: 'human', id: 'claims-director' } })).toHaveLength(1);
    expect(await projection.listGates({ reviewer: { kind: 'human', id: 'claims-lead' } })).toEqual([]);

    run.at(t(70)).decideGate('payout', 'claims-director', 'approve');
    await run.writeTo(store);
    expect(await projection.getGate(run.gateId('payout'))).toMatchObject({
      status: 'approved',
      decidedBy: 'claims-director',
      reviewers: ['claims-director'],
    });
    expect((await projection.listRuns())[0]).toMatchObject({ status: 'running', openGates: 0 });
  });

  it('a rejected gate is rejected and its run failed', async () => {
    const run = atGate('r1').at(t(10)).decideGate('payout', 'claims-lead', 'reject');
    await run.writeTo(store);
    expect(await projection.getGate(run.gateId('payout'))).toMatchObject({
      status: 'rejected',
      decidedBy: 'claims-lead',
    });
    expect((await projection.listRuns())[0]).toMatchObject({
      status: 'failed',
      failure: { code: 'gate_rejected' },
      openGates: 0,
    });
  });

  it('after an escalation the gate shows the same due time as the run state (none when the escalation sets none)', async () => {
    const run = atGate('r1');
    run.at(t(62)).do({ type: 'EscalateGate', data: { gateId: run.gateId('payout') } });
    await run.writeTo(store);
    const gate = await projection.getGate(run.gateId('payout'));
    expect(gate?.dueAt).toBe(run.state.gates[run.gateId('payout')]?.dueAt);
  });

  it('filters runs by workflow and status, and gates by status and reviewer', async () => {
    const decided = atGate('decided', 0).at(t(5)).decideGate('payout', 'claims-lead', 'approve');
    await decided.writeTo(store);
    await atGate('waiting', 10).writeTo(store);
    await claimRun('other')
      .at(t(20))
      .start(onePlan)
      .at(t(21))
      .do({ type: 'PauseRun', data: { reason: 'x' } })
      .writeTo(store);

    expect((await projection.listRuns({ workflowId: 'claim-review' })).map((r) => r.runId)).toEqual([
      'waiting',
      'decided',
    ]);
    expect((await projection.listRuns({ status: 'paused' })).map((r) => r.runId)).toEqual(['other']);
    expect(await projection.listRuns({ workflowId: 'onboarding', status: 'running' })).toEqual([]);
    expect((await projection.listGates({ status: 'open' })).map((g) => g.runId)).toEqual(['waiting']);
    expect(
      (await projection.listGates({ status: 'approved', reviewer: { kind: 'human', id: 'claims-lead' } })).map(
        (g) => g.runId,
      ),
    ).toEqual(['decided']);
    expect((await projection.listGates()).map((g) => g.runId)).toEqual(['decided', 'waiting']); // oldest first
  });

  it('catches up before every query: events appended after a query show in the next one', async () => {
    const run = claimRun('r1').at(t(0)).start(claimPlan);
    await run.writeTo(store);
    expect(await projection.listGates()).toEqual([]);
    run
      .at(t(0))
      .evaluate('extract')
      .at(t(0))
      .run('extract')
      .at(t(1))
      .succeed('extract', 900)
      .at(t(2))
      .evaluate('payout', approval(['claims-lead']));
    await run.writeTo(store);
    await claimRun('r2').at(t(3)).start(onePlan).writeTo(store);
    const [gates, runs] = await Promise.all([projection.listGates(), projection.listRuns()]);
    expect(gates.map((g) => g.gateId)).toEqual([run.gateId('payout')]);
    expect(runs.map((r) => [r.runId, r.openGates])).toEqual([
      ['r2', 0],
      ['r1', 1],
    ]);
  });

  it('reads only run streams', async () => {
    await store.append(
      'memory-claim-review',
      [
        {
          type: 'RunTriggered',
          data: { workflowId: 'claim-review', workflowVersion: '1.0.0' },
          metadata: {
            eventId: randomUUID(),
            runId: 'not-a-run',
            causationId: 'x',
            actor: { kind: 'service', id: 'memory' },
            occurredAt: t(0),
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    expect(await projection.listRuns()).toEqual([]);
  });

  it('reads past one page of 1,000 events', async () => {
    for (let i = 0; i < 600; i++) await claimRun(`r${i}`).at(t(0)).start(onePlan).writeTo(store);
    expect(await projection.listRuns()).toHaveLength(600);
  });
});
