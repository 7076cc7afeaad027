import type { EscalateGate, OpenGate } from './commands.js';
import { cumulativeConfidenceOf } from './confidence.js';
import { refuse, requireActive, requireOpenGate, requireStep } from './decide-support.js';
import { RunErrorCodes } from './errors.js';
import { gateIdOf } from './events.js';
import type { ConfidenceException, RunEvent } from './events.js';
import { confidenceRequirementOf, gateRequirementOf } from './gate-requirement.js';
import { gateOfStep } from './run-rules.js';
import type { RunState, StepState } from './state.js';
import { addMilliseconds, isDue } from './time.js';

function exceptionOf(stepState: StepState, cumulativeConfidence: number): ConfidenceException {
  const review = stepState.review as NonNullable<StepState['review']>;
  return {
    input: stepState.input ?? null,
    output: stepState.output ?? null,
    ...(stepState.reasoning === undefined ? {} : { reasoning: stepState.reasoning }),
    ...(stepState.alternatives === undefined ? {} : { alternatives: stepState.alternatives }),
    ...(stepState.confidence === undefined ? {} : { confidence: stepState.confidence }),
    cumulativeConfidence,
    minConfidence: review.minConfidence,
    basis: review.basis,
  };
}

/**
 * `OpenGate` -> `GateOpened{gateId: <runId>.<stepId>, stepId, attempt, reviewers, reason, source, dueAt?, escalateTo?,
 * escalation?, slaSeconds?, exception?}`, for a step `awaiting_approval` with no gate yet, or a step that succeeded
 * with its result held for review (source `confidence`). The approval service opens gates; see `gatesToOpen`.
 * - Awaiting approval: reviewers, SLA, escalation and reason follow `gateRequirementOf` (gate-requirement.ts): source
 *   `policy` from the last decision's `gate` when it was `require_approval` (the step's declared gate, if any, adds its
 *   reviewers and escalation levels), else source `definition` from the step's `gate`.
 * - Held for review: `confidenceRequirementOf` (the step's `confidenceGate`, else the plan's, else
 *   `data.confidenceDefault`), with `exception`: the step's input, output, reasoning, alternatives, confidence,
 *   cumulative confidence and the threshold crossed.
 * `dueAt = now + slaSeconds` when an SLA is set; `escalateTo` (level 1) omitted when empty; `escalation` (every
 * level, SLA resolved) and `slaSeconds` only for a chain (more than one level, or a level with its own SLA).
 * Allowed while paused.
 * @throws DomainError run_not_running (neither running nor paused), step_not_found,
 *   run_step_not_awaiting_approval (neither awaiting approval nor held for review), run_gate_already_open (the
 *   step's gate was already opened: one gate per step, opened once), run_gate_without_reviewers (nobody named).
 */
export function openGate({ data }: OpenGate, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const { step, stepState } = requireStep(state, data.stepId);
  const { stepId } = data;
  const heldForReview = stepState.status === 'succeeded' && stepState.review !== undefined;
  if (stepState.status !== 'awaiting_approval' && !heldForReview) {
    refuse(
      RunErrorCodes.STEP_NOT_AWAITING_APPROVAL,
      `step "${stepId}" is ${stepState.status}; a gate opens only for a step awaiting approval or a result held for review`,
      { stepId, status: stepState.status },
    );
  }
  const existing = gateOfStep(state, stepId);
  if (existing) {
    refuse(
      RunErrorCodes.GATE_ALREADY_OPEN,
      `gate "${existing.gateId}" of step "${stepId}" was already opened (now ${existing.status}); a step has one gate`,
      { stepId, gateId: existing.gateId, status: existing.status },
    );
  }
  const cumulativeConfidence = stepState.cumulativeConfidence ?? cumulativeConfidenceOf(state, stepId);
  const required =
    heldForReview && stepState.review
      ? confidenceRequirementOf(
          state.plan,
          step,
          stepState.review,
          { ...(stepState.confidence === undefined ? {} : { confidence: stepState.confidence }), cumulativeConfidence },
          data.confidenceDefault,
        )
      : gateRequirementOf(step, stepState.decision);
  if (required.reviewers.length === 0) {
    refuse(RunErrorCodes.GATE_WITHOUT_REVIEWERS, `step "${stepId}": the ${required.source} gate names no reviewer`, {
      stepId,
      source: required.source,
    });
  }
  const { reviewers, reason, source, slaSeconds, escalateTo, escalation, chained } = required;
  return [
    {
      type: 'GateOpened',
      data: {
        gateId: gateIdOf(state.runId ?? '', stepId),
        stepId,
        attempt: stepState.attempt,
        reviewers,
        reason,
        source,
        ...(slaSeconds === undefined ? {} : { dueAt: addMilliseconds(now, slaSeconds * 1000) }),
        ...(escalateTo.length === 0 ? {} : { escalateTo }),
        ...(chained ? { escalation, ...(slaSeconds === undefined ? {} : { slaSeconds }) } : {}),
        ...(heldForReview ? { exception: exceptionOf(stepState, cumulativeConfidence) } : {}),
      },
    },
  ];
}

/**
 * `EscalateGate` -> `GateEscalated{level: level + 1, reviewers: escalation[level].reviewers, dueAt?}`: the next
 * level's reviewers replace the current ones. `dueAt = now + that level's slaSeconds` when a further level exists
 * and the level has an SLA (each level gets its whole SLA from the moment it is escalated to); without `dueAt`
 * the gate escalates no further. A gate opened with a flat `escalateTo` has one level.
 * @throws DomainError run_not_running, run_gate_not_found, run_gate_already_decided,
 *   run_gate_not_escalatable (no level left), run_gate_not_due (no dueAt, or dueAt after now).
 */
export function escalateGate({ data }: EscalateGate, state: RunState, now: string): RunEvent[] {
  requireActive(state, true);
  const gate = requireOpenGate(state, data.gateId);
  const next = gate.escalation[gate.level];
  if (next === undefined || next.reviewers.length === 0) {
    refuse(
      RunErrorCodes.GATE_NOT_ESCALATABLE,
      `gate "${gate.gateId}" has no escalation level left (level ${gate.level} of ${gate.escalation.length})`,
      { gateId: gate.gateId, level: gate.level },
    );
  }
  if (gate.dueAt === undefined || !isDue(gate.dueAt, now)) {
    refuse(
      RunErrorCodes.GATE_NOT_DUE,
      `gate "${gate.gateId}" is due at ${gate.dueAt ?? 'no time (no SLA)'}; now is ${now}`,
      { gateId: gate.gateId, dueAt: gate.dueAt, now },
    );
  }
  const further = gate.escalation[gate.level + 1] !== undefined;
  const dueAt = further && next.slaSeconds !== undefined ? addMilliseconds(now, next.slaSeconds * 1000) : undefined;
  return [
    {
      type: 'GateEscalated',
      data: {
        gateId: gate.gateId,
        level: gate.level + 1,
        reviewers: next.reviewers,
        ...(dueAt === undefined ? {} : { dueAt }),
      },
    },
  ];
}
