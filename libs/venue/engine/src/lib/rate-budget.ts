/**
 * The request budget of one venue account: token buckets charged with the venue's own
 * request weights (`adapter.weight(op)`), so the gateway never earns a 429/418 ban.
 *
 * A pure core (bucket state + `now` → granted or wait ms) and a small async shell that
 * queues calls in FIFO order until the buckets hold enough tokens. A venue's
 * `VenueRateLimited.retryAfterMs` pauses every bucket of the account: nothing is sent until
 * then, and the refused request (which did not take effect) is queued again.
 *
 * A token bucket of capacity C refilled at r per ms admits at most C + r·W in any window of
 * W ms. A venue limit of L per window T is therefore met by C + r·T ≤ L; the presets split
 * L into a quarter of burst and three quarters of steady refill.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { VenueError, VenueOp } from '@keel/venue-domain';

/** One limit of the account, e.g. Binance's 2,400 request weight per minute. */
export interface LimitConfig {
  readonly name: string;
  /** Tokens available at once (the burst). */
  readonly capacity: number;
  /** Tokens regained per millisecond. */
  readonly refillPerMs: number;
  /** What a call costs: its request weight, or 1 per order for order-count limits. */
  readonly charge: 'weight' | 'orders';
}

/** A limit of `limit` per `windowMs` that no window of that length can exceed. */
export const windowLimit = (
  name: string,
  limit: number,
  windowMs: number,
  charge: LimitConfig['charge'],
): LimitConfig => ({
  name,
  capacity: limit / 4,
  refillPerMs: (limit * 3) / 4 / windowMs,
  charge,
});

/** Binance USD-M futures (TOOLCHAIN.md): 2,400 weight/min; 1,200 orders/min and 300 per 10 s. */
export const BINANCE_USDM_LIMITS: readonly LimitConfig[] = [
  windowLimit('weight-1m', 2400, 60_000, 'weight'),
  windowLimit('orders-1m', 1200, 60_000, 'orders'),
  windowLimit('orders-10s', 300, 10_000, 'orders'),
];

/**
 * A venue's limits by who they bind: `shared` by every account this process trades from one
 * IP address (one budget for all of them), `perAccount` by each account alone.
 */
export interface VenueLimits {
  readonly shared: readonly LimitConfig[];
  readonly perAccount: readonly LimitConfig[];
}

/**
 * - Binance USD-M: request weight is counted per IP, order counts per account.
 * - OKX: trading and account endpoints are limited per user id (each sub-account has its
 *   own); ccxt.weights.ts expresses every call as its share of a 60-per-2-s budget.
 * - Hyperliquid: REST weight 1,200/min per IP (address-based limits scale with traded
 *   volume and are left to the venue's 429s).
 * - sim: Binance's limits, as the paper account stands in for a Binance one (the simulator
 *   charges weight 1 per call, so its budget is looser than a live account's).
 */
export const VENUE_LIMITS: Readonly<Record<'binanceusdm' | 'okx' | 'hyperliquid' | 'sim', VenueLimits>> = {
  binanceusdm: {
    shared: [windowLimit('weight-1m', 2400, 60_000, 'weight')],
    perAccount: [
      windowLimit('orders-1m', 1200, 60_000, 'orders'),
      windowLimit('orders-10s', 300, 10_000, 'orders'),
    ],
  },
  okx: { shared: [], perAccount: [windowLimit('requests-2s', 60, 2_000, 'weight')] },
  hyperliquid: { shared: [windowLimit('weight-1m', 1200, 60_000, 'weight')], perAccount: [] },
  sim: {
    shared: [windowLimit('weight-1m', 2400, 60_000, 'weight')],
    perAccount: [
      windowLimit('orders-1m', 1200, 60_000, 'orders'),
      windowLimit('orders-10s', 300, 10_000, 'orders'),
    ],
  },
};

export interface BucketState {
  readonly tokens: number;
  /** When `tokens` was last brought up to date (epoch ms). */
  readonly at: number;
}

