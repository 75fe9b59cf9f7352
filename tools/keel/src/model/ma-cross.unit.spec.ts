/** maCrossSignals on hand-made price paths: when it emits, which way a cross goes, the bounds. */
import { MaCrossSignal, maCrossSignals, maCrossValue, resolveMaCrossOptions } from './ma-cross';

const T0 = Date.parse('2024-01-01T00:01:00Z');
const MINUTE = 60_000;

/** Bars a minute apart with these closes. */
const barsOf = (closes: readonly number[]) => closes.map((close, i) => ({ t: T0 + i * MINUTE, close }));

/** `n` closes moving by `step` per bar from `from`. */
const line = (from: number, step: number, n: number): number[] =>
  Array.from({ length: n }, (_, i) => from + step * i);

/** Down 100 bars, then up 100: the fast mean falls below the slow one, then climbs back over it. */
const V_SHAPE = [...line(100, -0.05, 100), ...line(95, 0.05, 100)];

const all = (closes: readonly number[], o = {}): MaCrossSignal[] => [...maCrossSignals(barsOf(closes), o)];

describe('maCrossSignals', () => {
  it('emits nothing before `slow` bars, then an opening view at bar `slow`', () => {
    expect(all(line(100, 0.01, 59), { fast: 5, slow: 60 })).toEqual([]);
    const [first] = all(line(100, 0.01, 60), { fast: 5, slow: 60 });
    expect(first?.t).toBe(T0 + 59 * MINUTE);
    expect(first?.cross).toBeNull();
    expect(first?.value).toBeGreaterThan(0); // rising: the fast mean is above the slow one
  });

  it('goes short in a fall and long in a rise, with a down- then an up-cross between', () => {
    const rise = [...line(100, 0.05, 80), ...line(104, -0.05, 120), ...line(98, 0.05, 120)];
    const signals = all(rise, { fast: 10, slow: 30 });
    const crosses = signals.filter((s) => s.cross !== null);

    expect(crosses.map((s) => s.cross)).toEqual(['down', 'up']);
    const [down, up] = crosses;
    expect(down?.value).toBeLessThanOrEqual(0);
    expect(down?.fastMa).toBeLessThan(down?.slowMa ?? 0);
    expect(up?.value).toBeGreaterThanOrEqual(0);
    expect(up?.fastMa).toBeGreaterThan(up?.slowMa ?? 0);
    // Between the crosses the view is short, after the second it is long.
    const between = signals.filter((s) => s.t > (down?.t ?? 0) && s.t < (up?.t ?? 0));
    expect(between.every((s) => s.value <= 0)).toBe(true);
    expect(signals.filter((s) => s.t > (up?.t ?? 0)).every((s) => s.value >= 0)).toBe(true);
  });

  it('stays within [-1, 1] on violent moves, saturating at the bounds', () => {
    const crash = [...line(100, 0, 60), ...line(100, -1, 40), ...line(60, 2, 40)];
    const values = all(crash, { fast: 5, slow: 20 }).map((s) => s.value);
    expect(values.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(values).toContain(-1);
    expect(values).toContain(1);
  });

  it('emits on a move of minStep or more, or a cross, and not otherwise', () => {
    const signals = all(V_SHAPE, { fast: 10, slow: 30, minStep: 0.25 });
    for (const [prev, s] of signals.slice(1).map((s, i) => [signals[i], s] as const))
      if (s.cross === null)
        expect(Math.abs(s.value - (prev?.value ?? 0))).toBeGreaterThanOrEqual(0.25 - 1e-12);
    // minStep 0: every bar from `slow` on.
    expect(all(V_SHAPE, { fast: 10, slow: 30, minStep: 0 })).toHaveLength(V_SHAPE.length - 29);
  });

  it('reads no crossovers into floating-point noise between equal means', () => {
    // A 3-bar cycle: every 3- and 9-bar window has the same mean, but the sums, added in a
    // different order in each window, differ in the last bit, with either sign.
    const cycle = Array.from({ length: 120 }, (_, i) => [0.1, 0.1, 99.7][i % 3] as number);
    expect(all(cycle, { fast: 3, slow: 9 })).toEqual([expect.objectContaining({ value: 0, cross: null })]);
  });

  it('is deterministic: the same bars give the same signals', () => {
    expect(all(V_SHAPE)).toEqual(all(V_SHAPE));
    expect(all(V_SHAPE).length).toBeGreaterThan(0);
  });

  it('computes the value as the relative gap in units of scale, 4 decimals', () => {
    expect(maCrossValue(100.1, 100, 0.002)).toBe(0.5);
    expect(maCrossValue(99.9, 100, 0.002)).toBe(-0.5);
    expect(maCrossValue(101, 100, 0.002)).toBe(1);
    expect(maCrossValue(100, 100, 0.002)).toBe(0);
    expect(Object.is(maCrossValue(99.99999999, 100, 0.002), 0)).toBe(true); // never -0
    expect(maCrossValue(100.0123456, 100, 0.002)).toBe(0.0617);
  });

  it('refuses bars out of time order and bad closes', () => {
    const late = { t: T0 + MINUTE, close: 100 };
    const early = { t: T0, close: 100 };
    expect(() => [...maCrossSignals([late, early])]).toThrow(/time order/);
    expect(() => [...maCrossSignals([late, late])]).toThrow(/time order/);
    expect(() => [...maCrossSignals([{ t: T0, close: Number.NaN }])]).toThrow(/positive number/);
  });

  it('refuses options out of range', () => {
    expect(() => resolveMaCrossOptions({ fast: 60, slow: 60 })).toThrow('slow must be an integer > fast');
    expect(() => resolveMaCrossOptions({ fast: 0 })).toThrow('fast must be an integer ≥ 1');
    expect(() => resolveMaCrossOptions({ scale: 0 })).toThrow('scale must be > 0');
    expect(resolveMaCrossOptions({ fast: undefined })).toEqual({
      fast: 20,
      slow: 60,
      scale: 0.002,
      minStep: 0.1,
    });
  });
});
