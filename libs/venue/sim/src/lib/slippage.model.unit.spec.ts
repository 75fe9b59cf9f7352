import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import calibration from './slippage.calibration.json';
import { readDepthSnapshots, DepthLevel } from './csv.readers';
import {
  BINANCE_USDM_BTCUSDT_IMPACT,
  calibrateImpactCurve,
  impactBps,
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

describe('slippage model', () => {
  const c = BINANCE_USDM_BTCUSDT_IMPACT;

  it('is zero up to the touch size, linear between grid points, rounded up to 4 dp', () => {
    expect(impactBps(c, d('5'), d('10')).toString()).toBe('0');
    expect(impactBps(c, d('10'), d('10')).toString()).toBe('0');
    expect(impactBps(c, d('20'), d('10')).toString()).toBe('0.3635');
    expect(impactBps(c, d('30'), d('10')).toString()).toBe('0.68'); // midway 2→4: (0.3635 + 0.9965) / 2
    // past the last point (32) it continues the 16→32 slope: 4.3673 + (4.3673 − 3.3509) × 32/16
    expect(impactBps(c, d('64'), d('1')).toString()).toBe('6.4001');
    // unknown touch size (0): the calibration's median touch, 7.5095
    expect(impactBps(c, d('15.019'), d('0')).toString()).toBe('0.3635');
  });

  it('moves the price against the taker, exactly', () => {
    expect(impactedPrice('buy', d('63948.0'), d('0.2044')).toString()).toBe('63949.30709712');
    expect(impactedPrice('sell', d('63947.9'), d('0.0371')).toString()).toBe('63947.662753291');
  });

  it('property: impact never decreases with size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100000 }), fc.integer({ min: 1, max: 100000 }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        return impactBps(c, d(lo).div(1000), d(1)).lte(impactBps(c, d(hi).div(1000), d(1)));
      }),
    );
  });

  it('walks a book and calibrates on a hand-made one', () => {
    const asks = [lvl('ask', 0, '100', '1'), lvl('ask', 1, '101', '1'), lvl('ask', 2, '102', '2')];
    expect(walkBook(asks, d('2'))?.toString()).toBe('100.5');
    expect(walkBook(asks, d('5'))).toBeNull();
    const bids = [lvl('bid', 0, '99', '1'), lvl('bid', 1, '98', '3')];
    const j = calibrateImpactCurve([...asks, ...bids], ['1', '2'], 'hand-made');
    // r = 2: ask side (100.5 − 100)/100 = 50 bps; bid side (99 − 98.5)/99 = 50.505050… bps; mean 50.2525…
    expect(j.points).toEqual([
      { ratio: '1', bps: '0', samples: 2 },
      { ratio: '2', bps: '50.2526', samples: 2 },
    ]);
    expect(j.medianTouchQty).toBe('1');
  });

  it('the committed calibration is well-formed: increasing in ratio and in bps, zero up to r = 1', () => {
    const pts = calibration.points.map((p) => ({ r: d(p.ratio), b: d(p.bps) }));
    expect(calibration.snapshots).toBe(216);
    expect(
      pts.every(
        (p, i) =>
          i === 0 || (p.r.gt((pts[i - 1] as { r: Decimal }).r) && p.b.gte((pts[i - 1] as { b: Decimal }).b)),
      ),
    ).toBe(true);
    expect(pts.filter((p) => p.r.lte(1)).every((p) => p.b.isZero())).toBe(true);
  });

  it('recomputes on the committed 3-snapshot slice (top 200 levels) close to the full calibration', async () => {
    const r = await readDepthSnapshots(TEST_DATA.depth20241031);
    if (E.isLeft(r)) throw new Error(r.left.message);
    const j = calibrateImpactCurve(r.right, ['2', '4', '8'], 'slice');
    expect(j.snapshots).toBe(3);
    expect(j.points.map((p) => p.samples)).toEqual([6, 6, 6]);
    // same order of magnitude as the 216-snapshot curve (0.36 / 1.00 / 1.88 bps)
    for (const p of j.points) expect(d(p.bps).lt(5)).toBe(true);
  });
});