export interface BudgetState {
  readonly buckets: readonly BucketState[];
  /** No call is granted before this instant (the venue asked us to back off). */
  readonly pausedUntil: number;
}

export type BudgetDecision =
  /** Spend now; `state` has the tokens taken. */
  | { readonly _tag: 'Granted'; readonly state: BudgetState }
  /** Ask again in `waitMs` (the state is only refilled, nothing taken). */
  | { readonly _tag: 'Wait'; readonly waitMs: number; readonly state: BudgetState }
  /** The call costs more than a bucket can ever hold: it can never be granted. */
  | { readonly _tag: 'TooHeavy'; readonly limit: string; readonly cost: number; readonly capacity: number };

/** Full buckets at `now`. */
export const initialBudget = (limits: readonly LimitConfig[], now: number): BudgetState => ({
  buckets: limits.map((l) => ({ tokens: l.capacity, at: now })),
  pausedUntil: now,
});

const refill = (limit: LimitConfig, b: BucketState, now: number): BucketState =>
  now <= b.at
    ? b
    : { tokens: Math.min(limit.capacity, b.tokens + (now - b.at) * limit.refillPerMs), at: now };

/** The cost of one call of `op` against `limit`, given the op's request weight. */
export const costOf = (limit: LimitConfig, op: VenueOp, weight: number): number =>
  limit.charge === 'weight' ? weight : op === 'placeOrder' ? 1 : 0;

// Float dust from refills must not make a whole-token wait come out one millisecond short.
const EPS = 1e-9;

/**
 * Take the cost of one `op` call (of request weight `weight`) from every bucket, or say how long to wait.
 * A pure state transition, not a `Decider` (@keel/decider): the budget is in-memory state of
 * one process, never stored or replayed, so there are no events to evolve it from.
 */
export const decide = (
  limits: readonly LimitConfig[],
  state: BudgetState,
  op: VenueOp,
  weight: number,
  now: number,
): BudgetDecision => {
  // Every call of every venue read goes through here (twice, stacked): one pass, one array
  // per outcome; the same arithmetic in the same order as refilling all and then charging all.
  const n = state.buckets.length;
  const buckets: BucketState[] = new Array(n);
  const costs: number[] = new Array(n);
  let waitMs = state.pausedUntil > now ? state.pausedUntil - now : 0;
  for (let i = 0; i < n; i++) {
    const limit = limits[i]!;
    const b = refill(limit, state.buckets[i]!, now);
    buckets[i] = b;
    const cost = costOf(limit, op, weight);
    costs[i] = cost;
    if (cost > limit.capacity) return { _tag: 'TooHeavy', limit: limit.name, cost, capacity: limit.capacity };
    const missing = cost - b.tokens;
    if (missing > EPS) waitMs = Math.max(waitMs, Math.ceil((missing - EPS) / limit.refillPerMs));
  }
  if (waitMs > 0) return { _tag: 'Wait', waitMs, state: { ...state, buckets } };
  for (let i = 0; i < n; i++) {
    const b = buckets[i]!;
    buckets[i] = { tokens: Math.max(0, b.tokens - costs[i]!), at: b.at };
  }
  return { _tag: 'Granted', state: { ...state, buckets } };
};

/** The venue said back off: grant nothing before `until`. */
export const pause = (state: BudgetState, until: number): BudgetState =>
  until > state.pausedUntil ? { ...state, pausedUntil: until } : state;

// ---------------------------------------------------------------------------------------
// The shell

/** The clock the shell needs (the runtime's `Clock` satisfies it). */
export interface BudgetClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export type BudgetError = {
  readonly _tag: 'BudgetTooHeavy';
  readonly op: VenueOp;
  readonly limit: string;
  readonly cost: number;
  readonly capacity: number;
};

export interface RateBudget {
  /** Run `call` once the account's budget allows one `op`; FIFO with every other call. */
  run<A, X extends { readonly _tag: string } = VenueError>(
    op: VenueOp,
    call: () => TE.TaskEither<X, A>,
  ): TE.TaskEither<X | BudgetError, A>;
  /** Grant nothing for `ms` (e.g. a rate-limit message that came through another path). */
  pauseFor(ms: number): void;
  /** The current state, for metrics and tests. */
  state(): BudgetState;
}

