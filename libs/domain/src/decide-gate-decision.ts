import type { DecideGate } from './commands.js';
import { revisePlan } from './decide-recovery.js';
import { concludeRun, refuse, requireActive, requireOpenGate } from './decide-support.js';
import { RunErrorCodes } from './errors.js';
import type { GateRevision, RunEvent } from './events.js';
import { evolve } from './evolve.js';
import { matchReviewer } from './reviewers.js';
import type { GateState, RunState } from './state.js';

/** Ids of the steps that depend, directly or not, on `stepId`. */
function downstreamOf(state: RunState, stepId: string): Set<string> {
  const found = new Set<string>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const step of state.plan?.steps ?? []) {
      if (!found.has(step.id) && step.dependsOn.some((dependency) => dependency === stepId || found.has(dependency))) {
        found.add(step.id);
        grew = true;
      }
    }
  }
  return found;
}

function checkDecisionShape(gate: GateState, data: DecideGate['data']): void {
  const invalid = (message: string, field: string): never =>
    refuse(RunErrorCodes.DECISION_INVALID, `gate "${gate.gateId}": ${message}`, { gateId: gate.gateId, field });
  if (data.outcome === 'redirect' && data.revision === undefined)
    invalid('a redirect needs a revision {addSteps, removeStepIds}', 'revision');
  if (data.outcome !== 'redirect' && data.revision !== undefined)
    invalid(`a revision comes only with outcome redirect, not ${data.outcome}`, 'revision');
  if (data.correctedOutput !== undefined && (gate.source !== 'confidence' || data.outcome !== 'approve')) {
    invalid(
      `a corrected output comes only with approve on a confidence gate (this is a ${gate.source} gate, outcome ${data.outcome})`,
      'correctedOutput',
    );
  }
}

/**
 * The revision of a redirect: on a gate held before its step ran (`policy`, `definition`) the gated step is
 * always removed (a redirect replaces it), plus `removeStepIds`; on a `confidence` gate the step's result
 * stays (completed work is never discarded). Every other removed step must depend, directly or not, on the gated one.
 */
function redirectRevision(state: RunState, gate: GateState, revision: GateRevision): GateRevision {
  const downstream = downstreamOf(state, gate.stepId);
  for (const stepId of revision.removeStepIds) {
    if (stepId !== gate.stepId && !downstream.has(stepId)) {
      refuse(
        RunErrorCodes.STEP_NOT_DOWNSTREAM,
        `a redirect of gate "${gate.gateId}" may remove only step "${gate.stepId}" and the steps after it; "${stepId}" does not depend on it`,
        { gateId: gate.gateId, stepId },
      );
    }
  }
  const gatedFirst = gate.source === 'confidence' ? [] : [gate.stepId];
  return { addSteps: revision.addSteps, removeStepIds: [...new Set([...gatedFirst, ...revision.removeStepIds])] };
}

/**
 * `DecideGate` -> `GateDecided{outcome, reviewer, matchedAs?, comment?, correctedOutput?}`, then by outcome:
 * - `approve` -> `approved`: a step awaiting approval becomes ready; a result held for review is released (its
 *   dependants may start; with `correctedOutput` they see the corrected output). `RunCompleted` follows when that
 *   leaves every step done.
 * - `reject` -> `rejected` + `StepBlocked{gate_rejected}` + `RunFailed{gate_rejected}`.
 * - `redirect` -> `redirected` + what `RevisePlan` gives for the reviewer's revision (author: the reviewer's id;
 *   reason: the comment, else `gate "<id>" redirected by <reviewer>`): see `redirectRevision` for what is removed.
 * A gate is decided once, by a human it names: `matchReviewer` over the gate's current reviewers, with the
 * reviewer's id, roles and teams (reviewers.ts).
 * @throws DomainError, in this order: run_gate_not_found, run_gate_already_decided, run_not_running (run neither
 *   running nor paused), run_actor_cannot_decide (reviewer kind is not `human`), run_reviewer_not_named,
 *   run_decision_invalid (redirect without revision, revision without redirect, correctedOutput other than
 *   approving a confidence gate), run_step_not_downstream; for a redirect, `RevisePlan`'s codes and plan codes.
 */
export function decideGate({ data }: DecideGate, state: RunState, now: string): RunEvent[] {
  // The gate first: a second decision of a gate is told so (run_gate_already_decided) even when the first one has
  // since ended the run, instead of the run's state (run_not_running).
  const gate = requireOpenGate(state, data.gateId);
  requireActive(state, true);
  const { reviewer, comment, correctedOutput } = data;
  if (reviewer.kind !== 'human') {
    refuse(
      RunErrorCodes.ACTOR_CANNOT_DECIDE,
      `a ${reviewer.kind} ("${reviewer.id}") cannot decide gate "${gate.gateId}": only a human reviewer may`,
      { gateId: gate.gateId, actor: { kind: reviewer.kind, id: reviewer.id } },
    );
  }
  const matched = matchReviewer(gate.reviewers, reviewer);
  if (matched === undefined) {
    refuse(
      RunErrorCodes.REVIEWER_NOT_NAMED,
      `"${reviewer.id}" is not a reviewer of gate "${gate.gateId}" (reviewers: ${gate.reviewers.join(', ')}; their roles: ${(reviewer.roles ?? []).join(', ') || 'none'}; teams: ${(reviewer.teams ?? []).join(', ') || 'none'})`,
      {
        gateId: gate.gateId,
        reviewer: reviewer.id,
        reviewers: gate.reviewers,
      },
    );
  }
  checkDecisionShape(gate, data);
  const { gateId, stepId } = gate;
  const outcome = data.outcome === 'approve' ? 'approved' : data.outcome === 'reject' ? 'rejected' : 'redirected';
  const decided: RunEvent = {
    type: 'GateDecided',
    data: {
      gateId,
      stepId,
      outcome,
      reviewer: reviewer.id,
      ...(matched === reviewer.id ? {} : { matchedAs: matched }),
      ...(comment === undefined ? {} : { comment }),
      ...(correctedOutput === undefined ? {} : { correctedOutput }),
    },
  };
  const runDurationMs = data.runDurationMs ?? 0;
  if (outcome === 'approved') return concludeRun(state, [decided], now, runDurationMs);
  if (outcome === 'redirected') {
    const revision = redirectRevision(state, gate, data.revision as GateRevision);
    const revised = revisePlan(
      {
        type: 'RevisePlan',
        data: {
          author: reviewer.id,
          reason: comment ?? `gate "${gateId}" redirected by ${reviewer.id}`,
          addSteps: revision.addSteps,
          removeStepIds: revision.removeStepIds,
          runDurationMs,
        },
      },
      evolve(state, decided),
      now,
    );
    return [decided, ...revised];
  }
  const reason = `gate "${gateId}" rejected by ${reviewer.id}${comment ? `: ${comment}` : ''}`;
  return [
    decided,
    { type: 'StepBlocked', data: { stepId, attempt: gate.attempt, code: 'gate_rejected', reason, policies: [] } },
    { type: 'RunFailed', data: { code: 'gate_rejected', reason, stepId, failedAt: now } },
  ];
}
