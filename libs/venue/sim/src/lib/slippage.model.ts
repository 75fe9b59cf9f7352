/**
 * The depth curve: what walking the book costs, keyed to the ABSOLUTE size taken (base
 * units), calibrated on real order-book snapshots (calibrateDepthCurve). For each snapshot,
 * each side and each size s of the grid: walk s through the book and record
 * - avgBps: the average fill price's distance from the level-0 price, in bps (what a market
 *   order of s pays beyond the touch), and
 * - edgeBps: the distance of the deepest level the walk reached (where the touch stands
 *   after the walk: how far taking s moves the price).
 * The curve is the mean over snapshots and sides. Every grid size is one EVERY calibration
 * book could fill (up to `bookDepthQty`, the shallowest book's visible depth), so no point is
 * extrapolated; between points it is linear from (0, 0). Past the last point the curve
 * continues the last segment's slope up to `bookDepthQty` and is flat beyond it (capped
 * extrapolation): the simulator never fills more than the book at once (an oversized market
 * order fills over time, simulated.venue.ts).
 *
 * `depthScale` (the simulator's setting) maps another instrument's sizes onto the curve
 * (size × scale); 1 for the calibrated instrument.
 *
 * bps are rounded UP to 4 decimals (against the taker), so prices stay exact decimals.
 */
import Decimal from 'decimal.js';
import { exact, Side } from '@keel/venue-domain';
import calibration from './depth.calibration.json';
import { DepthLevel } from './csv.readers';

export interface DepthPoint {
  readonly qty: Decimal;
  readonly avgBps: Decimal;
  readonly edgeBps: Decimal;
}

export interface DepthCurve {
  /** By increasing qty. */
  readonly points: readonly DepthPoint[];
  /** The most a single take may walk: the shallowest calibration book's visible depth. */
  readonly bookDepthQty: Decimal;
  /** Median level-0 size in the calibration books: the queue assumed where none is shown. */
  readonly medianTouchQty: Decimal;
}

/** The JSON form, with provenance: numbers are strings so they stay exact. */
export interface DepthCurveJson {
  readonly source: string;
  readonly method: string;
  readonly snapshots: number;
  readonly medianTouchQty: string;
  readonly bookDepthQty: string;
  readonly points: ReadonlyArray<{
    readonly qty: string;
    readonly avgBps: string;
    readonly edgeBps: string;
    readonly samples: number;
  }>;
}

export const curveFromJson = (j: DepthCurveJson): DepthCurve => ({
  points: j.points.map((p) => ({
    qty: new Decimal(p.qty),
    avgBps: new Decimal(p.avgBps),
    edgeBps: new Decimal(p.edgeBps),
  })),
  bookDepthQty: new Decimal(j.bookDepthQty),
  medianTouchQty: new Decimal(j.medianTouchQty),
});

/** The curve calibrated on Binance USD-M BTCUSDT depth (see the JSON's `source`). */
export const BINANCE_USDM_BTCUSDT_DEPTH: DepthCurve = curveFromJson(calibration as DepthCurveJson);

/** An infinitely deep book at the touch: every market order fills at once at the touch. */
export const NO_IMPACT: DepthCurve = {
  points: [{ qty: new Decimal(1), avgBps: new Decimal(0), edgeBps: new Decimal(0) }],
  bookDepthQty: new Decimal(Number.MAX_SAFE_INTEGER),
  medianTouchQty: new Decimal(1),
};

const BPS_DP = 4;
const ZERO = new Decimal(0);

const along = (curve: DepthCurve, size: Decimal, pick: (p: DepthPoint) => Decimal): Decimal => {
  const x = Decimal.min(exact(size), curve.bookDepthQty);
  if (x.lte(0)) return ZERO;
  let prev = { qty: ZERO, v: ZERO };
  for (const p of curve.points) {
    const v = pick(p);
    if (x.lte(p.qty)) return lerp(prev.qty, prev.v, p.qty, v, x);
    prev = { qty: p.qty, v };
  }
  const n = curve.points.length;
  const before = n >= 2 ? (curve.points[n - 2] as DepthPoint) : null;
  return before ? lerp(before.qty, pick(before), prev.qty, prev.v, x) : prev.v;
};

const lerp = (x0: Decimal, y0: Decimal, x1: Decimal, y1: Decimal, x: Decimal): Decimal => {
  const span = x1.minus(x0);
  const v = span.isZero() ? y1 : y0.plus(y1.minus(y0).times(x.minus(x0)).div(span));
  return Decimal.max(0, v).toDecimalPlaces(BPS_DP, Decimal.ROUND_UP);
};

/** What taking `size` (already scaled) costs beyond the touch, in bps of the touch price. */
export const avgImpactBps = (curve: DepthCurve, size: Decimal): Decimal =>
  along(curve, size, (p) => p.avgBps);

