/**
 * Valuing one account in the reporting currency at live marks, from its latest venue snapshot:
 * each wallet balance at its asset's rate, each position's unrealized PnL at its own venue's
 * price (the venue's mark in the snapshot when no live quote has come yet), converted from its
 * settle asset. Whatever cannot be priced is left out of the total and named: never valued at
 * zero or at one because of its name. Collateral applies the venue's haircut tables and then the
 * team's own ratio for the account.
 */
import Decimal from 'decimal.js';

const ZERO = new Decimal(0);
const ONE = new Decimal(1);

// Decimal strings repeat (a mark, a balance) across passes; parsing them once keeps a pass cheap.
// Bounded: the cache is dropped whole when it grows past the limit, so memory stays flat.
const PARSED = new Map<string, Decimal>();
export const dec = (s: string): Decimal => {
  let d = PARSED.get(s);
  if (d === undefined) {
    if (PARSED.size >= 100_000) PARSED.clear();
    d = new Decimal(s);
    PARSED.set(s, d);
  }
  return d;
};

/** The account's latest snapshot, as the fold keeps it (JSON: decimals as strings). */
export interface SnapshotBook {
  readonly venue: string;
  readonly currency: string;
  /** When the gateway read it (epoch ms). */
  readonly receivedAt: number;
  readonly balances: readonly { readonly asset: string; readonly total: string }[];
  readonly positions: readonly {
    readonly instrument: string | null;
    readonly venueSymbol: string;
    readonly qty: string;
    readonly entryPrice: string | null;
    readonly markPrice: string | null;
    readonly unrealizedPnl: string;
    readonly settle: string;
  }[];
}

/** A live mid at a venue. */
export interface Mark {
  readonly mid: string;
  readonly at: number;
}

/** Where prices come from: live mids per venue and instrument, and instruments by base asset. */
export interface PriceBook {
  readonly marks: Readonly<Record<string, Readonly<Record<string, Mark>>>>;
  /** venue → base asset → instruments quoted on it (spot or linear perpetual, `BASE/QUOTE[:SETTLE]`). */
  readonly bases: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
}

/** The collateral value of an amount already valued in the reporting currency, and the table version used. */
export type Haircut = (
  venue: string,
  asset: string,
  value: Decimal,
  at: number,
) => { readonly value: Decimal; readonly version: string | null };

export interface ValuationSettings {
  readonly reportingCurrency: string;
  readonly fixedRates: Readonly<Record<string, Decimal>>;
  /** The team's ratios for this account, asset → ratio (missing: 1). */
  readonly teamRatios: Readonly<Record<string, Decimal>>;
  readonly haircut: Haircut;
}

export interface Valuation {
  readonly equity: Decimal;
  readonly unrealizedPnl: Decimal;
  readonly collateral: Decimal;
  /** Assets and positions left out because nothing prices them. */
  readonly unpriced: readonly string[];
  readonly haircuts: readonly string[];
  /** `venue|instrument` keys of the live marks used (what a tick must revalue). */
  readonly uses: readonly string[];
}

/** `BASE/QUOTE` or `BASE/QUOTE:SETTLE` (a dated future's `-YYMMDD` suffix is not a mark of the asset). */
export const splitSymbol = (symbol: string): { base: string; quote: string } | null => {
  const m = /^([^/:\s]+)\/([^/:\s]+)(?::([^/:\s-]+))?$/.exec(symbol);
  return m ? { base: m[1]!, quote: m[2]! } : null;
};

const midAt = (prices: PriceBook, venue: string, instrument: string): Decimal | null => {
  const m = prices.marks[venue]?.[instrument];
  return m === undefined ? null : dec(m.mid);
};

