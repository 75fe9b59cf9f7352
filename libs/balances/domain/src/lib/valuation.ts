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

/** Parses a plain decimal string (the catalog's decimals); throws on anything else (a bug upstream). */
export const parseFx = (text: string): Fx => {
  const m = DECIMAL.exec(text);
  if (m === null) throw new Error(`not a plain decimal: ${JSON.stringify(text)}`);
  const frac = m[3] ?? '';
  const v = BigInt(`${m[2]}${frac}`);
  return { v: m[1] === '-' ? -v : v, s: frac.length };
};

// The strings of books and marks repeat across passes: each is parsed once and the same object is
// handed back, so a valuation can tell an unchanged rate by identity. Two generations keep memory
// flat: when the young one is full the old one is dropped, and what is still in use (looked up
// since) has moved to the young one, so a long run never goes cold all at once.
const LIMIT = 50_000;
let young = new Map<string, Fx>();
let old = new Map<string, Fx>();
/** `parseFx`, memoized (for the strings of books and marks; figures made once use `parseFx`). */
export const fx = (text: string): Fx => {
  let d = young.get(text);
  if (d !== undefined) return d;
  d = old.get(text) ?? parseFx(text);
  if (young.size >= LIMIT) {
    old = young;
    young = new Map();
  }
  young.set(text, d);
  return d;
};
/** 10^k: the table's, or computed past its end (a venue may send a decimal with 200 places). */
const pow10n = (k: number): bigint => POW10N[k] ?? 10n ** BigInt(k);
const up = (a: Fx, s: number): bigint => (a.s === s ? a.v : a.v * pow10n(s - a.s));
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
  /** When this version holds (epoch ms, `until` exclusive): within it, asking again gives the same. */
  readonly from?: number;
  readonly until?: number;
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
  const rates = ratesAt(prices, venue, s);
  let rate = rates.get(asset);
  if (rate === undefined) rates.set(asset, (rate = rateUncached(prices, venue, asset, s, true)));
  return rate;
};

/** The rates of one venue's accounts against these marks (filled as assets are asked for). */
const ratesAt = (
  prices: PriceBook,
  venue: string,
  s: Pick<ValuationSettings, 'reportingCurrency' | 'fixedRates'>,
): Map<string, Rate> => {
  let bySettings = RATES.get(prices.marks);
  if (bySettings === undefined) RATES.set(prices.marks, (bySettings = new WeakMap()));
  let byVenue = bySettings.get(s.fixedRates);
  if (byVenue === undefined) bySettings.set(s.fixedRates, (byVenue = new Map()));
  const key = `${s.reportingCurrency}|${venue}`;
  let rates = byVenue.get(key);
  if (rates === undefined) byVenue.set(key, (rates = new Map()));
  return rates;
};

