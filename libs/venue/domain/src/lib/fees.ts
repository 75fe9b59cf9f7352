/**
 * Fees of a fill, exactly: qty × price × contractSize × rate, with the maker or taker rate
 * of the instrument. A negative rate (maker rebate) gives a negative fee. No rounding: the
 * venue's own fee rounding, where it has one, is the adapter's to reproduce.
 */
import Decimal from 'decimal.js';
import { exact, Instrument, notionalOf, plain } from '@keel/instruments';

export type Liquidity = 'maker' | 'taker';

export const feeRate = (instrument: Instrument, liquidity: Liquidity): Decimal =>
  liquidity === 'maker' ? instrument.makerFee : instrument.takerFee;

/** The fee of one fill, in the instrument's settle asset (quote for linear contracts). */
export const feeOf = (instrument: Instrument, qty: Decimal, price: Decimal, liquidity: Liquidity): Decimal =>
  plain(exact(notionalOf(price, qty, instrument.contractSize)).times(feeRate(instrument, liquidity)));

/** The asset fees are charged in: the settle asset (USDT for Binance USD-M, the quote for spot). */
export const feeAsset = (instrument: Instrument): string => instrument.settle;
