import { LedgerflowError } from './errors.js';

/**
 * Given/when/then for deciders, after Emmett's `DeciderSpecification`
 * (event-driven-io/emmett, src/packages/emmett/src/testing/deciderSpecification.ts):
 * the state is the fold of the given events; the command's events (or its error) are the assertion.
 */
export interface Decider<Command, Event, State, Context> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export interface DeciderThen<Event> {
  /** The command produces exactly these events, in this order. */
  then(expected: Event[]): void;
  /** The command is refused with this code (and, when given, these details among the error's). */
  thenThrows(code: string, details?: Record<string, unknown>): LedgerflowError;
  /** The events produced, for assertions of one field. */
  events(): Event[];
}

export function deciderSpecification<Command, Event, State, Context>(
  decider: Decider<Command, Event, State, Context>,
  defaultContext: Context,
) {
  return (given: Event[]) => ({
    when(command: Command, context: Context = defaultContext): DeciderThen<Event> {
      const handle = (): Event[] =>
        decider.decide(command, given.reduce(decider.evolve, decider.initialState()), context);
      return {
        then: (expected) => expect(handle()).toEqual(expected),
        thenThrows: (code, details) => {
          let caught: unknown;
          let produced: Event[] | undefined;
          try {
            produced = handle();
          } catch (error) {
            caught = error;
          }
          expect(produced).toBeUndefined();
          expect(caught).toBeInstanceOf(LedgerflowError);
          const error = caught as LedgerflowError;
          expect(error.code).toBe(code);
          if (details) expect(error.details).toEqual(expect.objectContaining(details));
          return error;
        },
        events: handle,
      };
    },
  });
}
