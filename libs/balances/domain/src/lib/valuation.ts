/**
 * Valuing one account in the reporting currency at live marks, from its latest venue snapshot:
 * each wallet balance at its asset's rate, each position's unrealized PnL at its own venue's
 * price (the venue's mark in the snapshot when no live quote has come yet), converted from its
 * settle asset. Whatever cannot be priced is left out of the total and named: never valued at
 * zero or at one because of its name. Collateral applies the venue's haircut tables and then the
 * team's own ratio for the account.
 */
import Decimal from 'decimal.js';
import { fmtScaled, POW10N } from '@keel/pnl-domain';

/**
 * An exact decimal as an integer and a scale: `v / 10^s`. Sums, differences and products are
 * exact BigInt arithmetic (a valuation pass is a few thousand of them; decimal.js would cost
 * about 20× more), and nothing is rounded except an inverse rate (1 / mid, to 30 places).
 */
export interface Fx {
  readonly v: bigint;
  readonly s: number;
}

const FX_ZERO: Fx = { v: 0n, s: 0 };
const FX_ONE: Fx = { v: 1n, s: 0 };
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

// Decimal strings repeat (a mark, a balance) across passes; parsing them once keeps a pass cheap.
// Bounded: the cache is dropped whole when it grows past the limit, so memory stays flat.
const PARSED = new Map<string, Fx>();
/** Parses a plain decimal string (the catalog's decimals); throws on anything else (a bug upstream). */
export const fx = (text: string): Fx => {
  let d = PARSED.get(text);
  if (d === undefined) {
    const m = DECIMAL.exec(text);
    if (m === null) throw new Error(`not a plain decimal: ${JSON.stringify(text)}`);
    const frac = m[3] ?? '';
    const v = BigInt(`${m[2]}${frac}`);
    d = { v: m[1] === '-' ? -v : v, s: frac.length };
    if (PARSED.size >= 100_000) PARSED.clear();
    PARSED.set(text, d);
  }
  return d;
};
const up = (a: Fx, s: number): bigint => (a.s === s ? a.v : a.v * POW10N[s - a.s]!);
export const fxAdd = (a: Fx, b: Fx): Fx => {
  if (b.v === 0n) return a;
  if (a.v === 0n) return b;
  const s = Math.max(a.s, b.s);
  return { v: up(a, s) + up(b, s), s };
};
export const fxSub = (a: Fx, b: Fx): Fx => fxAdd(a, { v: -b.v, s: b.s });
export const fxMul = (a: Fx, b: Fx): Fx => ({ v: a.v * b.v, s: a.s + b.s });
export const fxCmp = (a: Fx, b: Fx): number => {
  const s = Math.max(a.s, b.s);
  const x = up(a, s);
  const y = up(b, s);
  return x < y ? -1 : x > y ? 1 : 0;
};
export const fxAbs = (a: Fx): Fx => (a.v < 0n ? { v: -a.v, s: a.s } : a);
export const fxText = (a: Fx): string => fmtScaled(a.v, a.s);
export const fxOf = (d: Decimal): Fx => fx(d.toFixed());
const fxInverse = (a: Fx): Fx =>
  fx(
    new Decimal(1)
      .div(new Decimal(fxText(a)))
      .toDecimalPlaces(30)
      .toFixed(),
  );
const fxMin = (a: Fx, b: Fx): Fx => (fxCmp(a, b) <= 0 ? a : b);

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

/**
 * What a venue counts of an asset as collateral, in tiers of its value in the reporting currency
 * (OKX discount-rate tiers; one tier for a flat ratio), and the table version they come from.
 * `null`: no table covers the venue at that time, so the collateral is unknown (never zero).
 */
export type Haircut = (
  venue: string,
  asset: string,
  at: number,
) => {
  readonly tiers: readonly { readonly upTo: string | null; readonly rate: string }[];
  readonly version: string;
} | null;

export interface ValuationSettings {
  readonly reportingCurrency: string;
  /** Rates the operator declares, asset → reporting currency (decimal strings). */
  readonly fixedRates: Readonly<Record<string, string>>;
  /** The team's ratios for this account, asset → ratio (missing: 1). */
  readonly teamRatios: Readonly<Record<string, string>>;
  readonly haircut: Haircut;
}

