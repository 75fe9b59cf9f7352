/**
 * What an app is, as data: the state it folds from the log and the writes its events call
 * for. The platform (`startFoldingApp`) does the rest: snapshot, replay, consume, react,
 * snapshot again. Projections and reactions are pure; the shell supplies time and I/O.
 */
import * as TE from 'fp-ts/TaskEither';
import { EventType, KeelError, NewEvent, RecordedEvent } from '@keel/events';
import { ExpectedRevision } from '@keel/event-store';

export interface Projection<S> {
  /** Bump when the state's shape or `evolve` changes: older snapshots are then ignored. */
  readonly version: number;
  /** Plain JSON data (it is snapshotted as JSON). */
  readonly initial: S;
  /** The event types this state depends on; replay and consumption are filtered to them. */
  readonly eventTypes: readonly EventType[];
  readonly evolve: (state: S, event: RecordedEvent) => S;
  /**
   * Whether a stored snapshot of this version can be folded on from, beyond its version: e.g.
   * the gateway's holds a log for every account it owns now (one added since would otherwise
   * miss its history). Default: yes.
   */
  readonly resumesFrom?: (state: unknown) => boolean;
}

/** One atomic append the app wants made. Event ids must derive from the causing event. */
export interface Write {
  readonly stream: string;
  readonly expected: ExpectedRevision;
  readonly events: readonly NewEvent[];
}

export interface ReactContext {
  readonly app: string;
  /** Epoch ms from the injected clock. */
  readonly now: number;
  /**
   * True when the event is reacted to again after a restart (it lies past the reaction
   * checkpoint, so an earlier run may or may not have acted on it). A reaction with outside
   * effects must then find out what the earlier run did (e.g. look an order up by its client
   * order id) before acting again.
   */
  readonly again: boolean;
}

export interface FoldingApp<S> {
  /** kebab-case; names the durable consumer and the snapshot key. */
  readonly name: string;
  readonly projection: Projection<S>;
  /**
   * The writes an applied event calls for (state already includes the event). Pure for most
   * apps; an app at the edge of the system (the venue gateway) may act on the outside world
   * here and return the events that record what happened. A `Left` (from a TaskEither) or a
   * rejection leaves the event unapplied, to be delivered again: the runtime is the edge
   * where a Left becomes that outcome.
   */
  readonly react?: (
    event: RecordedEvent,
    state: S,
    ctx: ReactContext,
  ) => readonly Write[] | Promise<readonly Write[]> | TE.TaskEither<KeelError, readonly Write[]>;
}
