/**
 * The paper-session report as a string: every section there, every record string escaped, the
 * embedded record intact, nothing that reaches outside the file, an empty session drawn without
 * NaN, a failing invariant shown as FAIL. How it looks in a browser: report.screenshot.e2e.spec.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@keel/testing';
import type { DemoRecord } from './demo.record';
import {
  embedJson,
  fmtDecimal,
  fmtDuration,
  overallPass,
  renderReportHtml,
  writeReport,
} from './report.html';
import { demoRecordFixture, emptyDemoRecord } from './testing/demo-record.fixture';

const SECTIONS = [
  'session',
  'invariants',
  'totals',
  'equity',
  'pnl',
  'positions',
  'execution',
  'chaos',
  'apps',
];

const embedded = (html: string): unknown => {
  const m = /<script type="application\/json" id="keel-demo-record">([\s\S]*?)<\/script>/.exec(html);
  if (!m?.[1]) throw new Error('no embedded record in the report');
  return JSON.parse(m[1]);
};

/** The text of the element with `id`, tags stripped. */
const textOf = (html: string, id: string): string => {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(html);
  return (m?.[1] ?? '').replace(/<[^>]+>/g, '');
};

const HOSTILE = '<img src=x onerror="alert(1)">';
const SCRIPT_END = '</script><script>alert("pwned")</script>';

const hostile = (): DemoRecord => {
  const r = demoRecordFixture({ points: 20 });
  const [a0, ...as] = r.accounts;
  if (!a0) throw new Error('the fixture has accounts');
  return {
    ...r,
    session: {
      ...r.session,
      data: [
        { file: `../data/${SCRIPT_END}.csv`, instrument: 'BTC/USDT:USDT', venue: `bin'ance"&`, shiftMs: 0 },
      ],
      storeUri: `sqlite:./${HOSTILE}.sqlite`,
    },
    accounts: [{ ...a0, account: HOSTILE }, ...as],
    invariants: [{ name: `dup ${HOSTILE}`, pass: false, detail: `ids: ${SCRIPT_END} <!-- & -->` }],
    chaos: [{ at: r.session.virtualStart + 60_000, app: HOSTILE, action: 'killed' }],
    apps: [{ at: r.session.virtualStart, app: 'execution', state: SCRIPT_END }],
  };
};

