import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { createVirtualClock } from '@keel/clock';
import { VenueError, VenueOp } from '@keel/venue-domain';
import {
  BINANCE_USDM_LIMITS,
  BudgetState,
  createRateBudget,
  createVenueBudgets,
  decide,
  initialBudget,
  LimitConfig,
  pause,
  VENUE_LIMITS,
} from './rate-budget';

const T0 = 1_700_000_000_000;
const weightLimit: LimitConfig = { name: 'w', capacity: 20, refillPerMs: 0.01, charge: 'weight' };

/** Drive the pure core like the shell does: ask, wait what it says, ask again. Returns the grants. */
const drive = (
  limits: readonly LimitConfig[],
  calls: readonly { readonly gap: number; readonly op: VenueOp; readonly weight: number }[],
) => {
  let st: BudgetState = initialBudget(limits, T0);
  let now = T0;
  const grants: { at: number; op: VenueOp; weight: number }[] = [];
  for (const c of calls) {
    now += c.gap;
    for (;;) {
      const d = decide(limits, st, c.op, c.weight, now);
      if (d._tag === 'TooHeavy') throw new Error('too heavy');
      st = d.state;
      if (d._tag === 'Granted') break;
      expect(d.waitMs).toBeGreaterThan(0);
      now += d.waitMs;
    }
    grants.push({ at: now, op: c.op, weight: c.weight });
  }
  return grants;
};

/** The most any window of `windowMs` holds, charged by `charge`. */
const maxInWindow = (
  grants: readonly { at: number; op: VenueOp; weight: number }[],
  windowMs: number,
  charge: LimitConfig['charge'],
) => {
  let max = 0;
  for (let i = 0; i < grants.length; i++) {
    let sum = 0;
    for (let j = i; j < grants.length && grants[j]!.at < grants[i]!.at + windowMs; j++)
      sum += charge === 'weight' ? grants[j]!.weight : grants[j]!.op === 'placeOrder' ? 1 : 0;
    max = Math.max(max, sum);
  }
  return max;
};

const callArb = fc.record({
  gap: fc.integer({ min: 0, max: 3_000 }),
  op: fc.constantFrom<VenueOp>('placeOrder', 'fetchTopOfBook', 'fetchBalances', 'cancelOrder'),
  weight: fc.integer({ min: 1, max: 20 }),
});

describe('rate budget: pure core', () => {
  it('grants at once while tokens last, then names the wait', () => {
    const st = initialBudget([weightLimit], T0);
    const a = decide([weightLimit], st, 'fetchBalances', 15, T0);
    expect(a._tag).toBe('Granted');
    const b = a._tag === 'Granted' ? decide([weightLimit], a.state, 'fetchBalances', 15, T0) : a;
    // 5 tokens left, 10 missing at 0.01/ms.
    expect(b).toMatchObject({ _tag: 'Wait', waitMs: 1000 });
  });

  it('refuses a call heavier than a bucket can ever hold', () => {
    expect(decide([weightLimit], initialBudget([weightLimit], T0), 'fetchOpenOrders', 21, T0)).toMatchObject({
      _tag: 'TooHeavy',
      limit: 'w',
      cost: 21,
    });
  });

  it('a pause holds every call until it ends, whatever the tokens', () => {
    const st = pause(initialBudget([weightLimit], T0), T0 + 5_000);
    expect(decide([weightLimit], st, 'fetchTopOfBook', 1, T0 + 1_000)).toMatchObject({
      _tag: 'Wait',
      waitMs: 4_000,
    });
    expect(decide([weightLimit], st, 'fetchTopOfBook', 1, T0 + 5_000)._tag).toBe('Granted');
  });

  it('order-count limits charge placements only', () => {
    const orders: LimitConfig = { name: 'o', capacity: 1, refillPerMs: 0.001, charge: 'orders' };
    const st = initialBudget([orders], T0);
    const placed = decide([orders], st, 'placeOrder', 1, T0);
    expect(placed._tag).toBe('Granted');
    if (placed._tag !== 'Granted') return;
    expect(decide([orders], placed.state, 'cancelOrder', 1, T0)._tag).toBe('Granted');
    expect(decide([orders], placed.state, 'placeOrder', 1, T0)).toMatchObject({ _tag: 'Wait', waitMs: 1000 });
  });

  it('property: no window of any length holds more than capacity + refill × length', () => {
    fc.assert(
      fc.property(
        fc.array(callArb, { maxLength: 120 }),
        fc.integer({ min: 1, max: 20_000 }),
        (calls, windowMs) => {
          const grants = drive([weightLimit], calls);
          expect(maxInWindow(grants, windowMs, 'weight')).toBeLessThanOrEqual(
            weightLimit.capacity + weightLimit.refillPerMs * windowMs + 1e-6,
          );
        },
      ),
    );
  });

  it('property: the Binance preset never exceeds 2,400 weight/min, 1,200 orders/min or 300 orders/10 s', () => {
    const heavy = fc.record({
      gap: fc.integer({ min: 0, max: 200 }),
      op: fc.constantFrom<VenueOp>('placeOrder', 'fetchTopOfBook', 'cancelOrder'),
      weight: fc.integer({ min: 1, max: 20 }),
    });
    fc.assert(
      fc.property(fc.array(heavy, { minLength: 200, maxLength: 800 }), (calls) => {
        const grants = drive(BINANCE_USDM_LIMITS, calls);
        expect(maxInWindow(grants, 60_000, 'weight')).toBeLessThanOrEqual(2400);
        expect(maxInWindow(grants, 60_000, 'orders')).toBeLessThanOrEqual(1200);
        expect(maxInWindow(grants, 10_000, 'orders')).toBeLessThanOrEqual(300);
      }),
      { numRuns: 30 },
    );
  });

  it('property: a wait is never longer than needed (granted exactly when it says)', () => {
    fc.assert(
      fc.property(fc.array(callArb, { minLength: 1, maxLength: 60 }), (calls) => {
        let st = initialBudget([weightLimit], T0);
        let now = T0;
        for (const c of calls) {
          now += c.gap;
          const d = decide([weightLimit], st, c.op, c.weight, now);
          if (d._tag === 'TooHeavy') return;
          st = d.state;
          if (d._tag === 'Wait') {
            expect(decide([weightLimit], st, c.op, c.weight, now + d.waitMs - 1)._tag).toBe('Wait');
            const g = decide([weightLimit], st, c.op, c.weight, now + d.waitMs);
            expect(g._tag).toBe('Granted');
            if (g._tag === 'Granted') st = g.state;
            now += d.waitMs;
          }
        }
      }),
    );
  });
});

