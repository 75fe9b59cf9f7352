/**
 * The paper-session report's charts: inline SVG strings built here in TypeScript, so the report
 * is one file that draws without a script, a network or a charting library (the page is opened
 * from disk, mailed, archived; it must look the same in ten years). Time runs along x on the
 * session's clock, labelled in UTC. Values arrive as numbers: plotting is the one place floats
 * are fine — the exact decimal strings stay in the tables and the embedded record.
 *
 * Long series are thinned per pixel column (first, min, max, last of each column, in time
 * order), so a chart of 100k points costs what one of 2k does and no spike disappears.
 */

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'] as const;

export const colourAt = (i: number): string => PALETTE[i % PALETTE.length] ?? '#000000';

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text and attribute values: every string that came from the record goes through here. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);

export type XY = readonly [number, number];

export interface ChartSeries {
  readonly label: string;
  readonly points: readonly XY[];
  readonly colour: string;
  /** Hold each value until the next point (and to the domain's end): a target, a setting. */
  readonly step?: boolean;
  /** A line whose last value is still held at the domain's end (a position): drawn flat to it. */
  readonly holdToEnd?: boolean;
  readonly dashed?: boolean;
}

export interface ChartMarker {
  readonly at: number;
  readonly label: string;
}

export interface TimeChartOptions {
  /** Unique in the page (names the chart's clip path); the renderer keeps no counter, so output is a function of input. */
  readonly id: string;
  /** Accessible name and the caption above the plot. */
  readonly title: string;
  readonly yLabel: string;
  /** The session's clock span; defaults to the points' own. */
  readonly xDomain?: readonly [number, number];
  readonly width?: number;
  readonly height?: number;
  /** Vertical lines (chaos actions). */
  readonly markers?: readonly ChartMarker[];
  /** Draw dots instead of lines (one point per parent order). */
  readonly scatter?: boolean;
  /** Always include 0 on the y axis and draw it heavier. */
  readonly zeroLine?: boolean;
}

const MARGIN = { top: 14, right: 16, bottom: 38, left: 64 } as const;
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif"';

/** Round numbers for an axis: 1, 2 or 5 × 10^k, about `count` of them covering [lo, hi]. */
export const niceTicks = (lo: number, hi: number, count = 5): number[] => {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [lo];
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag) as number;
  if (!(step > 0)) return [lo, hi];
  const out: number[] = [];
  // Each tick as k × step (no running sum to drift); `ceil(lo / step) × step` can round to one
  // ulp below `lo` far from zero (a fast-check case: lo ≈ −2.9e7, span 1e−6), so such a tick is skipped.
  for (let k = Math.ceil(lo / step); ; k++) {
    const v = k * step;
    if (v > hi + step * 1e-9) break;
    if (v >= lo) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
};

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND,
  5 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  5 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  7 * DAY,
];

/** Tick times on whole UTC steps (seconds … weeks), at most about `max` of them. */
export const timeTicks = (lo: number, hi: number, max = 7): { step: number; ticks: number[] } => {
  if (!(hi > lo)) return { step: SECOND, ticks: Number.isFinite(lo) ? [lo] : [] };
  const step = TIME_STEPS.find((s) => (hi - lo) / s <= max) ?? Math.ceil((hi - lo) / max / DAY) * DAY;
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) ticks.push(t);
  return { step, ticks };
};

/** `YYYY-MM-DDTHH:MM:SS.sssZ`: UTC ISO-8601, one width everywhere so columns of times line up. */
export const isoUtc = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));

const timeLabel = (t: number, step: number): string => {
  const iso = new Date(t).toISOString();
  if (step >= DAY) return iso.slice(0, 10);
  return step < MINUTE ? iso.slice(11, 19) : iso.slice(11, 16);
};

/** Compact axis numbers: 1.5M, 120k, 0.25, -3. */
export const axisNumber = (v: number, step: number): string => {
  const a = Math.abs(v);
  if (a >= 1e6 && step >= 1e4) return `${+(v / 1e6).toFixed(step >= 1e6 ? 0 : 2)}M`;
  if (a >= 1e4 && step >= 100) return `${+(v / 1e3).toFixed(step >= 1e3 ? 0 : 1)}k`;
  const dp = step >= 1 ? 0 : Math.min(8, Math.ceil(-Math.log10(step)));
  return v.toFixed(dp);
};

