import type { DecideContext, RunCommand } from './commands.js';
import { forkRun } from './decide-fork.js';
import { escalateGate, openGate } from './decide-gate.js';
import { decideGate } from './decide-gate-decision.js';
import { cancelRunRequested, recoverStep, retryStep, revisePlan, skipStep } from './decide-recovery.js';
import { dequeueRun, pauseRun, resumeRun, startRun } from './decide-run.js';
import {
  reclaimStep,
  recordStepFailed,
  recordStepInputFailed,
  recordStepPolicyDecision,
  recordStepSucceeded,
  startStep,
} from './decide-step.js';
import { completeExternalStep, failExternalStep, skipStepByCondition, timeOutRun } from './decide-step-semantics.js';
import { nowOf } from './decide-support.js';
import type { RunEvent } from './events.js';
import type { RunState } from './state.js';

/**
 * The Run aggregate's decider: the events a command produces against the current state, or a refusal.
 * Pure: time arrives as `context.now` (ISO-8601); every timestamp in the events (`startedAt`, `dueAt`, ...)
 * is derived from it in UTC form `YYYY-MM-DDTHH:mm:ss.sssZ`. Each command handler documents its events
 * and error codes (decide-run.ts, decide-step.ts, decide-gate.ts, decide-recovery.ts).
 *
 * @throws DomainError with a `run_*` code (see `RunErrorCodes`) when the command breaks an invariant.
 * @throws ValidationError `plan_*` / `workflow_depth_exceeded` for an invalid plan (StartRun, RevisePlan),
 *   `invalid_timestamp` for a malformed `context.now`.
 * @example
 * const events = decide({ type: 'CancelRun', data: { reason: 'duplicate' } }, foldRun(history), { now });
 */
export function decide(command: RunCommand, state: RunState, context: DecideContext): RunEvent[] {
  const now = nowOf(context);
  switch (command.type) {
    case 'StartRun':
      return startRun(command, state);
    case 'RecordStepPolicyDecision':
      return recordStepPolicyDecision(command, state, now);
    case 'OpenGate':
      return openGate(command, state, now);
    case 'DecideGate':
      return decideGate(command, state, now);
    case 'EscalateGate':
      return escalateGate(command, state, now);
    case 'StartStep':
      return startStep(command, state, now);
    case 'ReclaimStep':
      return reclaimStep(command, state, now);
    case 'RecordStepSucceeded':
      return recordStepSucceeded(command, state, now);
    case 'RecordStepFailed':
      return recordStepFailed(command, state, now);
    case 'RecordStepInputFailed':
      return recordStepInputFailed(command, state, now);
    case 'RetryStep':
      return retryStep(command, state, now);
    case 'SkipStep':
      return skipStep(command, state, now);
    case 'CancelRun':
      return cancelRunRequested(command, state);
    case 'PauseRun':
      return pauseRun(command, state);
    case 'ResumeRun':
      return resumeRun(command, state);
    case 'RevisePlan':
      return revisePlan(command, state, now);
    case 'RecoverStep':
      return recoverStep(command, state, now);
    case 'ForkRun':
      return forkRun(command, state, now);
    case 'SkipStepByCondition':
      return skipStepByCondition(command, state, now);
    case 'TimeOutRun':
      return timeOutRun(command, state, now);
    case 'CompleteExternalStep':
      return completeExternalStep(command, state, now);
    case 'FailExternalStep':
      return failExternalStep(command, state, now);
    case 'DequeueRun':
      return dequeueRun(command, state, now);
    default: {
      const unhandled: never = command; // a new command type does not compile until handled here
      throw new TypeError(`unknown command type ${(unhandled as { type?: unknown }).type as string}`);
    }
  }
}
