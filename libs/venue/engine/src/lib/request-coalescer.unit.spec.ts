import Decimal from 'decimal.js';
import * as fc from 'fast-check';
import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';
import { VenueError } from '@keel/venue-domain';
import { createCountingAdapter } from '../testing/counting.adapter';
import { createRateBudget } from './rate-budget';
import { canShare, createRequestCoalescer } from './request-coalescer';

const T0 = 1_700_000_000_000;
const tick = () => new Promise<void>((r) => setImmediate(r));

const setup = (windowMs = 250) => {
  const clock = createVirtualClock(T0);
  const venue = createCountingAdapter({ latency: tick });
  const gw = createRequestCoalescer(venue, { windowMs, clock });
  return { clock, venue, gw };
};

describe('canShare', () => {
  it('shares anything in flight; settled reads by policy', () => {
    expect(canShare('inFlight', { settledAt: null, cycle: 0 }, T0, 100, 5)).toBe(true);
    expect(canShare('inFlight', { settledAt: T0, cycle: 0 }, T0, 100, 0)).toBe(false);
    expect(canShare('window', { settledAt: T0, cycle: 0 }, T0 + 99, 100, 0)).toBe(true);
    expect(canShare('window', { settledAt: T0, cycle: 0 }, T0 + 100, 100, 0)).toBe(false);
    expect(canShare('cycle', { settledAt: T0, cycle: 3 }, T0 + 1e9, 100, 3)).toBe(true);
    expect(canShare('cycle', { settledAt: T0, cycle: 3 }, T0, 100, 4)).toBe(false);
  });
});

