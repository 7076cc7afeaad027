import { runStreamId } from '@ledgerflow/contracts';
import { decide, gateIdOf, MAX_TIMER_DELAY_MS } from '@ledgerflow/domain';
import type { Plan, PolicyDecision } from '@ledgerflow/domain';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import { createLogger } from '@ledgerflow/telemetry';
import { aPlan, aStep } from '@ledgerflow/testing';
import { GateSlaScheduler } from './gate-sla.scheduler.js';
import type { SlaTimerApi } from './gate-sla.scheduler.js';

/** Gate SLAs of weeks: timers capped at 2^31 - 1 ms and re-armed, so the escalation comes at the deadline, never early. */

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-05-01T10:00:00.000Z');
const RUN_ID = 'c0ffee00-0000-8000-8000-000000000002';
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

async function openGate(store: InMemoryEventStore, slaDays: number, clock: () => number): Promise<void> {
  const decision: PolicyDecision = {
    outcome: 'require_approval',
    rationale: 'big',
    auditId: 'aud',
    rules: [],
    gate: {
      reviewers: ['claims-lead'],
      slaSeconds: (slaDays * DAY_MS) / 1000,
      escalation: [{ reviewers: ['cfo'] }],
      reason: 'payout above 50,000',
    },
  };
  const runs = new RunRepository(store, { kind: 'service', id: 'approval' }, () => new Date(clock()));
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
    { type: 'RecordStepPolicyDecision', data: { stepId: 'payout', attempt: 1, decision } },
    { type: 'OpenGate', data: { stepId: 'payout' } },
  ] as const)
    await runs.execute(RUN_ID, (state, now) => decide(command, state, { now }), { causationId: command.type });
}

describe('GateSlaScheduler with SLAs past 24.8 days', () => {
  it.each([24, 25, 365])(
    'a %dd SLA: every armed delay <= 2^31 - 1 ms, no escalation before the deadline, one at it',
    async (days) => {
      const store = new InMemoryEventStore();
      let now = T0;
      const armed: number[] = [];
      const api: SlaTimerApi = {
        set: (_callback, delayMs) => (armed.push(delayMs), { unref: () => undefined } as unknown as NodeJS.Timeout),
        clear: () => undefined,
      };
      await openGate(store, days, () => now);
      const scheduler = new GateSlaScheduler(
        new RunRepository(store, { kind: 'service', id: 'approval' }, () => new Date(now)),
        store,
        createLogger('approval'),
        () => now,
        api,
      );
      await scheduler.start();
      const deadline = T0 + days * DAY_MS;
      expect(scheduler.timedAt(RUN_ID)).toBe(deadline);
      let fired = 0;
      while (now < deadline) {
        const delay = armed.at(-1) as number;
        expect(delay).toBeLessThanOrEqual(MAX_TIMER_DELAY_MS);
        now += delay; // the armed timer fires
        fired += 1;
        const escalated = await scheduler.fire(RUN_ID);
        expect(escalated).toEqual(now >= deadline ? [GATE_ID] : []);
      }
      expect(now).toBe(deadline);
      expect(fired).toBe(Math.ceil((days * DAY_MS) / MAX_TIMER_DELAY_MS));
      const escalations = (await store.readStream(runStreamId(RUN_ID))).filter((e) => e.type === 'GateEscalated');
      expect(escalations).toHaveLength(1);
      scheduler.stop();
    },
  );
});
