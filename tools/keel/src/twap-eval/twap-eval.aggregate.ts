/**
 * The summaries of `keel twap-eval`: per size bucket (each size, plus `≤1%` and `10–20%`) and
 * per market × duration, the distribution of the cost difference and of the fee-neutral
 * difference (n, mean, median, 95 % bootstrap CI of the mean), mean maker share, completion
 * rate, schedule lag and mean markouts.
 */
import { RunRecord, MARKOUTS } from './twap-eval.run';
import { Distribution, hash32, mean, summarize } from './twap-eval.stats';

export interface Summary {
  readonly runs: number;
  readonly diffBps: Distribution;
  readonly feeNeutralDiffBps: Distribution;
  readonly hybridCostBps: number | null;
  readonly baselineCostBps: number | null;
  readonly meanMakerShare: number | null;
  /** Share of runs the hybrid finished by the deadline. */
  readonly completionRate: number | null;
  readonly baselineCompletionRate: number | null;
  readonly maxLagSlices: number | null;
  readonly meanLagSlices: number | null;
  /** Mean over runs with maker fills of each run's qty-weighted markout, bps. */
  readonly markoutsBps: Readonly<Record<string, { readonly n: number; readonly mean: number | null }>>;
}

export interface BootstrapSettings {
  readonly resamples: number;
  readonly seed: number;
}

const r2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);
const r4 = (x: number | null): number | null => (x === null ? null : Math.round(x * 10_000) / 10_000);
const nums = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null);

/** The summary of some runs; `key` seeds the bootstrap so each group's interval is reproducible on its own. */
export const summarizeRuns = (runs: readonly RunRecord[], key: string, b: BootstrapSettings): Summary => {
  const boot = (suffix: string) => ({
    resamples: b.resamples,
    seed: (b.seed ^ hash32(`${key}/${suffix}`)) >>> 0,
    level: 0.95,
  });
  const lags = runs.map((r) => r.hybrid.maxLagSlices);
  return {
    runs: runs.length,
    diffBps: summarize(nums(runs.map((r) => r.diffBps)), boot('diff')),
    feeNeutralDiffBps: summarize(nums(runs.map((r) => r.feeNeutralDiffBps)), boot('fee-neutral')),
    hybridCostBps: r2(mean(nums(runs.map((r) => r.hybrid.costBps)))),
    baselineCostBps: r2(mean(nums(runs.map((r) => r.baseline.costBps)))),
    meanMakerShare: r4(mean(runs.map((r) => r.hybrid.makerShare))),
    completionRate: r4(mean(runs.map((r) => (r.hybrid.completed ? 1 : 0)))),
    baselineCompletionRate: r4(mean(runs.map((r) => (r.baseline.completed ? 1 : 0)))),
    maxLagSlices: lags.length === 0 ? null : r2(Math.max(...lags)),
    meanLagSlices: r2(mean(lags)),
    markoutsBps: Object.fromEntries(
      MARKOUTS.map(([label]) => {
        const xs = nums(runs.map((r) => r.markoutsBps[label] ?? null));
        return [label, { n: xs.length, mean: r2(mean(xs)) }];
      }),
    ),
  };
};

/** Size buckets: each size alone, then `≤1%` and `10–20%` when any size falls in them. */
export const bucketsOf = (
  sizesPct: readonly number[],
): { readonly name: string; readonly has: (pct: number) => boolean }[] => {
  const sorted = [...new Set(sizesPct)].sort((a, b) => a - b);
  const out = sorted.map((p) => ({ name: `${p}%`, has: (x: number) => x === p }));
  if (sorted.some((p) => p <= 1)) out.push({ name: '≤1%', has: (x) => x <= 1 });
  if (sorted.some((p) => p >= 10 && p <= 20)) out.push({ name: '10–20%', has: (x) => x >= 10 && x <= 20 });
  return out;
};

export interface BucketSummary extends Summary {
  readonly bucket: string;
}

export interface GroupSummary extends Summary {
  readonly market: string;
  readonly duration: string;
  readonly windows: number;
}

export const summarizeBuckets = (
  runs: readonly RunRecord[],
  sizesPct: readonly number[],
  b: BootstrapSettings,
): BucketSummary[] =>
  bucketsOf(sizesPct).map(({ name, has }) => ({
    bucket: name,
    ...summarizeRuns(
      runs.filter((r) => has(r.sizePct)),
      `bucket:${name}`,
      b,
    ),
  }));

/** Per market × duration, in run order (market, then duration ascending). */
export const summarizeGroups = (runs: readonly RunRecord[], b: BootstrapSettings): GroupSummary[] => {
  const groups = new Map<string, RunRecord[]>();
  for (const r of runs) {
    const k = `${r.market}\u0000${r.durationMs}`;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as RunRecord;
    return {
      market: first.market,
      duration: first.duration,
      windows: new Set(g.map((r) => r.windowStart)).size,
      ...summarizeRuns(g, `group:${first.market}:${first.durationMs}`, b),
    };
  });
};