describe('request coalescer', () => {
  it('identical reads in flight share one adapter call', async () => {
    const { venue, gw } = setup();
    const rs = await Promise.all(Array.from({ length: 50 }, () => gw.fetchTopOfBook('BTC/USDT:USDT')()));
    expect(rs.every(E.isRight)).toBe(true);
    expect(venue.counts()).toEqual({ fetchTopOfBook: 1 });
    expect(gw.stats()).toEqual({ requested: 50, sent: 1 });
  });

  it('different arguments are different reads', async () => {
    const { venue, gw } = setup();
    await Promise.all([
      gw.fetchTopOfBook('A')(),
      gw.fetchTopOfBook('B')(),
      gw.fetchOpenOrders('A')(),
      gw.fetchOpenOrders(null)(),
    ]);
    expect(venue.counts()).toEqual({ fetchTopOfBook: 2, fetchOpenOrders: 2 });
  });

  it('a settled read is shared within the window, read again after it', async () => {
    const { clock, venue, gw } = setup(250);
    await gw.fetchTopOfBook('A')();
    clock.advanceBy(249);
    await gw.fetchTopOfBook('A')();
    expect(venue.counts()).toEqual({ fetchTopOfBook: 1 });
    clock.advanceBy(1);
    await gw.fetchTopOfBook('A')();
    expect(venue.counts()).toEqual({ fetchTopOfBook: 2 });
  });

  it('balances and positions are read once per cycle, however many ask and however long it lasts', async () => {
    const { clock, venue, gw } = setup(10);
    for (let i = 0; i < 5; i++) {
      await Promise.all(Array.from({ length: 20 }, () => gw.fetchBalances()()));
      await Promise.all(Array.from({ length: 20 }, () => gw.fetchPositions()()));
      clock.advanceBy(1_000);
    }
    expect(venue.counts()).toEqual({ fetchBalances: 1, fetchPositions: 1 });
    gw.beginCycle();
    await Promise.all([gw.fetchBalances()(), gw.fetchPositions()(), gw.fetchBalances()()]);
    expect(venue.counts()).toEqual({ fetchBalances: 2, fetchPositions: 2 });
  });

  it('an order look-up by client id is shared in flight only, never from an older answer', async () => {
    const { venue, gw } = setup(10_000);
    await Promise.all([gw.fetchOrderByClientId('A', 'c1')(), gw.fetchOrderByClientId('A', 'c1')()]);
    expect(venue.counts()).toEqual({ fetchOrder: 1 });
    await gw.fetchOrderByClientId('A', 'c1')();
    expect(venue.counts()).toEqual({ fetchOrder: 2 });
  });

  it('writes are never shared and drop cached private reads', async () => {
    const { venue, gw } = setup(10_000);
    const order = {
      symbol: 'A',
      clientOrderId: 'c1',
      side: 'buy' as const,
      type: 'limit' as const,
      qty: new Decimal(1),
      price: new Decimal(1),
      timeInForce: 'GTC' as const,
      reduceOnly: false,
    };
    const before = await gw.fetchOpenOrders(null)();
    await gw.fetchTopOfBook('A')();
    await Promise.all([gw.placeOrder(order)(), gw.placeOrder({ ...order, clientOrderId: 'c2' })()]);
    const after = await gw.fetchOpenOrders(null)();
    await gw.fetchTopOfBook('A')();
    expect(E.isRight(before) && before.right).toEqual([]);
    expect(E.isRight(after) && after.right.map((o) => o.clientOrderId)).toEqual(['c1', 'c2']);
    expect(venue.counts()).toEqual({ fetchOpenOrders: 2, fetchTopOfBook: 1, placeOrder: 2 });
  });

  it('a failure is shared with the waiting calls but not cached', async () => {
    const clock = createVirtualClock(T0);
    const venue = createCountingAdapter({ latency: tick });
    let fail = true;
    const flaky = {
      ...venue,
      fetchBalances: () =>
        fail
          ? () =>
              tick().then(() =>
                E.left<VenueError, never>({
                  _tag: 'VenueTimeout',
                  venue: 'x',
                  op: 'fetchBalances',
                  ms: 5000,
                }),
              )
          : venue.fetchBalances(),
    };
    const gw = createRequestCoalescer(flaky, { windowMs: 1_000, clock });
    const [a, b] = await Promise.all([gw.fetchBalances()(), gw.fetchBalances()()]);
    expect(E.isLeft(a) && E.isLeft(b)).toBe(true);
    expect(gw.stats().sent).toBe(1);
    fail = false;
    expect(E.isRight(await gw.fetchBalances()())).toBe(true);
    expect(gw.stats().sent).toBe(2);
  });

  it('a call that throws (or rejects) answers VenueMalformed and does not hold its read in flight', async () => {
    const clock = createVirtualClock(T0);
    const venue = createCountingAdapter({ latency: tick });
    let mode: 'reject' | 'throw' | 'answer' = 'reject';
    const broken = {
      ...venue,
      fetchTopOfBook: (symbol: string) => {
        if (mode === 'throw') throw new Error('cannot map the venue answer');
        return mode === 'reject'
          ? () => tick().then(() => Promise.reject(new Error('price is not a decimal')))
          : venue.fetchTopOfBook(symbol);
      },
    };
    const gw = createRequestCoalescer(broken, { windowMs: 1_000, clock });
    const [a, b] = await Promise.all([gw.fetchTopOfBook('A')(), gw.fetchTopOfBook('A')()]);
    expect(E.isLeft(a) && a.left).toMatchObject({ _tag: 'VenueMalformed', op: 'fetchTopOfBook' });
    expect(E.isLeft(a) && a.left._tag === 'VenueMalformed' && a.left.message).toMatch(
      /price is not a decimal/,
    );
    expect(E.isLeft(b)).toBe(true);
    expect(gw.cachedReads()).toBe(0);
    mode = 'throw';
    const c = await gw.fetchTopOfBook('A')();
    expect(E.isLeft(c) && c.left).toMatchObject({ _tag: 'VenueMalformed' });
    mode = 'answer';
    expect(E.isRight(await gw.fetchTopOfBook('A')())).toBe(true);
    expect(gw.stats().sent).toBe(3);
  });

  it('holds no settled read past its use: reads from a moving cursor do not pile up', async () => {
    const { clock, gw } = setup(250);
    const sizes: number[] = [];
    for (let c = 0; c < 2_000; c++) {
      gw.beginCycle();
      // What the gateway cycle asks each poll: trades since a trade id that moves every time,
      // the book, the account, and an order look-up.
      await Promise.all([
        gw.fetchTrades('BTC/USDT:USDT', String(T0 + c))(),
        gw.fetchTrades('ETH/USDT:USDT', String(T0 + c))(),
        gw.fetchTopOfBook('BTC/USDT:USDT')(),
        gw.fetchAccount()(),
        gw.fetchOrderByClientId('BTC/USDT:USDT', `c-${c}`)(),
      ]);
      clock.advanceBy(1_000);
      sizes.push(gw.cachedReads());
    }
    expect(gw.stats().requested).toBe(10_000);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes[sizes.length - 1]).toBe(sizes[10]);
  });

  it('sweeps without beginCycle too: a caller that never starts a cycle stays bounded', async () => {
    const { clock, gw } = setup(250);
    for (let c = 0; c < 1_000; c++) {
      await gw.fetchTrades('BTC/USDT:USDT', String(T0 + c))();
      clock.advanceBy(300);
    }
    expect(gw.cachedReads()).toBeLessThanOrEqual(64);
  });

  it('charges each call that reaches the venue, and only those, to the rate budget', async () => {
    const clock = createVirtualClock(T0);
    const venue = createCountingAdapter();
    const budget = createRateBudget({
      limits: [{ name: 'w', capacity: 100, refillPerMs: 0, charge: 'weight' }],
      weight: venue.weight,
      clock,
    });
    const gw = createRequestCoalescer(venue, { windowMs: 1_000, clock, budget });
    await Promise.all(Array.from({ length: 30 }, (_, i) => gw.fetchTopOfBook(i % 2 ? 'A' : 'B')()));
    await Promise.all(Array.from({ length: 30 }, () => gw.fetchBalances()()));
    // Two books at weight 2 and one balance read at weight 5.
    expect(budget.state().buckets[0]!.tokens).toBe(100 - 2 * 2 - 5);
  });

  it('reports a call heavier than the whole budget as a rejection, without calling the venue', async () => {
    const clock = createVirtualClock(T0);
    const venue = createCountingAdapter();
    const budget = createRateBudget({
      limits: [{ name: 'w', capacity: 10, refillPerMs: 1, charge: 'weight' }],
      weight: (op) => (op === 'fetchBalances' ? 50 : 1),
      clock,
    });
    const gw = createRequestCoalescer(venue, { windowMs: 1_000, clock, budget });
    expect(await gw.fetchBalances()()).toMatchObject(E.left({ _tag: 'VenueRejected', op: 'fetchBalances' }));
    expect(venue.total()).toBe(0);
  });
});