export interface RateBudgetOptions {
  readonly limits: readonly LimitConfig[];
  readonly weight: (op: VenueOp) => number;
  readonly clock: BudgetClock;
  /** How many times a call refused with VenueRateLimited is queued again (it did not take effect). */
  readonly rateLimitRetries?: number;
}

const isRateLimited = (e: {
  readonly _tag: string;
}): e is Extract<VenueError, { _tag: 'VenueRateLimited' }> => e._tag === 'VenueRateLimited';

export const createRateBudget = (opts: RateBudgetOptions): RateBudget => {
  const { limits, weight, clock } = opts;
  const retries = opts.rateLimitRetries ?? 3;
  let st = initialBudget(limits, clock.now());
  // Calls are granted strictly in arrival order: each waits for the one before it.
  let queue: Promise<void> = Promise.resolve();

  const acquire = (op: VenueOp): Promise<BudgetError | null> => {
    const granted = queue.then(async (): Promise<BudgetError | null> => {
      for (;;) {
        const d = decide(limits, st, op, weight(op), clock.now());
        switch (d._tag) {
          case 'Granted':
            st = d.state;
            return null;
          case 'Wait':
            st = d.state;
            await clock.sleep(d.waitMs);
            break;
          case 'TooHeavy':
            return { _tag: 'BudgetTooHeavy', op, limit: d.limit, cost: d.cost, capacity: d.capacity };
          default: {
            const never: never = d;
            return never;
          }
        }
      }
    });
    queue = granted.then(() => undefined);
    return granted;
  };

  const attempt = <A, X extends { readonly _tag: string }>(
    op: VenueOp,
    call: () => TE.TaskEither<X, A>,
    left: number,
  ): TE.TaskEither<X | BudgetError, A> =>
    pipe(
      (): Promise<E.Either<X | BudgetError, void>> =>
        acquire(op).then((e) => (e ? E.left(e) : E.right(undefined))),
      TE.chain((): TE.TaskEither<X | BudgetError, A> => call()),
      TE.orElse((e: X | BudgetError) => {
        if (!isRateLimited(e)) return TE.left(e);
        st = pause(st, clock.now() + e.retryAfterMs);
        return left > 0 ? attempt(op, call, left - 1) : TE.left(e);
      }),
    );

  return {
    run: (op, call) => attempt(op, call, retries),
    pauseFor: (ms) => {
      st = pause(st, clock.now() + ms);
    },
    state: () => st,
  };
};

/**
 * One account's calls charged to its own budget and then to the budget it shares with the
 * other accounts on the same IP (e.g. Binance's request weight). A rate-limit answer pauses
 * and re-queues at the shared level (it is the venue telling the whole IP to back off); the
 * account's level passes it on without retrying again, so one refusal is not retried twice over.
 */
export const stackBudgets = (account: RateBudget, shared: RateBudget): RateBudget => ({
  run: (op, call) => account.run(op, () => shared.run(op, call)),
  pauseFor: (ms) => {
    account.pauseFor(ms);
    shared.pauseFor(ms);
  },
  state: () => {
    const a = account.state();
    const s = shared.state();
    return { buckets: [...a.buckets, ...s.buckets], pausedUntil: Math.max(a.pausedUntil, s.pausedUntil) };
  },
});

/** The budgets of the accounts one process owns on one venue: a shared one plus one per account, stacked. */
export const createVenueBudgets = (
  limits: VenueLimits,
  clock: BudgetClock,
  weight: (op: VenueOp) => number,
): { readonly forAccount: () => RateBudget; readonly shared: RateBudget } => {
  const shared = createRateBudget({ limits: limits.shared, weight, clock });
  return {
    shared,
    forAccount: () =>
      stackBudgets(
        createRateBudget({ limits: limits.perAccount, weight, clock, rateLimitRetries: 0 }),
        shared,
      ),
  };
};