export interface Valuation {
  readonly equity: Fx;
  readonly unrealizedPnl: Fx;
  /** Null when a haircut table is missing for an asset that counts. */
  readonly collateral: Fx | null;
  /** Assets and positions left out because nothing prices them. */
  readonly unpriced: readonly string[];
  readonly haircuts: readonly string[];
  /** `venue|instrument` keys of the live marks used (what a tick must revalue). */
  readonly uses: readonly string[];
}

// `BASE/QUOTE` or `BASE/QUOTE:SETTLE` (a dated future's `-YYMMDD` suffix is not a mark of the asset).
const SPLIT = new Map<string, { base: string; quote: string } | null>();
export const splitSymbol = (symbol: string): { base: string; quote: string } | null => {
  let r = SPLIT.get(symbol);
  if (r === undefined) {
    const m = /^([^/:\s]+)\/([^/:\s]+)(?::([^/:\s-]+))?$/.exec(symbol);
    r = m ? { base: m[1]!, quote: m[2]! } : null;
    if (SPLIT.size >= 100_000) SPLIT.clear();
    SPLIT.set(symbol, r);
  }
  return r;
};

const midAt = (prices: PriceBook, venue: string, instrument: string): Fx | null => {
  const m = prices.marks[venue]?.[instrument];
  return m === undefined ? null : fx(m.mid);
};

interface Rate {
  readonly rate: Fx | null;
  readonly uses: readonly string[];
}

/** The asset's price in `quote` at one venue, from a spot or linear instrument quoted in it, or an inverse one. */
const directAt = (prices: PriceBook, venue: string, asset: string, quote: string): Rate | null => {
  for (const instrument of prices.bases[venue]?.[asset] ?? []) {
    if (splitSymbol(instrument)?.quote !== quote) continue;
    const mid = midAt(prices, venue, instrument);
    if (mid !== null) return { rate: mid, uses: [`${venue}|${instrument}`] };
  }
  for (const instrument of prices.bases[venue]?.[quote] ?? []) {
    if (splitSymbol(instrument)?.quote !== asset) continue;
    const mid = midAt(prices, venue, instrument);
    if (mid !== null && mid.v !== 0n) return { rate: fxInverse(mid), uses: [`${venue}|${instrument}`] };
  }
  return null;
};

const rateUncached = (
  prices: PriceBook,
  venue: string,
  asset: string,
  s: Pick<ValuationSettings, 'reportingCurrency' | 'fixedRates'>,
  hop: boolean,
): Rate => {
  const r = s.reportingCurrency;
  if (asset === r) return { rate: FX_ONE, uses: [] };
  const fixed = s.fixedRates[asset];
  if (fixed !== undefined) return { rate: fx(fixed), uses: [] };
  const venues = [venue, ...Object.keys(prices.bases).filter((v) => v !== venue)];
  for (const v of venues) {
    const d = directAt(prices, v, asset, r);
    if (d !== null) return d;
  }
  if (hop)
    for (const v of venues)
      for (const instrument of prices.bases[v]?.[asset] ?? []) {
        const q = splitSymbol(instrument)?.quote;
        const mid = midAt(prices, v, instrument);
        if (q === undefined || q === asset || mid === null) continue;
        const via = rateUncached(prices, v, q, s, false);
        if (via.rate !== null)
          return { rate: fxMul(mid, via.rate), uses: [...via.uses, `${v}|${instrument}`] };
      }
  return { rate: null, uses: [] };
};

// Rates hold for one set of marks: every account valued against the same marks shares them.
const RATES = new WeakMap<object, WeakMap<object, Map<string, Map<string, Rate>>>>();

/**
 * An asset's rate in the reporting currency: itself; a rate the operator declared; a quote at the
 * account's own venue, then at any venue; then one hop through a quote asset that has a rate.
 */
