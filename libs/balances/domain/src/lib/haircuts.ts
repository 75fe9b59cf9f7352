/**
 * Collateral haircuts as versioned data: what a venue counts of an asset as margin, per venue and
 * asset, tiered by USD value where the venue tiers it (OKX discount rates; Binance Multi-Assets
 * collateral ratios), and the team's own per-account ratios applied on top. Venues change these
 * every few weeks, so each table is a list of versions with the time it took effect and where the
 * figures came from (`data/haircuts/<venue>.json`); a valuation names the version it used.
 *
 * Pure: the built-in tables arrive as JSON imports, parsed like any other input.
 */
import * as E from 'fp-ts/Either';
import Decimal from 'decimal.js';
import binanceusdmJson from '../../data/haircuts/binanceusdm.json';
import hyperliquidJson from '../../data/haircuts/hyperliquid.json';
import okxJson from '../../data/haircuts/okx.json';
import type { Haircut } from './valuation';

/** A slice of an asset's USD value and the rate that counts within it. */
export interface HaircutTier {
  /** Upper bound of the slice in USD; null: no bound (the last tier). Above a bounded last tier the rate is 0. */
  readonly upToUsd: Decimal | null;
  /** Share of the slice counted as collateral, in [0, 1]. */
  readonly rate: Decimal;
}

export interface HaircutVersion {
  /** `<venue>@<label>`, e.g. `okx@2025-07-11`. */
  readonly version: string;
  /** Epoch ms from which this version holds (until the next one). */
  readonly effectiveFrom: number;
  /** Where the figures come from, and what is missing. */
  readonly source: string;
  readonly assets: ReadonlyMap<string, readonly HaircutTier[]>;
  /** Tiers for an asset with no entry; absent: such an asset is not collateral (rate 0). */
  readonly default: readonly HaircutTier[] | null;
}

/** Versions by venue, each list sorted by effectiveFrom. */
export type HaircutTables = ReadonlyMap<string, readonly HaircutVersion[]>;

/**
 * Why haircuts could not be read or applied.
 * - `HaircutTableInvalid` (validation): a table or ratio file is malformed; `pointer` is the JSON
 *   pointer of the bad value. The service refuses to start with it (or keeps its previous tables).
 * - `HaircutVersionNotFound` (not found): no version of the venue was in force at `at` (an unknown
 *   venue, or a time before its first version). The collateral is then unknown: the caller marks
 *   it stale, never zero.
 */
export type HaircutError =
  | {
      readonly _tag: 'HaircutTableInvalid';
      readonly where: string;
      readonly pointer: string;
      readonly value: string;
      readonly message: string;
    }
  | {
      readonly _tag: 'HaircutVersionNotFound';
      readonly venue: string;
      readonly at: number;
      readonly message: string;
    };

const DECIMAL = /^-?\d+(\.\d+)?$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

class Invalid extends Error {
  constructor(readonly error: HaircutError) {
    super(error.message);
  }
}

const shown = (v: unknown): string => {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 256 ? `${s.slice(0, 253)}...` : s;
};

