/** Timing helpers of the in-process benchmarks (`keel bench optimizer`, `keel bench balances`, `keel bench pipeline`). */
export const nowNs = (): bigint => process.hrtime.bigint();
export const msSince = (t: bigint): number => Number(nowNs() - t) / 1e6;
export const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
};
export const r2 = (x: number): number => Math.round(x * 100) / 100;

/** `warmup` untimed calls, then `runs` timed ones (ms each). */
export const timeRuns = (warmup: number, runs: number, f: () => void): number[] => {
  for (let k = 0; k < warmup; k++) f();
  const out: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t = nowNs();
    f();
    out.push(msSince(t));
  }
  return out;
};