/** The asset's price in `quote` at one venue, from a spot or linear instrument quoted in it. */
const directAt = (
  prices: PriceBook,
  venue: string,
  asset: string,
  quote: string,
  uses: string[],
): Decimal | null => {
  for (const instrument of prices.bases[venue]?.[asset] ?? []) {
    if (splitSymbol(instrument)?.quote !== quote) continue;
    const mid = midAt(prices, venue, instrument);
    if (mid !== null) {
      uses.push(`${venue}|${instrument}`);
      return mid;
    }
  }
  const inverse = prices.bases[venue]?.[quote]?.find((i) => splitSymbol(i)?.quote === asset);
  const mid = inverse === undefined ? null : midAt(prices, venue, inverse);
  if (inverse !== undefined && mid !== null) {
    uses.push(`${venue}|${inverse}`);
    return ONE.div(mid);
  }
  return null;
};

/**
 * An asset's rate in the reporting currency: itself; a rate the operator declared; a quote at the
 * account's own venue, then at any venue; then one hop through a quote asset that has a rate.
 */
export const rateOf = (
  prices: PriceBook,
  venue: string,
  asset: string,
  s: Pick<ValuationSettings, 'reportingCurrency' | 'fixedRates'>,
  uses: string[] = [],
  hop = true,
): Decimal | null => {
  const r = s.reportingCurrency;
  if (asset === r) return ONE;
  const fixed = s.fixedRates[asset];
  if (fixed !== undefined) return fixed;
  const venues = [venue, ...Object.keys(prices.bases).filter((v) => v !== venue)];
  for (const v of venues) {
    const d = directAt(prices, v, asset, r, uses);
    if (d !== null) return d;
  }
  if (!hop) return null;
  for (const v of venues)
    for (const instrument of prices.bases[v]?.[asset] ?? []) {
      const q = splitSymbol(instrument)?.quote;
      const mid = midAt(prices, v, instrument);
      if (q === undefined || q === asset || mid === null) continue;
      const via = rateOf(prices, v, q, s, uses, false);
      if (via !== null) {
        uses.push(`${v}|${instrument}`);
        return mid.times(via);
      }
    }
  return null;
};

/** Values an account's latest snapshot at `at` (epoch ms). */
export const valueAccount = (
  book: SnapshotBook,
  prices: PriceBook,
  s: ValuationSettings,
  at: number,
): Valuation => {
  let equity = ZERO;
  let upnl = ZERO;
  let collateral = ZERO;
  const unpriced: string[] = [];
  const versions = new Set<string>();
  const uses: string[] = [];
  const collateralOf = (asset: string, value: Decimal): Decimal => {
    if (!value.isPositive()) return value; // a loss or debt counts in full
    const h = s.haircut(book.venue, asset, value, at);
    if (h.version !== null) versions.add(h.version);
    const team = s.teamRatios[asset];
    return team === undefined ? h.value : h.value.times(team);
  };
  for (const b of book.balances) {
    const total = dec(b.total);
    if (total.isZero()) continue;
    const rate = rateOf(prices, book.venue, b.asset, s, uses);
    if (rate === null) {
      unpriced.push(b.asset);
      continue;
    }
    const value = total.times(rate);
    equity = equity.plus(value);
    collateral = collateral.plus(collateralOf(b.asset, value));
  }
  for (const p of book.positions) {
    const qty = dec(p.qty);
    if (qty.isZero()) continue;
    const live = p.instrument === null ? null : midAt(prices, book.venue, p.instrument);
    let pnl: Decimal | null;
    if (live !== null && p.entryPrice !== null) {
      uses.push(`${book.venue}|${p.instrument}`);
      pnl = qty.times(live.minus(dec(p.entryPrice)));
    } else if (p.markPrice !== null || p.entryPrice === null) {
      // No live quote (or no entry to mark against): the venue's own figure at its own mark.
      pnl = p.markPrice !== null ? dec(p.unrealizedPnl) : null;
    } else pnl = null;
    const rate = pnl === null ? null : rateOf(prices, book.venue, p.settle, s, uses);
    if (pnl === null || rate === null) {
      unpriced.push(p.instrument ?? p.venueSymbol);
      continue;
    }
    const value = pnl.times(rate);
    upnl = upnl.plus(value);
    equity = equity.plus(value);
    collateral = collateral.plus(value.isNegative() ? value : collateralOf(p.settle, value));
  }
  return { equity, unrealizedPnl: upnl, collateral, unpriced, haircuts: [...versions].sort(), uses };
};
