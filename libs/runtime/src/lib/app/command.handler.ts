/**
 * The command handler every engine decides through (the anchor is emmett's
 * `CommandHandler`): load the aggregate by folding its stream, decide on it, append what was
 * decided at the revision the decision read, and on a concurrency conflict re-read and decide
 * again. The aggregate is cached per stream between commands, so a hot aggregate is not
 * re-read each time; the cache holds one entry per stream the engine works on.
 *
 * With `snapshots`, a long stream is not folded from its start at every load: every `every`
 * events the handler saves the state under the stream's name (the store's snapshots), and a load
 * starts from the latest one of the same version and folds only what came after it. Without
 * them an aggregate that lives for weeks (execution's, one per account and instrument) costs
 * more to load, at every start, the longer it has traded.
 *
 * Failures, and what the handler does about them:
 * - the decider refuses (its own error type): returned as is, nothing stored;
 * - ConcurrencyError, or an event id already stored (a decision written by an earlier run):
 *   re-read the stream and decide again, up to `maxAttempts`, then a ConcurrencyError;
 * - InfrastructureError (store unreachable): waited out with back-off on the clock for as
 *   long as it lasts (the same event ids make a retried append idempotent), unless stopping;
 * - a stored event that does not decode: a ValidationError naming it (no decision on a
 *   state that cannot be rebuilt).
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { ConcurrencyError, KeelError, NewEvent, RecordedEvent } from '@keel/events';
import { AppendError, EventStore, foldStream } from '@keel/event-store';
import { Clock } from '@keel/clock';
import { backoffDelay } from '../lifecycle/retry.backoff';

/** How a stream's stored events fold into the state decisions are made on. */
export interface AggregateFold<S> {
  initial(stream: string): S;
  /** Left: the stored event does not decode into this aggregate. */
  evolve(state: S, event: RecordedEvent): E.Either<KeelError, S>;
}

/** What a decision wants stored, and the state once it is. */
export interface Decision<S> {
  readonly events: readonly NewEvent[];
  readonly state: S;
}

export interface Handled<S> {
  readonly state: S;
  /** What this call stored (empty when the decision was to do nothing). */
  readonly events: readonly NewEvent[];
  /** The stream's revision after the call (-1: no stream yet). */
  readonly revision: number;
}

export interface CommandHandler<S> {
  /** Decide on the stream's current state and store the result (see the module header). */
  handle<Err>(
    stream: string,
    decide: (state: S, revision: number) => E.Either<Err, Decision<S>>,
    options?: HandleOptions,
  ): TE.TaskEither<Err | KeelError, Handled<S>>;
  /** The aggregate as last loaded or decided (loaded now if not cached). */
  load(stream: string): TE.TaskEither<KeelError, { readonly state: S; readonly revision: number }>;
  /** The cached aggregate, if any (no I/O). */
  cached(stream: string): S | undefined;
  /** Every cached aggregate, by stream. */
  all(): ReadonlyMap<string, S>;
}

export interface HandleOptions {
  /**
   * Decide on the initial state without reading a stream that is not cached, and append
   * expecting no stream: for streams that are almost always new (one per request key). When the
   * stream does exist, the append conflicts and the handler reads it and decides again, so the
   * outcome is the same as reading first; only the common case saves the read.
   */
  readonly assumeNew?: boolean;
}

/** How an aggregate's state is saved and restored (see the module header). */
export interface AggregateSnapshots<S> {
  /** The state's schema version: a snapshot of another version is ignored (folded from the start). */
  readonly version: number;
  /** Save one once this many events were folded or decided since the last one (≥ 1). */
  readonly every: number;
  /** The state as plain JSON. */
  encode(state: S): unknown;
  /** The state back from `encode`'s JSON; null: unusable (the stream is folded from its start). */
  decode(json: unknown, stream: string): S | null;
  /** A snapshot could not be saved: nothing is lost, the next is tried `every` events later. */
  readonly onSaveFailed?: (stream: string, error: KeelError) => void;
}

