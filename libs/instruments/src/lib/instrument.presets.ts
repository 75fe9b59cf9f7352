/**
 * Instruments as their venues list them, for the simulator, paper trading and tests. Live
 * gateways load instruments from the venue instead (`loadInstruments`).
 */
import Decimal from 'decimal.js';
import { Instrument } from './instrument';

/**
 * Binance USD-M BTCUSDT perpetual: exchangeInfo filters PRICE_FILTER tickSize 0.1,
 * LOT_SIZE stepSize/minQty 0.001, MIN_NOTIONAL 100 USDT; regular-tier fees 2 bps maker /
 * 5 bps taker (TOOLCHAIN.md, "Venue facts"). The recorded BTCUSDT USD-M data sits on this grid.
 */
export const BINANCE_USDM_BTCUSDT: Instrument = {
  venue: 'binanceusdm',
  venueSymbol: 'BTCUSDT',
  symbol: 'BTC/USDT:USDT',
  kind: 'perpetual',
  base: 'BTC',
  quote: 'USDT',
  settle: 'USDT',
  tickSize: new Decimal('0.1'),
  lotSize: new Decimal('0.001'),
  minQty: new Decimal('0.001'),
  minNotional: new Decimal('100'),
  contractSize: new Decimal('1'),
  settlement: null,
  expiry: null,
  makerFee: new Decimal('0.0002'),
  takerFee: new Decimal('0.0005'),
};
