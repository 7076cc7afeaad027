import fc from 'fast-check';
import type { CommandActor, RunCommand } from './commands.js';
import { decide } from './decide.js';
import { LedgerflowError } from './errors.js';
import type { PolicyDecision, RunEvent } from './events.js';
import { stepIdempotencyKey } from './events.js';
import { foldRun } from './evolve.js';
import { dueGates, gatesToOpen, gateWakeAt, nextActions, wakeAt } from './next-actions.js';
import type { Plan, PlanStep } from './plan.js';
import { aPlan, aStep, allow, deny, requireApproval, RUN_ID } from './run-fixtures.spec-util.js';
import type { RunState } from './state.js';
import { initialState } from './state.js';
import { addMilliseconds, isDue } from './time.js';

/**
 * Random executions of the Run aggregate for property tests: a random valid DAG plan, then commands
 * picked among what `nextActions` offers, `OpenGate` for what `gatesToOpen` lists (sometimes late), random
 * outcomes, operator recovery and hostile commands (wrong attempt, wrong reviewer, agent deciding a gate,
 * a gate opened twice or for a step not awaiting approval, ...). Only accepted commands add events.
 */

const START = '2026-05-01T10:00:00.000Z';

/** A valid DAG plan of 1..12 steps (dependencies on earlier steps), concurrency 1..4. */
export const planArbitrary: fc.Arbitrary<Plan> = fc.integer({ min: 1, max: 12 }).chain((count) =>
  fc
    .record({
      concurrency: fc.integer({ min: 1, max: 4 }),
      steps: fc.tuple(
        ...Array.from({ length: count }, (_, i) =>
          fc.record({
            dependsOn: fc.subarray(
              Array.from({ length: i }, (__, j) => `s${j}`),
              { maxLength: Math.min(3, i) },
            ),
            optional: fc.boolean(),
            gate: fc.option(
              fc.record({
                reviewers: fc.constantFrom(['alice'], ['dana'], ['bob', 'dana']),
                slaSeconds: fc.integer({ min: 0, max: 60 }),
                escalate: fc.boolean(),
              }),
              { freq: 4 },
            ),
            maxAttempts: fc.integer({ min: 1, max: 3 }),
            backoffMs: fc.integer({ min: 0, max: 2000 }),
            multiplier: fc.integer({ min: 1, max: 3 }),
            minConfidence: fc.option(fc.constantFrom(0.5, 0.8), { freq: 3 }),
          }),
        ),
      ),
    })
    .map(({ concurrency, steps }) =>
      aPlan(
        steps.map((spec, i) =>
          aStep(`s${i}`, {
            dependsOn: spec.dependsOn,
            optional: spec.optional,
            retry: {
              maxAttempts: spec.maxAttempts,
              backoffMs: spec.backoffMs,
              multiplier: spec.multiplier,
              maxBackoffMs: 3000,
            },
            ...(spec.gate
              ? {
                  gate: {
                    reviewers: spec.gate.reviewers,
                    slaSeconds: spec.gate.slaSeconds,
                    ...(spec.gate.escalate ? { escalateTo: ['carol'] } : {}),
                  },
                }
              : {}),
            ...(spec.minConfidence === null ? {} : { minConfidence: spec.minConfidence }),
          }),
        ),
        { concurrency },
      ),
    ),
);

export interface Simulation {
  readonly history: RunEvent[];
  /** The state after each accepted command, built by evolving the previous one. */
  readonly states: RunState[];
  readonly accepted: RunCommand[];
  /** Index in `history` of the first event of each accepted command's batch. */
  readonly batchStarts: ReadonlySet<number>;
  readonly refused: number;
}

/** Freezes a value and everything it holds, so a mutation by `evolve` throws (ES modules run in strict mode). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** Picks from a seeded pseudo-random sequence (mulberry32), so a failing execution replays from its seed. */
class Chooser {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  pick(n: number): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const unit = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    return n <= 0 ? 0 : Math.floor(unit * n);
  }
  one<T>(items: readonly T[]): T {
    return items[this.pick(items.length)] as T;
  }
}

function decisionFor(chooser: Chooser): PolicyDecision {
  const roll = chooser.pick(40);
  return roll === 0 ? deny : roll <= 6 ? requireApproval : allow;
}

function stepsWith(state: RunState, status: string): string[] {
  return Object.values(state.steps)
    .filter((step) => step.status === status)
    .map((step) => step.stepId);
}

