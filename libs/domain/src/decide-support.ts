import type { DecideContext } from './commands.js';
import { DomainError, RunErrorCodes } from './errors.js';
import type { RunErrorCode } from './errors.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import type { PlanStep } from './plan.js';
import { allStepsDone, firstFailedStep, isStalled, planStepOf } from './run-rules.js';
import type { GateState, RunState, StepState } from './state.js';
import { addMilliseconds } from './time.js';

/** Throws the `DomainError` of a refused command. */
export function refuse(code: RunErrorCode, message: string, details: Record<string, unknown> = {}): never {
  throw new DomainError(code, message, details);
}

/** `now` in the canonical UTC form `YYYY-MM-DDTHH:mm:ss.sssZ` (validates it). */
export function nowOf(context: DecideContext): string {
  return addMilliseconds(context.now, 0);
}

/** Refuses unless the run is running (or, with `allowPaused`, paused): `run_not_running`. */
export function requireActive(state: RunState, allowPaused: boolean): void {
  if (state.status === 'running' || (allowPaused && state.status === 'paused')) return;
  refuse(
    RunErrorCodes.NOT_RUNNING,
    `run is ${state.status}; the command needs it running${allowPaused ? ' or paused' : ''}`,
    { status: state.status },
  );
}

/** The plan step and its state, or `step_not_found`. */
export function requireStep(state: RunState, stepId: string): { step: PlanStep; stepState: StepState } {
  const step = planStepOf(state, stepId);
  const stepState = state.steps[stepId];
  if (!step || !stepState) refuse(RunErrorCodes.STEP_NOT_FOUND, `step "${stepId}" is not in the plan`, { stepId });
  return { step, stepState };
}

/** The gate, or `run_gate_not_found`; `run_gate_already_decided` unless it is open. */
export function requireOpenGate(state: RunState, gateId: string): GateState {
  const gate = state.gates[gateId];
  if (!gate) refuse(RunErrorCodes.GATE_NOT_FOUND, `gate "${gateId}" was never opened in this run`, { gateId });
  if (gate.status !== 'open') {
    refuse(
      RunErrorCodes.GATE_ALREADY_DECIDED,
      `gate "${gateId}" was already ${gate.status} by ${gate.decidedBy ?? 'unknown'}`,
      { gateId, status: gate.status, decidedBy: gate.decidedBy },
    );
  }
  return gate;
}

/**
 * Appends what follows from `events` for the run as a whole: `RunCompleted` (with `runDurationMs`)
 * when every step succeeded or was skipped, or `RunPaused{reason: 'step_failed'}` when a running run
 * is left with nothing to do but a failed step (`preferredStepId` when that step failed, else the first failed).
 */
export function concludeRun(
  state: RunState,
  events: RunEvent[],
  now: string,
  runDurationMs: number,
  preferredStepId?: string,
): RunEvent[] {
  const after = foldRun(events, state);
  if (after.status !== 'running' && after.status !== 'paused') return events;
  if (allStepsDone(after))
    return [...events, { type: 'RunCompleted', data: { completedAt: now, durationMs: runDurationMs } }];
  if (after.status === 'running' && isStalled(after)) {
    const stepId =
      preferredStepId !== undefined && after.steps[preferredStepId]?.status === 'failed'
        ? preferredStepId
        : firstFailedStep(after);
    return [
      ...events,
      { type: 'RunPaused', data: stepId === undefined ? { reason: 'step_failed' } : { reason: 'step_failed', stepId } },
    ];
  }
  return events;
}