export interface CommandHandlerOptions<S> {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly fold: AggregateFold<S>;
  /** Re-reads after a conflict before giving up (default 5). */
  readonly maxAttempts?: number;
  /**
   * Streams kept in the cache, at most: the least recently used is dropped first and read again
   * when next needed. Default: no bound (an engine whose streams are few and all live, such as
   * execution's parent orders, which `all()` lists). An engine with a stream per request (the
   * prediction intake) bounds it so memory stays flat.
   */
  readonly maxCached?: number;
  /**
   * How long (clock ms) an append waits out a store outage before returning it. Default: as long
   * as it lasts. A request/response intake bounds it: its caller retries (the same event ids make
   * that safe) rather than waiting on an open connection.
   */
  readonly outageBudgetMs?: number;
  /** Back-off while the store is unreachable (default 200 ms doubling to 5 s). */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  /** True once the engine is stopping: an outage is then returned instead of waited out. */
  readonly stopping?: () => boolean;
  readonly onConflict?: (stream: string) => void;
  readonly onOutage?: (stream: string, error: KeelError, attempt: number) => void;
  /** Save and restore the state every so many events (default: none, every load folds it all). */
  readonly snapshots?: AggregateSnapshots<S>;
}

/** A cached aggregate: its state, the revision it includes and that of its last snapshot (-1: none). */
interface Entry<S> {
  readonly state: S;
  readonly revision: number;
  readonly snapshotAt: number;
}

const conflicted = (e: AppendError): boolean =>
  e._tag === 'ConcurrencyError' || (e._tag === 'ValidationError' && e.path === '/eventId');