/** A positive value through tiers: each slice of the value at its tier's rate; above a bounded last tier, nothing. */
export const throughTiers = (
  value: Fx,
  tiers: readonly { readonly upTo: string | null; readonly rate: string }[],
): Fx => {
  const only = tiers.length === 1 ? tiers[0] : undefined;
  if (only !== undefined && only.upTo === null) return fxMul(value, fx(only.rate)); // one flat rate
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

/**
 * One balance's or position's figures at given marks: its value in the reporting currency and what
 * it counts as collateral. Kept per book entry (a WeakMap: gone with the book) with what they were
 * computed from, so a tick that moves one mark recomputes the entries that use it, not the rest.
 */
interface Part {
  readonly rate: Fx;
  readonly basis: Fx | null;
  readonly haircut: ReturnType<Haircut> | undefined;
  readonly team: string | undefined;
  /** The time it was valued at: the haircut table in force is looked up again only for another. */
  readonly at: number;
  readonly value: Fx;
  /** Null: no haircut table covers it. */
  readonly collateral: Fx | null;
  /** `value` and `collateral` at SUM_SCALE places (null when they have more), for sums without aligning. */
  readonly valueAt: bigint | null;
  readonly collateralAt: bigint | null;
}

/** The scale sums are kept at: quantity and price at 18 places each, then a haircut and a team ratio. */
const SUM_SCALE = 48;
const atSumScale = (x: Fx | null): bigint | null =>
  x === null || x.s > SUM_SCALE ? null : x.s === SUM_SCALE ? x.v : x.v * pow10n(SUM_SCALE - x.s);

/** What a valuation was summed from, per book: each entry's part (by position) and the rates used. */
interface Summed {
  readonly s: ValuationSettings;
  readonly parts: readonly (Part | string | null)[];
  readonly rates: readonly Rate[];
  readonly result: Valuation;
}
const SUMMED = new WeakMap<SnapshotBook, Summed>();

/** The same rate from the same marks (a new set of marks makes new Rate objects around the same figures). */
const sameRate = (a: Rate, b: Rate): boolean =>
  a === b ||
  (a.rate === b.rate && a.uses.length === b.uses.length && a.uses.every((u, i) => u === b.uses[i]));

const sameItems = <A>(a: readonly A[], b: readonly A[]): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** Values an account's latest snapshot at `at` (epoch ms). */
export const valueAccount = (
  book: SnapshotBook,
  prices: PriceBook,
  s: ValuationSettings,
  at: number,
): Valuation => {
  const before = SUMMED.get(book);
  const known = before !== undefined && before.s === s ? before.parts : null;
  /** Entry `idx`'s part, worth `amount` (in `asset`) × `rate`, `basis` the mark it was valued at. */
  const part = (idx: number, asset: string, rate: Fx, basis: Fx | null, amount: () => Fx): Part => {
    const k = known?.[idx];
    const team = s.teamRatios[asset];
    if (typeof k === 'object' && k !== null && k.rate === rate && k.basis === basis && k.team === team) {
      const h = k.haircut;
      if (
        k.at === at ||
        k.value.v <= 0n ||
        (h != null && h.from !== undefined && h.until !== undefined && at >= h.from && at < h.until) ||
        s.haircut(book.venue, asset, at) === h
      )
        return k;
    }
    const value = fxMul(amount(), rate);
    // A loss or a debt counts in full: haircuts shrink what is owned, never what is owed.
    const haircut = value.v > 0n ? s.haircut(book.venue, asset, at) : undefined;
    let counted: Fx | null = value;
    if (haircut === null) counted = null;
    else if (haircut !== undefined) {
      counted = throughTiers(value, haircut.tiers);
      if (team !== undefined) counted = fxMul(counted, fx(team));
    }
    return {
      rate,
      basis,
      haircut,
      team,
      at,
      value,
      collateral: counted,
      valueAt: atSumScale(value),
      collateralAt: atSumScale(counted),
    };
  };
  const rates = ratesAt(prices, book.venue, s);
  const used: Rate[] = [];
  const rateFor = (asset: string): Rate => {
    let r = rates.get(asset);
    if (r === undefined) rates.set(asset, (r = rateUncached(prices, book.venue, asset, s, true)));
    used.push(r);
    return r;
  };
  // Each entry's part by position (balances, then positions): the name of what could not be
  // priced, or null for an empty entry.
  const parts: (Part | string | null)[] = [];
  const nb = book.balances.length;
  for (let i = 0; i < nb; i++) {
    const b = book.balances[i]!;
    const r = rateFor(b.asset);
    if (r.rate !== null) parts.push(part(i, b.asset, r.rate, null, () => fx(b.total)));
    else parts.push(fx(b.total).v !== 0n ? b.asset : null);
  }
  for (let j = 0; j < book.positions.length; j++) {
    const p = book.positions[j]!;
    const qty = fx(p.qty);
    if (qty.v === 0n) {
      parts.push(null);
      continue;
    }
    const live = p.instrument === null ? null : midAt(prices, book.venue, p.instrument);
    // Marked at the venue's live quote (from its entry), else the venue's own figure at its own mark.
    const marked = live !== null && p.entryPrice !== null ? live : null;
    const r = marked === null && p.markPrice === null ? null : rateFor(p.settle);
    if (r === null || r.rate === null) parts.push(p.instrument ?? p.venueSymbol);
    else if (marked !== null && p.entryPrice !== null) {
      const entry = fx(p.entryPrice);
      parts.push(part(nb + j, p.settle, r.rate, marked, () => fxMul(qty, fxSub(marked, entry))));
    } else parts.push(part(nb + j, p.settle, r.rate, null, () => fx(p.unrealizedPnl)));
  }
  if (
    before !== undefined &&
    known !== null &&
    sameItems(known, parts) &&
    before.rates.length === used.length &&
    before.rates.every((r, i) => sameRate(r, used[i]!))
  )
    return before.result;

  // Sums at SUM_SCALE (plain BigInt adds); a part with more places joins through fxAdd.
  let equity = 0n;
  let upnl = 0n;
  let collateral: bigint | null = 0n;
  let equityX = FX_ZERO;
  let upnlX = FX_ZERO;
  let collateralX = FX_ZERO;
  const unpriced: string[] = [];
  const versions = new Set<string>();
  const uses = new Set<string>();
  for (const r of used) for (const u of r.uses) uses.add(u);
  for (const p of book.positions)
    if (
      p.instrument !== null &&
      p.entryPrice !== null &&
      prices.marks[book.venue]?.[p.instrument] !== undefined
    )
      uses.add(`${book.venue}|${p.instrument}`);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === null) continue;
    if (typeof p === 'string') {
      unpriced.push(p);
      continue;
    }
    if (p.value.v === 0n) continue;
    const isPosition = i >= nb;
    if (p.valueAt !== null) {
      equity += p.valueAt;
      if (isPosition) upnl += p.valueAt;
    } else {
      equityX = fxAdd(equityX, p.value);
      if (isPosition) upnlX = fxAdd(upnlX, p.value);
    }
    if (p.haircut) versions.add(p.haircut.version);
    if (collateral === null || p.collateral === null) collateral = null;
    else if (p.collateralAt !== null) collateral += p.collateralAt;
    else collateralX = fxAdd(collateralX, p.collateral);
  }
  const result: Valuation = {
    equity: fxAdd({ v: equity, s: SUM_SCALE }, equityX),
    unrealizedPnl: fxAdd({ v: upnl, s: SUM_SCALE }, upnlX),
    collateral: collateral === null ? null : fxAdd({ v: collateral, s: SUM_SCALE }, collateralX),
    unpriced,
    haircuts: [...versions].sort(),
    uses: [...uses].sort(),
  };
  SUMMED.set(book, { s, parts, rates: used, result });
  return result;
};
