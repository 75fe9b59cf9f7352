import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import calibration from './depth.calibration.json';
import { readDepthSnapshots, DepthLevel } from './csv.readers';
import {
  avgImpactBps,
  BINANCE_USDM_BTCUSDT_DEPTH,
  calibrateDepthCurve,
  DepthCurve,
  edgeImpactBps,
  impactedPrice,
  walkBook,
} from './slippage.model';
import { TEST_DATA } from '../testing/sim.fixtures';

const d = (v: Decimal.Value): Decimal => new Decimal(v);
const lvl = (side: 'bid' | 'ask', level: number, price: string, qty: string): DepthLevel => ({
  venueAt: 1,
  side,
  level,
  price: d(price),
  qty: d(qty),
});

describe('depth curve (slippage model)', () => {
  const hand: DepthCurve = {
    points: [
      { qty: d(1), avgBps: d(0), edgeBps: d(0) },
      { qty: d(10), avgBps: d(1), edgeBps: d(2) },
      { qty: d(20), avgBps: d(3), edgeBps: d(6) },
    ],
    bookDepthQty: d(30),
    medianTouchQty: d(5),
  };

  it('is keyed to absolute size: linear between points, the last slope up to the book depth, flat beyond', () => {
    expect(avgImpactBps(hand, d('0.5')).toString()).toBe('0');
    expect(avgImpactBps(hand, d('5.5')).toString()).toBe('0.5'); // (5.5 − 1) / 9
    expect(edgeImpactBps(hand, d('15')).toString()).toBe('4');
    // capped extrapolation: 20 → 30 continues the 10 → 20 slope (0.2 bps / unit), then stays flat
    expect(avgImpactBps(hand, d('25')).toString()).toBe('4');
    expect(avgImpactBps(hand, d('30')).toString()).toBe('5');
    expect(avgImpactBps(hand, d('300')).toString()).toBe('5');
  });

  it('rounds up to 4 dp, against the taker, and moves the price against the taker exactly', () => {
    expect(avgImpactBps(hand, d('1.00001')).toString()).toBe('0.0001');
    expect(impactedPrice('buy', d('63948.0'), d('0.2044')).toString()).toBe('63949.30709712');
    expect(impactedPrice('sell', d('63947.9'), d('0.0371')).toString()).toBe('63947.662753291');
  });

  it('property: impact never decreases with size (the committed curve)', () => {
    const c = BINANCE_USDM_BTCUSDT_DEPTH;
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500000 }), fc.integer({ min: 1, max: 500000 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return (
          avgImpactBps(c, d(lo).div(1000)).lte(avgImpactBps(c, d(hi).div(1000))) &&
          edgeImpactBps(c, d(lo).div(1000)).lte(edgeImpactBps(c, d(hi).div(1000)))
        );
      }),
    );
  });

  it('walks a book and calibrates on a hand-made one (average and edge, book depth = shallowest side)', () => {
    const asks = [lvl('ask', 0, '100', '1'), lvl('ask', 1, '101', '1'), lvl('ask', 2, '102', '2')];
    const w = walkBook(asks, d('2'));
    expect([w?.avg.toString(), w?.edge.toString()]).toEqual(['100.5', '101']);
    expect(walkBook(asks, d('5'))).toBeNull();
    const bids = [lvl('bid', 0, '99', '1'), lvl('bid', 1, '98', '3')];
    const j = calibrateDepthCurve([...asks, ...bids], ['1', '2', '10'], 'hand-made');
    expect(j.bookDepthQty).toBe('4');
    // size 2: asks avg 50 bps, edge 100 bps; bids avg (99 − 98.5)/99 = 50.505… bps, edge 101.0101… bps
    expect(j.points).toEqual([
      { qty: '1', avgBps: '0', edgeBps: '0', samples: 2 },
      { qty: '2', avgBps: '50.2526', edgeBps: '100.5051', samples: 2 },
      // 10 is deeper than a side: the grid stops at the book depth (4), which every side fills
      { qty: '4', avgBps: expect.any(String), edgeBps: expect.any(String), samples: 2 },
    ]);
    expect(j.medianTouchQty).toBe('1');
  });

  it('the committed calibration is well-formed: 216 snapshots, increasing, every point from all 432 sides', () => {
    const pts = calibration.points.map((p) => ({
      q: d(p.qty),
      a: d(p.avgBps),
      e: d(p.edgeBps),
      n: p.samples,
    }));
    expect(calibration.snapshots).toBe(216);
    expect(pts.every((p) => p.n === 432 && p.e.gte(p.a))).toBe(true);
    expect(
      pts.every(
        (p, i) =>
          i === 0 || (p.q.gt((pts[i - 1] as { q: Decimal }).q) && p.a.gte((pts[i - 1] as { a: Decimal }).a)),
      ),
    ).toBe(true);
    expect((pts[pts.length - 1] as { q: Decimal }).q.toString()).toBe(calibration.bookDepthQty);
  });

  it('recomputes on the committed 3-snapshot slice (top 200 levels) close to the full calibration', async () => {
    const r = await readDepthSnapshots(TEST_DATA.depth20241031);
    if (E.isLeft(r)) throw new Error(r.left.message);
    const j = calibrateDepthCurve(r.right, ['1', '5', '20'], 'slice');
    expect(j.snapshots).toBe(3);
    expect(j.points.slice(0, 3).map((p) => p.samples)).toEqual([6, 6, 6]);
    // same order of magnitude as the 216-snapshot curve (5 BTC: 0.15 bps, 20 BTC: 0.65 bps)
    for (const p of j.points.slice(0, 3)) expect(d(p.avgBps).lt(3)).toBe(true);
  });
});
