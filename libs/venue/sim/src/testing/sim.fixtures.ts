/**
 * Fixtures shared by this project's specs: the Binance USD-M BTCUSDT perpetual as listed
 * (tick 0.1, lot 0.001, min notional 100 USDT, maker 2 bps, taker 5 bps) and the paths of
 * the recorded slices in ../../test-data (see its README for provenance).
 */
import { join } from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { OrderRequest, VenueError } from '@keel/venue-domain';
import { MarketEvent } from '../lib/market.events';

export { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';

const dir = join(__dirname, '..', '..', 'test-data');
export const TEST_DATA = {
  trades20241028: join(dir, 'binance-usdm-btcusdt-trades-2024-10-28T1542-5min.csv.gz'),
  bbo20240718: join(dir, 'binance-usdm-btcusdt-2024-07-18T2358-1min-bbo.csv.gz'),
  trades20240718: join(dir, 'binance-usdm-btcusdt-2024-07-18T2358-1min-trades.csv.gz'),
  bbo1s20260101: join(dir, 'binance-usdm-btcusdt-bbo1s-2026-01-01T00-1h.csv.gz'),
  depth20241031: join(dir, 'binance-usdm-btcusdt-depth-2024-10-31T1053-3snapshots-top200.csv.gz'),
  depthDiff20240718: join(dir, 'binance-usdm-btcusdt-2024-07-18T2358-1min-depthdiff.csv.gz'),
} as const;

/** A quote, a print and a limit order (GTC, 0.01 BTCUSDT at 50000.0) for hand-written market tapes. */
export const d = (v: Decimal.Value): Decimal => new Decimal(v);
export const quote = (ts: number, bid: string, bidQty: string, ask: string, askQty: string): MarketEvent => ({
  type: 'quote',
  venueAt: ts,
  bidPrice: d(bid),
  bidQty: d(bidQty),
  askPrice: d(ask),
  askQty: d(askQty),
});
export const trade = (
  ts: number,
  id: string,
  price: string,
  qty: string,
  side: 'buy' | 'sell',
): MarketEvent => ({
  type: 'trade',
  venueAt: ts,
  tradeId: id,
  price: d(price),
  qty: d(qty),
  side,
});
/** A book update: the level at `price` now shows `qty` (0: gone). */
export const level = (ts: number, side: 'bid' | 'ask', price: string, qty: string): MarketEvent => ({
  type: 'depth',
  venueAt: ts,
  side,
  price: d(price),
  qty: d(qty),
});
export const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'BTCUSDT',
  clientOrderId: 'c1',
  side: 'buy',
  type: 'limit',
  qty: d('0.01'),
  price: d('50000.0'),
  timeInForce: 'GTC',
  reduceOnly: false,
  ...over,
});

/** The Right of a venue answer, or a thrown error naming the Left. */
export const right = <A>(r: E.Either<VenueError, A>): A => {
  if (E.isLeft(r)) throw new Error(`unexpected Left: ${JSON.stringify(r.left)}`);
  return r.right;
};
