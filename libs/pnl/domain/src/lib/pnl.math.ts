/**
 * Exact money arithmetic for PnL: one decimal configuration (100 significant digits, half-even)
 * and the average-cost book. Every figure is a decimal string; the only rounding is the
 * average cost (12 decimal places, half-even) and interval averages (see pnl.interval.ts).
 * Products and sums of prices, quantities, contract sizes, fees and funding are exact (a
 * money figure is quantity × contract size × price: up to 18 + 18 + 19 decimal places, which
 * is why the precision is 100 and not 50).
 *
 * Units: a book's position is in the fills' units (contracts on OKX swaps, lots on CME); a
 * price move is worth position × contractSize × move in the settle asset, and fees and
 * funding come here already in the settle asset (pnl.ledger.ts converts them).
 */
import Decimal from 'decimal.js';

export const Dec = Decimal.clone({
  precision: 100,
  rounding: Decimal.ROUND_HALF_EVEN,
  toExpNeg: -60,
  toExpPos: 60,
});
export type Dec = InstanceType<typeof Dec>;

/** Decimal places the average cost is kept to (half-even). */
export const AVG_COST_DP = 12;

/** Canonical text of a decimal: no exponent, no trailing zeros, never `-0`. */
export const fmt = (d: Dec): string => (d.isZero() ? '0' : d.toFixed());

/** One account's book in one instrument (plain JSON: decimal strings). */
export interface PnlBook {
  readonly accountId: string;
  readonly instrument: string;
  /** Signed quantity: positive long, negative short. */
  readonly position: string;
  /** Average cost of the open position; '0' when flat. */
  readonly avgCost: string;
  readonly realized: string;
  /** Positive paid, negative rebate. */
  readonly fees: string;
  /** Positive received, negative paid. */
  readonly funding: string;
  /** Fees paid in an asset with no mark at the time, by asset (not in `fees`). */
  readonly unconvertedFees: Readonly<Record<string, string>>;
  /** Funding in an asset with no mark at the time, by asset (not in `funding`). */
  readonly unconvertedFunding: Readonly<Record<string, string>>;
}

/** The book's decimals, parsed once per book (books are immutable, so a book's figures never change). */
interface BookDecimals {
  readonly position: Dec;
  readonly avgCost: Dec;
  readonly realized: Dec;
  readonly fees: Dec;
  readonly funding: Dec;
  /** realized − fees + funding: the part of net PnL that does not move with the mark. */
  readonly base: Dec;
}
const parsed = new WeakMap<PnlBook, BookDecimals>();

export const bookDecimals = (b: PnlBook): BookDecimals => {
  let d = parsed.get(b);
  if (d === undefined) {
    const realized = new Dec(b.realized);
    const fees = new Dec(b.fees);
    const funding = new Dec(b.funding);
    d = {
      position: new Dec(b.position),
      avgCost: new Dec(b.avgCost),
      realized,
      fees,
      funding,
      base: realized.minus(fees).plus(funding),
    };
    parsed.set(b, d);
  }
  return d;
};

export const emptyBook = (accountId: string, instrument: string): PnlBook => ({
  accountId,
  instrument,
  position: '0',
  avgCost: '0',
  realized: '0',
  fees: '0',
  funding: '0',
  unconvertedFees: {},
  unconvertedFunding: {},
});

/** An amount added to a book's unconverted fees or funding in `asset` (assets kept in code order). */
export const addUnconverted = (
  book: PnlBook,
  field: 'unconvertedFees' | 'unconvertedFunding',
  asset: string,
  amount: string,
): PnlBook => {
  const before = book[field];
  const next: Record<string, string> = {};
  const sum = fmt(new Dec(before[asset] ?? '0').plus(amount));
  for (const a of Object.keys({ ...before, [asset]: sum }).sort()) next[a] = a === asset ? sum : before[a]!;
  const out: PnlBook = { ...book, [field]: next };
  const d = parsed.get(book);
  if (d !== undefined) parsed.set(out, d);
  return out;
};

/**
 * Apply a fill by the average-cost method. Adding to a position (or opening one) moves the
 * average cost to the quantity-weighted mean of the old cost and the fill price; reducing it
 * realizes (price − average cost) × closed quantity × direction × contract size and leaves the
 * average cost alone; a fill that flips the position closes the old side and opens the rest at
 * the fill price. `fee` is in the settle asset.
 */
export const applyFill = (
  book: PnlBook,
  side: 'buy' | 'sell',
  qty: string,
  price: string,
  fee: string,
  contractSize = '1',
): PnlBook => {
  const b = bookDecimals(book);
  const pos = b.position;
  const q = side === 'buy' ? new Dec(qty) : new Dec(qty).neg();
  const p = new Dec(price);
  const avg = b.avgCost;
  const next = pos.plus(q);
  let realized = b.realized;
  let nextAvg: Dec;
  if (pos.isZero() || pos.isNeg() === q.isNeg()) {
    nextAvg = pos
      .abs()
      .times(avg)
      .plus(q.abs().times(p))
      .div(next.abs())
      .toDecimalPlaces(AVG_COST_DP, Dec.ROUND_HALF_EVEN);
  } else {
    const closed = Dec.min(q.abs(), pos.abs());
    const direction = pos.isNeg() ? -1 : 1;
    const move = p.minus(avg).times(closed).times(direction);
    realized = realized.plus(contractSize === '1' ? move : move.times(contractSize));
    nextAvg = next.isZero() ? new Dec(0) : next.isNeg() === pos.isNeg() ? avg : p;
  }
  const fees = fee === '0' ? b.fees : b.fees.plus(fee);
  const next_: PnlBook = {
    ...book,
    position: fmt(next),
    avgCost: fmt(nextAvg),
    realized: fmt(realized),
    fees: fee === '0' ? book.fees : fmt(fees),
  };
  // The next fill or figure of this book reads these decimals: keep them rather than re-parse.
  parsed.set(next_, {
    position: next,
    avgCost: nextAvg,
    realized,
    fees,
    funding: b.funding,
    base: realized.minus(fees).plus(b.funding),
  });
  return next_;
};

export const applyFunding = (book: PnlBook, amount: string): PnlBook => ({
  ...book,
  funding: fmt(bookDecimals(book).funding.plus(amount)),
});

/** The mark of an instrument: the mid of its last recorded quote. */
export const midOf = (bid: string, ask: string): string => fmt(new Dec(bid).plus(ask).div(2));

export interface PnlFigures {
  readonly position: string;
  readonly avgCost: string;
  readonly mark: string | null;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly funding: string;
  readonly netPnl: string;
}

/** The book's figures at a mark (null: no quote yet, so nothing unrealized). */
export const figures = (book: PnlBook, mark: string | null, contractSize = '1'): PnlFigures => {
  const b = bookDecimals(book);
  const unrealized =
    mark === null || book.position === '0'
      ? new Dec(0)
      : b.position.times(contractSize).times(new Dec(mark).minus(b.avgCost));
  const net = b.base.plus(unrealized);
  return {
    position: book.position,
    avgCost: book.avgCost,
    mark,
    realizedPnl: book.realized,
    unrealizedPnl: fmt(unrealized),
    fees: book.fees,
    funding: book.funding,
    netPnl: fmt(net),
  };
};
