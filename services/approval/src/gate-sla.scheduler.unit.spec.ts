import { runStreamId } from '@ledgerflow/contracts';
import { decide, gateIdOf } from '@ledgerflow/domain';
import type { Plan, PolicyDecision } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import { createLogger } from '@ledgerflow/telemetry';
import { aPlan, aStep } from '@ledgerflow/testing';
import { notificationFor } from './gate-events.consumer.js';
import { GateSlaScheduler } from './gate-sla.scheduler.js';

const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const RUN_ID = 'c0ffee00-0000-8000-8000-000000000001';
const GATE_ID = gateIdOf(RUN_ID, 'payout');
const plan: Plan = aPlan(
  [
    aStep('payout', {
      name: 'Pay',
      tool: 'billing',
      action: 'payout',
      agent: 'payer',
      input: {},
      retry: { maxAttempts: 1, backoffMs: 0, multiplier: 1, maxBackoffMs: 0 },
      timeoutMs: 1000,
    }),
  ],
  { workflowId: 'claim-review', concurrency: 1, agents: { payer: ['billing.payout'] } },
);
const chain: PolicyDecision = {
  outcome: 'require_approval',
  rationale: 'big',
  auditId: 'aud',
  rules: [],
  gate: {
    reviewers: ['claims-lead'],
    slaSeconds: 2,
    escalation: [{ reviewers: ['role:director'], slaSeconds: 3 }, { reviewers: ['cfo'] }],
    reason: 'payout above 50,000',
  },
};

describe('GateSlaScheduler', () => {
  let store: InMemoryEventStore;
  let now: number;
  const repository = () => new RunRepository(store, { kind: 'service', id: 'approval' }, () => new Date(now));

  beforeEach(async () => {
    store = new InMemoryEventStore();
    now = T0;
    const runs = repository();
    const step = (command: Parameters<typeof decide>[0]) =>
      runs.execute(RUN_ID, (state, at) => decide(command, state, { now: at }), { causationId: command.type });
    await step({
      type: 'StartRun',
      data: {
        runId: RUN_ID,
        workflowId: 'claim-review',
        workflowVersion: '1.0.0',
        trigger: { source: 'api', idempotencyKey: 'k' },
        input: {},
        plan,
      },
    });
    await step({ type: 'RecordStepPolicyDecision', data: { stepId: 'payout', attempt: 1, decision: chain } });
    await step({ type: 'OpenGate', data: { stepId: 'payout' } });
  });

  const escalations = async () =>
    (await store.readStream(runStreamId(RUN_ID))).filter((e) => e.type === 'GateEscalated').map((e) => e.data);

  it('restores timers from the store at start (a fresh process knows every deadline) and escalates level by level', async () => {
    const scheduler = new GateSlaScheduler(repository(), store, createLogger('approval'), () => now);
    await expect(scheduler.start()).resolves.toBe(1);
    expect(scheduler.timedAt(RUN_ID)).toBe(T0 + 2000);
    now = T0 + 1000;
    await expect(scheduler.fire(RUN_ID)).resolves.toEqual([]); // not due yet: nothing appended, timed again
    expect(scheduler.timedAt(RUN_ID)).toBe(T0 + 2000);
    now = T0 + 10_000; // the service was down past the deadline
    await expect(scheduler.fire(RUN_ID)).resolves.toEqual([GATE_ID]);
    expect(await escalations()).toEqual([
      { gateId: GATE_ID, level: 1, reviewers: ['role:director'], dueAt: '2026-05-01T10:00:13.000Z' },
    ]);
    expect(scheduler.timedAt(RUN_ID)).toBe(T0 + 13_000);
    now = T0 + 13_000;
    await scheduler.fire(RUN_ID);
    expect((await escalations()).map((e) => (e as { level: number }).level)).toEqual([1, 2]);
    expect(scheduler.timedAt(RUN_ID)).toBeUndefined(); // last level: nothing left to time
    scheduler.stop();
  });

  it('fires on its own when the deadline passes, and two schedulers escalate a level once', async () => {
    now = Date.now();
    store = new InMemoryEventStore();
    const runs = repository();
    const real = { ...chain, gate: { ...chain.gate!, slaSeconds: 0.2 } };
    for (const command of [
      {
        type: 'StartRun',
        data: {
          runId: RUN_ID,
          workflowId: 'claim-review',
          workflowVersion: '1.0.0',
          trigger: { source: 'api', idempotencyKey: 'k' },
          input: {},
          plan,
        },
      },
      { type: 'RecordStepPolicyDecision', data: { stepId: 'payout', attempt: 1, decision: real } },
      { type: 'OpenGate', data: { stepId: 'payout' } },
    ] as const)
      await runs.execute(RUN_ID, (state, at) => decide(command, state, { now: at }), { causationId: command.type });
    const a = new GateSlaScheduler(
      new RunRepository(store, { kind: 'service', id: 'approval' }),
      store,
      createLogger('approval'),
    );
    const b = new GateSlaScheduler(
      new RunRepository(store, { kind: 'service', id: 'approval' }),
      store,
      createLogger('approval'),
    );
    await Promise.all([a.start(), b.start()]);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await escalations()).map((e) => (e as { level: number }).level)).toEqual([1]);
    a.stop();
    b.stop();
  });

  it('times nothing while stopped (lease not held) and times every gate again when started (lease taken)', async () => {
    const armed: number[] = [];
    const api = {
      set: (callback: () => void, delayMs: number) => {
        armed.push(delayMs);
        return setTimeout(callback, 3_600_000);
      },
      clear: (timer: NodeJS.Timeout) => clearTimeout(timer),
    };
    const scheduler = new GateSlaScheduler(repository(), store, createLogger('approval'), () => now, api);
    await scheduler.poke(RUN_ID); // before start: a standby replica
    expect(scheduler.timedAt(RUN_ID)).toBeUndefined();
    await scheduler.start();
    expect(scheduler.timedAt(RUN_ID)).toBe(T0 + 2000);
    scheduler.stop(); // lease lost
    expect(scheduler.timedAt(RUN_ID)).toBeUndefined();
    await scheduler.poke(RUN_ID);
    expect(scheduler.timedAt(RUN_ID)).toBeUndefined();
    now = T0 + 500;
    await expect(scheduler.start()).resolves.toBe(1); // lease taken again: the store says what to time
    expect(scheduler.timedAt(RUN_ID)).toBe(T0 + 2000);
    expect(armed).toEqual([2000, 1500]);
    scheduler.stop();
  });

  it('notifies only about a gate still open at the event’s level', async () => {
    const { state } = await repository().load(RUN_ID);
    expect(notificationFor('GateOpened', RUN_ID, { gateId: GATE_ID }, state, 'http://gw:8080/')).toEqual({
      event: 'GateOpened',
      gateId: GATE_ID,
      runId: RUN_ID,
      stepId: 'payout',
      reviewers: ['claims-lead'],
      reason: 'payout above 50,000',
      level: 0,
      dueAt: '2026-05-01T10:00:02.000Z',
      link: `http://gw:8080/v1/gates/${GATE_ID}`,
    });
    expect(notificationFor('GateEscalated', RUN_ID, { gateId: GATE_ID, level: 1 }, state, 'http://gw')).toBeUndefined();
  });
});
