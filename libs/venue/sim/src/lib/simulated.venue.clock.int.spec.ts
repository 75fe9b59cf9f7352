/**
 * The same simulator under a wall-driven clock: an accelerated clock (200×) replays the first
 * seconds of the 2024-10-28 tape in real time, driven only by the venue's own clock timer.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createAcceleratedClock } from '@keel/clock';
import { loadMarket } from './csv.readers';
import { MarketEvent } from './market.events';
import { createSimulatedVenue } from './simulated.venue';
import { BINANCE_USDM_BTCUSDT, TEST_DATA } from '../testing/sim.fixtures';

describe('SimulatedVenue under an accelerated clock', () => {
  it('replays prints as virtual time passes and fills a resting order from them', async () => {
    const m = await loadMarket({ trades: TEST_DATA.trades20241028 });
    if (E.isLeft(m)) throw new Error(m.left.message);
    const events = m.right;
    const t0 = (events[0] as MarketEvent).venueAt;
    const c = createAcceleratedClock({ factor: 200, startAt: t0 });
    if (E.isLeft(c)) throw new Error(c.left.message);
    const clock = c.right;
    const venue = createSimulatedVenue({
      venue: 'sim',
      accountId: 'accel',
      clock,
      markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
      balances: { USDT: '100000' },
      latencyMs: 20,
      unknownQueueQty: '0',
    });
    try {
      await clock.sleep(1000);
      const seen = await venue.fetchTrades('BTCUSDT', null)();
      const prints = E.isRight(seen) ? seen.right : [];
      // The venue's timer has replayed the prints due by now (history keeps the last 1000), none from the future.
      expect(prints.length).toBeGreaterThan(0);
      expect((prints[prints.length - 1] as { venueAt: number }).venueAt).toBeLessThanOrEqual(clock.now());
      const placed = await venue.placeOrder({
        symbol: 'BTCUSDT',
        clientOrderId: 'a1',
        side: 'buy',
        type: 'limit',
        qty: new Decimal('0.002'),
        price: new Decimal('68700.0'),
        timeInForce: 'GTC',
        reduceOnly: false,
      })();
      // 68700 is far above the market: it crosses on arrival and takes the inferred ask as taker.
      expect(E.isRight(placed) && placed.right.status).toBe('filled');
      expect(venue.allFills()[0]?.liquidity).toBe('taker');
    } finally {
      await venue.close();
    }
  });
});
