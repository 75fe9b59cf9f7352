import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';

import { MarketEvent } from './market.events';
import { createSimulatedVenue } from './simulated.venue';
import { misbehavingVenue, Misbehaviour } from './misbehaving.venue';
import { BINANCE_USDM_BTCUSDT, d, order, quote, right, trade } from '../testing/sim.fixtures';

const NONE: Misbehaviour = {
  lateApplyChance: 0,
  lateApplyMs: 0,
  forgetCancelledAfterMs: Infinity,
  fillDelayMs: 0,
  fillDropChance: 0,
  seed: 7,
};
const QUOTE = quote(0, '50000.0', '2', '50000.1', '2');
const setup = (m: Partial<Misbehaviour>, events: MarketEvent[] = [QUOTE]) => {
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
    const r = await venue.placeOrder(order({ price: d('49000.0') }))();
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
    right(await venue.placeOrder(order({ price: d('49000.0') }))());
    expect(right(await venue.cancelOrder('BTCUSDT', 'c1')()).status).toBe('cancelled');
    clock.advanceTo(1000 + 86_400_000);
    expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())).toMatchObject({ status: 'cancelled' });
    clock.advanceTo(1000 + 3 * 86_400_000);
    expect(right(await venue.fetchOrderByClientId('BTCUSDT', 'c1')())).toBeNull();
  });

  it('lists a fill only after its delay, and a read may leave one out that a later read lists', async () => {
    const { clock, venue, sim } = setup({ fillDelayMs: 2000, fillDropChance: 0.5 }, [
      QUOTE,
      ...Array.from({ length: 20 }, (_, i) => trade(2000 + i * 100, `t${i}`, '50000.0', '5', 'sell')),
    ]);
    clock.advanceTo(1000);
    for (let i = 0; i < 20; i++) right(await venue.placeOrder(order({ clientOrderId: `c${i}` }))());
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
