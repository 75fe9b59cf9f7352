import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';
import { OrderRequest, VenueError } from '@keel/venue-domain';
import { MarketEvent } from './market.events';
import { createSimulatedVenue } from './simulated.venue';
import { misbehavingVenue, Misbehaviour } from './misbehaving.venue';
import { BINANCE_USDM_BTCUSDT } from '../testing/sim.fixtures';

const d = (v: Decimal.Value): Decimal => new Decimal(v);
const quote = (ts: number): MarketEvent => ({
  type: 'quote',
  venueAt: ts,
  bidPrice: d('50000.0'),
  bidQty: d('2'),
  askPrice: d('50000.1'),
  askQty: d('2'),
});
const trade = (ts: number, id: string): MarketEvent => ({
  type: 'trade',
  venueAt: ts,
  tradeId: id,
  price: d('50000.0'),
  qty: d('5'),
  side: 'sell',
});
const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'BTCUSDT',
  clientOrderId: 'c1',
  side: 'buy',
  type: 'limit',
  qty: d('0.01'),
  price: d('49000.0'),
  timeInForce: 'GTC',
  reduceOnly: false,
  ...over,
});
const right = <A>(r: E.Either<VenueError, A>): A => {
  if (E.isLeft(r)) throw new Error(`unexpected Left: ${JSON.stringify(r.left)}`);
  return r.right;
};
const NONE: Misbehaviour = {
  lateApplyChance: 0,
  lateApplyMs: 0,
  forgetCancelledAfterMs: Infinity,
  fillDelayMs: 0,
  fillDropChance: 0,
  seed: 7,
};
const setup = (m: Partial<Misbehaviour>, events: MarketEvent[] = [quote(0)]) => {
  const clock = createVirtualClock(0);
  const sim = createSimulatedVenue({
    venue: 'sim',
    accountId: 'acct1',
    clock,
    markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
    balances: { USDT: '100000' },
    unknownQueueQty: '0',
  });
  return { clock, sim, venue: misbehavingVenue(sim, clock, { ...NONE, ...m }) };
};

describe('a misbehaving venue', () => {
  it('answers a placement with a timeout, denies it to look-ups and open orders meanwhile, and applies it later', async () => {
    const { clock, venue } = setup({ lateApplyChance: 1, lateApplyMs: 500 });
    clock.advanceTo(1000);
    const r = await venue.placeOrder(order())();
    expect(E.isLeft(r) && r.left._tag).toBe('VenueTimeout');
    expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())).toBeNull();
    expect(right(await venue.fetchOpenOrders(null)())).toEqual([]);
    await clock.runUntil(1600);
    expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())).toMatchObject({ status: 'open' });
    expect(right(await venue.fetchOpenOrders(null)()).map((o) => o.clientOrderId)).toEqual(['c1']);
    expect(venue.stats()).toMatchObject({ lateApplied: 1, lookupsDenied: 1 });
  });

  it('forgets a cancelled order after the horizon: a look-up then answers "does not exist"', async () => {
    const { clock, venue } = setup({ forgetCancelledAfterMs: 3 * 86_400_000 });
    clock.advanceTo(1000);
    right(await venue.placeOrder(order())());
    expect(right(await venue.cancelOrder('BTCUSDT', 'c1')()).status).toBe('cancelled');
    clock.advanceTo(1000 + 86_400_000);
    expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())).toMatchObject({ status: 'cancelled' });
    clock.advanceTo(1000 + 3 * 86_400_000);
    expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())).toBeNull();
  });

  it('lists a fill only after its delay, and a read may leave one out that a later read lists', async () => {
    const { clock, venue, sim } = setup({ fillDelayMs: 2000, fillDropChance: 0.5 }, [
      quote(0),
      ...Array.from({ length: 20 }, (_, i) => trade(2000 + i * 100, `t${i}`)),
    ]);
    clock.advanceTo(1000);
    for (let i = 0; i < 20; i++)
      right(await venue.placeOrder(order({ clientOrderId: `c${i}`, price: d('50000.0'), qty: d('0.01') }))());
    clock.advanceTo(5000);
    const filled = sim.allFills();
    expect(filled.length).toBeGreaterThan(0);
    // Fills up to 3 s old: none of those after 3000 is listed yet.
    const first = right(await venue.fetchFills('BTCUSDT', 0)());
    expect(first.every((f) => f.ts <= 3000)).toBe(true);
    expect(first.length).toBeLessThan(filled.length);
    // Read again long after: each read drops about half, but together they list every fill.
    clock.advanceTo(20_000);
    const seen = new Set<string>();
    for (let i = 0; i < 20; i++)
      for (const f of right(await venue.fetchFills('BTCUSDT', 0)())) seen.add(f.tradeId);
    expect([...seen].sort()).toEqual(filled.map((f) => f.tradeId).sort());
    expect(venue.stats().fillsHeldBack).toBeGreaterThan(0);
  });
});
