import { runStreamId } from '@ledgerflow/contracts';
import { decide, foldRun } from '@ledgerflow/domain';
import type { Plan, RunCommand, RunEvent } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import { RunForker } from './fork-run.js';
import { runIdFor } from '@ledgerflow/contracts';
import { aPlan, aStep, rejectionOf } from '@ledgerflow/testing';

const NOW = '2026-05-01T10:00:00.000Z';
const step = (id: string, dependsOn: string[]) =>
  aStep(id, {
    name: id,
    tool: 'bench',
    action: 'record',
    agent: 'recorder',
    dependsOn,
    input: { n: `=input.n` },
    retry: { maxAttempts: 1, backoffMs: 0, multiplier: 1, maxBackoffMs: 0 },
    timeoutMs: 1000,
  });
const plan: Plan = aPlan([step('r1', []), step('r2', ['r1']), step('r3', ['r2'])], {
  workflowId: 'recorded-chain',
  concurrency: 1,
  agents: { recorder: ['bench.record'] },
});
const allow = { outcome: 'allow' as const, rules: [], rationale: 'ok', auditId: 'a' };

/** Appends the origin run through the repository, command by command, as the planner and executor would. */
async function recordOrigin(runs: RunRepository, runId: string): Promise<void> {
  const commands: RunCommand[] = [
    {
      type: 'StartRun',
      data: {
        runId,
        workflowId: plan.workflowId,
        workflowVersion: plan.workflowVersion,
        trigger: { source: 'api', idempotencyKey: 'k' },
        input: { n: 1 },
        plan,
      },
    },
  ];
  for (const id of ['r1', 'r2', 'r3']) {
    commands.push(
      { type: 'RecordStepPolicyDecision', data: { stepId: id, attempt: 1, decision: allow } },
      { type: 'StartStep', data: { stepId: id, attempt: 1, idempotencyKey: `${runId}/${id}/1`, input: { n: 1 } } },
      {
        type: 'RecordStepSucceeded',
        data: {
          stepId: id,
          attempt: 1,
          output: { recorded: id },
          lineage: { source: 'ledger', fresh: true },
          confidence: 0.9,
          durationMs: 5,
          runDurationMs: 50,
        },
      },
    );
  }
  for (const command of commands)
    await runs.execute(runId, (state, now) => decide(command, state, { now }), { causationId: command.type });
}

describe('RunForker', () => {
  let store: InMemoryEventStore;
  let runs: RunRepository;
  beforeEach(async () => {
    store = new InMemoryEventStore();
    runs = new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date(NOW));
    await recordOrigin(runs, 'origin-1');
  });

  it('forks at cp-2: r1 and r2 carried over with their outputs, r3 left to run, linked to the origin', async () => {
    const result = await new RunForker(runs).fork('origin-1', 'cp-2');
    expect(result).toEqual({
      runId: runIdFor('recorded-chain', 'fork/origin-1/cp-2'),
      created: true,
      forkedFrom: { runId: 'origin-1', checkpoint: 'cp-2', revision: 7 },
    });
    const events = await store.readStream(runStreamId(result.runId));
    expect(
      events.map(
        (e) => `${e.type}${(e.data as { stepId?: string }).stepId ? `:${(e.data as { stepId: string }).stepId}` : ''}`,
      ),
    ).toEqual(['RunTriggered', 'PlanCreated', 'StepSucceeded:r1', 'StepSucceeded:r2']);
    expect(events[0]?.metadata).toMatchObject({
      causationId: 'fork/origin-1/cp-2',
      actor: { kind: 'service', id: 'planner' },
      occurredAt: NOW,
    });
    const state = foldRun(events as unknown as RunEvent[]);
    expect(state.forkedFrom).toEqual({ runId: 'origin-1', checkpoint: 'cp-2', revision: 7 });
    expect(state.steps.r2).toMatchObject({
      status: 'succeeded',
      output: { recorded: 'r2' },
      lineage: { source: 'ledger', fresh: true },
      carriedOver: true,
    });
    expect(state.steps.r3).toEqual({ stepId: 'r3', status: 'pending', attempt: 1 });
  });

  it('records who forked as the actor of every event of the new run, by the planner', async () => {
    const result = await new RunForker(runs).fork('origin-1', 'cp-2', { kind: 'human', id: 'ops-ana' });
    const events = await store.readStream(runStreamId(result.runId));
    expect(new Set(events.map((e) => JSON.stringify(e.metadata.actor)))).toEqual(
      new Set([JSON.stringify({ kind: 'human', id: 'ops-ana', via: 'planner' })]),
    );
  });

  it('returns the same run, created false, when forked twice at the same checkpoint', async () => {
    const forker = new RunForker(runs);
    const first = await forker.fork('origin-1', 'cp-1');
    const second = await forker.fork('origin-1', 'cp-1');
    expect(second).toEqual({ ...first, created: false });
    expect(await store.readStream(runStreamId(first.runId))).toHaveLength(3);
    expect((await forker.fork('origin-1', 'cp-2')).runId).not.toBe(first.runId);
  });

  it('refuses an unknown run or checkpoint', async () => {
    expect((await rejectionOf(new RunForker(runs).fork('nope', 'cp-1'))).code).toBe('run_not_found');
    const unknown = await rejectionOf(new RunForker(runs).fork('origin-1', 'cp-7'));
    expect([unknown.code, unknown.message]).toEqual([
      'checkpoint_unknown',
      'checkpoint "cp-7" is unknown: the run has cp-1..cp-3',
    ]);
  });
});
