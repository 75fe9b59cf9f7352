/**
 * The simulator's whole-account read: the `sim` payload of @keel/venue-accounts, built from the
 * simulator's own figures (balances, what orders and positions lock, positions at entry, the
 * mark), and derived by the `sim` model into the figures the gateway records.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';
import { deriveAccount } from '@keel/venue-accounts';
import { OrderRequest } from '@keel/venue-domain';
import { MarketEvent } from './market.events';
import { createSimulatedVenue } from './simulated.venue';
import { BINANCE_USDM_BTCUSDT, right } from '../testing/sim.fixtures';

const d = (v: Decimal.Value): Decimal => new Decimal(v);
const quote = (ts: number, bid: string, ask: string): MarketEvent => ({
  type: 'quote',
  venueAt: ts,
  bidPrice: d(bid),
  bidQty: d('2'),
  askPrice: d(ask),
  askQty: d('3'),
});
const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'BTC/USDT:USDT',
  clientOrderId: 'c1',
  side: 'buy',
  type: 'market',
  qty: d('0.01'),
  price: null,
  timeInForce: 'GTC',
  reduceOnly: false,
  ...over,
});

const setup = () => {
  const clock = createVirtualClock(0);
  const venue = createSimulatedVenue({
    venue: 'sim',
    accountId: 'acct1',
    clock,
    markets: [
      {
        instrument: BINANCE_USDM_BTCUSDT,
        events: [quote(1000, '50000.0', '50000.1'), quote(2000, '50100.0', '50100.1')],
      },
    ],
    balances: { USDT: '10000' },
    unknownQueueQty: '1',
    fundingRate: null,
  });
  return { clock, venue };
};

describe('SimulatedVenue.fetchAccount', () => {
  it('an untouched account: its cash, nothing locked, no positions, at the clock, 10× leverage', async () => {
    const { clock, venue } = setup();
    clock.advanceTo(1000);
    expect(right(await venue.fetchAccount()())).toEqual({
      model: 'sim',
      payloads: {
        account: {
          currency: 'USDT',
          at: 1000,
          leverage: '10',
          balances: [{ asset: 'USDT', total: '10000', locked: '0' }],
          positions: [],
        },
      },
      sentAt: 1000,
      receivedAt: 1000,
    });
  });

  it('a position and a resting order: locked margin of both, the position at entry and the mid as mark', async () => {
    const { clock, venue } = setup();
    clock.advanceTo(1000);
    // Market buy 0.01 at the ask 50000.1, taker fee 0.2500005; a resting buy 0.01 at 49000.0.
    right(await venue.placeOrder(order())());
    right(await venue.placeOrder(order({ clientOrderId: 'c2', type: 'limit', price: d('49000.0') }))());
    const read = right(await venue.fetchAccount()());
    expect(read.payloads['account']).toEqual({
      currency: 'USDT',
      at: 1000,
      leverage: '10',
      // locked: position 0.01 × 50000.1 × 0.1 = 50.0001, order 0.01 × 49000 × 0.1 = 49.
      balances: [{ asset: 'USDT', total: '9999.7499995', locked: '99.0001' }],
      positions: [
        {
          symbol: 'BTCUSDT',
          qty: '0.01',
          entryPrice: '50000.1',
          markPrice: '50000.05',
          initialMargin: '50.0001',
          maintenanceMargin: '25.00005',
        },
      ],
    });

    const figures = deriveAccount(read, { instruments: [BINANCE_USDM_BTCUSDT] });
    if (E.isLeft(figures)) throw new Error(JSON.stringify(figures.left));
    const f = figures.right;
    expect(f.positions.map((p) => [p.instrument, p.unrealizedPnl.toFixed()])).toEqual([
      ['BTC/USDT:USDT', '-0.0005'],
    ]);
    expect(f.cash.toFixed()).toBe('9999.7499995');
    expect(f.equity.toFixed()).toBe('9999.7494995');
    expect(f.balances.map((b) => [b.free.toFixed(), b.locked.toFixed()])).toEqual([
      ['9900.7498995', '99.0001'],
    ]);
  });

  it('the mark follows the market: a later quote moves markPrice, nothing else', async () => {
    const { clock, venue } = setup();
    clock.advanceTo(1000);
    right(await venue.placeOrder(order())());
    const before = right(await venue.fetchAccount()()).payloads['account'] as { positions: unknown[] };
    clock.advanceTo(2000);
    const after = right(await venue.fetchAccount()()).payloads['account'] as {
      at: number;
      positions: unknown[];
    };
    expect(after.at).toBe(2000);
    expect(after.positions).toEqual([{ ...(before.positions[0] as object), markPrice: '50100.05' }]);
  });

  it('a closed venue answers VenueUnavailable', async () => {
    const { venue } = setup();
    await venue.close();
    const r = await venue.fetchAccount()();
    expect(E.isLeft(r) && r.left._tag).toBe('VenueUnavailable');
  });
});