export const rateOf = (
  prices: PriceBook,
  venue: string,
  asset: string,
  s: Pick<ValuationSettings, 'reportingCurrency' | 'fixedRates'>,
): Rate => {
  let bySettings = RATES.get(prices.marks);
  if (bySettings === undefined) RATES.set(prices.marks, (bySettings = new WeakMap()));
  let byVenue = bySettings.get(s.fixedRates);
  if (byVenue === undefined) bySettings.set(s.fixedRates, (byVenue = new Map()));
  let rates = byVenue.get(`${s.reportingCurrency}|${venue}`);
  if (rates === undefined) byVenue.set(`${s.reportingCurrency}|${venue}`, (rates = new Map()));
  let rate = rates.get(asset);
  if (rate === undefined) rates.set(asset, (rate = rateUncached(prices, venue, asset, s, true)));
  return rate;
};

/** A positive value through tiers: each slice of the value at its tier's rate; above a bounded last tier, nothing. */
export const throughTiers = (
  value: Fx,
  tiers: readonly { readonly upTo: string | null; readonly rate: string }[],
): Fx => {
  let out = FX_ZERO;
  let lower = FX_ZERO;
  for (const t of tiers) {
    const upper = t.upTo === null ? null : fx(t.upTo);
    const top = upper === null ? value : fxMin(value, upper);
    const slice = fxSub(top, lower);
    if (slice.v <= 0n) break;
    out = fxAdd(out, fxMul(slice, fx(t.rate)));
    if (upper === null || fxCmp(value, upper) <= 0) break;
    lower = upper;
  }
  return out;
};

/** Values an account's latest snapshot at `at` (epoch ms). */
export const valueAccount = (
  book: SnapshotBook,
  prices: PriceBook,
  s: ValuationSettings,
  at: number,
): Valuation => {
  let equity = FX_ZERO;
  let upnl = FX_ZERO;
  let collateral: Fx | null = FX_ZERO;
  const unpriced: string[] = [];
  const versions = new Set<string>();
  const uses = new Set<string>();
  const collateralOf = (asset: string, value: Fx): Fx | null => {
    if (value.v <= 0n) return value; // a loss or debt counts in full
    const h = s.haircut(book.venue, asset, at);
    if (h === null) return null;
    versions.add(h.version);
    const counted = throughTiers(value, h.tiers);
    const team = s.teamRatios[asset];
    return team === undefined ? counted : fxMul(counted, fx(team));
  };
  const count = (asset: string, value: Fx): void => {
    if (collateral === null) return;
    const c = collateralOf(asset, value);
    collateral = c === null ? null : fxAdd(collateral, c);
  };
  for (const b of book.balances) {
    const total = fx(b.total);
    if (total.v === 0n) continue;
    const r = rateOf(prices, book.venue, b.asset, s);
    for (const u of r.uses) uses.add(u);
    if (r.rate === null) {
      unpriced.push(b.asset);
      continue;
    }
    const value = fxMul(total, r.rate);
    equity = fxAdd(equity, value);
    count(b.asset, value);
  }
  for (const p of book.positions) {
    const qty = fx(p.qty);
    if (qty.v === 0n) continue;
    const live = p.instrument === null ? null : midAt(prices, book.venue, p.instrument);
    let pnl: Fx | null;
    if (live !== null && p.entryPrice !== null) {
      uses.add(`${book.venue}|${p.instrument}`);
      pnl = fxMul(qty, fxSub(live, fx(p.entryPrice)));
    } else pnl = p.markPrice !== null ? fx(p.unrealizedPnl) : null; // the venue's own figure at its own mark
    const r = pnl === null ? null : rateOf(prices, book.venue, p.settle, s);
    for (const u of r?.uses ?? []) uses.add(u);
    if (pnl === null || r === null || r.rate === null) {
      unpriced.push(p.instrument ?? p.venueSymbol);
      continue;
    }
    const value = fxMul(pnl, r.rate);
    upnl = fxAdd(upnl, value);
    equity = fxAdd(equity, value);
    count(p.settle, value);
  }
  return {
    equity,
    unrealizedPnl: upnl,
    collateral,
    unpriced,
    haircuts: [...versions].sort(),
    uses: [...uses].sort(),
  };
};
