import { gateIdOf } from '@ledgerflow/domain';
import type { PlanStep, PolicyDecision, RunEvent } from '@ledgerflow/domain';
import { aPlan, aStep, Positions, RunHistoryBuilder } from '@ledgerflow/testing';
import type { RunEventRecord } from './run-events.js';

/** Events of a claim-like run as `GET /v1/runs/{id}/events` answers them, typed on the domain's events. */
export const RUN_ID = 'run-console-1';
const T0 = Date.parse('2026-05-01T10:00:00.000Z');

/** {@link aStep} with short retries (two attempts, 10 ms backoff) and a 1 s timeout. */
export function step(id: string, dependsOn: string[] = [], overrides: Partial<PlanStep> = {}): PlanStep {
  return aStep(id, {
    dependsOn,
    retry: { maxAttempts: 2, backoffMs: 10, multiplier: 2, maxBackoffMs: 100 },
    timeoutMs: 1000,
    ...overrides,
  });
}

export const allow: PolicyDecision = {
  outcome: 'allow',
  rationale: 'capability granted',
  auditId: 'audit-1',
  rules: [{ rule: 'capability', pack: 'claims-capabilities@1.0.0', result: 'pass', message: 'clerk may crm.read' }],
};

export const requireApproval: PolicyDecision = {
  outcome: 'require_approval',
  rationale: 'payout over 50,000',
  auditId: 'audit-2',
  rules: [{ rule: 'payout_limit', pack: 'claims-payout@1.0.0', result: 'enforced', message: 'payout over 50,000' }],
  gate: { reviewers: ['claims-lead'], reason: 'payout over 50,000 needs a reviewer' },
};

export const events = {
  started: (steps: PlanStep[]): RunEvent[] => [
    {
      type: 'RunTriggered',
      data: {
        runId: RUN_ID,
        workflowId: 'claims',
        workflowVersion: '1.0.0',
        trigger: { source: 'api', idempotencyKey: 'k1' },
        input: {},
      },
    },
    { type: 'PlanCreated', data: { plan: aPlan(steps) } },
  ],
  evaluated: (stepId: string, decision: PolicyDecision = allow, attempt = 1): RunEvent => ({
    type: 'StepPolicyEvaluated',
    data: { stepId, attempt, decision },
  }),
  ran: (stepId: string, attempt = 1): RunEvent => ({
    type: 'StepStarted',
    data: {
      stepId,
      attempt,
      idempotencyKey: `${RUN_ID}/${stepId}/${attempt}`,
      agent: 'clerk',
      tool: 'crm',
      action: 'read',
      input: { n: attempt },
      timeoutMs: 1000,
      startedAt: at(attempt),
    },
  }),
  succeeded: (stepId: string, attempt = 1): RunEvent => ({
    type: 'StepSucceeded',
    data: { stepId, attempt, output: { ok: true }, durationMs: 12, completedAt: at(attempt + 1) },
  }),
  failed: (stepId: string, attempt = 1): RunEvent => ({
    type: 'StepFailed',
    data: {
      stepId,
      attempt,
      error: { code: 'crm_down', message: 'CRM unavailable', retryable: true },
      durationMs: 7,
      failedAt: at(attempt + 1),
    },
  }),
  retry: (stepId: string, attempt: number): RunEvent => ({
    type: 'StepRetryScheduled',
    data: { stepId, attempt, delayMs: 10, dueAt: at(attempt + 2) },
  }),
  gateOpened: (stepId: string): RunEvent => ({
    type: 'GateOpened',
    data: {
      gateId: gateIdOf(RUN_ID, stepId),
      stepId,
      attempt: 1,
      reviewers: ['claims-lead'],
      reason: 'payout over 50,000 needs a reviewer',
      source: 'policy',
    },
  }),
  gateDecided: (stepId: string): RunEvent => ({
    type: 'GateDecided',
    data: { gateId: gateIdOf(RUN_ID, stepId), stepId, outcome: 'approved', reviewer: 'claims-lead' },
  }),
  blocked: (stepId: string): RunEvent => ({
    type: 'StepBlocked',
    data: { stepId, attempt: 1, code: 'policy_denied', reason: 'denied', policies: ['claims-payout/limit'] },
  }),
  skipped: (stepId: string): RunEvent => ({ type: 'StepSkipped', data: { stepId, reason: 'condition_false' } }),
};

function at(offsetSeconds: number): string {
  return new Date(T0 + offsetSeconds * 1000).toISOString();
}

/** `domainEvents` as stored records at revisions `from`, `from + 1`, ... a second apart (positions 100 + revision). */
export function records(domainEvents: readonly RunEvent[], from = 0): RunEventRecord[] {
  const options = { start: at(from), tickMs: 1000, fromRevision: from, positions: new Positions(100 + from) };
  return new RunHistoryBuilder(RUN_ID, options).record(domainEvents).stored;
}
