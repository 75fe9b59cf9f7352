/**
 * The paper session's report (`keel demo` prints its path): one self-contained HTML file —
 * inline CSS, inline SVG charts drawn here, no script, no network — that answers "did the
 * session hold its invariants, and how did it trade?" at a glance, and carries the whole
 * DemoRecord as embedded JSON (`<script type="application/json" id="keel-demo-record">`), so
 * the page is also the data. A Content-Security-Policy forbids every fetch: if anything in it
 * ever pointed outside the file, the browser would refuse and say so.
 *
 * Every string from the record (account ids, file paths, invariant details) is escaped;
 * decimals are shown as recorded (grouped, never re-rounded through a float), times in UTC ISO.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import type { DemoAccount, DemoParentOrder, DemoPositionSeries, DemoRecord, Point } from './demo.record';
import { ChartMarker, colourAt, esc, isoUtc, legend, timeChart, XY } from './report.charts';
import { REPORT_CSS } from './report.style';

/**
 * Decimal string → grouped for reading (`1234567.50` → `1,234,567.50`), digits as recorded;
 * with `dp`, rounded half-even to that many places. Not a number → shown escaped, as is.
 */
export const fmtDecimal = (s: string | null | undefined, dp?: number): string => {
  if (s === null || s === undefined) return '—';
  let fixed: string;
  if (dp === undefined && /^-?\d+(\.\d+)?$/.test(s)) fixed = s;
  else {
    let d: Decimal;
    try {
      d = new Decimal(s);
    } catch {
      return esc(s);
    }
    if (!d.isFinite()) return esc(s);
    fixed = dp === undefined ? d.toFixed() : d.toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN).toFixed(dp);
  }
  const [int = '', frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
};

const num = (v: number | null, dp: number): string =>
  v === null || !Number.isFinite(v) ? '—' : v.toFixed(dp);
