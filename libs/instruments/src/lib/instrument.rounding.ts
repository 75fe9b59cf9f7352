/**
 * Rounding to an instrument's grid, exactly. Conservative: a quantity rounds DOWN to the
 * lot (the remainder is the caller's to carry) and a limit price rounds in the passive
 * direction (buy → floor, sell → ceil), so rounding never makes an order bigger or more
 * aggressive. The venue's order checks (`prepareOrder`, @keel/venue-domain) build on these;
 * execution sizes its slices with them.
 */
import Decimal from 'decimal.js';
import { Side } from './instrument';
import { exact, plain } from './exact.decimal';

/** `qty` floored to a multiple of `lot` (lot > 0). Never larger than `qty`. */
export const roundQtyDown = (qty: Decimal, lot: Decimal): Decimal => {
  const q = exact(qty);
  const r = q.mod(lot);
  // decimal.js `mod` keeps the dividend's sign (ROUND_DOWN modulo): fix up negatives to floor.
  return plain(r.isNegative() ? q.minus(r).minus(lot) : q.minus(r));
};

/** `price` floored to the tick grid. */
export const floorToTick = (price: Decimal, tick: Decimal): Decimal => roundQtyDown(price, tick);

/** `price` ceiled to the tick grid. */
export const ceilToTick = (price: Decimal, tick: Decimal): Decimal => {
  const floored = floorToTick(price, tick);
  return floored.eq(price) ? floored : plain(exact(floored).plus(tick));
};

/** Rounds a limit price in the passive direction: a buy never pays more, a sell never asks less. */
export const roundPricePassive = (side: Side, price: Decimal, tick: Decimal): Decimal =>
  side === 'buy' ? floorToTick(price, tick) : ceilToTick(price, tick);

/** True when `value` is an exact multiple of `step`. */
export const isOnGrid = (value: Decimal, step: Decimal): boolean => exact(value).mod(step).isZero();

/** price × qty × contractSize, exactly, in quote. */
export const notionalOf = (price: Decimal, qty: Decimal, contractSize: Decimal): Decimal =>
  plain(exact(price).times(qty).times(contractSize));
