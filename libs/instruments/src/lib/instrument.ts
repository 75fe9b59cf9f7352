/**
 * What Keel knows of a tradable instrument: its venue and symbols, its price and quantity
 * grid, its minimums and its fees. Shared by every context that sizes, rounds or records
 * orders (execution, venue, rollover, the simulators), so it lives in this contract
 * library rather than in the venue context that lists instruments.
 */
import Decimal from 'decimal.js';

export type Side = 'buy' | 'sell';

export interface Instrument {
  readonly venue: string;
  /** The venue's own symbol, e.g. `BTCUSDT` (Binance), `BTC-USDT-SWAP` (OKX), `BTC` (Hyperliquid). */
  readonly venueSymbol: string;
  /** Keel's symbol, e.g. `BTC/USDT:USDT` (ccxt's unified form). */
  readonly symbol: string;
  readonly kind: 'spot' | 'perpetual' | 'future';
  readonly base: string;
  readonly quote: string;
  /** The asset PnL and margin settle in. */
  readonly settle: string;
  readonly tickSize: Decimal;
  /** Quantity step, in base units (or contracts when contractSize ≠ 1). */
  readonly lotSize: Decimal;
  readonly minQty: Decimal;
  /** Minimum price × quantity × contractSize, in quote; 0 when the venue has none. */
  readonly minNotional: Decimal;
  /** Base units per contract (OKX swaps: ctVal; 1 for linear quantity-in-base venues). */
  readonly contractSize: Decimal;
  readonly settlement: 'cash' | 'physical' | null;
  /** ISO-8601 expiry for dated futures; null for perpetuals and spot. */
  readonly expiry: string | null;
  readonly makerFee: Decimal;
  readonly takerFee: Decimal;
}
