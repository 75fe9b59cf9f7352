/**
 * Funding in the simulator, on real recorded data: the 2024-07-18 23:58 Binance USD-M BTCUSDT
 * minute (quotes and trades, test-data/README.md), a long taken in it, and the 2024-07-19
 * 00:00 UTC funding instant two minutes after the data ends. The data has no funding rates:
 * the rate is the configured constant; the mark is the mid of the last recorded quote.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';
import { FundingPayment, VenueError } from '@keel/venue-domain';
import { loadMarket } from './csv.readers';
import { MarketEvent } from './market.events';
import { createSimulatedVenue, SimulatedVenueConfig } from './simulated.venue';
import { BINANCE_USDM_BTCUSDT, TEST_DATA } from '../testing/sim.fixtures';
import { FUNDING_INTERVAL_MS, nextFundingAfter } from './sim.funding';

const right = <A>(r: E.Either<VenueError | { message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(`unexpected Left: ${JSON.stringify(r.left)}`);
  return r.right;
};

const MIDNIGHT = Date.UTC(2024, 6, 19); // 2024-07-19T00:00:00Z

/** Buy 0.01 BTC at market early in the minute, then run the clock to `until`. */
const session = async (until: number, over: Partial<SimulatedVenueConfig> = {}) => {
  const events = right(await loadMarket({ quotes: TEST_DATA.bbo20240718, trades: TEST_DATA.trades20240718 }));
  const t0 = (events[0] as MarketEvent).venueAt;
  const clock = createVirtualClock(t0);
  const venue = createSimulatedVenue({
    venue: 'sim',
    accountId: 'f1',
    clock,
    markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
    balances: { USDT: '10000' },
    ...over,
  });
  clock.advanceTo(t0 + 1000);
  const placed = venue.placeOrder({
    symbol: 'BTCUSDT',
    clientOrderId: 'f1buy',
    side: 'buy',
    type: 'market',
    qty: new Decimal('0.01'),
    price: null,
    timeInForce: 'IOC',
    reduceOnly: false,
  })();
  clock.advanceTo(t0 + 2000);
  right(await placed);
  clock.advanceTo(until);
  const funding = right(await venue.fetchFunding(0)());
  const usdt = right(await venue.fetchBalances()()).find((b) => b.asset === 'USDT');
  const fills = venue.allFills();
  await venue.close();
  return { funding, usdt, fills, events };
};

const show = (fs: readonly FundingPayment[]) => fs.map((f) => ({ ...f, amount: f.amount.toFixed() }));

describe('SimulatedVenue funding (constant rate, recorded BTCUSDT data)', () => {
  it('the schedule is 00:00, 08:00 and 16:00 UTC', () => {
    expect(new Date(nextFundingAfter(Date.UTC(2024, 6, 18, 23, 58))).toISOString()).toBe(
      '2024-07-19T00:00:00.000Z',
    );
    expect(new Date(nextFundingAfter(MIDNIGHT)).toISOString()).toBe('2024-07-19T08:00:00.000Z');
    expect(new Date(nextFundingAfter(MIDNIGHT + 9 * 3_600_000)).toISOString()).toBe(
      '2024-07-19T16:00:00.000Z',
    );
  });

  it('settles nothing before the instant, then −position × mark × rate at 00:00 UTC, booked in USDT', async () => {
    const before = await session(MIDNIGHT - 1);
    expect(before.funding).toEqual([]);

    const at = await session(MIDNIGHT);
    // The last recorded quote (23:58:59.868) is 63947.90 / 63948.00: mark 63947.95.
    const last = [...at.events].reverse().find((e) => e.type === 'quote');
    expect(last && last.type === 'quote' ? [last.bidPrice.toFixed(), last.askPrice.toFixed()] : []).toEqual([
      '63947.9',
      '63948',
    ]);
    // −0.01 × 63947.95 × 0.0001 = −0.06394795 (exact, not rounded).
    expect(show(at.funding)).toEqual([
      {
        symbol: 'BTC/USDT:USDT',
        fundingId: `sim-funding-BTCUSDT-${MIDNIGHT}`,
        amount: '-0.06394795',
        asset: 'USDT',
        venueAt: MIDNIGHT,
      },
    ]);
    // The balance moved by exactly the payment: balance(after) = balance(before) + amount.
    expect(new Decimal(at.usdt?.total ?? 'NaN').minus(before.usdt?.total ?? 'NaN').toFixed()).toBe(
      '-0.06394795',
    );
  });

  it('a short receives; 8 h later the next payment has its own id; a null rate settles nothing', async () => {
    const events = right(await loadMarket({ quotes: TEST_DATA.bbo20240718 }));
    const t0 = (events[0] as MarketEvent).venueAt;
    const clock = createVirtualClock(t0);
    const venue = createSimulatedVenue({
      venue: 'sim',
      accountId: 'f2',
      clock,
      markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
      balances: { USDT: '10000' },
      fundingRate: '0.00025',
    });
    clock.advanceTo(t0 + 1000);
    const placed = venue.placeOrder({
      symbol: 'BTCUSDT',
      clientOrderId: 'f2sell',
      side: 'sell',
      type: 'market',
      qty: new Decimal('0.002'),
      price: null,
      timeInForce: 'IOC',
      reduceOnly: false,
    })();
    clock.advanceTo(t0 + 2000);
    right(await placed);
    clock.advanceTo(MIDNIGHT + FUNDING_INTERVAL_MS);
    const paid = show(right(await venue.fetchFunding(0)()));
    // +0.002 × 63947.95 × 0.00025 = 0.031973975, at 00:00 and again at 08:00.
    expect(paid.map((p) => [p.fundingId, p.amount])).toEqual([
      [`sim-funding-BTCUSDT-${MIDNIGHT}`, '0.031973975'],
      [`sim-funding-BTCUSDT-${MIDNIGHT + FUNDING_INTERVAL_MS}`, '0.031973975'],
    ]);
    expect(show(right(await venue.fetchFunding(MIDNIGHT + 1)()))).toHaveLength(1);
    await venue.close();

    const none = await session(MIDNIGHT + FUNDING_INTERVAL_MS, { fundingRate: null });
    expect(none.funding).toEqual([]);
  });

  it('is deterministic under the virtual clock: two runs give byte-identical payments and balances', async () => {
    const a = await session(MIDNIGHT + 2 * FUNDING_INTERVAL_MS);
    const b = await session(MIDNIGHT + 2 * FUNDING_INTERVAL_MS);
    expect(JSON.stringify(show(a.funding))).toBe(JSON.stringify(show(b.funding)));
    expect(a.funding).toHaveLength(3);
    expect(JSON.stringify(a.usdt)).toBe(JSON.stringify(b.usdt));
  });
});
