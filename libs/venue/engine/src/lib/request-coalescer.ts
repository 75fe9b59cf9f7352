/**
 * Request coalescing for one venue account: however many apps and strategies want the same
 * thing, the venue is asked once.
 *
 * - Identical reads (same op and arguments) share one adapter call while it is in flight,
 *   and share its result for `windowMs` after it settles (market data, open orders, fills).
 * - Balances, positions and the whole account are read once per account per cycle: their result stands until
 *   `beginCycle()`, however many subscribers ask.
 * - `fetchOrderByClientId` is shared only while in flight: idempotent placement must see the
 *   venue's answer to *its* question, never an answer older than its own placement.
 * - Writes (place, cancel) are never shared, and they drop every cached private read (open
 *   orders, fills, balances, positions, order look-ups) so nothing stale outlives them.
 * - Failures are shared with the calls already waiting, never cached. A call that throws (or
 *   whose promise rejects) instead of answering an error is answered as `VenueMalformed` and
 *   dropped the same way, so it can never hold its key "in flight" until a restart.
 * - Memory stays flat: a settled read is dropped as soon as it can no longer be shared (an
 *   order look-up at once, a windowed read after its window, a cycle read at the next cycle),
 *   so reads whose arguments change every time (`fetchTrades` from a moving cursor) never pile up.
 *
 * The result is itself a `VenueAdapter`, so callers cannot tell it from the venue. Every call
 * that does reach the venue goes through the account's rate budget when one is given.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { VenueAdapter, VenueError, VenueOp } from '@keel/venue-domain';
import { BudgetError, RateBudget } from './rate-budget';

/** How long a settled read may be shared. */
export type SharePolicy = 'inFlight' | 'window' | 'cycle';

export const SHARE_POLICY: Readonly<Record<VenueOp, SharePolicy | 'never'>> = {
  loadInstruments: 'window',
  fetchTopOfBook: 'window',
  fetchTrades: 'window',
  fetchBalances: 'cycle',
  fetchPositions: 'cycle',
  fetchAccount: 'cycle',
  fetchOpenOrders: 'window',
  fetchFills: 'window',
  fetchFunding: 'window',
  fetchOrder: 'inFlight',
  placeOrder: 'never',
  cancelOrder: 'never',
};

const PUBLIC_OPS: ReadonlySet<VenueOp> = new Set(['loadInstruments', 'fetchTopOfBook', 'fetchTrades']);

export interface CachedRead {
  /** null while in flight. */
  readonly settledAt: number | null;
  readonly cycle: number;
}

/** Whether a cached read may answer a new request at `now` (pure). */
export const canShare = (
  policy: SharePolicy,
  entry: CachedRead,
  now: number,
  windowMs: number,
  cycle: number,
): boolean => {
  if (entry.settledAt === null) return true;
  switch (policy) {
    case 'inFlight':
      return false;
    case 'window':
      return now - entry.settledAt < windowMs;
    case 'cycle':
      return entry.cycle === cycle;
    default: {
      const never: never = policy;
      return never;
    }
  }
};

export interface CoalescerOptions {
  /** How long a settled read is shared (ms). */
  readonly windowMs: number;
  readonly clock: { now(): number };
  /** The account's rate budget; every call that reaches the venue is charged to it. */
  readonly budget?: RateBudget;
}

export interface CoalescerStats {
  /** Requests made to the coalescer. */
  readonly requested: number;
  /** Requests that reached the adapter. */
  readonly sent: number;
}

export interface CoalescingAdapter extends VenueAdapter {
  /** Start a new polling cycle: balances, positions and the account are read afresh on next demand. */
  beginCycle(): void;
  stats(): CoalescerStats;
  /** Reads held now (in flight or settled and still shareable, plus any not yet swept). */
  cachedReads(): number;
}

interface Entry extends CachedRead {
  readonly op: VenueOp;
  readonly promise: Promise<E.Either<VenueError, unknown>>;
}

/** Budget errors reach callers as the venue error they stand for: the call was not made. */
const fromBudget = (op: VenueOp, e: VenueError | BudgetError): VenueError =>
  e._tag === 'BudgetTooHeavy'
    ? {
        _tag: 'VenueRejected',
        venue: 'gateway',
        op,
        code: 'InvalidOrder',
        message: `request weight ${e.cost} exceeds the ${e.limit} budget (${e.capacity})`,
      }
    : e;

/** The answer for a call that threw instead of answering: nothing of it is used. */
const thrown = (venue: string, op: VenueOp, e: unknown): VenueError => ({
  _tag: 'VenueMalformed',
  venue,
  op,
  path: '',
  value: '',
  message: `the call threw instead of answering: ${e instanceof Error ? e.message : String(e)}`,
});

/** Sweep settled entries at least this often (entries held), and whenever the map doubles. */
const MIN_SWEEP_AT = 64;

