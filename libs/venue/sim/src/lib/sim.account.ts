/**
 * The simulated account's money, updated exactly on every fill: balances per asset and, for
 * derivatives, one signed position per symbol with its average entry price. Linear contracts
 * settle realised PnL and fees in the settle asset; spot moves base and quote and pays the
 * fee in the quote. Mutable by design: it lives inside one SimulatedVenue, nowhere else.
 */
import Decimal from 'decimal.js';
import { Balance, exact, Instrument, notionalOf, plain, Position, Side } from '@keel/venue-domain';

export interface SimAccount {
  readonly balances: Map<string, Decimal>;
  readonly positions: Map<string, { qty: Decimal; entryPrice: Decimal | null }>;
}

export const createAccount = (initial: Readonly<Record<string, Decimal.Value>>): SimAccount => ({
  balances: new Map(Object.entries(initial).map(([a, v]) => [a, exact(v)])),
  positions: new Map(),
});

const add = (acc: SimAccount, asset: string, delta: Decimal): void => {
  acc.balances.set(asset, (acc.balances.get(asset) ?? exact(0)).plus(delta));
};

export const isDerivative = (i: Instrument): boolean => i.kind !== 'spot';

export const positionQty = (acc: SimAccount, symbol: string): Decimal =>
  acc.positions.get(symbol)?.qty ?? exact(0);

/** Book one fill: position/PnL (derivatives) or base/quote (spot), then the fee. */
export const applyFillToAccount = (
  acc: SimAccount,
  i: Instrument,
  side: Side,
  qty: Decimal,
  price: Decimal,
  fee: Decimal,
): void => {
  const signed = side === 'buy' ? exact(qty) : exact(qty).neg();
  if (!isDerivative(i)) {
    add(acc, i.base, signed.times(i.contractSize));
    add(acc, i.quote, notionalOf(price, signed, i.contractSize).neg());
    add(acc, i.settle, fee.neg());
    return;
  }
  const pos = acc.positions.get(i.symbol) ?? { qty: exact(0), entryPrice: null };
  const sameWay = pos.qty.isZero() || pos.qty.isPositive() === signed.isPositive();
  if (sameWay) {
    const newQty = pos.qty.plus(signed);
    const entry =
      pos.entryPrice === null
        ? exact(price)
        : pos.qty.abs().times(pos.entryPrice).plus(exact(qty).times(price)).div(newQty.abs());
    acc.positions.set(i.symbol, { qty: newQty, entryPrice: entry });
  } else {
    const closed = Decimal.min(pos.qty.abs(), qty);
    const entry = pos.entryPrice ?? exact(price);
    const perUnit = pos.qty.isPositive() ? exact(price).minus(entry) : entry.minus(price);
    add(acc, i.settle, perUnit.times(closed).times(i.contractSize));
    const newQty = pos.qty.plus(signed);
    const flipped = !newQty.isZero() && newQty.isPositive() !== pos.qty.isPositive();
    acc.positions.set(i.symbol, {
      qty: newQty,
      entryPrice: newQty.isZero() ? null : flipped ? exact(price) : entry,
    });
  }
  add(acc, i.settle, fee.neg());
};

/** Book one funding payment (signed from the account) in the settle asset. */
export const applyFundingToAccount = (acc: SimAccount, asset: string, amount: Decimal): void =>
  add(acc, asset, amount);

export const balancesOf = (acc: SimAccount, locked: ReadonlyMap<string, Decimal>): Balance[] =>
  [...acc.balances.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([asset, total]) => ({
      asset,
      total: plain(total),
      free: plain(total.minus(locked.get(asset) ?? 0)),
    }));

export const positionsOf = (acc: SimAccount): Position[] =>
  [...acc.positions.entries()]
    .filter(([, p]) => !p.qty.isZero())
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([symbol, p]) => ({
      symbol,
      qty: plain(p.qty),
      entryPrice: p.entryPrice === null ? null : plain(p.entryPrice),
    }));
