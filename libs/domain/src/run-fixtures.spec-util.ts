import type { RunCommand } from './commands.js';
import { decide } from './decide.js';
import { deciderSpecification } from './decider.spec-util.js';
import type { PolicyDecision, RunEvent } from './events.js';
import { gateIdOf } from './events.js';
import { evolve } from './evolve.js';
import type { Plan, PlanStep } from './plan.js';
import { initialState } from './state.js';
import { aPlan, aStep } from './testing.js';

export { aPlan, aStep };

/** Test fixtures of the Run aggregate: a plan builder, event builders and the given/when/then spec. */

export const RUN_ID = 'run-1';
export const NOW = '2026-05-01T10:00:00.000Z';
export const at = (now: string) => ({ now });

export const runSpec = deciderSpecification({ decide, evolve, initialState }, at(NOW));

export const allow: PolicyDecision = {
  outcome: 'allow',
  rationale: 'capability granted',
  auditId: 'audit-1',
  rules: [{ rule: 'capability', pack: 'capabilities@1.0.0', result: 'pass', message: 'clerk may crm.read' }],
};
export const deny: PolicyDecision = {
  outcome: 'deny',
  rationale: 'agent lacks billing.payout',
  auditId: 'audit-2',
  rules: [
    { rule: 'capability', pack: 'capabilities@1.0.0', result: 'fail', message: 'clerk may not billing.payout' },
    { rule: 'mask_pii', pack: 'privacy@1.2.0', result: 'enforced', message: 'masked email' },
    { rule: 'no_weekend_payout', pack: 'compliance@2.0.0', result: 'fail', message: 'weekend' },
  ],
};
export const requireApproval: PolicyDecision = {
  outcome: 'require_approval',
  rationale: 'payout over 50,000',
  auditId: 'audit-3',
  rules: [{ rule: 'payout_limit', pack: 'approval@1.0.0', result: 'enforced', message: 'payout over 50,000' }],
  gate: {
    reviewers: ['alice', 'bob'],
    slaSeconds: 3600,
    escalateTo: ['carol'],
    reason: 'payout over 50,000 needs a reviewer',
  },
};

export const gateOf = (stepId: string) => gateIdOf(RUN_ID, stepId);

/** Event builders: the events a history holds, with figures derived from {@link aStep}'s defaults. */
export const ev = {
  started: (plan: Plan): RunEvent[] => [
    {
      type: 'RunTriggered',
      data: {
        runId: RUN_ID,
        workflowId: plan.workflowId,
        workflowVersion: plan.workflowVersion,
        trigger: { source: 'api', idempotencyKey: 'key-1' },
        input: { claim: 42 },
      },
    },
    { type: 'PlanCreated', data: { plan } },
  ],
  evaluated: (stepId: string, attempt = 1, decision: PolicyDecision = allow): RunEvent => ({
    type: 'StepPolicyEvaluated',
    data: { stepId, attempt, decision },
  }),
  stepStarted: (step: PlanStep, attempt = 1, startedAt = NOW): RunEvent => ({
    type: 'StepStarted',
    data: {
      stepId: step.id,
      attempt,
      idempotencyKey: `${RUN_ID}/${step.id}/${attempt}`,
      agent: step.agent,
      tool: step.tool,
      action: step.action,
      input: { resolved: step.id },
      timeoutMs: step.timeoutMs,
      startedAt,
    },
  }),
  succeeded: (stepId: string, attempt = 1, output: unknown = { ok: stepId }): RunEvent => ({
    type: 'StepSucceeded',
    data: { stepId, attempt, output, durationMs: 120, completedAt: NOW },
  }),
  failed: (stepId: string, attempt = 1, retryable = false): RunEvent => ({
    type: 'StepFailed',
    data: {
      stepId,
      attempt,
      error: { code: retryable ? 'timeout' : 'bad_request', message: 'tool failed', retryable },
      durationMs: 80,
      failedAt: NOW,
    },
  }),
  retryScheduled: (stepId: string, attempt: number, delayMs: number, dueAt: string): RunEvent => ({
    type: 'StepRetryScheduled',
    data: { stepId, attempt, delayMs, dueAt },
  }),
  gateOpened: (
    stepId: string,
    overrides: Partial<Extract<RunEvent, { type: 'GateOpened' }>['data']> = {},
  ): RunEvent => ({
    type: 'GateOpened',
    data: {
      gateId: gateOf(stepId),
      stepId,
      attempt: 1,
      reviewers: ['alice', 'bob'],
      reason: 'needs review',
      source: 'policy',
      ...overrides,
    },
  }),
  gateDecided: (stepId: string, outcome: 'approved' | 'rejected' = 'approved', reviewer = 'alice'): RunEvent => ({
    type: 'GateDecided',
    data: { gateId: gateOf(stepId), stepId, outcome, reviewer },
  }),
  /** A step whose policy decision required approval and whose gate the approval service opened (`OpenGate`). */
  gated: (stepId: string, overrides: Partial<Extract<RunEvent, { type: 'GateOpened' }>['data']> = {}): RunEvent[] => [
    ev.evaluated(stepId, overrides.attempt ?? 1, requireApproval),
    ev.gateOpened(stepId, overrides),
  ],
  paused: (reason = 'step_failed', stepId?: string): RunEvent => ({
    type: 'RunPaused',
    data: stepId === undefined ? { reason } : { reason, stepId },
  }),
  /** A step evaluated (allowed), started and succeeded. */
  ran: (step: PlanStep): RunEvent[] => [ev.evaluated(step.id), ev.stepStarted(step), ev.succeeded(step.id)],
  /** A step evaluated (allowed) and started. */
  running: (step: PlanStep, attempt = 1): RunEvent[] => [ev.evaluated(step.id, attempt), ev.stepStarted(step, attempt)],
};

/** The approval service's command for a step awaiting approval. */
export const openGate = (stepId: string): RunCommand => ({ type: 'OpenGate', data: { stepId } });
