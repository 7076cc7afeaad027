import { gateIdOf, stepIdempotencyKey } from '@ledgerflow/domain';
import type {
  GateDecided,
  GateOpened,
  Plan,
  PlanCreated,
  PlanRevised,
  PlanStep,
  PolicyDecision,
  RunPaused,
  RunTriggered,
  StepBlocked,
  StepFailed,
  StepPolicyEvaluated,
  StepRetryScheduled,
  StepSkipped,
  StepStarted,
  StepSucceeded,
} from '@ledgerflow/domain';
import { ALLOW } from './run-history.js';

/** The time every event of {@link runEventFixtures} carries unless a clock is given. */
export const RUN_EVENT_TIME = '2026-05-01T10:00:00.000Z';

/**
 * `time(tick)`: the ISO-8601 UTC time at `tick` of a run. Attempt `n` starts at tick `n` and succeeds or fails at
 * `n + 1`; a retry scheduled for attempt `n` is due at tick `n + 2`. Default: {@link RUN_EVENT_TIME} for every tick.
 */
export interface RunEventClock {
  readonly time?: (tick: number) => string;
}

type Overrides<E extends { data: unknown }> = Partial<E['data']>;

/**
 * Typed run events of run `runId` as literals, for given/when/then specs and read models fed a history the decider
 * need not produce (to record them as stored events, pass them to `RunHistoryBuilder.record`). Each builder takes the
 * fields that vary, then `overrides` replacing any field of the event's `data`. Defaults: trigger `api` with key `k`
 * and input `{}`; decision {@link ALLOW}; attempt 1; a started step's input `{}`; output `{ ok: true }`; 5 ms
 * durations; a retryable `tool_error`; a retry with no delay; gates `needs review` by `claims-lead` from the
 * definition; `PlanRevised` revision 1 by `operator-1`; `RunPaused` by the operator.
 * @example
 * const ev = runEventFixtures('run-1', { time: (tick) => new Date(Date.UTC(2026, 4, 1, 10, 0, tick)).toISOString() });
 * const history = [...ev.started(aPlan([aStep('a')])), ev.evaluated('a'), ev.stepStarted(aStep('a')), ev.succeeded('a')];
 */
export function runEventFixtures(runId: string, clock: RunEventClock = {}) {
  const time = clock.time ?? (() => RUN_EVENT_TIME);
  return {
    /** `RunTriggered` for `plan`'s workflow and version, then `PlanCreated`. */
    started: (plan: Plan, overrides: Overrides<RunTriggered> = {}): [RunTriggered, PlanCreated] => [
      {
        type: 'RunTriggered',
        data: {
          runId,
          workflowId: plan.workflowId,
          workflowVersion: plan.workflowVersion,
          trigger: { source: 'api', idempotencyKey: 'k' },
          input: {},
          ...overrides,
        },
      },
      { type: 'PlanCreated', data: { plan } },
    ],
    evaluated: (stepId: string, attempt = 1, decision: PolicyDecision = ALLOW): StepPolicyEvaluated => ({
      type: 'StepPolicyEvaluated',
      data: { stepId, attempt, decision },
    }),
    /** `step`'s agent, tool, action and timeout; idempotency key `<runId>/<stepId>/<attempt>`; starts at tick `attempt`. */
    stepStarted: (step: PlanStep, attempt = 1, overrides: Overrides<StepStarted> = {}): StepStarted => ({
      type: 'StepStarted',
      data: {
        stepId: step.id,
        attempt,
        idempotencyKey: stepIdempotencyKey(runId, step.id, attempt),
        agent: step.agent,
        tool: step.tool,
        action: step.action,
        input: {},
        timeoutMs: step.timeoutMs,
        startedAt: time(attempt),
        ...overrides,
      },
    }),
    succeeded: (stepId: string, attempt = 1, overrides: Overrides<StepSucceeded> = {}): StepSucceeded => ({
      type: 'StepSucceeded',
      data: { stepId, attempt, output: { ok: true }, durationMs: 5, completedAt: time(attempt + 1), ...overrides },
    }),
    failed: (stepId: string, attempt = 1, overrides: Overrides<StepFailed> = {}): StepFailed => ({
      type: 'StepFailed',
      data: {
        stepId,
        attempt,
        error: { code: 'tool_error', message: 'the tool failed', retryable: true },
        durationMs: 5,
        failedAt: time(attempt + 1),
        ...overrides,
      },
    }),
    /** `attempt`: the attempt that will run next, due at tick `attempt + 2`. */
    retryScheduled: (
      stepId: string,
      attempt: number,
      overrides: Overrides<StepRetryScheduled> = {},
    ): StepRetryScheduled => ({
      type: 'StepRetryScheduled',
      data: { stepId, attempt, delayMs: 0, dueAt: time(attempt + 2), ...overrides },
    }),
    /** The gate of `stepId`'s first attempt, id `gateIdOf(runId, stepId)`. */
    gateOpened: (stepId: string, overrides: Overrides<GateOpened> = {}): GateOpened => ({
      type: 'GateOpened',
      data: {
        gateId: gateIdOf(runId, stepId),
        stepId,
        attempt: 1,
        reviewers: ['claims-lead'],
        reason: 'needs review',
        source: 'definition',
        ...overrides,
      },
    }),
    gateDecided: (
      stepId: string,
      outcome: GateDecided['data']['outcome'] = 'approved',
      overrides: Overrides<GateDecided> = {},
    ): GateDecided => ({
      type: 'GateDecided',
      data: { gateId: gateIdOf(runId, stepId), stepId, outcome, reviewer: 'claims-lead', ...overrides },
    }),
    blocked: (stepId: string, overrides: Overrides<StepBlocked> = {}): StepBlocked => ({
      type: 'StepBlocked',
      data: {
        stepId,
        attempt: 1,
        code: 'policy_denied',
        reason: 'denied',
        policies: ['claims-payout/limit'],
        ...overrides,
      },
    }),
    skipped: (stepId: string, overrides: Overrides<StepSkipped> = {}): StepSkipped => ({
      type: 'StepSkipped',
      data: { stepId, reason: 'condition_false', ...overrides },
    }),
    revised: (addedSteps: readonly PlanStep[], overrides: Overrides<PlanRevised> = {}): PlanRevised => ({
      type: 'PlanRevised',
      data: { revision: 1, author: 'operator-1', reason: 'add a step', addedSteps, removedStepIds: [], ...overrides },
    }),
    paused: (overrides: Overrides<RunPaused> = {}): RunPaused => ({
      type: 'RunPaused',
      data: { reason: 'operator', ...overrides },
    }),
  };
}

/** The builders {@link runEventFixtures} returns. */
export type RunEventFixtures = ReturnType<typeof runEventFixtures>;
