import type { DecideGate, EscalateGate, OpenGate } from './commands.js';
import { refuse, requireActive, requireOpenGate, requireStep } from './decide-support.js';
import { RunErrorCodes } from './errors.js';
import { gateIdOf } from './events.js';
import type { RunEvent } from './events.js';
import { gateRequirementOf } from './gate-requirement.js';
import { gateOfStep } from './run-rules.js';
import type { RunState } from './state.js';
import { addMilliseconds, isDue } from './time.js';

/**
 * `OpenGate` -> `GateOpened{gateId: <runId>.<stepId>, stepId, attempt, reviewers, reason, source, dueAt?, escalateTo?}`
 * for a step `awaiting_approval` with no gate yet (the approval service opens gates; see `gatesToOpen`).
 * Reviewers, SLA, escalation and reason follow `gateRequirementOf` (gate-requirement.ts): source `policy` from
 * the last decision's `gate` when it was `require_approval` (the step's declared gate, if any, adds its
 * reviewers and escalation reviewers, deduplicated), else source `definition` from the step's `gate`.
 * `dueAt = now + slaSeconds` when an SLA is set; `escalateTo` omitted when empty. Allowed while paused.
 * @throws DomainError RUN.NOT_RUNNING (neither running nor paused), RUN.STEP_NOT_FOUND,
 *   RUN.STEP_NOT_AWAITING_APPROVAL, RUN.GATE_ALREADY_OPEN (the step's gate was already opened: one gate per
 *   step, opened once), RUN.GATE_WITHOUT_REVIEWERS (neither the decision nor the step names a reviewer).
 */
export function openGate({ data }: OpenGate, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { step, stepState } = requireStep(state, data.stepId);
  const { stepId } = data;
  if (stepState.status !== 'awaiting_approval') {
    refuse(RunErrorCodes.STEP_NOT_AWAITING_APPROVAL, `step "${stepId}" is ${stepState.status}; a gate opens only for a step awaiting approval`, { stepId, status: stepState.status });
  }
  const existing = gateOfStep(state, stepId);
  if (existing) {
    refuse(RunErrorCodes.GATE_ALREADY_OPEN, `gate "${existing.gateId}" of step "${stepId}" was already opened (now ${existing.status}); a step has one gate`, { stepId, gateId: existing.gateId, status: existing.status });
  }
  const required = gateRequirementOf(step, stepState.decision);
  if (required.reviewers.length === 0) {
    refuse(RunErrorCodes.GATE_WITHOUT_REVIEWERS, `step "${stepId}": the ${required.source} gate names no reviewer (neither decision.gate nor the step's gate)`, { stepId, source: required.source });
  }
  const { reviewers, reason, source, slaSeconds, escalateTo } = required;
  return [{
    type: 'GateOpened',
    data: {
      gateId: gateIdOf(state.runId ?? '', stepId), stepId, attempt: stepState.attempt, reviewers, reason, source,
      ...(slaSeconds === undefined ? {} : { dueAt: addMilliseconds(now, slaSeconds * 1000) }),
      ...(escalateTo.length === 0 ? {} : { escalateTo }),
    },
  }];
}

/**
 * `DecideGate` -> `GateDecided`; approve makes the step ready; reject adds `StepBlocked{gate_rejected}`
 * and `RunFailed{gate_rejected}`. A gate is decided once, by a human it names (design brief, "Invariants").
 * @throws DomainError RUN.NOT_RUNNING (run neither running nor paused), RUN.GATE_NOT_FOUND,
 *   RUN.GATE_ALREADY_DECIDED, RUN.ACTOR_CANNOT_DECIDE (reviewer kind is not `human`),
 *   RUN.REVIEWER_NOT_NAMED (reviewer id not among the gate's current reviewers).
 */
export function decideGate({ data }: DecideGate, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const gate = requireOpenGate(state, data.gateId);
  const { reviewer, comment } = data;
  if (reviewer.kind !== 'human') {
    refuse(RunErrorCodes.ACTOR_CANNOT_DECIDE, `a ${reviewer.kind} ("${reviewer.id}") cannot decide gate "${gate.gateId}": only a human reviewer may`, { gateId: gate.gateId, actor: reviewer });
  }
  if (!gate.reviewers.includes(reviewer.id)) {
    refuse(RunErrorCodes.REVIEWER_NOT_NAMED, `"${reviewer.id}" is not a reviewer of gate "${gate.gateId}" (reviewers: ${gate.reviewers.join(', ')})`, { gateId: gate.gateId, reviewer: reviewer.id, reviewers: gate.reviewers });
  }
  const { gateId, stepId } = gate;
  const outcome = data.outcome === 'approve' ? 'approved' : 'rejected';
  const decided: RunEvent = { type: 'GateDecided', data: { gateId, stepId, outcome, reviewer: reviewer.id, ...(comment === undefined ? {} : { comment }) } };
  if (outcome === 'approved') return [decided];
  const reason = `gate "${gateId}" rejected by ${reviewer.id}${comment ? `: ${comment}` : ''}`;
  return [
    decided,
    { type: 'StepBlocked', data: { stepId, attempt: gate.attempt, code: 'gate_rejected', reason, policies: [] } },
    { type: 'RunFailed', data: { code: 'gate_rejected', reason, stepId, failedAt: now } },
  ];
}

/**
 * `EscalateGate` -> `GateEscalated{level + 1, reviewers: escalateTo}`: the escalation reviewers replace
 * the current ones and no further escalation is left (a `GateSpec` declares one level).
 * @throws DomainError RUN.NOT_RUNNING, RUN.GATE_NOT_FOUND, RUN.GATE_ALREADY_DECIDED,
 *   RUN.GATE_NOT_ESCALATABLE (no `escalateTo` left), RUN.GATE_NOT_DUE (no dueAt, or dueAt after now).
 */
export function escalateGate({ data }: EscalateGate, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const gate = requireOpenGate(state, data.gateId);
  if (gate.escalateTo.length === 0) {
    refuse(RunErrorCodes.GATE_NOT_ESCALATABLE, `gate "${gate.gateId}" has no escalateTo reviewers left (level ${gate.level})`, { gateId: gate.gateId, level: gate.level });
  }
  if (gate.dueAt === undefined || !isDue(gate.dueAt, now)) {
    refuse(RunErrorCodes.GATE_NOT_DUE, `gate "${gate.gateId}" is due at ${gate.dueAt ?? 'no time (no SLA)'}; now is ${now}`, { gateId: gate.gateId, dueAt: gate.dueAt, now });
  }
  return [{ type: 'GateEscalated', data: { gateId: gate.gateId, level: gate.level + 1, reviewers: gate.escalateTo } }];
}
