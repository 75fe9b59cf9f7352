/**
 * Market-order slippage: a taker buying `size` when the touch shows `touchQty` pays on
 * average `touch × (1 + bps/10⁴)` (a sell receives `touch × (1 − bps/10⁴)`), where `bps` is
 * an impact curve in the size ratio `size / touchQty`.
 *
 * The curve is calibrated by walking real order books (calibrateImpactCurve): for each
 * snapshot, each side and each ratio r of the grid, take r × (level-0 qty) through the book
 * and measure the average price against the level-0 price, in bps; the curve is the mean
 * over snapshots and sides. Between grid points it is linear, from (0, 0); past the last
 * point it continues the last segment's slope. The committed numbers
 * (slippage.calibration.json) come from the 216 Binance USD-M BTCUSDT 1000-level snapshots
 * of 2024-10-31 (data/market/README.md §3). Up to r = 1 the impact is 0 by construction.
 *
 * bps is rounded UP to 4 decimals (against the taker), so the fill price is an exact decimal.
 */
import Decimal from 'decimal.js';
import { exact, Side } from '@keel/venue-domain';
import calibration from './slippage.calibration.json';
import { DepthLevel } from './csv.readers';

export interface ImpactPoint {
  readonly ratio: Decimal;
  readonly bps: Decimal;
}

export interface ImpactCurve {
  readonly points: readonly ImpactPoint[];
  /** Median level-0 size in the calibration book: the touch size assumed when none is known. */
  readonly medianTouchQty: Decimal;
}

/** The JSON form, with provenance: numbers are strings so they stay exact. */
export interface ImpactCurveJson {
  readonly source: string;
  readonly method: string;
  readonly snapshots: number;
  readonly medianTouchQty: string;
  /** `samples`: how many snapshot sides were deep enough to fill that ratio (thin ones are left out). */
  readonly points: ReadonlyArray<{ readonly ratio: string; readonly bps: string; readonly samples?: number }>;
}

export const curveFromJson = (j: ImpactCurveJson): ImpactCurve => ({
  points: j.points.map((p) => ({ ratio: new Decimal(p.ratio), bps: new Decimal(p.bps) })),
  medianTouchQty: new Decimal(j.medianTouchQty),
});

/** The curve calibrated on Binance USD-M BTCUSDT depth (see the JSON's `source`). */
export const BINANCE_USDM_BTCUSDT_IMPACT: ImpactCurve = curveFromJson(calibration as ImpactCurveJson);

/** The zero curve: every market order fills at the touch. */
export const NO_IMPACT: ImpactCurve = {
  points: [{ ratio: new Decimal(1), bps: new Decimal(0) }],
  medianTouchQty: new Decimal(1),
};

const BPS_DP = 4;

/** Impact in bps for `size` against a touch of `touchQty` (≤ 0 touch: the curve's median). */
export const impactBps = (curve: ImpactCurve, size: Decimal, touchQty: Decimal): Decimal => {
  const touch = touchQty.gt(0) ? touchQty : curve.medianTouchQty;
  const r = exact(size).div(touch);
  let prev: ImpactPoint = { ratio: new Decimal(0), bps: new Decimal(0) };
  for (const p of curve.points) {
    if (r.lte(p.ratio)) return interpolate(prev, p, r);
    prev = p;
  }
  const n = curve.points.length;
  const before =
    n >= 2 ? (curve.points[n - 2] as ImpactPoint) : { ratio: new Decimal(0), bps: new Decimal(0) };
  return interpolate(before, prev, r);
};

const interpolate = (a: ImpactPoint, b: ImpactPoint, r: Decimal): Decimal => {
  const span = exact(b.ratio).minus(a.ratio);
  const v = span.isZero()
    ? exact(b.bps)
    : exact(a.bps).plus(exact(b.bps).minus(a.bps).times(r.minus(a.ratio)).div(span));
  return Decimal.max(0, v).toDecimalPlaces(BPS_DP, Decimal.ROUND_UP);
};

/** The average price a taker gets: worse than the touch by `bps`. */
export const impactedPrice = (side: Side, touchPrice: Decimal, bps: Decimal): Decimal => {
  const move = exact(touchPrice).times(bps).div(10000);
  return side === 'buy' ? exact(touchPrice).plus(move) : exact(touchPrice).minus(move);
};

/** Walk one side of a book (levels best first) for `size`; the average price, or null if too thin. */
export const walkBook = (levels: readonly DepthLevel[], size: Decimal): Decimal | null => {
  let left = exact(size);
  let cost = exact(0);
  for (const l of levels) {
    const take = Decimal.min(left, l.qty);
    cost = cost.plus(exact(take).times(l.price));
    left = left.minus(take);
    if (left.isZero()) return cost.div(size);
  }
  return null;
};

const median = (xs: readonly Decimal[]): Decimal => {
  const s = [...xs].sort((a, b) => a.comparedTo(b));
  const n = s.length;
  if (n === 0) return new Decimal(0);
  return n % 2 === 1
    ? (s[(n - 1) / 2] as Decimal)
    : (s[n / 2 - 1] as Decimal).plus(s[n / 2] as Decimal).div(2);
};

/** Calibrate the curve from long-format depth snapshots (see the module header). */
export const calibrateImpactCurve = (
  levels: readonly DepthLevel[],
  ratios: readonly Decimal.Value[],
  source: string,
): ImpactCurveJson => {
  const books = new Map<string, DepthLevel[]>();
  for (const l of levels) {
    const key = `${l.venueAt}:${l.side}`;
    const book = books.get(key) ?? [];
    book.push(l);
    books.set(key, book);
  }
  const sides = [...books.values()].map((b) => [...b].sort((x, y) => x.level - y.level));
  const touches = sides.map((b) => (b[0] as DepthLevel).qty);
  const points = ratios.map((ratio) => {
    const impacts: Decimal[] = [];
    for (const book of sides) {
      const top = book[0] as DepthLevel;
      const avg = walkBook(book, exact(top.qty).times(ratio));
      if (avg === null) continue;
      const diff = top.side === 'ask' ? avg.minus(top.price) : exact(top.price).minus(avg);
      impacts.push(diff.div(top.price).times(10000));
    }
    const mean = impacts.reduce((a, b) => a.plus(b), exact(0)).div(Math.max(1, impacts.length));
    return {
      ratio: new Decimal(ratio).toString(),
      bps: mean.toDecimalPlaces(BPS_DP, Decimal.ROUND_UP).toString(),
      samples: impacts.length,
    };
  });
  return {
    source,
    method:
      'mean over snapshots and both sides of the bps between the level-0 price and the average price of walking ratio × level-0 qty through the book; medianTouchQty is the median level-0 qty',
    snapshots: new Set(levels.map((l) => l.venueAt)).size,
    medianTouchQty: median(touches).toString(),
    points,
  };
};