function revision(state: RunState, chooser: Chooser, serial: number, removedDefs: PlanStep[]): RunCommand {
  const ids = (state.plan?.steps ?? []).map((step) => step.id);
  const removeStepIds = chooser.pick(2) === 0 && ids.length > 0 ? [chooser.one(ids)] : [];
  const remaining = ids.filter((id) => !removeStepIds.includes(id));
  const added =
    chooser.pick(3) === 0 && removedDefs.length > 0
      ? chooser.one(removedDefs)
      : aStep(`n${serial}`, {
          dependsOn: remaining.filter(() => chooser.pick(3) === 0).slice(0, 2),
          optional: chooser.pick(2) === 0,
        });
  const addSteps = removeStepIds.length > 0 && chooser.pick(2) === 0 ? [] : [added];
  return {
    type: 'RevisePlan',
    data: { author: 'planner', reason: 'simulated', addSteps, removeStepIds, runDurationMs: 1 },
  };
}

function candidates(
  state: RunState,
  now: string,
  chooser: Chooser,
  serial: number,
  removedDefs: PlanStep[],
): RunCommand[] {
  const list: RunCommand[] = [];
  for (const action of nextActions(state, now)) {
    if (action.type === 'start_step') {
      list.push({
        type: 'StartStep',
        data: {
          stepId: action.stepId,
          attempt: action.attempt,
          idempotencyKey: stepIdempotencyKey(RUN_ID, action.stepId, action.attempt),
          input: {},
        },
      });
    } else {
      list.push({
        type: 'RecordStepPolicyDecision',
        data: { stepId: action.stepId, attempt: action.attempt, decision: decisionFor(chooser) },
      });
    }
  }
  // Beyond the free slots: ready steps and evaluable steps nextActions holds back (refused or accepted, never over the limit).
  for (const stepId of stepsWith(state, 'ready')) {
    const attempt = state.steps[stepId]?.attempt ?? 1;
    list.push({
      type: 'StartStep',
      data: { stepId, attempt, idempotencyKey: stepIdempotencyKey(RUN_ID, stepId, attempt), input: {} },
    });
  }
  for (const stepId of stepsWith(state, 'pending')) {
    list.push({
      type: 'RecordStepPolicyDecision',
      data: { stepId, attempt: state.steps[stepId]?.attempt ?? 1, decision: decisionFor(chooser) },
    });
  }
  for (const stepId of stepsWith(state, 'running')) {
    const attempt = state.steps[stepId]?.attempt ?? 1;
    const roll = chooser.pick(6);
    const confidence = chooser.one([undefined, 0.3, 0.9, 1]);
    list.push(
      roll < 3
        ? {
            type: 'RecordStepSucceeded',
            data: {
              stepId,
              attempt,
              output: { stepId },
              ...(confidence === undefined ? {} : { confidence }),
              durationMs: 5,
              runDurationMs: 50,
            },
          }
        : {
            type: 'RecordStepFailed',
            data: { stepId, attempt, error: { code: 'e', message: 'failed', retryable: roll < 5 }, durationMs: 5 },
          },
    );
  }
  // The approval service opens gates; it is sometimes late, so other commands interleave before the gate opens.
  if (chooser.pick(3) !== 0)
    for (const { stepId } of gatesToOpen(state))
      list.push({ type: 'OpenGate', data: { stepId, confidenceDefault: { reviewers: ['role:reviewer'] } } });
  for (const gate of Object.values(state.gates).filter((candidate) => candidate.status === 'open')) {
    const named = chooser.one(gate.reviewers);
    const reviewer: CommandActor =
      chooser.pick(8) === 0
        ? { kind: 'agent', id: gate.reviewers[0] ?? 'x' }
        : named.startsWith('role:')
          ? ({ kind: 'human', id: 'rita', roles: [named.slice(5)] } as CommandActor)
          : { kind: 'human', id: chooser.pick(8) === 0 ? 'mallory' : named };
    const roll = chooser.pick(20);
    const corrected =
      gate.source === 'confidence' && chooser.pick(2) === 0 ? { correctedOutput: { corrected: gate.stepId } } : {};
    list.push(
      roll === 0
        ? { type: 'DecideGate', data: { gateId: gate.gateId, reviewer, outcome: 'reject' } }
        : roll === 1
          ? {
              type: 'DecideGate',
              data: {
                gateId: gate.gateId,
                reviewer,
                outcome: 'redirect',
                revision: {
                  addSteps: [aStep(`r${serial}`, { dependsOn: gate.source === 'confidence' ? [gate.stepId] : [] })],
                  removeStepIds: [],
                },
              },
            }
          : { type: 'DecideGate', data: { gateId: gate.gateId, reviewer, outcome: 'approve', ...corrected } },
    );
  }
  const anyGate = Object.values(state.gates);
  if (anyGate.length > 0 && chooser.pick(4) === 0) {
    const gate = chooser.one(anyGate);
    list.push({
      type: 'DecideGate',
      data: { gateId: gate.gateId, reviewer: { kind: 'human', id: chooser.one(gate.reviewers) }, outcome: 'approve' },
    });
  }
  for (const gate of dueGates(state, now)) list.push({ type: 'EscalateGate', data: { gateId: gate.gateId } });
  for (const stepId of stepsWith(state, 'failed')) {
    list.push(
      { type: 'RetryStep', data: { stepId } },
      { type: 'SkipStep', data: { stepId, reason: 'operator', runDurationMs: 60 } },
    );
  }
  // Hostile or rare commands: most are refused; the invariants must hold whatever is accepted.
  const ids = Object.keys(state.steps);
  if (ids.length > 0 && chooser.pick(3) === 0) {
    const stepId = chooser.one(ids);
    const attempt = 1 + chooser.pick(3);
    const roll = chooser.pick(3);
    list.push(
      roll === 0
        ? {
            type: 'StartStep',
            data: { stepId, attempt, idempotencyKey: stepIdempotencyKey(RUN_ID, stepId, attempt), input: {} },
          }
        : roll === 1
          ? { type: 'RecordStepPolicyDecision', data: { stepId, attempt, decision: allow } }
          : { type: 'OpenGate', data: { stepId } },
    );
  }
  if (state.status === 'paused') list.push({ type: 'ResumeRun', data: { reason: 'operator' } });
  const rare = chooser.pick(40);
  if (rare === 0 && chooser.pick(4) === 0) list.push({ type: 'CancelRun', data: { reason: 'operator' } });
  if (rare >= 1 && rare <= 3)
    list.push({ type: 'PauseRun', data: { reason: 'operator' } }, { type: 'ResumeRun', data: { reason: 'operator' } });
  if (rare >= 4 && rare <= 8) list.push(revision(state, chooser, serial, removedDefs));
  return list;
}

