import { canonicalJson } from '@ledgerflow/audit';
import type { GrantWithheldCode } from '@ledgerflow/contracts';
import { dependenciesSatisfied, gateOfStep } from '@ledgerflow/domain';
import type { PlanStep, PolicyDecision, RunState, StepStatus } from '@ledgerflow/domain';

/** Whether the run's events let one step attempt run now; when not, a code and a message naming the fact. */
export type GrantEligibility =
  | { readonly eligible: true }
  | { readonly eligible: false; readonly code: GrantWithheldCode; readonly message: string };

/** Statuses in which the step's current attempt is over (a new attempt is scheduled as `retry_scheduled`). */
const FINISHED: readonly StepStatus[] = ['succeeded', 'failed', 'skipped', 'blocked'];

const withheld = (code: GrantWithheldCode, message: string): GrantEligibility => ({ eligible: false, code, message });

/**
 * May attempt `attempt` of `step` run now, by the run's events (folded into `state`) and this decision?
 * Every rule must hold, checked in this order (the first that fails is the answer):
 * 1. the decision is not `deny` (`denied`);
 * 2. the run is running, not paused nor ended (`run_not_running`);
 * 3. the step's current attempt has not finished: not succeeded, failed, skipped or blocked (`step_finished`);
 * 4. `attempt` is the step's current attempt, or the next one a retry scheduled (`attempt_not_current`);
 * 5. every dependency succeeded (no result held for review) or was skipped (`dependencies_not_done`);
 * 6. every gate of the step is approved: the gate a definition declares (`gate`), the one a
 *    `require_approval` decision asks for (now or as recorded for the step), and any gate opened for it,
 *    whatever its source; a step still `awaiting_approval` is never eligible (`gate_not_approved`);
 * 7. a step already started runs with its recorded input: `input` must equal `StepStarted.input`
 *    (canonical JSON; `input_mismatch`).
 * Pure: no I/O, no clock. The caller checked that the run exists and the step is in its plan.
 */
export function grantEligibility(
  state: RunState,
  step: PlanStep,
  attempt: number,
  input: unknown,
  decision: PolicyDecision,
): GrantEligibility {
  if (decision.outcome === 'deny') return withheld('denied', `policy denies step ${step.id}: ${decision.rationale}`);
  if (state.status !== 'running')
    return withheld('run_not_running', `run ${state.runId ?? ''} is ${state.status}, not running`);
  const stepState = state.steps[step.id];
  if (stepState === undefined)
    return withheld('step_finished', `step ${step.id} has no state in run ${state.runId ?? ''}`);
  if (FINISHED.includes(stepState.status))
    return withheld('step_finished', `step ${step.id} attempt ${stepState.attempt} is ${stepState.status}`);
  if (attempt !== stepState.attempt) {
    return withheld(
      'attempt_not_current',
      `step ${step.id} is at attempt ${stepState.attempt} (${stepState.status}), not ${attempt}`,
    );
  }
  if (!dependenciesSatisfied(state, step)) {
    const open = step.dependsOn.filter(
      (id) => state.steps[id]?.status !== 'succeeded' && state.steps[id]?.status !== 'skipped',
    );
    const why = open.length > 0 ? `${open.join(', ')} (not succeeded nor skipped)` : 'a result held for review';
    return withheld('dependencies_not_done', `step ${step.id} depends on ${why}`);
  }
  const gate = gateOfStep(state, step.id);
  const gateRequired =
    step.gate !== undefined ||
    decision.outcome === 'require_approval' ||
    stepState.decision?.outcome === 'require_approval';
  if (
    stepState.status === 'awaiting_approval' ||
    (gate !== undefined && gate.status !== 'approved') ||
    (gateRequired && gate === undefined)
  ) {
    return withheld(
      'gate_not_approved',
      `step ${step.id} needs its gate approved first (gate ${gate ? `${gate.gateId} is ${gate.status}` : 'not opened yet'})`,
    );
  }
  if (
    stepState.status === 'running' &&
    stepState.input !== undefined &&
    canonicalJson(stepState.input) !== canonicalJson(input ?? null)
  ) {
    return withheld(
      'input_mismatch',
      `step ${step.id} attempt ${attempt} started with another input than the one evaluated`,
    );
  }
  return { eligible: true };
}
