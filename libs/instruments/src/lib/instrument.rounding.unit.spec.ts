/**
 * Grid rounding: properties over exact decimals (the venue's `prepareOrder` has its own
 * property in @keel/venue-domain's instrument.rules.unit.spec.ts).
 */
import Decimal from 'decimal.js';
import fc from 'fast-check';
import { ceilToTick, floorToTick, isOnGrid, roundQtyDown } from './instrument.rounding';

const d = (v: Decimal.Value): Decimal => new Decimal(v);

describe('rounding properties', () => {
  // Decimals built from integer mantissas and scales, so they are exact by construction.
  const decimal = (maxScale: number) =>
    fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: maxScale }))
      .map(([m, s]) => new Decimal(m.toString()).div(new Decimal(10).pow(s)));
  const step = fc.constantFrom('0.1', '0.01', '0.001', '0.25', '0.00005', '1', '5', '0.5').map(d);

  it('roundQtyDown never increases qty, lands on the grid and loses less than one step', () => {
    fc.assert(
      fc.property(decimal(10), step, (q, lot) => {
        const r = roundQtyDown(q, lot);
        return r.lte(q) && isOnGrid(r, lot) && q.minus(r).lt(lot) && r.gte(0);
      }),
    );
  });

  it('passive price rounding: buy ≤ price, sell ≥ price, both on the tick, within one tick', () => {
    fc.assert(
      fc.property(decimal(8), step, (p, tick) => {
        const f = floorToTick(p, tick);
        const c = ceilToTick(p, tick);
        return (
          f.lte(p) &&
          c.gte(p) &&
          isOnGrid(f, tick) &&
          isOnGrid(c, tick) &&
          c.minus(f).lte(tick) &&
          f.eq(p) === c.eq(p)
        );
      }),
    );
  });
});
