/** The report's SVG chart helper: axis ticks, thinning that keeps every extreme, escaping, empty input. */
import * as fc from 'fast-check';
import { esc, niceTicks, thin, timeChart, timeTicks, XY } from './report.charts';

describe('niceTicks', () => {
  it('gives round steps (1, 2 or 5 × 10^k) covering the range', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(99_870, 101_240, 5)).toEqual([100_000, 100_500, 101_000]);
    expect(niceTicks(-0.23, 0.11, 5)).toEqual([-0.2, -0.1, 0, 0.1]);
  });

  it('never puts a tick below the range far from zero (a case fast-check found)', () => {
    const lo = -28885572.109374996;
    const ts = niceTicks(lo, lo + 0.000001, 5);
    expect(ts.length).toBeGreaterThanOrEqual(1);
    for (const t of ts) expect(t).toBeGreaterThanOrEqual(lo);
  });

  it('is at most about twice the asked count, inside the range, for any range', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e9, noNaN: true }),
        (lo, span) => {
          const ts = niceTicks(lo, lo + span, 5);
          expect(ts.length).toBeGreaterThanOrEqual(1);
          expect(ts.length).toBeLessThanOrEqual(11);
          for (const t of ts) expect(t).toBeGreaterThanOrEqual(lo - span * 1e-6);
        },
      ),
    );
  });
});

describe('timeTicks', () => {
  it('steps on whole UTC units', () => {
    const start = Date.UTC(2026, 0, 1, 2, 0, 0);
    expect(timeTicks(start, start + 2 * 3_600_000, 7)).toEqual({
      step: 1_800_000,
      ticks: [0, 1, 2, 3, 4].map((i) => start + i * 1_800_000),
    });
    expect(timeTicks(start + 7_000, start + 95_000, 7).step).toBe(15_000);
  });
});

describe('thin', () => {
  it('keeps short series as they are', () => {
    const ps: XY[] = [
      [0, 1],
      [1, 2],
    ];
    expect(thin(ps, 0, 1, 100)).toBe(ps);
  });

  it('bounds long series per pixel column and keeps every column extreme and both ends', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 500, maxLength: 3_000 }),
        (vs) => {
          const ps: XY[] = vs.map((v, i) => [i, v]);
          const out = thin(ps, 0, vs.length - 1, 50);
          expect(out.length).toBeLessThanOrEqual(51 * 4);
          expect(out[0]).toBe(ps[0]);
          expect(out[out.length - 1]).toBe(ps[ps.length - 1]);
          expect(Math.max(...out.map((p) => p[1]))).toBe(Math.max(...vs));
          expect(Math.min(...out.map((p) => p[1]))).toBe(Math.min(...vs));
          for (let i = 1; i < out.length; i++)
            expect((out[i] as XY)[0]).toBeGreaterThan((out[i - 1] as XY)[0]);
        },
      ),
    );
  });
});

describe('timeChart', () => {
  const base = { id: 'c1', title: 'Equity <b>', yLabel: 'USDT & co' };

  it('draws a labelled placeholder for no data, of the same size', () => {
    const svg = timeChart([{ label: 'x', points: [], colour: '#000' }], { ...base, width: 300, height: 200 });
    expect(svg).toContain('no data recorded');
    expect(svg).toContain('width="300" height="200"');
  });

  it('escapes the title and axis label, and ignores non-finite values', () => {
    const svg = timeChart(
      [
        {
          label: '<s>',
          colour: '#0072B2',
          points: [
            [0, 1],
            [60_000, Number.NaN],
            [120_000, 3],
          ],
        },
      ],
      base,
    );
    expect(svg).toContain('Equity &lt;b&gt;');
    expect(svg).toContain('USDT &amp; co');
    expect(svg).toContain('&lt;s&gt;');
    expect(svg).not.toMatch(/NaN|<s>|<b>/);
  });

  it('holds a step series to the end of the domain, and clips to the plot', () => {
    const svg = timeChart([{ label: 't', colour: '#E69F00', step: true, points: [[0, 1]] }], {
      ...base,
      xDomain: [0, 3_600_000],
    });
    expect(svg).toMatch(/<path d="M[\d.]+ [\d.]+H[\d.]+"/);
    expect(svg).toContain('clip-path="url(#clip-c1)"');
  });

  it('holds a position line flat from its last point to the end of the domain', () => {
    const points: XY[] = [
      [0, 0],
      [1_800_000, 2],
    ];
    const held = timeChart([{ label: 'p', colour: '#0072B2', holdToEnd: true, points }], {
      ...base,
      xDomain: [0, 3_600_000],
    });
    const plain = timeChart([{ label: 'p', colour: '#0072B2', points }], {
      ...base,
      xDomain: [0, 3_600_000],
    });
    expect(held).toMatch(/<path d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+H[\d.]+"/);
    expect(plain).toMatch(/<path d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+"/);
  });

  it('draws vertical markers inside the domain only', () => {
    const svg = timeChart(
      [
        {
          label: 'e',
          colour: '#000',
          points: [
            [0, 1],
            [100_000, 2],
          ],
        },
      ],
      {
        ...base,
        xDomain: [0, 100_000],
        markers: [
          { at: 50_000, label: 'execution killed' },
          { at: 500_000, label: 'after the end' },
        ],
      },
    );
    expect(svg.match(/class="marker"/g)?.length).toBe(1);
    expect(svg).toContain('execution killed');
  });
});

describe('esc', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
