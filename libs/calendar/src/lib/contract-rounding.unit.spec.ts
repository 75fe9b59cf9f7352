/** Whole-contract rounding with hysteresis: examples, then properties (fast-check). */
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { roundContracts } from './contract-rounding';

const round = (target: number, current: number, h?: number): number => {
  const r = roundContracts(target, current, h);
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe('roundContracts', () => {
  it.each([
    [2.7, 2, 2], // within 0.75 of the target: keep
    [2.76, 2, 3], // outside: round
    [2.3, 3, 3], // back down, still within the band: keep
    [2.2, 3, 2],
    [-2.6, -2, -2],
    [-2.8, -2, -3],
    [0.4, 0, 0],
    [3.5, 0, 4], // halves away from zero
    [-3.5, 0, -4],
  ])('target %d from %d → %d', (target, current, expected) => expect(round(target, current)).toBe(expected));

  it('bad input names the argument', () => {
    expect(roundContracts(Number.NaN, 0)).toEqual(
      E.left(expect.objectContaining({ path: 'targetFractional' })),
    );
    expect(roundContracts(1, 0.5)).toEqual(
      E.left(expect.objectContaining({ path: 'currentWhole', value: 0.5 })),
    );
    expect(roundContracts(1, 0, 0.7)).toEqual(
      E.left(expect.objectContaining({ path: 'hysteresis', value: 0.7 })),
    );
  });

  const target = fc.double({ min: -50, max: 50, noNaN: true });
  const current = fc.integer({ min: -50, max: 50 });
  const h = fc.double({ min: 0, max: 0.49, noNaN: true });

  it('the result is whole and within 0.5 + hysteresis of the target', () => {
    fc.assert(
      fc.property(target, current, h, (x, c, hy) => {
        const r = round(x, c, hy);
        expect(Number.isInteger(r)).toBe(true);
        expect(Math.abs(r - x)).toBeLessThanOrEqual(0.5 + hy + 1e-9);
      }),
    );
  });
  it('it is idempotent: rounding again from the result changes nothing', () => {
    fc.assert(
      fc.property(target, current, h, (x, c, hy) =>
        expect(round(x, round(x, c, hy), hy)).toBe(round(x, c, hy)),
      ),
    );
  });
  it('it is symmetric for shorts', () => {
    fc.assert(
      fc.property(target, current, h, (x, c, hy) => expect(round(-x, -c, hy)).toBe(-round(x, c, hy) + 0)),
    );
  });
  it('a target oscillating around x.5 by less than the hysteresis trades at most once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -20, max: 20 }),
        fc.array(fc.double({ min: -0.24, max: 0.24, noNaN: true }), { minLength: 2, maxLength: 50 }),
        (base, wiggles) => {
          let pos = base;
          let trades = 0;
          for (const w of wiggles) {
            const next = round(base + 0.5 + w, pos);
            if (next !== pos) trades++;
            pos = next;
          }
          expect(trades).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});