/** How far taking `size` (already scaled) moves the touch, in bps. */
export const edgeImpactBps = (curve: DepthCurve, size: Decimal): Decimal =>
  along(curve, size, (p) => p.edgeBps);

/**
 * What a take of `qty` costs beyond the touch price, in bps, when the touch itself shows
 * `shown` (the recorded size there, less what we already took): up to `shown` fills at the
 * touch; the rest walks the curve's book from that depth on, (W(qty) − W(shown)) / qty with
 * W(x) = x × avgImpactBps(x). Sizes already scaled. Rounded up to 4 dp.
 */
export const takeCostBps = (curve: DepthCurve, shown: Decimal, qty: Decimal): Decimal => {
  if (qty.lte(shown) || qty.lte(0)) return ZERO;
  const w = (x: Decimal) => x.times(avgImpactBps(curve, x));
  const from = Decimal.max(0, shown);
  return Decimal.max(0, w(qty).minus(w(from)).div(qty)).toDecimalPlaces(BPS_DP, Decimal.ROUND_UP);
};

/** The average price a taker gets: worse than the touch by `bps`. */
export const impactedPrice = (side: Side, touchPrice: Decimal, bps: Decimal): Decimal => {
  const move = exact(touchPrice).times(bps).div(10000);
  return side === 'buy' ? exact(touchPrice).plus(move) : exact(touchPrice).minus(move);
};

/** Walk one side of a book (levels best first) for `size`: average and last price, or null if too thin. */
export const walkBook = (
  levels: readonly DepthLevel[],
  size: Decimal,
): { readonly avg: Decimal; readonly edge: Decimal } | null => {
  let left = exact(size);
  let cost = exact(0);
  for (const l of levels) {
    const take = Decimal.min(left, l.qty);
    cost = cost.plus(exact(take).times(l.price));
    left = left.minus(take);
    if (left.isZero()) return { avg: cost.div(size), edge: exact(l.price) };
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

/** The default size grid: 1-2-5 steps from 0.01; the book's depth is always added as the last point. */
export const DEPTH_GRID: readonly string[] = [
  '0.01',
  '0.1',
  '0.5',
  '1',
  '2',
  '5',
  '10',
  '20',
  '50',
  '100',
  '200',
  '500',
  '1000',
  '2000',
  '5000',
];

/** Calibrate the depth curve from long-format depth snapshots (see the module header). */
export const calibrateDepthCurve = (
  levels: readonly DepthLevel[],
  sizes: readonly Decimal.Value[],
  source: string,
): DepthCurveJson => {
  const books = new Map<string, DepthLevel[]>();
  for (const l of levels) {
    const key = `${l.venueAt}:${l.side}`;
    const book = books.get(key) ?? [];
    book.push(l);
    books.set(key, book);
  }
  const sides = [...books.values()].map((b) => [...b].sort((x, y) => x.level - y.level));
  const depthOf = (b: readonly DepthLevel[]) => b.reduce((a, l) => a.plus(l.qty), exact(0));
  const bookDepth = sides.length === 0 ? exact(0) : Decimal.min(...sides.map(depthOf));
  const grid = [...sizes.map((s) => new Decimal(s)).filter((s) => s.lt(bookDepth)), bookDepth];
  const bps = (top: DepthLevel, p: Decimal) =>
    (top.side === 'ask' ? p.minus(top.price) : exact(top.price).minus(p)).div(top.price).times(10000);
  const points = grid.map((qty) => {
    let avg = exact(0);
    let edge = exact(0);
    let n = 0;
    for (const book of sides) {
      const top = book[0] as DepthLevel;
      const w = walkBook(book, qty);
      if (w === null) continue;
      avg = avg.plus(bps(top, w.avg));
      edge = edge.plus(bps(top, w.edge));
      n++;
    }
    const mean = (x: Decimal) => x.div(Math.max(1, n)).toDecimalPlaces(BPS_DP, Decimal.ROUND_UP).toString();
    return { qty: qty.toString(), avgBps: mean(avg), edgeBps: mean(edge), samples: n };
  });
  return {
    source,
    method:
      'for each snapshot side and absolute size: walk the size through the book; avgBps = mean bps between the level-0 price and the average fill price, edgeBps = mean bps between the level-0 price and the deepest level reached; bookDepthQty = the shallowest side’s total visible depth; medianTouchQty = median level-0 qty',
    snapshots: new Set(levels.map((l) => l.venueAt)).size,
    medianTouchQty: median(sides.map((b) => (b[0] as DepthLevel).qty)).toString(),
    bookDepthQty: bookDepth.toString(),
    points,
  };
};