export const createRequestCoalescer = (adapter: VenueAdapter, opts: CoalescerOptions): CoalescingAdapter => {
  const entries = new Map<string, Entry>();
  let cycle = 0;
  let requested = 0;
  let sent = 0;
  let sweepAt = MIN_SWEEP_AT;

  /** Drop every settled entry that can no longer answer a request. O(entries), amortised O(1) a read. */
  const sweep = (): void => {
    const now = opts.clock.now();
    for (const [k, e] of entries) {
      const policy = SHARE_POLICY[e.op];
      if (e.settledAt !== null && (policy === 'never' || !canShare(policy, e, now, opts.windowMs, cycle)))
        entries.delete(k);
    }
    sweepAt = Math.max(MIN_SWEEP_AT, 2 * entries.size);
  };

  const send = <A>(
    op: VenueOp,
    call: () => TE.TaskEither<VenueError, A>,
  ): Promise<E.Either<VenueError, A>> => {
    sent++;
    const answer = (): TE.TaskEither<VenueError, A> => () => {
      try {
        return call()().catch((e: unknown) => E.left(thrown(adapter.venue, op, e)));
      } catch (e) {
        return Promise.resolve(E.left(thrown(adapter.venue, op, e)));
      }
    };
    return opts.budget
      ? TE.mapLeft((e: VenueError | BudgetError) => fromBudget(op, e))(opts.budget.run(op, answer))()
      : answer()();
  };

  const read =
    <A>(
      op: VenueOp,
      args: readonly unknown[],
      call: () => TE.TaskEither<VenueError, A>,
    ): TE.TaskEither<VenueError, A> =>
    () => {
      requested++;
      const policy = SHARE_POLICY[op];
      if (policy === 'never') return send(op, call);
      const key = `${op}|${JSON.stringify(args)}`;
      const now = opts.clock.now();
      const hit = entries.get(key);
      if (hit && canShare(policy, hit, now, opts.windowMs, cycle))
        return hit.promise as Promise<E.Either<VenueError, A>>;
      const promise = send(op, call).then((r) => {
        const current = entries.get(key);
        if (current?.promise === promise) {
          if (E.isLeft(r) || policy === 'inFlight') entries.delete(key);
          else entries.set(key, { ...current, settledAt: opts.clock.now() });
        }
        return r;
      });
      entries.set(key, { op, promise, settledAt: null, cycle });
      if (entries.size >= sweepAt) sweep();
      return promise;
    };

  const write =
    <A>(op: VenueOp, call: () => TE.TaskEither<VenueError, A>): TE.TaskEither<VenueError, A> =>
    () => {
      requested++;
      // Drop cached private reads now (they may be answered before the write lands) and again
      // once it has landed (a read started meanwhile may predate it).
      const dropPrivate = () => {
        for (const [k, e] of entries) if (!PUBLIC_OPS.has(e.op) && e.settledAt !== null) entries.delete(k);
      };
      dropPrivate();
      return send(op, call).then((r) => {
        dropPrivate();
        return r;
      });
    };

  return {
    venue: adapter.venue,
    accountId: adapter.accountId,
    weight: (op) => adapter.weight(op),
    loadInstruments: () => read('loadInstruments', [], () => adapter.loadInstruments()),
    fetchTopOfBook: (symbol) => read('fetchTopOfBook', [symbol], () => adapter.fetchTopOfBook(symbol)),
    fetchTrades: (symbol, since) =>
      read('fetchTrades', [symbol, since], () => adapter.fetchTrades(symbol, since)),
    fetchBalances: () => read('fetchBalances', [], () => adapter.fetchBalances()),
    fetchPositions: () => read('fetchPositions', [], () => adapter.fetchPositions()),
    fetchAccount: () => read('fetchAccount', [], () => adapter.fetchAccount()),
    fetchOpenOrders: (symbol) => read('fetchOpenOrders', [symbol], () => adapter.fetchOpenOrders(symbol)),
    fetchFills: (symbol, sinceTs) =>
      read('fetchFills', [symbol, sinceTs], () => adapter.fetchFills(symbol, sinceTs)),
    fetchFunding: (sinceTs) => read('fetchFunding', [sinceTs], () => adapter.fetchFunding(sinceTs)),
    fetchOrderByClientId: (symbol, id) =>
      read('fetchOrder', [symbol, id], () => adapter.fetchOrderByClientId(symbol, id)),
    placeOrder: (order) => write('placeOrder', () => adapter.placeOrder(order)),
    cancelOrder: (symbol, id) => write('cancelOrder', () => adapter.cancelOrder(symbol, id)),
    close: () => adapter.close(),
    beginCycle: () => {
      cycle++;
      sweep();
    },
    stats: () => ({ requested, sent }),
    cachedReads: () => entries.size,
  };
};
