import { escalationChainOf } from './gate-requirement.js';
import { applyPlanRevision } from './plan.js';
import type { PlanStep } from './plan.js';
import { withAddedDependencies, withStepAgent } from './plan-changes.js';
import type { AddedDependencies } from './plan-changes.js';
import { currentErrorCode } from './errors.js';
import type { RunEvent } from './events.js';
import { gateIdOf } from './events.js';
import { gateRequired, planStepOf, usedStepId } from './run-rules.js';
import { countSteps, initialState } from './state.js';
import type { GateState, RunState, StepState } from './state.js';

function newStep(step: PlanStep): StepState {
  return { stepId: step.id, status: 'pending', attempt: 1 };
}

function withoutKeys<T extends object>(value: T, keys: ReadonlyArray<keyof T>): T {
  const copy = { ...value };
  for (const key of keys) delete copy[key];
  return copy;
}

function setSteps(state: RunState, steps: Readonly<Record<string, StepState>>): RunState {
  return { ...state, steps, counts: countSteps(steps) };
}

function updateStep(state: RunState, stepId: string, update: (step: StepState) => StepState): RunState {
  const step = state.steps[stepId];
  return step ? setSteps(state, { ...state.steps, [stepId]: update(step) }) : state;
}

function updateGate(state: RunState, gateId: string, update: (gate: GateState) => GateState): RunState {
  const gate = state.gates[gateId];
  return gate ? { ...state, gates: { ...state.gates, [gateId]: update(gate) } } : state;
}

function evolveRevision(
  state: RunState,
  addedSteps: readonly PlanStep[],
  removedStepIds: readonly string[],
  revision: number,
  addedDependencies?: AddedDependencies,
): RunState {
  if (!state.plan) return state;
  const steps: Record<string, StepState> = { ...state.steps };
  const gates: Record<string, GateState> = { ...state.gates };
  const retired = [...state.retiredStepIds];
  for (const stepId of removedStepIds) {
    if (usedStepId(steps[stepId]) && !retired.includes(stepId)) retired.push(stepId);
    delete steps[stepId];
    // A redirected gate stays (its step was removed by the redirect itself): a second decision is refused, not "not found".
    const gateId = state.runId === undefined ? undefined : gateIdOf(state.runId, stepId);
    if (gateId !== undefined && gates[gateId]?.status !== 'redirected') delete gates[gateId];
  }
  for (const step of addedSteps) steps[step.id] = newStep(step);
  return {
    ...setSteps(state, steps),
    gates,
    retiredStepIds: retired,
    plan: withAddedDependencies(applyPlanRevision(state.plan, addedSteps, removedStepIds), addedDependencies),
    planRevision: revision,
  };
}

