import { randomUUID } from 'node:crypto';
import { runStreamId } from '@ledgerflow/contracts';
import type { Actor } from '@ledgerflow/contracts';
import { decide, evolve, gateIdOf, gatesToOpen, initialState } from '@ledgerflow/domain';
import type { Plan, PlanStep, PolicyDecision, RunCommand, RunEvent, RunState } from '@ledgerflow/domain';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { aPlan, aStep } from '@ledgerflow/testing';

/**
 * Test support for the gateway's read side: drives one run through the real Run aggregate (`decide`, `evolve`)
 * at given times and writes its events to an event store with realistic metadata, a batch at a time.
 */

/** {@link aStep} with input `{}` (the gateway's read side resolves nothing). */
export const step = (id: string, overrides: Partial<PlanStep> = {}): PlanStep => aStep(id, { input: {}, ...overrides });

/** {@link aPlan} of workflow `workflowId` at `workflowVersion`. */
export const planOf = (workflowId: string, steps: PlanStep[], workflowVersion = '1.0.0'): Plan =>
  aPlan(steps, { workflowId, workflowVersion });

export const allow: PolicyDecision = { outcome: 'allow', rationale: 'granted', auditId: 'aud-allow', rules: [] };
export const deny: PolicyDecision = {
  outcome: 'deny',
  rationale: 'claims-payout@1.0.0/payout-ceiling: amount 1,250,000 is above the limit of 1,000,000',
  auditId: 'aud-deny',
  rules: [
    {
      rule: 'payout-ceiling',
      pack: 'claims-payout@1.0.0',
      result: 'fail',
      message: 'amount 1,250,000 is above the limit of 1,000,000',
    },
  ],
};
export const approval = (reviewers: string[], slaSeconds?: number, escalateTo?: string[]): PolicyDecision => ({
  outcome: 'require_approval',
  rationale: 'payout above 50,000',
  auditId: 'aud-approval',
  rules: [{ rule: 'payout-approval', pack: 'claims-payout@1.0.0', result: 'enforced', message: 'payout above 50,000' }],
  gate: {
    reviewers,
    reason: 'payout above 50,000 needs a claims lead',
    ...(slaSeconds === undefined ? {} : { slaSeconds }),
    ...(escalateTo ? { escalateTo } : {}),
  },
});

export class RunScript {
  private state: RunState = initialState();
  private readonly history: Array<{ event: RunEvent; at: string }> = [];
  private written = 0;

  constructor(
    readonly runId: string,
    private readonly actor: Actor = { kind: 'service', id: 'executor' },
  ) {}

  gateId(stepId: string): string {
    return gateIdOf(this.runId, stepId);
  }

  /** Decides `command` on the run's state at `at` and keeps the events (to be written by {@link writeTo}). */
  do(at: string, command: RunCommand): this {
    for (const event of decide(command, this.state, { now: at })) {
      this.state = evolve(this.state, event);
      this.history.push({ event, at });
    }
    return this;
  }

  start(at: string, plan: Plan): this {
    const { workflowId, workflowVersion } = plan;
    return this.do(at, {
      type: 'StartRun',
      data: {
        runId: this.runId,
        workflowId,
        workflowVersion,
        trigger: { source: 'api', idempotencyKey: `key-${this.runId}` },
        input: { claimId: 'CLM-1' },
        plan,
      },
    });
  }

  /** The policy decision on a step attempt, then (as the approval service does) `OpenGate` for a gate it needs. */
  evaluate(at: string, stepId: string, decision: PolicyDecision = allow, attempt = 1): this {
    this.do(at, { type: 'RecordStepPolicyDecision', data: { stepId, attempt, decision } });
    for (const gate of gatesToOpen(this.state)) this.do(at, { type: 'OpenGate', data: { stepId: gate.stepId } });
    return this;
  }

  run(at: string, stepId: string, attempt = 1): this {
    return this.do(at, {
      type: 'StartStep',
      data: { stepId, attempt, idempotencyKey: `${this.runId}/${stepId}/${attempt}`, input: {} },
    });
  }

  succeed(at: string, stepId: string, durationMs: number, attempt = 1, runDurationMs = 0): this {
    return this.do(at, {
      type: 'RecordStepSucceeded',
      data: { stepId, attempt, output: { ok: true }, durationMs, runDurationMs },
    });
  }

  fail(at: string, stepId: string, durationMs: number, retryable: boolean, attempt = 1): this {
    return this.do(at, {
      type: 'RecordStepFailed',
      data: { stepId, attempt, error: { code: 'tool_timeout', message: 'no answer in 5 s', retryable }, durationMs },
    });
  }

  decideGate(at: string, stepId: string, reviewer: string, outcome: 'approve' | 'reject'): this {
    return this.do(at, {
      type: 'DecideGate',
      data: { gateId: this.gateId(stepId), reviewer: { kind: 'human', id: reviewer }, outcome },
    });
  }

  get folded(): RunState {
    return this.state;
  }

  get events(): RunEvent[] {
    return this.history.map((h) => h.event);
  }

  /** Appends the events not written yet, at their times; the first event carries `traceparent` when given. */
  async writeTo(store: EventStore, traceparent?: string): Promise<StoredEvent[]> {
    const batch = this.history.slice(this.written);
    if (batch.length > 0) {
      await store.append(
        runStreamId(this.runId),
        batch.map(({ event, at }, i) => ({
          type: event.type,
          data: event.data,
          metadata: {
            eventId: randomUUID(),
            runId: this.runId,
            causationId: 'test',
            actor: this.actor,
            occurredAt: at,
            schemaVersion: 1,
            ...(traceparent && this.written === 0 && i === 0 ? { traceparent } : {}),
          },
        })),
        { expectedRevision: this.written === 0 ? 'no_stream' : this.written - 1 },
      );
      this.written = this.history.length;
    }
    return store.readStream(runStreamId(this.runId));
  }
}