/** At most first/min/max/last per pixel column, in time order. Sorted input assumed. */
export const thin = (points: readonly XY[], x0: number, x1: number, columns: number): readonly XY[] => {
  if (points.length <= columns * 4 || !(x1 > x0)) return points;
  const out: XY[] = [];
  let col = Number.NaN;
  let bucket: XY[] = [];
  const flush = (): void => {
    if (bucket.length === 0) return;
    const first = bucket[0] as XY;
    const last = bucket[bucket.length - 1] as XY;
    let min = first;
    let max = first;
    for (const p of bucket) {
      if (p[1] < min[1]) min = p;
      if (p[1] > max[1]) max = p;
    }
    const keep = [...new Set([first, min, max, last])].sort((a, b) => a[0] - b[0]);
    out.push(...keep);
    bucket = [];
  };
  for (const p of points) {
    const c = Math.floor(((p[0] - x0) / (x1 - x0)) * columns);
    if (c !== col) {
      flush();
      col = c;
    }
    bucket.push(p);
  }
  flush();
  return out;
};

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

const emptyChart = (w: number, h: number, title: string, why: string): string =>
  `<svg class="chart" role="img" aria-label="${esc(title)}: ${esc(why)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT}>` +
  `<title>${esc(title)}</title>` +
  `<rect x="0.5" y="0.5" width="${w - 1}" height="${h - 1}" fill="#fafbfc" stroke="#d0d7de" stroke-dasharray="4 3"/>` +
  `<text x="${w / 2}" y="${h / 2}" text-anchor="middle" dominant-baseline="middle" font-size="13" fill="#57606a">${esc(why)}</text></svg>`;

/**
 * A time-series chart: axes with UTC time ticks and round value ticks, gridlines, one path per
 * series (a line, a step line or dots), optional event markers. Empty input draws a labelled
 * placeholder of the same size, so the layout does not jump.
 */
