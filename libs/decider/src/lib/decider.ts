/**
 * The one shape every event-sourced decider in Keel has, so a command handler, a simulation
 * and the given/when/then spec helper (`DeciderSpecification` in @keel/testing) can take any
 * of them. Anchored on emmett's `Decider` (src/packages/emmett/src/typing/decider.ts), with
 * two differences:
 *  - `decide` returns `Either<Err, readonly Event[]>`: a refusal is a value, never a throw;
 *  - `decide` takes a third argument, `ctx`, for what the decider needs beyond the command and
 *    the state but does not fold from events (the execution config: accounts, instruments,
 *    policy; the roll calendar). It is passed as it is, so no closure hides it, and it is
 *    `void` (and may be left out) for a decider that needs nothing.
 *
 * `evolve` takes no context: the state must follow from the events alone, or a replay of the
 * stream could not rebuild it.
 *
 * A pure util (`type:util`, no I/O): domain libs may import it.
 */
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';

export interface Decider<Command, State, Event, Err, Ctx = void> {
  /** What the command leads to in this state: the new events (none: nothing to do), or why not. */
  readonly decide: (command: Command, state: State, ctx: Ctx) => E.Either<Err, readonly Event[]>;
  /** Fold one event into the state. Total: an event that does not fit the state leaves it as is. */
  readonly evolve: (state: State, event: Event) => State;
  /** The state of a stream with no events. */
  readonly initialState: () => State;
}

/** The state after `events`, from `from` (default: the decider's initial state). */
export const foldEvents = <Command, State, Event, Err, Ctx>(
  decider: Decider<Command, State, Event, Err, Ctx>,
  events: readonly NoInfer<Event>[],
  from: NoInfer<State> = decider.initialState(),
): State => events.reduce(decider.evolve, from);

/** Decide, then fold what was decided: the events and the state they lead to. */
export const handleCommand = <Command, State, Event, Err, Ctx>(
  decider: Decider<Command, State, Event, Err, Ctx>,
  command: NoInfer<Command>,
  state: NoInfer<State>,
  ctx: NoInfer<Ctx>,
): E.Either<Err, { readonly state: State; readonly events: readonly Event[] }> =>
  pipe(
    decider.decide(command, state, ctx),
    E.map((events) => ({ state: events.reduce(decider.evolve, state), events })),
  );