/** Let pending continuations register their sleeps, then move the virtual clock. */
const runUntil = async (clock: ReturnType<typeof createVirtualClock>, t: number) => {
  await new Promise((r) => setImmediate(r));
  await clock.runUntil(t);
};

describe('rate budget: shell', () => {
  const ok =
    <A>(a: A) =>
    () =>
      TE.right<VenueError, A>(a);

  it('queues calls FIFO and sends each only when the budget allows', async () => {
    const clock = createVirtualClock(T0);
    const budget = createRateBudget({ limits: [weightLimit], weight: () => 10, clock });
    const sentAt: number[] = [];
    const call = (i: number) => () => {
      sentAt.push(clock.now());
      return TE.right<VenueError, number>(i);
    };
    const results = Promise.all([0, 1, 2, 3].map((i) => budget.run('fetchBalances', call(i))()));
    await runUntil(clock, T0 + 10_000);
    expect(await results).toEqual([0, 1, 2, 3].map(E.right));
    // 20 tokens: two at once, then one per 1,000 ms (10 tokens at 0.01/ms).
    expect(sentAt.map((t) => t - T0)).toEqual([0, 0, 1000, 2000]);
  });

  it('honours VenueRateLimited.retryAfterMs: pauses, then sends the refused call again', async () => {
    const clock = createVirtualClock(T0);
    const budget = createRateBudget({ limits: [weightLimit], weight: () => 1, clock });
    const sentAt: number[] = [];
    let refused = false;
    const call = () => {
      sentAt.push(clock.now() - T0);
      if (!refused) {
        refused = true;
        return TE.left<VenueError, string>({
          _tag: 'VenueRateLimited',
          venue: 'x',
          op: 'fetchBalances',
          retryAfterMs: 3_000,
          message: '429',
        });
      }
      return TE.right<VenueError, string>('ok');
    };
    const a = budget.run('fetchBalances', call)();
    const b = budget.run('fetchTopOfBook', ok('b'))();
    await runUntil(clock, T0 + 10_000);
    expect(await a).toEqual(E.right('ok'));
    expect(await b).toEqual(E.right('b'));
    expect(sentAt).toEqual([0, 3_000]);
  });

  it('gives up after the configured retries and reports the rate limit', async () => {
    const clock = createVirtualClock(T0);
    const budget = createRateBudget({ limits: [weightLimit], weight: () => 1, clock, rateLimitRetries: 1 });
    const limited = () =>
      TE.left<VenueError, string>({
        _tag: 'VenueRateLimited',
        venue: 'x',
        op: 'placeOrder',
        retryAfterMs: 100,
        message: '418',
      });
    const r = budget.run('placeOrder', limited)();
    await runUntil(clock, T0 + 1_000);
    expect(await r).toMatchObject(E.left({ _tag: 'VenueRateLimited' }));
  });

  it('refuses a call no bucket can hold, without blocking the queue', async () => {
    const clock = createVirtualClock(T0);
    const budget = createRateBudget({
      limits: [weightLimit],
      weight: (op) => (op === 'fetchOpenOrders' ? 40 : 1),
      clock,
    });
    const heavy = budget.run('fetchOpenOrders', ok('x'))();
    const light = budget.run('fetchTopOfBook', ok('y'))();
    await runUntil(clock, T0 + 100);
    expect(await heavy).toMatchObject(E.left({ _tag: 'BudgetTooHeavy', cost: 40 }));
    expect(await light).toEqual(E.right('y'));
  });
});

