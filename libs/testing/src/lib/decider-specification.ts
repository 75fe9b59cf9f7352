/**
 * Given / when / then for deciders (STYLE.md item 11), anchored on emmett's
 * `DeciderSpecification` (src/packages/emmett/src/testing/deciderSpecification.ts):
 *
 *   const spec = DeciderSpecification.for(parentOrderDecider, cfg);
 *   spec.given(history).when(command).then([...expected events]);
 *   spec.given(history).when(command).thenFails('NotFoundError');
 *   spec.given(history).when(command).thenNothing();
 *
 * `given` folds the events with the decider's own `evolve` from its `initialState`, so a spec
 * states history as facts, never as a hand-built state. Our deciders return `Either`, so a
 * refusal is a `Left` (emmett's `thenThrows` becomes `thenFails`), and a Left where events
 * were expected (or events where a refusal was) fails with what the decider did say.
 * Expectations go through jest's `expect(...).toEqual`, so asymmetric matchers
 * (`expect.objectContaining`, `expect.any`) work inside them.
 */
import * as E from 'fp-ts/Either';
import type { Decider } from '@keel/decider';

/** The context argument: none for a decider without one, else exactly one. */
type CtxArgs<Ctx> = [Ctx] extends [void] ? [] : [ctx: Ctx];

type TagOf<Err> = Err extends { readonly _tag: infer T extends string } ? T : never;

/**
 * What a refusal must be: its `_tag` (a string), a predicate, or the error itself (compared
 * with `toEqual`, matchers allowed).
 */
export type ErrorExpectation<Err> = TagOf<Err> | ((error: Err) => boolean) | Err;

export interface DeciderThen<Event, Err> {
  /** The command is accepted and decides exactly these events, in this order. */
  then(expected: readonly Event[]): void;
  /** The command is refused, with an error that meets the expectation (any error if none is given). */
  thenFails(expected?: ErrorExpectation<Err>): void;
  /** The command is accepted and changes nothing (no events). */
  thenNothing(): void;
}

export interface DeciderGiven<Command, Event, Err> {
  when(command: Command): DeciderThen<Event, Err>;
}

export interface DeciderSpec<Command, Event, Err> {
  /** The stream's history, oldest first (an empty list: a new stream). */
  given(events: readonly Event[]): DeciderGiven<Command, Event, Err>;
}

const show = (x: unknown): string => {
  try {
    return JSON.stringify(x);
  } catch {
    return String(x);
  }
};

const specFor = <Command, State, Event, Err, Ctx>(
  decider: Decider<Command, State, Event, Err, Ctx>,
  ...ctxArgs: CtxArgs<Ctx>
): DeciderSpec<Command, Event, Err> => ({
  given: (history) => ({
    when: (command) => {
      // Decided lazily, inside the `then…` call, so an evolve or decide that throws fails that step.
      const decided = (): E.Either<Err, readonly Event[]> => {
        const state = history.reduce(decider.evolve, decider.initialState());
        // A decider with no context ignores its third argument; CtxArgs makes it exactly Ctx otherwise.
        return decider.decide(command, state, ctxArgs[0] as Ctx);
      };
      const accepted = (): readonly Event[] => {
        const r = decided();
        if (E.isLeft(r))
          throw new Error(`expected the command to be accepted, but the decider refused it: ${show(r.left)}`);
        return r.right;
      };
      return {
        then: (expected) => {
          expect(accepted()).toEqual(expected);
        },
        thenNothing: () => {
          expect(accepted()).toEqual([]);
        },
        thenFails: (...expectation) => {
          const r = decided();
          if (E.isRight(r))
            throw new Error(`expected the command to be refused, but the decider decided: ${show(r.right)}`);
          if (expectation.length === 0) return;
          const [want] = expectation;
          if (typeof want === 'string') expect(r.left).toEqual(expect.objectContaining({ _tag: want }));
          else if (typeof want === 'function') {
            if (!(want as (error: Err) => boolean)(r.left))
              throw new Error(`the refusal does not meet the expectation: ${show(r.left)}`);
          } else expect(r.left).toEqual(want);
        },
      };
    },
  }),
});

export const DeciderSpecification = {
  /** A given/when/then spec for `decider`; pass its context when it takes one. */
  for: specFor,
};