export const createCommandHandler = <S>(o: CommandHandlerOptions<S>): CommandHandler<S> => {
  const cache = new Map<string, Entry<S>>();
  const maxCached = o.maxCached ?? Infinity;
  const snaps = o.snapshots;
  /** Caches an entry as the most recently used, dropping the least recently used over the bound. */
  const remember = (stream: string, entry: Entry<S>): void => {
    if (maxCached !== Infinity) cache.delete(stream);
    cache.set(stream, entry);
    if (cache.size > maxCached) cache.delete(cache.keys().next().value as string);
  };
  const maxAttempts = o.maxAttempts ?? 5;
  const retry = o.retry ?? { initialMs: 200, maxMs: 5000 };

  /** The latest usable snapshot of the stream as a starting point, else its initial state. */
  const start = async (stream: string): Promise<E.Either<KeelError, Entry<S>>> => {
    const initial: Entry<S> = { state: o.fold.initial(stream), revision: -1, snapshotAt: -1 };
    if (!snaps) return E.right(initial);
    const got = await store.loadSnapshot(stream)();
    if (E.isLeft(got)) return got;
    const snap = got.right;
    if (snap === null || snap.version !== snaps.version) return E.right(initial);
    const state = snaps.decode(snap.state, stream);
    return E.right(state === null ? initial : { state, revision: snap.position, snapshotAt: snap.position });
  };

  /** Save a snapshot if `every` events passed since the last; the entry as it then stands. */
  const snapshotIfDue = async (stream: string, entry: Entry<S>): Promise<Entry<S>> => {
    if (!snaps || entry.revision - entry.snapshotAt < snaps.every) return entry;
    const saved = await store.saveSnapshot(stream, {
      position: entry.revision,
      version: snaps.version,
      state: snaps.encode(entry.state),
    })();
    // A failure is tried again `every` events from now, not at every event while the store is down.
    if (E.isLeft(saved)) snaps.onSaveFailed?.(stream, saved.left);
    return { ...entry, snapshotAt: entry.revision };
  };

  const read =
    (stream: string): TE.TaskEither<KeelError, Entry<S>> =>
    async () => {
      const from = await start(stream);
      if (E.isLeft(from)) return from;
      let failed: KeelError | null = null;
      const folded = await foldStream(
        store,
        stream,
        from.right,
        (acc, e) => {
          if (failed) return { state: acc, stop: true };
          const next = o.fold.evolve(acc.state, e);
          if (E.isLeft(next)) {
            failed = next.left;
            return { state: acc, stop: true };
          }
          return { state: { ...acc, state: next.right, revision: e.streamRevision } };
        },
        { fromRevision: from.right.revision + 1 },
      )();
      if (E.isLeft(folded)) return folded;
      if (failed) return E.left(failed);
      const entry = await snapshotIfDue(stream, folded.right);
      remember(stream, entry);
      return E.right(entry);
    };
  const store = o.store;

  const loadEntry = (stream: string): TE.TaskEither<KeelError, Entry<S>> => {
    const hit = cache.get(stream);
    if (hit && maxCached !== Infinity) remember(stream, hit);
    return hit ? TE.right(hit) : read(stream);
  };
  const load = (stream: string): TE.TaskEither<KeelError, { state: S; revision: number }> =>
    pipe(
      loadEntry(stream),
      TE.map(({ state, revision }) => ({ state, revision })),
    );

  /** Append at `revision`, waiting out outages; Right(false) on a conflict. */
  const appendAt = async (
    stream: string,
    events: readonly NewEvent[],
    revision: number,
  ): Promise<E.Either<KeelError, number | false>> => {
    const giveUpAt = o.outageBudgetMs === undefined ? Infinity : o.clock.now() + o.outageBudgetMs;
    for (let attempt = 1; ; attempt++) {
      const r = await store.append(stream, events, revision < 0 ? 'noStream' : revision)();
      if (E.isRight(r)) return E.right(r.right.nextExpectedRevision);
      if (conflicted(r.left)) return E.right(false);
      if (r.left._tag !== 'InfrastructureError' || o.stopping?.() || o.clock.now() >= giveUpAt)
        return E.left(r.left);
      o.onOutage?.(stream, r.left, attempt);
      await o.clock.sleep(backoffDelay(attempt, { ...retry, factor: 2 }));
    }
  };

  const handle =
    <Err>(
      stream: string,
      decide: (state: S, revision: number) => E.Either<Err, Decision<S>>,
      options: HandleOptions = {},
    ): TE.TaskEither<Err | KeelError, Handled<S>> =>
    async () => {
      for (let attempt = 1; ; attempt++) {
        const assumed: E.Either<KeelError, Entry<S>> | undefined =
          options.assumeNew && attempt === 1 && !cache.has(stream)
            ? E.right({ state: o.fold.initial(stream), revision: -1, snapshotAt: -1 })
            : undefined;
        const loaded = assumed ?? (await loadEntry(stream)());
        if (E.isLeft(loaded)) return loaded;
        const { state, revision, snapshotAt } = loaded.right;
        const decided = decide(state, revision);
        if (E.isLeft(decided)) return decided;
        const { events } = decided.right;
        if (events.length === 0) return E.right({ state, events, revision });
        const appended = await appendAt(stream, events, revision);
        if (E.isLeft(appended)) return appended;
        if (appended.right !== false) {
          const now = await snapshotIfDue(stream, {
            state: decided.right.state,
            revision: appended.right,
            snapshotAt,
          });
          remember(stream, now);
          return E.right({ state: now.state, revision: now.revision, events });
        }
        o.onConflict?.(stream);
        cache.delete(stream);
        if (attempt >= maxAttempts) {
          const err: ConcurrencyError = {
            _tag: 'ConcurrencyError',
            stream,
            expected: String(revision),
            actual: `changed under ${attempt} decisions in a row`,
          };
          return E.left(err);
        }
      }
    };

  return {
    handle,
    load,
    cached: (stream) => cache.get(stream)?.state,
    all: () => new Map([...cache].map(([k, v]) => [k, v.state])),
  };
};
