/**
 * Golden scenarios on real recorded Binance USD-M BTCUSDT data (test-data/README.md).
 * Each expected value was computed once, by hand from the raw rows (a few lines of Python
 * over the same gzip slices; the derivation is written beside each expectation), and is
 * pinned here: a change in the queue, slippage or fee model that moves them fails the test.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createVirtualClock, VirtualClock } from '@keel/clock';
import { VenueError } from '@keel/venue-domain';
import { loadMarket } from './csv.readers';
import { MarketEvent } from './market.events';
import { createSimulatedVenue, SimulatedVenue, SimulatedVenueConfig } from './simulated.venue';
import { BINANCE_USDM_BTCUSDT, TEST_DATA } from '../testing/sim.fixtures';

const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const right = <A>(r: E.Either<VenueError | { message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(`unexpected Left: ${JSON.stringify(r.left)}`);
  return r.right;
};

const venueOn = (
  events: MarketEvent[],
  over: Partial<SimulatedVenueConfig> = {},
): { clock: VirtualClock; venue: SimulatedVenue } => {
  const clock = createVirtualClock((events[0] as MarketEvent).venueAt);
  const venue = createSimulatedVenue({
    venue: 'binanceusdm-sim',
    accountId: 'golden',
    clock,
    markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
    balances: { USDT: '1000000' },
    ...over,
  });
  return { clock, venue };
};

describe('golden: passive buy at the touch on the 2024-10-28 trade tape (trade-only, queue 1 BTC)', () => {
  it('fills 0.05 @ 68613.9 at 15:42:25.120 once 1 BTC of sells at its price has traded ahead of it', async () => {
    const events = right(await loadMarket({ trades: TEST_DATA.trades20241028 }));
    const t0 = (events[0] as MarketEvent).venueAt; // 2024-10-28T15:42:23.833Z, first print
    const { clock, venue } = venueOn(events, { latencyMs: 50, unknownQueueQty: '1' });
    clock.advanceTo(t0 + 1000);
    // Trade-only tape: the bid is the last seller's print, 68613.9 (15:42:24.503, 0.006 sell).
    const tob = right(await venue.fetchTopOfBook('BTCUSDT')());
    expect(tob.bidPrice.toString()).toBe('68613.9');
    const placed = venue.placeOrder({
      symbol: 'BTCUSDT',
      clientOrderId: 'golden1',
      side: 'buy',
      type: 'limit',
      qty: new Decimal('0.05'),
      price: tob.bidPrice,
      timeInForce: 'PO',
      reduceOnly: false,
    })();
    // Arrives at 15:42:24.883 and queues behind 1 BTC (no depth on this tape). Sells at 68613.9 then:
    //   .922  0.010 → 0.990 ahead;   25.120  2.178 → 0.990 deplete the queue, 0.05 of the rest fills us.
    clock.advanceTo(t0 + 10_000);
    expect(right(await placed).status).toBe('open');
    expect(plain(right(await venue.fetchFills('BTCUSDT', 0)()))).toEqual([
      {
        symbol: 'BTC/USDT:USDT',
        tradeId: 'sim1',
        clientOrderId: 'golden1',
        venueOrderId: '1',
        side: 'buy',
        qty: '0.05',
        price: '68613.9',
        fee: '0.686139',
        feeAsset: 'USDT',
        liquidity: 'maker',
        ts: 1730130145120,
      },
    ]);
    expect(new Date(1730130145120).toISOString()).toBe('2024-10-28T15:42:25.120Z');
    // total: 1,000,000 − 0.686139 maker fee (0.05 × 68613.9 × 0.0002); free: less 10 % margin on 3430.695 notional.
    expect(plain(right(await venue.fetchBalances()()))).toEqual([
      { asset: 'USDT', total: '999999.313861', free: '999656.244361' },
    ]);
  });

  it('replays the whole 5-minute tape (5,891 prints) under the virtual clock in well under a second of CPU', async () => {
    const events = right(await loadMarket({ trades: TEST_DATA.trades20241028 }));
    expect(events.length).toBe(5891);
    const { clock, venue } = venueOn(events);
    const started = process.hrtime.bigint();
    clock.advanceTo((events[events.length - 1] as MarketEvent).venueAt);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    expect(venue.nextEventAt()).toBeNull();
    expect(right(await venue.fetchTrades('BTCUSDT', null)()).length).toBe(1000);
    expect(ms).toBeLessThan(2000);
  });
});

describe('golden: market orders against the 2024-07-18 tick BBO (the depth curve beyond the displayed touch)', () => {
  // At 23:58:20.000 the last quote (23:58:19.905) is bid 63947.90 × 18.150 / ask 63948.00 × 12.802.
  const at = 1721347100000;
  const load = async () =>
    right(await loadMarket({ quotes: TEST_DATA.bbo20240718, trades: TEST_DATA.trades20240718 }));

  it('a 2 BTC buy is inside the displayed touch: it pays the ask, 63948.0, no impact', async () => {
    const { clock, venue } = venueOn(await load());
    clock.advanceTo(at);
    const o = right(
      await venue.placeOrder({
        symbol: 'BTCUSDT',
        clientOrderId: 'm1',
        side: 'buy',
        type: 'market',
        qty: new Decimal('2'),
        price: null,
        timeInForce: 'IOC',
        reduceOnly: false,
      })(),
    );
    expect(plain(o)).toMatchObject({ status: 'filled', filledQty: '2', avgFillPrice: '63948' });
  });

  it('a 20 BTC buy pays 0.3867 bps over the ask: 63950.47286916, fee 639.5047286916', async () => {
    // 12.802 at the ask, the rest along the depth curve from 12.802 on: W(x) = x × avg(x), avg linear between
    // (10, 0.3218) and (20, 0.6518): avg(12.802) = 0.41427… → 0.4143, W = 5.3038…; W(20) = 13.036;
    // (13.036 − 5.3038…) / 20 = 0.38661… → 0.3867 (rounded up). price = 63948.0 × (1 + 0.3867 / 10⁴); fee = 20 × price × 0.0005.
    const { clock, venue } = venueOn(await load());
    clock.advanceTo(at);
    const o = right(
      await venue.placeOrder({
        symbol: 'BTCUSDT',
        clientOrderId: 'm2',
        side: 'buy',
        type: 'market',
        qty: new Decimal('20'),
        price: null,
        timeInForce: 'IOC',
        reduceOnly: false,
      })(),
    );
    expect(plain(o)).toMatchObject({ status: 'filled', avgFillPrice: '63950.47286916' });
    expect(plain(venue.allFills())).toMatchObject([
      { qty: '20', price: '63950.47286916', fee: '639.5047286916', liquidity: 'taker', ts: at },
    ]);
  });

  it('a 20 BTC sell receives 0.1157 bps under the bid: 63947.160122797', async () => {
    // 18.150 at the bid; avg(18.15) = 0.3218 + 0.33 × 0.815 = 0.59075 → 0.5908, W = 10.72302; (13.036 − 10.72302) / 20
    // = 0.11564… → 0.1157; 63947.9 × (1 − 0.1157 / 10⁴).
    const { clock, venue } = venueOn(await load());
    clock.advanceTo(at);
    const o = right(
      await venue.placeOrder({
        symbol: 'BTCUSDT',
        clientOrderId: 'm3',
        side: 'sell',
        type: 'market',
        qty: new Decimal('20'),
        price: null,
        timeInForce: 'IOC',
        reduceOnly: false,
      })(),
    );
    expect(plain(o)).toMatchObject({ status: 'filled', avgFillPrice: '63947.160122797' });
  });
});

describe('golden: resting sell on the 2026-01-01 1-second BBO (quote-only: fills when the bid reaches it)', () => {
  it('a post-only sell 5.0 above the ask fills at 00:00:40 when the bid first reaches 87613.3', async () => {
    // First quote 00:00:00: 87608.2 / 87608.3. Sell at 87608.3 + 5.0 = 87613.3. Scanning the rows, the bid
    // first reaches it at 00:00:40 (87614.8 × 18.548): an inferred trade-through, 0.1 fills as maker.
    const events = right(await loadMarket({ quotes: TEST_DATA.bbo1s20260101 }));
    const { clock, venue } = venueOn(events, { latencyMs: 100 });
    clock.advanceTo(1767225600000);
    const placed = venue.placeOrder({
      symbol: 'BTCUSDT',
      clientOrderId: 'q1',
      side: 'sell',
      type: 'limit',
      qty: new Decimal('0.1'),
      price: new Decimal('87613.3'),
      timeInForce: 'PO',
      reduceOnly: false,
    })();
    clock.advanceTo(1767225700000);
    right(await placed);
    expect(plain(right(await venue.fetchFills('BTCUSDT', 0)()))).toMatchObject([
      { qty: '0.1', price: '87613.3', fee: '1.752266', liquidity: 'maker', ts: 1767225640000 },
    ]);
    expect(plain(right(await venue.fetchPositions()()))).toEqual([
      { symbol: 'BTC/USDT:USDT', qty: '-0.1', entryPrice: '87613.3' },
    ]);
  });
});

describe('golden: determinism on the real tape', () => {
  it('the same orders on the 2024-10-28 tape give byte-identical fills, run after run', async () => {
    const events = right(await loadMarket({ trades: TEST_DATA.trades20241028 }));
    const t0 = (events[0] as MarketEvent).venueAt;
    const runOnce = async (): Promise<string> => {
      const { clock, venue } = venueOn(events, { latencyMs: 25 });
      for (let k = 0; k < 20; k++) {
        clock.advanceTo(t0 + 1000 + k * 10_000);
        const tob = right(await venue.fetchTopOfBook('BTCUSDT')());
        const side = k % 2 === 0 ? 'buy' : 'sell';
        void venue.placeOrder({
          symbol: 'BTCUSDT',
          clientOrderId: `d${k}`,
          side,
          type: k % 5 === 4 ? 'market' : 'limit',
          qty: new Decimal('0.2'),
          price: k % 5 === 4 ? null : side === 'buy' ? tob.bidPrice : tob.askPrice,
          timeInForce: k % 5 === 4 ? 'IOC' : 'GTC',
          reduceOnly: false,
        })();
      }
      clock.advanceTo((events[events.length - 1] as MarketEvent).venueAt);
      return JSON.stringify([
        venue.allFills(),
        right(await venue.fetchBalances()()),
        right(await venue.fetchPositions()()),
      ]);
    };
    const a = await runOnce();
    expect(await runOnce()).toBe(a);
    expect(JSON.parse(a)[0].length).toBeGreaterThan(10);
  });
});
