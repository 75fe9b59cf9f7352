/**
 * The result of `keel twap-eval` (what `--json` prints and `--out` writes) and its compact
 * human form: one line per size bucket and per market × duration.
 */
import type { BucketSummary, GroupSummary, Summary } from './twap-eval.aggregate';
import type { SkippedFile } from './twap-eval.market';
import type { MarketPlan } from './twap-eval.plan';
import type { RunRecord, SkippedRun } from './twap-eval.run';

export interface TwapEvalReport {
  readonly generatedAt: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly notes: readonly string[];
  readonly timing: {
    readonly loadSeconds: number;
    readonly wallSeconds: number;
    readonly windows: number;
    readonly runs: number;
    readonly simulatedHoursPerStyle: number;
  };
  readonly markets: readonly MarketPlan[];
  /** Files that could not be used, with the reason. */
  readonly skipped: readonly SkippedFile[];
  /** Sizes below the instrument's minimum, or targets the engine refused. */
  readonly skippedRuns: readonly SkippedRun[];
  readonly buckets: readonly BucketSummary[];
  readonly groups: readonly GroupSummary[];
  readonly runs: readonly RunRecord[];
}

const n2 = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : x.toFixed(2));
const pc = (x: number | null): string => (x === null ? '–' : `${Math.round(x * 100)}%`);
const ci = (c: readonly [number, number] | null): string => (c === null ? '–' : `[${n2(c[0])}, ${n2(c[1])}]`);

const pad = (cols: readonly string[], widths: readonly number[]): string =>
  cols.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');

const HEAD = [
  'n',
  'diff mean',
  '95% CI',
  'median',
  'fee-neutral',
  '95% CI',
  'maker',
  'done',
  'lag max',
  'mk 1s/10s/60s',
];

const row = (label: string, s: Summary): string[] => [
  label,
  String(s.diffBps.n),
  n2(s.diffBps.mean),
  ci(s.diffBps.ci95),
  n2(s.diffBps.median),
  n2(s.feeNeutralDiffBps.mean),
  ci(s.feeNeutralDiffBps.ci95),
  pc(s.meanMakerShare),
  pc(s.completionRate),
  n2(s.maxLagSlices),
  ['1s', '10s', '60s'].map((h) => n2(s.markoutsBps[h]?.mean)).join('/'),
];

const tableOf = (first: string, rows: readonly string[][]): string[] => {
  const all = [[first, ...HEAD], ...rows];
  const widths = (all[0] as string[]).map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => pad(r, widths));
};

export const humanReport = (v: unknown): string => {
  const r = v as TwapEvalReport;
  const t = r.timing;
  return [
    `twap-eval: ${t.runs} runs in ${t.windows} windows, ${t.simulatedHoursPerStyle} h simulated per style, ${t.wallSeconds} s wall (${String(r.settings['jobs'])} jobs)`,
    'diff = baseline − hybrid cost, bps (positive: the maker-first TWAP was cheaper); fee-neutral: maker fee = taker fee',
    '',
    ...tableOf(
      'size',
      r.buckets.map((b) => row(b.bucket, b)),
    ),
    '',
    ...tableOf(
      'market / duration',
      r.groups.map((g) => row(`${g.market} ${g.duration} (${g.windows} w)`, g)),
    ),
    '',
    ...r.skipped.map((s) => `skipped ${s.file}: ${s.reason}`),
    ...(r.skippedRuns.length > 0
      ? [`${r.skippedRuns.length} runs skipped (sizes below the minimum; see --json)`]
      : []),
    ...(r.markets.some((m) => m.data === 'quotes')
      ? ['Quote-only files: volume is estimated from the touch (not a bound; see the notes in --json).']
      : []),
  ].join('\n');
};
