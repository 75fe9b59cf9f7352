/**
 * The statistics of `keel twap-eval`: mean, median and a percentile-bootstrap confidence
 * interval of the mean, drawn with a seeded PRNG so the same runs always give the same
 * interval. These are statistics on plain numbers (bps); the money behind them stays exact in
 * the per-run figures.
 */
import { mulberry32 } from '@keel/venue-sim';

/** The seeded PRNG (mulberry32, the simulator's): the same seed gives the same stream on every platform. */
export const seededRandom: (seed: number) => () => number = mulberry32;

/** A 32-bit FNV-1a hash, to give each bucket its own seed (its interval then does not depend on the others). */
export const hash32 = (s: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

export const mean = (xs: readonly number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, x) => a + x, 0) / xs.length;

/** The q-quantile of sorted values, interpolating linearly between order statistics (R's type 7). */
export const quantileSorted = (sorted: readonly number[], q: number): number | null => {
  if (sorted.length === 0) return null;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (h - lo);
};

export const median = (xs: readonly number[]): number | null =>
  quantileSorted(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

export interface BootstrapOptions {
  readonly resamples: number;
  readonly seed: number;
  /** Coverage, e.g. 0.95. */
  readonly level: number;
}

/**
 * Percentile bootstrap of the mean: `resamples` resamples of the n values drawn with
 * replacement, the mean of each, and the (1−level)/2 and (1+level)/2 quantiles of those
 * means. Null with fewer than 2 values (one value has no spread to resample).
 */
export const bootstrapMeanCi = (
  xs: readonly number[],
  o: BootstrapOptions,
): readonly [number, number] | null => {
  const n = xs.length;
  if (n < 2) return null;
  const rand = seededRandom(o.seed);
  const means = new Float64Array(o.resamples);
  for (let b = 0; b < o.resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(rand() * n)] as number;
    means[b] = s / n;
  }
  means.sort();
  const sorted = Array.from(means);
  return [
    quantileSorted(sorted, (1 - o.level) / 2) as number,
    quantileSorted(sorted, (1 + o.level) / 2) as number,
  ];
};

export interface Distribution {
  readonly n: number;
  readonly mean: number | null;
  readonly median: number | null;
  /** 95 % percentile-bootstrap interval of the mean (null with fewer than 2 values). */
  readonly ci95: readonly [number, number] | null;
  readonly min: number | null;
  readonly max: number | null;
}

const round = (x: number | null, dp = 2): number | null =>
  x === null ? null : Math.round(x * 10 ** dp) / 10 ** dp;

/** n, mean, median, the bootstrap CI of the mean, min and max, rounded to 0.01 for reports. */
export const summarize = (xs: readonly number[], o: BootstrapOptions): Distribution => {
  const ci = bootstrapMeanCi(xs, o);
  return {
    n: xs.length,
    mean: round(mean(xs)),
    median: round(median(xs)),
    ci95: ci === null ? null : [round(ci[0]) as number, round(ci[1]) as number],
    min: xs.length === 0 ? null : round(Math.min(...xs)),
    max: xs.length === 0 ? null : round(Math.max(...xs)),
  };
};
