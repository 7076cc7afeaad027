import type { PlanStep, PolicyDecision, RunEvent } from '@ledgerflow/domain';
import { aPlan, aStep, Positions, RunHistoryBuilder, runEventFixtures } from '@ledgerflow/testing';
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

const fixtures = runEventFixtures(RUN_ID, { time: at });

/** {@link runEventFixtures} of {@link RUN_ID}, a second per tick, with this model's scenario: a CRM that fails once. */
export const events = {
  started: (steps: PlanStep[]) => fixtures.started(aPlan(steps), { trigger: { source: 'api', idempotencyKey: 'k1' } }),
  evaluated: (stepId: string, decision = allow, attempt = 1) => fixtures.evaluated(stepId, attempt, decision),
  ran: (stepId: string, attempt = 1) => fixtures.stepStarted(step(stepId), attempt, { input: { n: attempt } }),
  succeeded: (stepId: string, attempt = 1) => fixtures.succeeded(stepId, attempt, { durationMs: 12 }),
  failed: (stepId: string, attempt = 1) =>
    fixtures.failed(stepId, attempt, {
      error: { code: 'crm_down', message: 'CRM unavailable', retryable: true },
      durationMs: 7,
    }),
  retry: (stepId: string, attempt: number) => fixtures.retryScheduled(stepId, attempt, { delayMs: 10 }),
  gateOpened: (stepId: string) =>
    fixtures.gateOpened(stepId, { reason: 'payout over 50,000 needs a reviewer', source: 'policy' }),
  gateDecided: (stepId: string) => fixtures.gateDecided(stepId),
  blocked: (stepId: string) => fixtures.blocked(stepId),
  skipped: (stepId: string) => fixtures.skipped(stepId),
};

function at(offsetSeconds: number): string {
  return new Date(T0 + offsetSeconds * 1000).toISOString();
}

/** `domainEvents` as stored records at revisions `from`, `from + 1`, ... a second apart (positions 100 + revision). */
export function records(domainEvents: readonly RunEvent[], from = 0): RunEventRecord[] {
  const options = { start: at(from), tickMs: 1000, fromRevision: from, positions: new Positions(100 + from) };
  return new RunHistoryBuilder(RUN_ID, options).record(domainEvents).stored;
}