/** JSON pointer escaping (RFC 6901). */
const seg = (s: string | number): string => String(s).replace(/~/g, '~0').replace(/\//g, '~1');

const invalid =
  (where: string) =>
  (pointer: string, value: unknown, why: string): never => {
    throw new Invalid({
      _tag: 'HaircutTableInvalid',
      where,
      pointer,
      value: shown(value),
      message: `${where}#${pointer}: ${why} (got ${shown(value)})`,
    });
  };

const attempt = <A>(body: () => A): E.Either<HaircutError, A> => {
  try {
    return E.right(body());
  } catch (e) {
    if (e instanceof Invalid) return E.left(e.error);
    throw e;
  }
};

type Bad = (pointer: string, value: unknown, why: string) => never;

const record = (v: unknown, p: string, bad: Bad): Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : bad(p, v, 'is not an object');

const rateOf = (v: unknown, p: string, bad: Bad): Decimal => {
  if (typeof v !== 'string' || !DECIMAL.test(v)) return bad(p, v, 'is not a decimal string');
  const d = new Decimal(v);
  return d.isNegative() || d.gt(1) ? bad(p, v, 'is not in [0, 1]') : d;
};

const tiersOf = (v: unknown, p: string, bad: Bad): readonly HaircutTier[] => {
  if (!Array.isArray(v) || v.length === 0) return bad(p, v, 'is not a non-empty list of tiers');
  let below = new Decimal(0);
  return v.map((t, i) => {
    const tp = `${p}/${i}`;
    const o = record(t, tp, bad);
    const raw = o['upToUsd'];
    let upToUsd: Decimal | null = null;
    if (raw === null) {
      if (i !== v.length - 1) bad(`${tp}/upToUsd`, raw, 'is unbounded but is not the last tier');
    } else if (typeof raw !== 'string' || !DECIMAL.test(raw)) {
      bad(`${tp}/upToUsd`, raw, 'is not a decimal string or null');
    } else {
      upToUsd = new Decimal(raw);
      if (!upToUsd.gt(below))
        bad(`${tp}/upToUsd`, raw, `does not rise above the previous bound ${below.toFixed()}`);
      below = upToUsd;
    }
    return { upToUsd, rate: rateOf(o['rate'], `${tp}/rate`, bad) };
  });
};

const versionsOf = (venue: string, v: unknown, bad: Bad): readonly HaircutVersion[] => {
  const p = `/${seg(venue)}`;
  if (!Array.isArray(v) || v.length === 0) return bad(p, v, 'is not a non-empty list of versions');
  const seen = new Set<string>();
  let last = -Infinity;
  return v.map((x, i) => {
    const vp = `${p}/${i}`;
    const o = record(x, vp, bad);
    const version = o['version'];
    if (
      typeof version !== 'string' ||
      !version.startsWith(`${venue}@`) ||
      version.length === venue.length + 1
    )
      bad(`${vp}/version`, version, `is not "${venue}@<label>"`);
    if (seen.has(version as string)) bad(`${vp}/version`, version, 'repeats an earlier version');
    seen.add(version as string);
    const from = o['effectiveFrom'];
    const at = typeof from === 'string' && ISO.test(from) ? Date.parse(from) : NaN;
    if (!Number.isFinite(at)) bad(`${vp}/effectiveFrom`, from, 'is not an ISO-8601 time with a zone');
    if (at <= last) bad(`${vp}/effectiveFrom`, from, 'is not after the previous version');
    last = at;
    const source = o['source'];
    if (typeof source !== 'string' || source.trim() === '')
      bad(`${vp}/source`, source, 'is not a description');
    const assets = record(o['assets'], `${vp}/assets`, bad);
    return {
      version: version as string,
      effectiveFrom: at,
      source: source as string,
      assets: new Map(Object.entries(assets).map(([a, t]) => [a, tiersOf(t, `${vp}/assets/${seg(a)}`, bad)])),
      default: o['default'] === undefined ? null : tiersOf(o['default'], `${vp}/default`, bad),
    };
  });
};

/**
 * Reads haircut tables `{ <venue>: [version, …] }` (one file per venue, keyed by the file's
 * venue). `where` names the source in errors. Rejects the first bad value with its JSON pointer.
 */
export const parseHaircutTables = (json: unknown, where: string): E.Either<HaircutError, HaircutTables> =>
  attempt(() => {
    const bad = invalid(where);
    const o = record(json, '', bad);
    return new Map(Object.entries(o).map(([venue, v]) => [venue, versionsOf(venue, v, bad)]));
  });

/** The venue's version in force at `at` (epoch ms): the last one with effectiveFrom ≤ at. */
export const haircutVersionAt = (
  tables: HaircutTables,
  venue: string,
  at: number,
): E.Either<HaircutError, HaircutVersion> => {
  const found = (tables.get(venue) ?? []).filter((v) => v.effectiveFrom <= at).at(-1);
  return found === undefined
    ? E.left({
        _tag: 'HaircutVersionNotFound',
        venue,
        at,
        message: `no haircut version of ${venue} in force at ${at}`,
      })
    : E.right(found);
};

/**
 * The tables as the valuation reads them (`Haircut` of valuation.ts): the tiers of the version in
 * force, as decimal strings, for the asset (or the version's default; none: not collateral), or
 * null when no version covers the venue at that time (the collateral is then unknown, never zero).
 * The team's own ratios per account are settings of the aggregator (balances.config.ts).
 */
export const haircutFrom = (tables: HaircutTables): Haircut => {
  const texts = new WeakMap<HaircutVersion, Map<string, ReturnType<NonNullable<Haircut>>>>();
  // The version in force at `at` holds until the next one: found once per venue, not per asset.
  const inForce = new Map<
    string,
    { readonly v: E.Either<HaircutError, HaircutVersion>; readonly from: number; readonly until: number }
  >();
  const versionAt = (venue: string, at: number): E.Either<HaircutError, HaircutVersion> => {
    const hit = inForce.get(venue);
    if (hit !== undefined && at >= hit.from && at < hit.until) return hit.v;
    const v = haircutVersionAt(tables, venue, at);
    const versions = tables.get(venue) ?? [];
    const next = versions.find((x) => x.effectiveFrom > at)?.effectiveFrom ?? Infinity;
    inForce.set(venue, { v, from: E.isRight(v) ? v.right.effectiveFrom : -Infinity, until: next });
    return v;
  };
  return (venue, asset, at) => {
    const v = versionAt(venue, at);
    if (E.isLeft(v)) return null;
    const window = inForce.get(venue)!;
    let byAsset = texts.get(v.right);
    if (byAsset === undefined) texts.set(v.right, (byAsset = new Map()));
    let out = byAsset.get(asset);
    if (out === undefined) {
      const tiers = v.right.assets.get(asset) ?? v.right.default ?? [];
      out = {
        version: v.right.version,
        from: window.from,
        until: window.until,
        tiers: tiers.map((t) => ({
          upTo: t.upToUsd === null ? null : t.upToUsd.toFixed(),
          rate: t.rate.toFixed(),
        })),
      };
      byAsset.set(asset, out);
    }
    return out;
  };
};

/** The tables shipped in data/haircuts (one file per venue), parsed; a Left means a shipped file is bad. */
export const BUILTIN_HAIRCUTS: E.Either<HaircutError, HaircutTables> = parseHaircutTables(
  { binanceusdm: binanceusdmJson, okx: okxJson, hyperliquid: hyperliquidJson },
  'libs/balances/domain/data/haircuts',
);
