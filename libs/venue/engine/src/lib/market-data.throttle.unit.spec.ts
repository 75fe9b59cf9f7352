import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { TopOfBook, TradePrint } from '@keel/venue-domain';
import {
  initialMarketData,
  MarketDataState,
  throttleQuote,
  throttleTrades,
  tradeCursor,
} from './market-data.throttle';

const meta = {
  correlationId: 'c',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2024-01-01T00:00:00.000Z',
};
const T0 = Date.UTC(2024, 0, 1);
const BTC = 'BTC/USDT:USDT';
const book = (bid: string, ts = T0): TopOfBook => ({
  symbol: BTC,
  bidPrice: new Decimal(bid),
  bidQty: new Decimal(1),
  askPrice: new Decimal(bid).plus('0.1'),
  askQty: new Decimal(2),
  venueAt: ts,
});
const trade = (tradeId: string): TradePrint => ({
  symbol: BTC,
  tradeId,
  price: new Decimal(100),
  qty: new Decimal('0.5'),
  side: 'buy',
  venueAt: T0,
});

/** Poll the quotes at the given instants; return the instants at which one was recorded. */
const pollQuotes = (polls: readonly [number, string][]) => {
  let st: MarketDataState = initialMarketData;
  const recordedAt: number[] = [];
  for (const [at, bid] of polls) {
    const r = throttleQuote(st, 'binanceusdm', book(bid), T0 + at, meta);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    st = r.right.state;
    if (r.right.events.length) recordedAt.push(at);
  }
  return recordedAt;
};

describe('quote throttle', () => {
  it('records the first quote, then a change at most once per interval', () => {
    expect(
      pollQuotes([
        [0, '100'],
        [100, '101'],
        [249, '102'],
        [250, '102'],
        [300, '103'],
        [600, '104'],
      ]),
    ).toEqual([0, 250, 600]);
  });

  it('an unchanged book is recorded only as a heartbeat', () => {
    expect(
      pollQuotes([
        [0, '100'],
        [5_000, '100'],
        [10_000, '100'],
        [15_000, '100'],
        [20_000, '100'],
      ]),
    ).toEqual([0, 10_000, 20_000]);
  });

  it('produces a valid QuoteUpdated with venue time', () => {
    const r = throttleQuote(initialMarketData, 'binanceusdm', book('100.5'), T0, meta);
    expect(E.isRight(r) && r.right.events[0]).toMatchObject({
      type: 'QuoteUpdated',
      data: {
        venue: 'binanceusdm',
        instrument: BTC,
        bidPrice: '100.5',
        askPrice: '100.6',
        venueAt: '2024-01-01T00:00:00.000Z',
      },
    });
  });
});

describe('trade throttle', () => {
  it('records each trade once, moves the cursor, and keeps the newest beyond the cap', () => {
    const r = throttleTrades(
      initialMarketData,
      'b',
      BTC,
      [trade('1'), trade('2'), trade('2'), trade('3'), trade('4')],
      meta,
      { minIntervalMs: 0, heartbeatMs: 0, maxTradesPerPoll: 2 },
    );
    expect(
      E.isRight(r) && r.right.events.map((e) => (e.type === 'TradePrinted' ? e.data.tradeId : e.type)),
    ).toEqual(['3', '4']);
    expect(E.isRight(r) && r.right.skipped).toBe(2);
    expect(E.isRight(r) && tradeCursor(r.right.state, BTC)).toBe('4');
  });

  it('nothing new: no events, cursor unchanged', () => {
    const r = throttleTrades(initialMarketData, 'b', BTC, [], meta);
    expect(E.isRight(r) && r.right).toEqual({ state: initialMarketData, events: [], skipped: 0 });
    expect(tradeCursor(initialMarketData, BTC)).toBeNull();
  });

  it('the same trade twice gets the same event id (a no-op in the store)', () => {
    const a = throttleTrades(initialMarketData, 'b', BTC, [trade('9')], meta);
    const b = throttleTrades(initialMarketData, 'b', BTC, [trade('9')], {
      ...meta,
      occurredAt: '2024-01-02T00:00:00.000Z',
    });
    expect(E.isRight(a) && E.isRight(b) && a.right.events[0]!.eventId === b.right.events[0]!.eventId).toBe(
      true,
    );
  });
});