export const timeChart = (series: readonly ChartSeries[], o: TimeChartOptions): string => {
  const w = o.width ?? 560;
  const h = o.height ?? 240;
  const finite = series.map((s) => ({
    ...s,
    points: s.points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1])),
  }));
  const all = finite.flatMap((s) => s.points);
  if (all.length === 0) return emptyChart(w, h, o.title, 'no data recorded');

  // Loops, not Math.min(...xs): a long session's series would overflow the argument stack.
  let [x0, x1] = [Infinity, -Infinity];
  let [y0, y1] = [Infinity, -Infinity];
  for (const p of all) {
    if (p[0] < x0) x0 = p[0];
    if (p[0] > x1) x1 = p[0];
    if (p[1] < y0) y0 = p[1];
    if (p[1] > y1) y1 = p[1];
  }
  if (o.xDomain && o.xDomain[1] > o.xDomain[0]) [x0, x1] = o.xDomain;
  if (!(x1 > x0)) [x0, x1] = [x0 - MINUTE, x0 + MINUTE];
  if (o.zeroLine) [y0, y1] = [Math.min(0, y0), Math.max(0, y1)];
  if (!(y1 > y0)) [y0, y1] = y0 === 0 ? [-1, 1] : [y0 - Math.abs(y0) * 0.01, y1 + Math.abs(y1) * 0.01];
  const pad = (y1 - y0) * 0.06;
  const yTicks = niceTicks(y0 - pad, y1 + pad, 5);
  const yStep = yTicks.length > 1 ? (yTicks[1] as number) - (yTicks[0] as number) : Math.abs(y1 - y0);
  y0 = Math.min(y0 - pad, yTicks[0] ?? y0);
  y1 = Math.max(y1 + pad, yTicks[yTicks.length - 1] ?? y1);

  const pw = w - MARGIN.left - MARGIN.right;
  const ph = h - MARGIN.top - MARGIN.bottom;
  const sx = (x: number): number => MARGIN.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => MARGIN.top + ph - ((y - y0) / (y1 - y0)) * ph;
  const parts: string[] = [];
  const clip = `clip-${o.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;

  parts.push(
    `<defs><clipPath id="${clip}"><rect x="${MARGIN.left}" y="${MARGIN.top - 3}" width="${pw}" height="${ph + 6}"/></clipPath></defs>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${pw}" height="${ph}" fill="#ffffff"/>`,
  );
  for (const v of yTicks) {
    const y = r1(sy(v));
    const zero = v === 0 && o.zeroLine;
    parts.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + pw}" y1="${y}" y2="${y}" stroke="${zero ? '#6e7781' : '#eaeef2'}" stroke-width="1"/>`,
      `<text x="${MARGIN.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" font-size="11" fill="#57606a">${esc(axisNumber(v, yStep))}</text>`,
    );
  }
  const { step, ticks } = timeTicks(x0, x1, Math.max(2, Math.floor(pw / 80)));
  for (const t of ticks) {
    const x = r1(sx(t));
    parts.push(
      `<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + ph}" stroke="#f2f4f6"/>`,
      `<line x1="${x}" x2="${x}" y1="${MARGIN.top + ph}" y2="${MARGIN.top + ph + 4}" stroke="#8c959f"/>`,
      `<text x="${x}" y="${MARGIN.top + ph + 16}" text-anchor="middle" font-size="11" fill="#57606a">${timeLabel(t, step)}</text>`,
    );
  }
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + pw}" y1="${MARGIN.top + ph}" y2="${MARGIN.top + ph}" stroke="#8c959f"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + ph}" stroke="#8c959f"/>`,
    `<text x="${MARGIN.left + pw}" y="${h - 4}" text-anchor="end" font-size="11" fill="#57606a">time (UTC)</text>`,
    `<text transform="translate(12 ${MARGIN.top + ph / 2}) rotate(-90)" text-anchor="middle" font-size="11" fill="#57606a">${esc(o.yLabel)}</text>`,
  );

  for (const m of o.markers ?? []) {
    if (m.at < x0 || m.at > x1) continue;
    const x = r1(sx(m.at));
    parts.push(
      `<line class="marker" x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + ph}" stroke="#D55E00" stroke-dasharray="3 3" stroke-width="1"><title>${esc(`${isoUtc(m.at)} ${m.label}`)}</title></line>`,
    );
  }

  const plotted: string[] = [];
  for (const s of finite) {
    const pts = thin(
      [...s.points].sort((a, b) => a[0] - b[0]),
      x0,
      x1,
      Math.max(1, Math.round(pw)),
    );
    if (pts.length === 0) continue;
    if (o.scatter) {
      plotted.push(
        `<g fill="${s.colour}" fill-opacity="0.85">${pts
          .map((p) => `<circle cx="${r1(sx(p[0]))}" cy="${r1(sy(p[1]))}" r="3.5"/>`)
          .join('')}</g>`,
      );
      continue;
    }
    let d = '';
    pts.forEach((p, i) => {
      const x = r1(sx(p[0]));
      const y = r1(sy(p[1]));
      d += i === 0 ? `M${x} ${y}` : s.step ? `H${x}V${y}` : `L${x} ${y}`;
    });
    const last = pts[pts.length - 1] as XY;
    if ((s.step || s.holdToEnd) && last[0] < x1) d += `H${r1(sx(x1))}`;
    if (pts.length === 1 && !s.step && !s.holdToEnd) {
      plotted.push(`<circle cx="${r1(sx(last[0]))}" cy="${r1(sy(last[1]))}" r="3" fill="${s.colour}"/>`);
      continue;
    }
    plotted.push(
      `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="${s.step ? 1.75 : 2}" stroke-linejoin="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''}><title>${esc(s.label)}</title></path>`,
    );
  }

  return (
    `<svg class="chart" role="img" aria-label="${esc(o.title)}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT}>` +
    `<title>${esc(o.title)}</title>${parts.join('')}<g clip-path="url(#${clip})">${plotted.join('')}</g></svg>`
  );
};

/** A legend for a chart's series, as HTML (wraps and scales with the text, unlike SVG text). */
export const legend = (
  series: readonly Pick<ChartSeries, 'label' | 'colour' | 'dashed'>[],
  symbol: 'line' | 'dot' = 'line',
): string =>
  `<ul class="legend">${series
    .map(
      (s) =>
        `<li><svg width="22" height="10" aria-hidden="true">${
          symbol === 'dot'
            ? `<circle cx="11" cy="5" r="4" fill="${s.colour}"/>`
            : `<line x1="1" x2="21" y1="5" y2="5" stroke="${s.colour}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="5 3"' : ''}/>`
        }</svg>${esc(s.label)}</li>`,
    )
    .join('')}</ul>`;