const pct = (v: number | null): string =>
  v === null || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(1)}%`;
const signClass = (v: number | null): string => (v === null ? '' : v > 0 ? ' pos' : v < 0 ? ' neg' : '');

/** 7,384,000 ms → `2h 03m 04s`. */
export const fmtDuration = (ms: number): string => {
  if (!Number.isFinite(ms)) return '—';
  const sign = ms < 0 ? '−' : '';
  let s = Math.round(Math.abs(ms) / 1000);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return `${sign}${d}d ${two(h)}h ${two(m)}m`;
  if (h > 0) return `${sign}${h}h ${two(m)}m ${two(s)}s`;
  if (m > 0) return `${sign}${m}m ${two(s)}s`;
  return `${sign}${(Math.abs(ms) / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)}s`;
};

const xy = (ps: readonly Point[]): XY[] => ps.map(([t, v]) => [t, Number(v)] as const);

/** PASS only when invariants were checked and every one held. */
export const overallPass = (r: DemoRecord): boolean =>
  r.invariants.length > 0 && r.invariants.every((i) => i.pass);

const table = (
  head: readonly (string | readonly [string, 'num'])[],
  rows: readonly string[],
  empty: string,
  compact = false,
): string =>
  rows.length === 0
    ? `<p class="empty">${esc(empty)}</p>`
    : `<div class="table-wrap${compact ? ' compact' : ''}"><table><thead><tr>${head
        .map((h) => (typeof h === 'string' ? `<th>${esc(h)}</th>` : `<th class="num">${esc(h[0])}</th>`))
        .join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;

const figure = (caption: string, svg: string, legendHtml = ''): string =>
  `<figure><figcaption>${esc(caption)}</figcaption>${svg}${legendHtml}</figure>`;

const header = (r: DemoRecord, pass: boolean): string => {
  const s = r.session;
  const dataRows = s.data.map(
    (d) =>
      `<tr><td class="mono">${esc(d.file)}</td><td>${esc(d.instrument)}</td><td>${esc(d.venue)}</td>` +
      `<td class="num">${fmtDecimal(String(d.shiftMs))} ms</td><td>${d.shiftMs === 0 ? 'unshifted' : esc(fmtDuration(d.shiftMs))}</td><td>${esc(d.note ?? '')}</td></tr>`,
  );
  const failing = r.invariants.filter((i) => !i.pass).length;
  return `<header class="top"><div><h1>Keel paper session</h1>
<p class="sub">Started ${esc(s.startedAt)} · session clock ${esc(isoUtc(s.virtualStart))} → ${esc(isoUtc(s.virtualEnd))}</p></div>
<div><span class="badge ${pass ? 'pass' : 'fail'}" id="overall">${pass ? 'PASS' : 'FAIL'}</span>
<p class="sub">${r.invariants.length === 0 ? 'no invariants checked' : `${r.invariants.length - failing}/${r.invariants.length} invariants held`}</p></div></header>
<nav class="toc"><a href="#session">Session</a><a href="#invariants">Invariants</a><a href="#totals">Totals</a><a href="#equity">Equity</a><a href="#pnl">PnL</a><a href="#positions">Positions vs targets</a><a href="#execution">Execution quality</a><a href="#chaos">Chaos</a><a href="#apps">App states</a></nav>
<section id="session"><h2>Session</h2><dl class="meta">
<dt>Started (wall)</dt><dd>${esc(s.startedAt)}</dd><dt>Wall time</dt><dd>${esc(fmtDuration(s.wallSeconds * 1000))}${s.wallSeconds >= 60 ? ` (${fmtDecimal(String(s.wallSeconds))} s)` : ''}</dd>
<dt>Clock span</dt><dd>${esc(isoUtc(s.virtualStart))} → ${esc(isoUtc(s.virtualEnd))}</dd><dt>Session time</dt><dd>${esc(fmtDuration(s.virtualEnd - s.virtualStart))}</dd>
<dt>Speed</dt><dd>${fmtDecimal(String(s.speed))}× (virtual ms per wall ms)</dd><dt>Ended by</dt><dd>${esc(s.endedBy)}</dd>
<dt>Chaos</dt><dd>${s.chaos ? `on (${r.chaos.length} actions)` : 'off'}</dd><dt>Store</dt><dd class="mono">${esc(s.storeUri)}</dd>
<dt>NATS</dt><dd class="mono">${esc(s.natsUrl)}</dd><dt>Data files</dt><dd>${s.data.length}</dd></dl>
<h3 style="margin-top:16px">Data replayed</h3>
${table(['file', 'instrument', 'venue', ['shift', 'num'], 'shift (duration)', 'note'], dataRows, 'No recorded data files.')}</section>`;
};

const invariants = (r: DemoRecord, pass: boolean): string => {
  const rows = r.invariants.map(
    (i) =>
      `<tr class="${i.pass ? 'inv-pass' : 'inv-fail'}"><td class="${i.pass ? 'cell-pass' : 'cell-fail'}"><strong>${i.pass ? 'PASS' : 'FAIL'}</strong></td>` +
      `<td>${esc(i.name)}</td><td class="detail">${esc(i.detail)}</td></tr>`,
  );
  return `<section id="invariants"><h2>Invariants <span class="badge small ${pass ? 'pass' : 'fail'}">${pass ? 'PASS' : 'FAIL'}</span></h2>
${table(['result', 'invariant', 'detail'], rows, 'No invariants were checked: the session cannot be called a pass.')}</section>`;
};

const card = (k: string, v: string, n = ''): string =>
  `<div class="card"><div class="k">${esc(k)}</div><div class="v">${v}</div>${n ? `<div class="n">${n}</div>` : ''}</div>`;

const totals = (r: DemoRecord): string => {
  const t = r.totals;
  const fees = Object.entries(t.fees);
  return `<section id="totals"><h2>Totals</h2><div class="cards">
${card('Predictions', fmtDecimal(String(t.predictions)), `${fmtDecimal(String(t.predictionsRefused))} refused`)}
${card('Targets', fmtDecimal(String(t.targets)), `${fmtDecimal(String(t.withheld))} withheld`)}
${card('Parent orders', fmtDecimal(String(t.parentOrders)))}
${card('Child orders', fmtDecimal(String(t.childOrders)))}
${card('Fills', fmtDecimal(String(t.fills)))}
${card('Maker share', pct(t.makerShare), 'of filled notional')}
${card('Fees', fees.length === 0 ? '—' : fees.map(([a, v]) => `<span class="fee">${fmtDecimal(v)} <small>${esc(a)}</small></span>`).join(''))}
</div></section>`;
};

const accountsTable = (accounts: readonly DemoAccount[]): string =>
  table(
    [
      'account',
      'venue',
      'ccy',
      ['final equity', 'num'],
      ['realized', 'num'],
      ['unrealized', 'num'],
      ['fees', 'num'],
      ['funding', 'num'],
    ],
    accounts.map(
      (a) =>
        `<tr><td class="mono">${esc(a.account)}</td><td>${esc(a.venue)}</td><td>${esc(a.currency)}</td><td class="num">${fmtDecimal(a.final.equity, 2)}</td>` +
        `<td class="num">${fmtDecimal(a.final.realizedPnl, 2)}</td><td class="num">${fmtDecimal(a.final.unrealizedPnl, 2)}</td>` +
        `<td class="num">${fmtDecimal(a.final.fees, 2)}</td><td class="num">${fmtDecimal(a.final.funding, 2)}</td></tr>`,
    ),
    'No accounts were recorded.',
  );

const equity = (
  r: DemoRecord,
  domain: readonly [number, number],
  markers: readonly ChartMarker[],
): string => {
  const charts = r.accounts.map((a, i) =>
    figure(
      `${a.account} · ${a.venue} · equity (${a.currency})`,
      timeChart([{ label: `${a.account} equity`, points: xy(a.equity), colour: colourAt(i) }], {
        id: `equity-${i}`,
        title: `Equity of ${a.account} (${a.currency})`,
        yLabel: a.currency,
        xDomain: domain,
        markers,
      }),
    ),
  );
  return `<section id="equity"><h2>Equity per account</h2>${accountsTable(r.accounts)}
${markers.length > 0 ? '<p class="note">Dashed vertical lines mark chaos actions (hover for the app and the time).</p>' : ''}
${charts.length === 0 ? '' : `<div class="grid" style="margin-top:14px">${charts.join('')}</div>`}</section>`;
};

/** One chart per currency: accounts in the same currency are comparable on one axis. */
const pnl = (r: DemoRecord, domain: readonly [number, number], markers: readonly ChartMarker[]): string => {
  const byCcy = new Map<string, { a: DemoAccount; i: number }[]>();
  r.accounts.forEach((a, i) => byCcy.set(a.currency, [...(byCcy.get(a.currency) ?? []), { a, i }]));
  const charts = [...byCcy].map(([ccy, as], n) => {
    const series = as.map(({ a, i }) => ({ label: a.account, points: xy(a.pnl), colour: colourAt(i) }));
    return figure(
      `Net PnL in ${ccy} (realized + unrealized − fees + funding)`,
      timeChart(series, {
        id: `pnl-${n}`,
        title: `Net PnL per account in ${ccy}`,
        yLabel: ccy,
        xDomain: domain,
        markers,
        zeroLine: true,
      }),
      legend(series),
    );
  });
  return `<section id="pnl"><h2>PnL per account</h2>${charts.length === 0 ? '<p class="empty">No accounts were recorded.</p>' : `<div class="grid">${charts.join('')}</div>`}</section>`;
};

const positions = (ps: readonly DemoPositionSeries[], domain: readonly [number, number]): string => {
  const charts = ps.map((p, i) => {
    const series = [
      { label: 'position', points: xy(p.position), colour: '#0072B2', holdToEnd: true },
      { label: 'target', points: xy(p.target), colour: '#E69F00', step: true, dashed: true },
    ];
    return figure(
      `${p.account} · ${p.instrument}`,
      timeChart(series, {
        id: `position-${i}`,
        title: `Position vs target: ${p.account} ${p.instrument}`,
        yLabel: 'venue units',
        xDomain: domain,
        zeroLine: true,
        height: 210,
      }),
      legend(series),
    );
  });
  return `<section id="positions"><h2>Positions vs targets</h2>
<p class="note">Position held (solid) against the target set for it (dashed step line), in venue units, per account and instrument.</p>
${charts.length === 0 ? '<p class="empty">No positions or targets were recorded.</p>' : `<div class="grid">${charts.join('')}</div>`}</section>`;
};

/** Filled-notional-weighted slippage across parents (a statistic: floats are fine). */
const weightedSlippage = (os: readonly DemoParentOrder[]): number | null => {
  let w = 0;
  let s = 0;
  for (const o of os) {
    const n = Number(o.filled) * Number(o.avgPrice ?? Number.NaN);
    if (o.slippageBps === null || !Number.isFinite(n) || n <= 0) continue;
    w += n;
    s += n * o.slippageBps;
  }
  return w > 0 ? s / w : null;
};

const execution = (r: DemoRecord, domain: readonly [number, number]): string => {
  const os = [...r.parentOrders].sort((a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id));
  const rows = os.map(
    (o) =>
      `<tr><td class="mono id" title="${esc(o.id)}">${esc(o.id)}</td><td class="mono">${esc(o.account)}</td><td>${esc(o.instrument)}</td><td>${esc(o.side)}</td>` +
      `<td class="num">${fmtDecimal(o.qty)}</td><td class="num">${fmtDecimal(o.filled)}</td><td>${esc(o.state)}</td>` +
      `<td class="num">${fmtDecimal(o.avgPrice)}</td><td class="num">${fmtDecimal(o.arrivalPrice)}</td>` +
      `<td class="num${signClass(o.slippageBps)}">${num(o.slippageBps, 2)}</td><td class="num">${pct(o.makerShare)}</td>` +
      `<td class="num">${o.children}</td><td class="num">${fmtDecimal(o.fees)}</td>` +
      `<td class="num" title="${esc(isoUtc(o.startedAt))}">${o.endedAt === null ? 'working' : esc(fmtDuration(o.endedAt - o.startedAt))}</td></tr>`,
  );
  const scatter = (side: 'buy' | 'sell', colour: string) => ({
    label: `${side} parents`,
    colour,
    points: os
      .filter((o) => o.side === side && o.slippageBps !== null)
      .map((o) => [o.startedAt, o.slippageBps as number] as const),
  });
  const series = [scatter('buy', '#0072B2'), scatter('sell', '#E69F00')];
  const makers = [
    {
      label: 'parents',
      colour: '#009E73',
      points: os
        .filter((o) => o.makerShare !== null)
        .map((o) => [o.startedAt, (o.makerShare as number) * 100] as const),
    },
  ];
  const ws = weightedSlippage(os);
  const charts = [
    figure(
      'Slippage per parent order (bps vs arrival), by start time and side',
      timeChart(series, {
        id: 'slippage',
        title: 'Slippage per parent order, bps',
        yLabel: 'bps vs arrival',
        xDomain: domain,
        scatter: true,
        zeroLine: true,
      }),
      legend(series, 'dot'),
    ),
    figure(
      'Maker share per parent order (% of filled quantity), by start time',
      timeChart(makers, {
        id: 'maker-share',
        title: 'Maker share per parent order, %',
        yLabel: '% maker',
        xDomain: domain,
        scatter: true,
        zeroLine: true,
      }),
    ),
  ];
  return `<section id="execution"><h2>Execution quality per parent order</h2>
<p class="note">Slippage is the signed cost against the arrival mid, in bps: positive paid more than arrival (orange in the table), negative did better (blue).
Notional-weighted slippage over ${os.length} parent orders: <strong>${num(ws, 2)} bps</strong>.</p>
${os.length === 0 ? '' : `<div class="grid" style="margin-bottom:14px">${charts.join('')}</div>`}
${table(
  [
    'parent',
    'account',
    'instrument',
    'side',
    ['qty', 'num'],
    ['filled', 'num'],
    'state',
    ['avg price', 'num'],
    ['arrival', 'num'],
    ['slippage bps', 'num'],
    ['maker', 'num'],
    ['children', 'num'],
    ['fees', 'num'],
    ['duration', 'num'],
  ],
  rows,
  'No parent orders: nothing was traded.',
)}</section>`;
};

const timeline = (r: DemoRecord): string => {
  const t0 = r.session.virtualStart;
  const at = (t: number): string =>
    `<td class="mono">${esc(isoUtc(t))}</td><td class="num">${t < t0 ? '' : '+'}${esc(fmtDuration(t - t0))}</td>`;
  const chaos = [...r.chaos]
    .sort((a, b) => a.at - b.at)
    .map((c) => `<tr>${at(c.at)}<td class="mono">${esc(c.app)}</td><td>${esc(c.action)}</td></tr>`);
  const apps = [...r.apps]
    .sort((a, b) => a.at - b.at)
    .map((a) => `<tr>${at(a.at)}<td class="mono">${esc(a.app)}</td><td>${esc(a.state)}</td></tr>`);
  return `<section id="chaos"><h2>Chaos actions</h2>
${table(['at (UTC)', ['since start', 'num'], 'app', 'action'], chaos, r.session.chaos ? 'Chaos was on, but no action was taken.' : 'Chaos was off.', true)}</section>
<section id="apps"><h2>App state changes</h2>
${table(['at (UTC)', ['since start', 'num'], 'app', 'state'], apps, 'No app state changes were recorded.', true)}</section>`;
};

/** The record as JSON that cannot end its `<script>` element or open a comment, whatever its strings hold. */
export const embedJson = (r: DemoRecord): string =>
  JSON.stringify(r).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

export const renderReportHtml = (r: DemoRecord): string => {
  const pass = overallPass(r);
  const s = r.session;
  const domain: readonly [number, number] = [s.virtualStart, s.virtualEnd];
  const markers = r.chaos.map((c) => ({ at: c.at, label: `${c.app} ${c.action}` }));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Keel paper session ${esc(s.startedAt)} — ${pass ? 'PASS' : 'FAIL'}</title>
<style>${REPORT_CSS}</style></head>
<body><main>
${header(r, pass)}
${invariants(r, pass)}
${totals(r)}
${equity(r, domain, markers)}
${pnl(r, domain, markers)}
${positions(r.positions, domain)}
${execution(r, domain)}
${timeline(r)}
<footer>Generated by <span class="mono">keel demo</span>. Times are UTC on the session's clock (accelerated ${fmtDecimal(String(s.speed))}×).
The full session record is embedded in this file as JSON: <span class="mono">script#keel-demo-record</span>.</footer>
</main>
<script type="application/json" id="keel-demo-record">${embedJson(r)}</script>
</body></html>
`;
};

/** Writes `report.html` and `summary.json` (the record itself) into `dir`; returns the report's path. */
export const writeReport = (r: DemoRecord, dir: string): string => {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'report.html');
  writeFileSync(join(dir, 'summary.json'), `${JSON.stringify(r, null, 2)}\n`);
  writeFileSync(path, renderReportHtml(r));
  return path;
};