describe('rate budget: accounts sharing an IP', () => {
  const sent = (clock: ReturnType<typeof createVirtualClock>, log: string[], tag: string) => () => {
    log.push(`${tag}@${clock.now() - T0}`);
    return TE.right<VenueError, string>(tag);
  };

  it('charges every account to one shared weight bucket: two accounts together get what one IP may spend', async () => {
    const clock = createVirtualClock(T0);
    const shared: LimitConfig = { name: 'ip', capacity: 20, refillPerMs: 0.01, charge: 'weight' };
    const budgets = createVenueBudgets({ shared: [shared], perAccount: [] }, clock, () => 10);
    const a = budgets.forAccount();
    const b = budgets.forAccount();
    const log: string[] = [];
    const all = Promise.all([
      a.run('fetchBalances', sent(clock, log, 'a1'))(),
      b.run('fetchBalances', sent(clock, log, 'b1'))(),
      a.run('fetchBalances', sent(clock, log, 'a2'))(),
      b.run('fetchBalances', sent(clock, log, 'b2'))(),
    ]);
    await runUntil(clock, T0 + 10_000);
    await all;
    // 20 tokens for the IP: two calls at once, then one per 1,000 ms, whichever account asks.
    expect(log.map((l) => Number(l.split('@')[1]))).toEqual([0, 0, 1000, 2000]);
  });

  it('keeps order-count limits per account: one account at its limit does not hold up another', async () => {
    const clock = createVirtualClock(T0);
    const orders: LimitConfig = { name: 'orders', capacity: 1, refillPerMs: 0.001, charge: 'orders' };
    const budgets = createVenueBudgets({ shared: [], perAccount: [orders] }, clock, () => 1);
    const a = budgets.forAccount();
    const b = budgets.forAccount();
    const log: string[] = [];
    const all = Promise.all([
      a.run('placeOrder', sent(clock, log, 'a1'))(),
      a.run('placeOrder', sent(clock, log, 'a2'))(),
      b.run('placeOrder', sent(clock, log, 'b1'))(),
    ]);
    await runUntil(clock, T0 + 10_000);
    await all;
    expect(log).toEqual(['a1@0', 'b1@0', 'a2@1000']);
  });

  it('retries a rate-limited call at the shared level only, and pauses every account', async () => {
    const clock = createVirtualClock(T0);
    const budgets = createVenueBudgets(VENUE_LIMITS.binanceusdm, clock, () => 1);
    const a = budgets.forAccount();
    const b = budgets.forAccount();
    const attempts: number[] = [];
    const limited = () => {
      attempts.push(clock.now() - T0);
      return TE.left<VenueError, string>({
        _tag: 'VenueRateLimited',
        venue: 'binanceusdm',
        op: 'fetchBalances',
        retryAfterMs: 2_000,
        message: '429',
      });
    };
    const r = a.run('fetchBalances', limited)();
    await new Promise((res) => setImmediate(res));
    expect(attempts).toEqual([0]);
    // Account b asks after the IP was told to back off.
    const log: string[] = [];
    const other = b.run('fetchTopOfBook', sent(clock, log, 'b'))();
    await runUntil(clock, T0 + 60_000);
    expect(await r).toMatchObject(E.left({ _tag: 'VenueRateLimited' }));
    // 1 attempt + 3 shared-level retries (not 3 more per account level).
    expect(attempts).toEqual([0, 2_000, 4_000, 6_000]);
    expect(await other).toEqual(E.right('b'));
    // Account b's call waited for the pause at the IP level.
    expect(Number(log[0]?.split('@')[1])).toBeGreaterThanOrEqual(2_000);
  });

  it('has limits for every venue the gateway runs', () => {
    for (const v of ['binanceusdm', 'okx', 'hyperliquid', 'sim'] as const)
      expect(VENUE_LIMITS[v].shared.length + VENUE_LIMITS[v].perAccount.length).toBeGreaterThan(0);
  });
});
