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

/** The body `fetchAccount` answers: the `sim` account model's payload (@keel/venue-accounts, models/sim.account.ts). */
export interface SimAccountPayload {
  readonly currency: string;
  readonly at: number;
  readonly leverage: string;
  readonly balances: readonly { readonly asset: string; readonly total: string; readonly locked: string }[];
  readonly positions: readonly {
    readonly symbol: string;
    readonly qty: string;
    readonly entryPrice: string | null;
    readonly markPrice: string | null;
    readonly initialMargin: string;
    readonly maintenanceMargin: string;
  }[];
}

/** The account's settle currency: the first derivative's settle, else the first market's quote. */
export const settleCurrencyOf = (instruments: readonly Instrument[], acc: SimAccount): string =>
  instruments.find(isDerivative)?.settle ??
  instruments[0]?.quote ??
  [...acc.balances.keys()].sort()[0] ??
  'USDT';

/**
 * The account whole, as the simulator's own figures: balances with what open orders and
 * positions lock (`lockedFunds`), positions in the venue's symbol and base units, initial
 * margin at entry × `marginRate` (what the simulator locks) and maintenance at half of it
 * (the simulator liquidates nothing, so this is a nominal rate, documented as such).
 */
export const accountPayloadOf = (
  acc: SimAccount,
  p: {
    readonly currency: string;
    readonly at: number;
    readonly marginRate: Decimal;
    readonly locked: ReadonlyMap<string, Decimal>;
    /** Every market the account trades, with its mark (null before any quote or print). */
    readonly markets: readonly { readonly instrument: Instrument; readonly mark: Decimal | null }[];
  },
): SimAccountPayload => ({
  currency: p.currency,
  at: p.at,
  leverage: exact(1).div(p.marginRate).toFixed(),
  balances: [...acc.balances.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([asset, total]) => ({
      asset,
      total: total.toFixed(),
      locked: (p.locked.get(asset) ?? exact(0)).toFixed(),
    })),
  positions: p.markets
    .filter(({ instrument }) => isDerivative(instrument) && !positionQty(acc, instrument.symbol).isZero())
    .sort((a, b) => (a.instrument.venueSymbol < b.instrument.venueSymbol ? -1 : 1))
    .map(({ instrument: i, mark }) => {
      const pos = acc.positions.get(i.symbol) ?? { qty: exact(0), entryPrice: null };
      const im =
        pos.entryPrice === null
          ? exact(0)
          : notionalOf(pos.entryPrice, pos.qty.abs(), i.contractSize).times(p.marginRate);
      return {
        symbol: i.venueSymbol,
        qty: pos.qty.times(i.contractSize).toFixed(),
        entryPrice: pos.entryPrice === null ? null : pos.entryPrice.toFixed(),
        markPrice: mark === null ? null : mark.toFixed(),
        initialMargin: im.toFixed(),
        maintenanceMargin: im.div(2).toFixed(),
      };
    }),
});