/** Runs a random execution of `plan` driven by `seed`, trying at most `maxCommands` commands. */
export function simulate(plan: Plan, seed: number, maxCommands = 300): Simulation {
  const chooser = new Chooser(seed);
  let now = START;
  const start: RunCommand = {
    type: 'StartRun',
    data: {
      runId: RUN_ID,
      workflowId: plan.workflowId,
      workflowVersion: plan.workflowVersion,
      trigger: { source: 'nats', idempotencyKey: 'k' },
      input: {},
      plan,
    },
  };
  const history: RunEvent[] = [...decide(start, initialState(), { now })];
  let state = deepFreeze(foldRun(history));
  const states: RunState[] = [state];
  const accepted: RunCommand[] = [start];
  const removedDefs: PlanStep[] = [];
  const batchStarts = new Set<number>([0]);
  let refused = 0;
  let afterEnd = 0;
  for (let serial = 0; serial < maxCommands; serial += 1) {
    if (['completed', 'failed', 'cancelled'].includes(state.status) && (afterEnd += 1) > 20) break; // a few commands after the end, all refused
    if (chooser.pick(3) === 0) now = addMilliseconds(now, chooser.pick(4000));
    const list = candidates(state, now, chooser, serial, removedDefs);
    if (list.length === 0) {
      if (gatesToOpen(state).length > 0) continue; // the approval service was late this time; it opens the gate later
      const wake = wakeAt(state) ?? gateWakeAt(state);
      if (wake === undefined || isDue(wake, now)) break;
      now = wake; // nothing to do until a retry or an escalation is due: let the durable timer fire
      continue;
    }
    const command = chooser.one(list);
    let events: RunEvent[];
    try {
      events = decide(command, state, { now });
    } catch (error) {
      if (!(error instanceof LedgerflowError)) throw error;
      refused += 1;
      continue;
    }
    if (command.type === 'RevisePlan') {
      for (const id of command.data.removeStepIds) {
        const def = state.plan?.steps.find((step) => step.id === id);
        if (def) removedDefs.push(def);
      }
    }
    batchStarts.add(history.length);
    history.push(...events);
    state = events.reduce((current, event) => deepFreeze(foldRun([event], current)), state);
    states.push(state);
    accepted.push(command);
  }
  return { history, states, accepted, batchStarts, refused };
}
