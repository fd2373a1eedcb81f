// Given/when/then for deciders: past events fold into a state, a command is decided, and the spec names
// either the events it must produce or the refusal it must throw.
import type { AnyCommand, Decider, Event } from '../../src/domain/decider';
import { DomainError } from '../../src/domain/errors';

type ErrorClass = abstract new (...args: never[]) => DomainError;

export interface When<E> {
  /** The command produces exactly these events (`[]`: accepted, nothing to record). */
  then(expected: readonly E[]): void;
  /** The command is refused with this domain error, optionally with a message matching `message`. */
  thenThrows(errorClass: ErrorClass, message?: RegExp): void;
}

export interface Given<S, C, E> {
  when(command: C): When<E>;
  /** Folding the given events with evolve yields this state. */
  thenState(expected: S): void;
}

export function given<S, C extends AnyCommand, E extends Event>(
  decider: Decider<S, C, E>,
  ...events: E[]
): Given<S, C, E> {
  // evolve one event at a time, exactly as its definition says: the batch fold is checked against it separately.
  const state = () => events.reduce((s, e) => decider.evolve(s, e), decider.initialState());
  return {
    when: (command) => ({
      // biome-ignore lint/suspicious/noThenProperty: the spec reads given/when/then; nothing awaits a When.
      then: (expected) => {
        expect(decider.decide(command, state())).toEqual(expected);
      },
      thenThrows: (errorClass, message) => {
        let thrown: unknown;
        try {
          decider.decide(command, state());
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(DomainError);
        expect(thrown).toBeInstanceOf(errorClass);
        if (message) expect((thrown as Error).message).toMatch(message);
      },
    }),
    thenState: (expected) => {
      expect(state()).toEqual(expected);
    },
  };
}