describe('renderReportHtml', () => {
  describe('a full session', () => {
    const r = demoRecordFixture();
    const html = renderReportHtml(r);

    it('has every section, in order, with a table of contents linking to each', () => {
      const at = SECTIONS.map((id) => html.indexOf(`<section id="${id}">`));
      expect(at.every((i) => i > 0)).toBe(true);
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      for (const id of SECTIONS) expect(html).toContain(`<a href="#${id}">`);
    });

    it('draws one chart per account (equity), per currency (PnL), per position series, and two for execution', () => {
      const currencies = new Set(r.accounts.map((a) => a.currency)).size;
      const expected = r.accounts.length + currencies + r.positions.length + 2;
      expect(html.match(/<svg class="chart"/g)?.length).toBe(expected);
      // Every chart drew something (a path or dots), none fell back to the "no data" placeholder.
      expect(html).not.toContain('>no data recorded<');
      expect(html.match(/<path d="M/g)?.length).toBeGreaterThanOrEqual(
        r.accounts.length * 2 + r.positions.length * 2,
      );
    });

    it('lists every parent order with its execution quality, in start order', () => {
      for (const o of r.parentOrders) expect(html).toContain(`title="${o.id}"`);
      const first = [...r.parentOrders].sort(
        (a, b) => a.startedAt - b.startedAt || a.id.localeCompare(b.id),
      )[0];
      const rows = html.slice(html.indexOf('<section id="execution">')).match(/title="([0-9a-f]{32})"/g);
      expect(rows?.[0]).toBe(`title="${first?.id}"`);
      expect(html).toContain('superseded');
      expect(html).toContain('working');
    });

    it('shows PASS when every invariant held', () => {
      expect(overallPass(r)).toBe(true);
      expect(textOf(html, 'overall')).toBe('PASS');
      expect(html).toContain(`<title>Keel paper session ${r.session.startedAt} — PASS</title>`);
    });

    it('shows times in UTC ISO and the data files with their shifts', () => {
      expect(html).toContain('2026-01-01T02:00:00.000Z → 2026-01-01T04:00:00.000Z');
      expect(html).toContain('5,094,000,000 ms');
      expect(html).toContain('58d 23h 00m');
      expect(html).toContain('2026-01-01T02:31:00.000Z');
    });

    it('embeds the record itself, so the page is also the data', () => {
      expect(embedded(html)).toEqual(JSON.parse(JSON.stringify(r)));
    });

    it('refers to nothing outside the file, and a CSP forbids any fetch', () => {
      expect(html).not.toMatch(/\b(src|href)="(?!#)/);
      expect(html).not.toMatch(/url\((?!#)/);
      expect(html).not.toMatch(/@import|<link\b|<iframe\b|<img\b/);
      expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
      expect(html.match(/<script\b/g)).toEqual(['<script']);
    });

    it('is a function of the record: the same record renders byte-identical pages', () => {
      expect(renderReportHtml(demoRecordFixture())).toBe(html);
    });
  });

  describe('a failing invariant', () => {
    const r = demoRecordFixture({ failing: true });
    const html = renderReportHtml(r);

    it('is shown as FAIL with its detail, and the session as FAIL overall', () => {
      expect(overallPass(r)).toBe(false);
      expect(textOf(html, 'overall')).toBe('FAIL');
      expect(html).toMatch(
        /<tr class="inv-fail"><td class="cell-fail"><strong>FAIL<\/strong><\/td><td>no duplicate orders<\/td><td class="detail">2 client order ids sent twice/,
      );
      expect(html.match(/class="inv-pass"/g)?.length).toBe(r.invariants.length - 1);
      expect(html).toContain('3/4 invariants held');
    });

    it('is FAIL when no invariant was checked at all', () => {
      const none = { ...r, invariants: [] };
      expect(overallPass(none)).toBe(false);
      expect(textOf(renderReportHtml(none), 'overall')).toBe('FAIL');
      expect(renderReportHtml(none)).toContain('No invariants were checked');
    });
  });

  describe('strings from the record', () => {
    const r = hostile();
    const html = renderReportHtml(r);

    it('are escaped wherever they appear: no element or attribute can be injected', () => {
      expect(html).not.toContain('<img');
      expect(html).not.toContain('onerror="');
      expect(html).not.toContain('alert("pwned")</script>');
      expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
      expect(html).toContain('bin&#39;ance&quot;&amp;');
      expect(html).toContain('&lt;!-- &amp; --&gt;');
      // One script element (the inert JSON) and it is closed once: the record cannot end it early.
      expect(html.match(/<script\b/g)?.length).toBe(1);
      expect(html.match(/<\/script>/g)?.length).toBe(1);
    });

    it('survive the embedding unchanged', () => {
      expect(embedded(html)).toEqual(JSON.parse(JSON.stringify(r)));
      expect(embedJson(r)).not.toMatch(/[<>&\u2028\u2029]/);
    });
  });

  describe('a session where nothing traded', () => {
    const r = emptyDemoRecord();
    const html = renderReportHtml(r);

    it('renders every section with placeholders instead of charts of nothing', () => {
      for (const id of SECTIONS) expect(html).toContain(`<section id="${id}">`);
      expect(html.match(/>no data recorded</g)?.length).toBe(2); // the equity and the PnL chart of its one account
      expect(html).toContain('No parent orders: nothing was traded.');
      expect(html).toContain('No positions or targets were recorded.');
      expect(html).toContain('Chaos was off.');
      expect(html).toContain('No app state changes were recorded.');
      expect(html).toContain('No recorded data files.');
      expect(textOf(html, 'overall')).toBe('PASS');
    });

    it('prints no NaN, Infinity, undefined or null', () => {
      const visible = html.slice(0, html.indexOf('<script'));
      expect(visible).not.toMatch(/NaN|Infinity|undefined|\bnull\b/);
    });

    it('draws a single point, or a flat line, without dividing by zero', () => {
      const one = {
        ...r,
        accounts: r.accounts.map((a) => ({
          ...a,
          equity: [[r.session.virtualStart, '100'] as const],
          pnl: [[r.session.virtualStart, '0'] as const, [r.session.virtualEnd, '0'] as const],
        })),
      };
      const page = renderReportHtml(one);
      expect(page.slice(0, page.indexOf('<script'))).not.toMatch(/NaN|Infinity/);
      expect(page).not.toContain('>no data recorded<');
    });
  });
});

describe('fmtDecimal', () => {
  it('groups thousands and keeps the digits as recorded', () => {
    expect(fmtDecimal('1234567.50')).toBe('1,234,567.50');
    expect(fmtDecimal('-1234.5')).toBe('-1,234.5');
    expect(fmtDecimal('0.00012')).toBe('0.00012');
    expect(fmtDecimal('999')).toBe('999');
  });

  it('rounds half-even to dp places when asked, exactly (no float)', () => {
    expect(fmtDecimal('2.345', 2)).toBe('2.34');
    expect(fmtDecimal('2.355', 2)).toBe('2.36');
    expect(fmtDecimal('12345678901234567.895', 2)).toBe('12,345,678,901,234,567.90');
    expect(fmtDecimal('1e3')).toBe('1,000');
  });

  it('shows a missing value as a dash and a non-number escaped, as it was', () => {
    expect(fmtDecimal(null)).toBe('—');
    expect(fmtDecimal('<b>n/a</b>')).toBe('&lt;b&gt;n/a&lt;/b&gt;');
  });
});

describe('fmtDuration', () => {
  it.each([
    [0, '0s'],
    [1_500, '1.5s'],
    [65_000, '1m 05s'],
    [7_384_000, '2h 03m 04s'],
    [5_094_000_000, '58d 23h 00m'],
    [-3_000, '−3s'],
  ])('%d ms → %s', (ms, text) => expect(fmtDuration(ms)).toBe(text));
});

describe('writeReport', () => {
  it('writes report.html and summary.json (the record) and returns the report path', async () => {
    const dir = await tempDir('keel-report');
    try {
      const r = demoRecordFixture({ points: 30 });
      const path = writeReport(r, join(dir.path, 'nested', 'session'));
      expect(path).toBe(join(dir.path, 'nested', 'session', 'report.html'));
      expect(readFileSync(path, 'utf8')).toBe(renderReportHtml(r));
      expect(JSON.parse(readFileSync(join(dir.path, 'nested', 'session', 'summary.json'), 'utf8'))).toEqual(
        JSON.parse(JSON.stringify(r)),
      );
    } finally {
      await dir.cleanup();
    }
  });
});

describe('a 2-minute session-sized record (4 accounts × 2,000 points)', () => {
  it('renders to a page of bounded size: long series are thinned per pixel column for the charts', () => {
    const r = demoRecordFixture({ accounts: 4, points: 2_000 });
    const html = renderReportHtml(r);
    const json = embedJson(r).length;
    const bytes = Buffer.byteLength(html);
    process.stdout.write(
      `report for 4 accounts × 2,000 points: ${(bytes / 1024).toFixed(0)} KiB (embedded record ${(json / 1024).toFixed(0)} KiB)\n`,
    );
    expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
    // The charts cost far less than the data: thinning bounded them.
    expect(bytes - json).toBeLessThan(json);
  });
});
