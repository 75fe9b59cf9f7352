/**
 * The self-contained HTML page of `keel twap-eval --out`: one table per size bucket and per
 * market × duration, and inline-SVG histograms of the cost difference and the fee-neutral
 * difference per bucket. No scripts, fonts or other assets: it opens from disk anywhere.
 */
import type { BucketSummary, GroupSummary, Summary } from './twap-eval.aggregate';
import type { RunRecord } from './twap-eval.run';

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const num = (x: number | null | undefined, dp = 2): string =>
  x === null || x === undefined ? '–' : x.toFixed(dp);
const pct = (x: number | null): string => (x === null ? '–' : `${(x * 100).toFixed(1)} %`);
const ci = (c: readonly [number, number] | null): string =>
  c === null ? '–' : `[${num(c[0])}, ${num(c[1])}]`;

/** A histogram of `xs` as inline SVG: `bins` equal bins over [min, max], a line at 0. */
export const histogramSvg = (xs: readonly number[], title: string, bins = 24): string => {
  const W = 420;
  const H = 170;
  const pad = { l: 36, r: 10, t: 22, b: 30 };
  if (xs.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><text x="10" y="20">${esc(title)}: no runs</text></svg>`;
  let lo = Math.min(...xs, 0);
  let hi = Math.max(...xs, 0);
  if (hi === lo) {
    lo -= 1;
    hi += 1;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const x of xs) {
    const i = Math.min(bins - 1, Math.floor((x - lo) / width));
    counts[i] = (counts[i] as number) + 1;
  }
  const top = Math.max(...counts);
  const pw = W - pad.l - pad.r;
  const ph = H - pad.t - pad.b;
  const xOf = (v: number) => pad.l + ((v - lo) / (hi - lo)) * pw;
  const bars = counts
    .map((c, i) => {
      const h = (c / top) * ph;
      const x = pad.l + (i / bins) * pw;
      return `<rect x="${x.toFixed(1)}" y="${(pad.t + ph - h).toFixed(1)}" width="${(pw / bins - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a78b5"><title>${num(lo + i * width)} to ${num(lo + (i + 1) * width)} bps: ${c}</title></rect>`;
    })
    .join('');
  const zero = xOf(0).toFixed(1);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${pad.l}" y="14" font-weight="bold">${esc(title)} (n=${xs.length})</text>`,
    bars,
    `<line x1="${zero}" x2="${zero}" y1="${pad.t}" y2="${pad.t + ph}" stroke="#c33" stroke-dasharray="3,2"/>`,
    `<line x1="${pad.l}" x2="${pad.l + pw}" y1="${pad.t + ph}" y2="${pad.t + ph}" stroke="#333"/>`,
    `<text x="${pad.l}" y="${H - 14}" text-anchor="start">${num(lo)}</text>`,
    `<text x="${zero}" y="${H - 14}" text-anchor="middle">0</text>`,
    `<text x="${pad.l + pw}" y="${H - 14}" text-anchor="end">${num(hi)} bps</text>`,
    `<text x="4" y="${pad.t + 8}">${top}</text>`,
    '</svg>',
  ].join('');
};

const HEAD = [
  'runs',
  'diff n',
  'diff mean',
  'diff median',
  'diff 95 % CI',
  'fee-neutral mean',
  'fee-neutral median',
  'fee-neutral 95 % CI',
  'hybrid cost',
  'baseline cost',
  'maker share',
  'completed',
  'lag max / mean',
  'markout 1s / 10s / 60s',
];

const cells = (s: Summary): string[] => [
  String(s.runs),
  String(s.diffBps.n),
  num(s.diffBps.mean),
  num(s.diffBps.median),
  ci(s.diffBps.ci95),
  num(s.feeNeutralDiffBps.mean),
  num(s.feeNeutralDiffBps.median),
  ci(s.feeNeutralDiffBps.ci95),
  num(s.hybridCostBps),
  num(s.baselineCostBps),
  pct(s.meanMakerShare),
  pct(s.completionRate),
  `${num(s.maxLagSlices)} / ${num(s.meanLagSlices)}`,
  ['1s', '10s', '60s'].map((h) => num(s.markoutsBps[h]?.mean)).join(' / '),
];

const table = (firstHead: readonly string[], rows: readonly (readonly string[])[]): string =>
  `<table><tr>${[...firstHead, ...HEAD].map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</table>`;

export interface HtmlInput {
  readonly generatedAt: string;
  readonly settings: unknown;
  readonly buckets: readonly BucketSummary[];
  readonly groups: readonly GroupSummary[];
  readonly runs: readonly RunRecord[];
  readonly bucketMembers: (bucket: string) => readonly RunRecord[];
  readonly notes: readonly string[];
}

export const renderHtml = (x: HtmlInput): string => {
  const sections = x.buckets
    .map((b) => {
      const runs = x.bucketMembers(b.bucket);
      const diffs = runs.map((r) => r.diffBps).filter((v): v is number => v !== null);
      const neutral = runs.map((r) => r.feeNeutralDiffBps).filter((v): v is number => v !== null);
      return [
        `<h3>Size ${esc(b.bucket)} of the window's volume</h3>`,
        table(['bucket'], [[b.bucket, ...cells(b)]]),
        `<div class="h">${histogramSvg(diffs, 'baseline − hybrid cost, bps')}${histogramSvg(neutral, 'fee-neutral difference, bps')}</div>`,
      ].join('\n');
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>keel twap-eval</title>
<style>
body{font-family:sans-serif;margin:2em;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}
th{background:#f0f0f0}td:first-child,td:nth-child(2){text-align:left}
.h svg{margin-right:1em;border:1px solid #eee}
</style></head><body>
<h1>keel twap-eval: maker-first TWAP vs market-only</h1>
<p>Generated ${esc(x.generatedAt)} from ${x.runs.length} runs. A positive difference means the maker-first TWAP
(hybrid) was cheaper than the market-only baseline on the same window, size and side. Costs are
shortfall vs the arrival mid plus fees, in bps. Confidence intervals: percentile bootstrap of the mean.</p>
<ul>${x.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>
<h2>By size</h2>
${table(
  ['bucket'],
  x.buckets.map((b) => [b.bucket, ...cells(b)]),
)}
${sections}
<h2>By market and duration</h2>
${table(
  ['market', 'duration', 'windows'],
  x.groups.map((g) => [g.market, g.duration, String(g.windows), ...cells(g)]),
)}
<h2>Settings</h2>
<pre>${esc(JSON.stringify(x.settings, null, 2))}</pre>
</body></html>
`;
};