function evolveEvent(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'RunTriggered': {
      const { runId, workflowId, workflowVersion, trigger, input, forkedFrom, evaluation } = event.data;
      return {
        ...state,
        status: 'running',
        runId,
        workflowId,
        workflowVersion,
        trigger,
        input,
        ...(forkedFrom === undefined ? {} : { forkedFrom }),
        ...(evaluation === undefined ? {} : { evaluation }),
      };
    }
    case 'PlanGenerated':
      return {
        ...state,
        generated: { generator: event.data.generator, attempts: event.data.attempts.length },
      };
    case 'PlanCreated': {
      const steps = Object.fromEntries(event.data.plan.steps.map((step) => [step.id, newStep(step)]));
      const { author } = event.data;
      return {
        ...setSteps(state, steps),
        plan: event.data.plan,
        planRevision: 0,
        ...(author === undefined ? {} : { planAuthor: author }),
      };
    }
    case 'PlanRevised':
      return evolveRevision(
        state,
        event.data.addedSteps,
        event.data.removedStepIds,
        event.data.revision,
        event.data.addedDependencies,
      );
    case 'StepPolicyEvaluated': {
      const { stepId, attempt, decision } = event.data;
      const planStep = planStepOf(state, stepId);
      // deny: unchanged (StepBlocked follows); a gate needed: awaiting_approval until OpenGate and GateDecided; else ready.
      const next =
        planStep === undefined || decision.outcome === 'deny'
          ? undefined
          : gateRequired(state, planStep, decision) === undefined
            ? 'ready'
            : 'awaiting_approval';
      return updateStep(state, stepId, (step) => ({
        ...withoutKeys(step, ['retryDueAt']),
        attempt,
        decision,
        status: next ?? step.status,
      }));
    }
    case 'StepBlocked': {
      const { stepId, attempt, code, reason, policies } = event.data;
      return updateStep(state, stepId, (step) => ({
        ...step,
        attempt,
        status: 'blocked',
        blocked: { code: currentErrorCode(code), reason, policies },
      }));
    }
    case 'GateOpened': {
      const { gateId, stepId, attempt, reviewers, reason, source, dueAt, exception } = event.data;
      const escalation = escalationChainOf(event.data);
      const gate: GateState = {
        gateId,
        stepId,
        attempt,
        status: 'open',
        source,
        reason,
        reviewers,
        level: 0,
        escalateTo: escalation[0]?.reviewers ?? [],
        escalation,
        ...(dueAt === undefined ? {} : { dueAt }),
        ...(exception === undefined ? {} : { exception }),
      };
      const withGate = { ...state, gates: { ...state.gates, [gateId]: gate } };
      return updateStep(withGate, stepId, (step) => ({
        ...step,
        gateId,
        status: source === 'confidence' ? step.status : 'awaiting_approval',
      }));
    }
    case 'GateEscalated': {
      const { gateId, level, reviewers, dueAt } = event.data;
      return updateGate(state, gateId, (gate) => ({
        ...withoutKeys(gate, ['dueAt']),
        level,
        reviewers,
        escalateTo: gate.escalation[level]?.reviewers ?? [],
        ...(dueAt === undefined ? {} : { dueAt }),
      }));
    }
    case 'GateDecided': {
      const { gateId, stepId, outcome, reviewer, comment, matchedAs, correctedOutput } = event.data;
      const decided = updateGate(state, gateId, (gate) => ({
        ...gate,
        status: outcome,
        decidedBy: reviewer,
        ...(comment === undefined ? {} : { comment }),
        ...(matchedAs === undefined ? {} : { matchedAs }),
        ...(correctedOutput === undefined ? {} : { correctedOutput }),
      }));
      if (outcome !== 'approved') return decided;
      return updateStep(decided, stepId, (step) => {
        if (step.status === 'awaiting_approval') return { ...step, status: 'ready' };
        // The reviewer's corrected output of a confidence gate is ground truth: downstream steps read it.
        if (correctedOutput !== undefined && step.status === 'succeeded')
          return { ...step, output: correctedOutput, originalOutput: step.output };
        return step;
      });
    }
    case 'StepStarted': {
      const { stepId, attempt, idempotencyKey, input, startedAt, executor } = event.data;
      return updateStep(state, stepId, (step) => ({
        ...withoutKeys(step, ['retryDueAt', 'executor']),
        status: 'running',
        attempt,
        idempotencyKey,
        input,
        startedAt,
        ...(executor === undefined ? {} : { executor }),
      }));
    }
    case 'StepReclaimed': {
      const { stepId, executor } = event.data;
      return updateStep(state, stepId, (step) => ({ ...step, executor }));
    }
    case 'StepSucceeded': {
      const {
        stepId,
        attempt,
        output,
        confidence,
        lineage,
        durationMs,
        completedAt,
        cumulativeConfidence,
        review,
        reasoning,
        alternatives,
        carriedOver,
      } = event.data;
      return updateStep(state, stepId, (step) => ({
        ...withoutKeys(step, [
          'error',
          'failedAt',
          'confidence',
          'lineage',
          'cumulativeConfidence',
          'review',
          'reasoning',
          'alternatives',
          'originalOutput',
        ]),
        ...(carriedOver === true ? { carriedOver: true } : {}),
        status: 'succeeded',
        attempt,
        output,
        durationMs,
        completedAt,
        ...(confidence === undefined ? {} : { confidence }),
        ...(lineage === undefined ? {} : { lineage }),
        ...(cumulativeConfidence === undefined ? {} : { cumulativeConfidence }),
        ...(review === undefined ? {} : { review }),
        ...(reasoning === undefined ? {} : { reasoning }),
        ...(alternatives === undefined ? {} : { alternatives }),
      }));
    }
    case 'StepFailed': {
      const { stepId, attempt, durationMs, failedAt } = event.data;
      // A code stored before the rename of the dotted codes is read as today's (RENAMED_ERROR_CODES).
      const error = { ...event.data.error, code: currentErrorCode(event.data.error.code) };
      return updateStep(state, stepId, (step) => ({ ...step, status: 'failed', attempt, error, durationMs, failedAt }));
    }
    case 'StepRetryScheduled': {
      const { stepId, attempt, dueAt, agent, waitsFor } = event.data;
      // A substitute agent runs the step from this attempt on; a recovered step waits (pending) for its recovery steps.
      const withAgent =
        agent === undefined || !state.plan ? state : { ...state, plan: withStepAgent(state.plan, stepId, agent) };
      if (waitsFor !== undefined && waitsFor.length > 0)
        return updateStep(withAgent, stepId, (step) => ({
          ...withoutKeys(step, ['retryDueAt']),
          status: 'pending',
          attempt,
        }));
      return updateStep(withAgent, stepId, (step) => ({
        ...step,
        status: 'retry_scheduled',
        attempt,
        retryDueAt: dueAt,
      }));
    }
    case 'StepSkipped':
      return updateStep(state, event.data.stepId, (step) => ({
        ...withoutKeys(step, ['retryDueAt']),
        status: 'skipped',
        skipReason: event.data.reason,
        ...(event.data.carriedOver === true ? { carriedOver: true } : {}),
      }));
    case 'RunPaused': {
      const { reason, stepId } = event.data;
      return { ...state, status: 'paused', pause: stepId === undefined ? { reason } : { reason, stepId } };
    }
    case 'RunResumed':
      return { ...withoutKeys(state, ['pause']), status: 'running' };
    case 'RunCompleted':
      return {
        ...withoutKeys(state, ['pause']),
        status: 'completed',
        completedAt: event.data.completedAt,
        durationMs: event.data.durationMs,
      };
    case 'RunFailed': {
      const { reason, stepId, failedAt } = event.data;
      const code = currentErrorCode(event.data.code);
      return {
        ...withoutKeys(state, ['pause']),
        status: 'failed',
        failure: stepId === undefined ? { code, reason, failedAt } : { code, reason, stepId, failedAt },
      };
    }
    case 'RunCancelled':
      return { ...withoutKeys(state, ['pause']), status: 'cancelled', cancelReason: event.data.reason };
    case 'RunQueued':
      return { ...state, status: 'queued' };
    case 'RunDequeued':
      return state.status === 'queued' ? { ...state, status: 'running' } : state;
    default: {
      const _exhaustive: never = event; // a new event type does not compile until handled
      void _exhaustive;
      return state; // an unknown type read from an older or newer writer changes nothing
    }
  }
}

/**
 * The state after `event`. Pure and total: an event naming an unknown step or gate leaves that part unchanged.
 * Never mutates `state`.
 */
export function evolve(state: RunState, event: RunEvent): RunState {
  const next = evolveEvent(state, event);
  return { ...next, eventCount: state.eventCount + 1 };
}

/** The state of a run after all `events`, in order, from {@link initialState}. */
export function foldRun(events: Iterable<RunEvent>, from: RunState = initialState()): RunState {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
}