describe('request coalescer: properties', () => {
  const step = fc.record({
    advance: fc.integer({ min: 0, max: 400 }),
    symbols: fc.array(fc.constantFrom('A', 'B', 'C'), { minLength: 1, maxLength: 6 }),
  });

  it('within a window each symbol reaches the venue at most once; across windows it always does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 15 }), async (steps) => {
        const { clock, venue, gw } = setup(250);
        const lastSent = new Map<string, number>();
        let expected = 0;
        for (const s of steps) {
          clock.advanceBy(s.advance);
          const now = clock.now();
          for (const sym of new Set(s.symbols)) {
            const last = lastSent.get(sym);
            if (last === undefined || now - last >= 250) {
              expected++;
              lastSent.set(sym, now);
            }
          }
          const rs = await Promise.all(s.symbols.map((sym) => gw.fetchTopOfBook(sym)()));
          // Every caller gets the book of the symbol it asked for.
          expect(rs.map((r) => E.isRight(r) && r.right.symbol)).toEqual(s.symbols);
        }
        expect(venue.counts()['fetchTopOfBook'] ?? 0).toBe(expected);
        expect(gw.stats().requested).toBe(steps.reduce((n, s) => n + s.symbols.length, 0));
      }),
      { numRuns: 100 },
    );
  });
});
