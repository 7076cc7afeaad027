import type { DecideContext, RunCommand, StartStep } from './commands.js';
import { decide } from './decide.js';
import type { RunEvent } from './events.js';
import { evolve } from './evolve.js';
import { runningCount } from './run-rules.js';
import type { RunState } from './state.js';

/** One handler of a sequence: the command to decide on the state the earlier ones led to, or undefined to stop there. */
export type SequencedCommand = (state: RunState) => RunCommand | undefined;

/**
 * Decides handlers one after another, each on the state the events before it lead to (a list of handlers, as
 * Emmett composes deciders): the events of one commit. Pure, like {@link decide}. Stops at the first handler that
 * returns undefined.
 * @throws the first refusal (`DomainError`, `ValidationError`); nothing is kept of the handlers before it.
 * @example
 * decideInSequence(state, { now }, [() => recordDecision, startWhenReady({ stepId, attempt, idempotencyKey, input })])
 */
export function decideInSequence(
  state: RunState,
  context: DecideContext,
  handlers: readonly SequencedCommand[],
): RunEvent[] {
  const events: RunEvent[] = [];
  let current = state;
  for (const handler of handlers) {
    const command = handler(current);
    if (command === undefined) break;
    const decided = decide(command, current, context);
    events.push(...decided);
    current = decided.reduce<RunState>((s, e) => evolve(s, e), current);
  }
  return events;
}

/**
 * `StartStep` when the attempt may start now: the step is `ready` at that attempt (its decision allowed it and no
 * gate holds it) and fewer than `plan.concurrency` steps run; otherwise nothing (it starts in a later pass: after its
 * gate is approved, or when a slot frees). The executor records a policy decision and starts the step in one commit so.
 */
export function startWhenReady(data: StartStep['data']): SequencedCommand {
  return (state) => {
    const step = state.steps[data.stepId];
    if (step?.status !== 'ready' || step.attempt !== data.attempt) return undefined;
    if (runningCount(state) >= (state.plan?.concurrency ?? 1)) return undefined;
    return { type: 'StartStep', data };
  };
}
