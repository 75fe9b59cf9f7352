/**
 * The TWAP schedule: examples and fast-check properties (monotone, on the lot grid, exact
 * at slice ends, total at the deadline, consistent with its inverse).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import {
  equalProfile,
  firstTimeAbove,
  lagInSlices,
  makeSchedule,
  Schedule,
  sliceIndexAt,
  sliceQty,
  targetAt,
  targetByEndOf,
} from './twap.schedule';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const lot = new Decimal('0.001');
const sched = (total: string, slices: number, ms: number, weights?: readonly number[]): Schedule => ({
  from: T0,
  to: T0 + ms,
  base: new Decimal(0),
  total: new Decimal(total),
  weights: weights ?? equalProfile(slices),
  lot,
});

describe('twap schedule (examples)', () => {
  const s = sched('1', 6, 60 * 60_000);

  it('is linear inside a slice and floored to the lot', () => {
    expect(targetAt(s, T0).toString()).toBe('0');
    expect(targetAt(s, T0 + 5 * 60_000).toString()).toBe('0.083'); // 1/12 = 0.08333…
    expect(targetByEndOf(s, 0).toString()).toBe('0.166');
    expect(targetByEndOf(s, 2).toString()).toBe('0.5');
    expect(targetAt(s, T0 + 60 * 60_000).toString()).toBe('1');
  });

  it('follows a pluggable profile', () => {
    const frontLoaded = sched('1', 2, 60_000, [3, 1]);
    expect(targetByEndOf(frontLoaded, 0).toString()).toBe('0.75');
    expect(sliceQty(frontLoaded, 1).toString()).toBe('0.25');
  });

  it('carries an off-lot total to the deadline, never trading the remainder early', () => {
    const odd = sched('1.0005', 4, 60_000);
    expect(targetAt(odd, T0 + 59_999).toString()).toBe('1');
    expect(targetAt(odd, T0 + 60_000).toString()).toBe('1.0005');
  });

  it('rejects a schedule that ends before it starts or has no weight', () => {
    expect(makeSchedule({ ...s, to: s.from })).toEqual(
      E.left({ field: 'deadline', message: 'must be after the start' }),
    );
    expect(makeSchedule({ ...s, weights: [0, 0] })).toMatchObject(E.left({ field: 'profile' }));
  });

  it('reports lag in slices', () => {
    expect(lagInSlices(s, T0 + 20 * 60_000, new Decimal('0.166'))).toBeCloseTo(1, 2);
  });
});

const arbSchedule = fc
  .record({
    lots: fc.integer({ min: 1, max: 200_000 }),
    slices: fc.integer({ min: 1, max: 300 }),
    minutes: fc.integer({ min: 1, max: 7 * 24 * 60 }),
    weights: fc.option(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 50 })),
  })
  .filter((r) => r.weights === null || r.weights.some((w) => w > 0))
  .map((r) => {
    const w = r.weights ?? equalProfile(r.slices);
    return sched(lot.times(r.lots).toString(), w.length, Math.max(r.minutes * 60_000, w.length));
  });

describe('twap schedule (properties)', () => {
  it('targets are non-decreasing, on the lot grid, within [0, total], and total at the deadline', () => {
    fc.assert(
      fc.property(
        arbSchedule,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 2, maxLength: 20 }),
        (s, fr) => {
          const times = fr.map((f) => s.from + Math.floor(f * (s.to - s.from))).sort((a, b) => a - b);
          let prev = new Decimal(0);
          for (const t of times) {
            const q = targetAt(s, t);
            expect(q.gte(prev)).toBe(true);
            expect(q.mod(lot).isZero()).toBe(true);
            expect(q.lte(s.total)).toBe(true);
            prev = q;
          }
          expect(targetAt(s, s.to).eq(s.total)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('equal slices: the target at the end of slice k is total × (k + 1) / n, floored to the lot', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 300 }), (lots, n) => {
        const s = sched(lot.times(lots).toString(), n, n * 60_000);
        for (let k = 0; k < n; k += Math.max(1, Math.floor(n / 7))) {
          const exact = s.total.times(k + 1).div(n);
          const floored = exact.minus(exact.mod(lot));
          expect(targetByEndOf(s, k).toString()).toBe(floored.toString());
          expect(sliceIndexAt(s, s.from + k * 60_000)).toBe(k);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('firstTimeAbove is the exact inverse: the target exceeds q at that instant and not one ms before', () => {
    fc.assert(
      fc.property(arbSchedule, fc.double({ min: 0, max: 1, noNaN: true }), (s, f) => {
        const q = s.total.times(f).toDecimalPlaces(3, Decimal.ROUND_DOWN);
        const t = firstTimeAbove(s, q, s.from);
        if (t === null) {
          expect(s.total.gt(q)).toBe(false);
          return;
        }
        expect(targetAt(s, t).gt(q)).toBe(true);
        if (t > s.from) expect(targetAt(s, t - 1).gt(q)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
