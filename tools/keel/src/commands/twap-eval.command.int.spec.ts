/**
 * `keel twap-eval` arguments and its result: bad input is a usage error (exit 2) naming the
 * argument and its value, before anything is simulated; a short real window (the USD-M
 * capture, trades + best bid/ask merged) prints one JSON document whose figures agree with
 * each other. The run uses two worker processes, so the `--jobs` path is the one checked.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { UsageError } from '../cli.io';
import { captureIo } from '../test/cli.spec-helpers';
import type { TwapEvalReport } from '../twap-eval/twap-eval.report';
import { parseDurations, parseSizes, twapEvalCommand } from './twap-eval.command';

const root = resolve(__dirname, '../../../..');
// Committed slices (libs/venue/sim/test-data/README.md): a fresh clone has no ../shared.
const DATA = join(root, 'libs/venue/sim/test-data');
const CAPTURE = 'binance-usdm-btcusdt-2024-07-18T2358-3min';
const GOOD = [
  '--data',
  join(DATA, `${CAPTURE}-trades.csv.gz`),
  '--data',
  join(DATA, `${CAPTURE}-bbo.csv.gz`),
  '--durations',
  '2m',
  '--sizes',
  '1',
  '--max-windows',
  '1',
  '--jobs',
  '2',
];

describe('keel twap-eval: bad input', () => {
  it.each([
    ['an unparsable duration', ['--durations', '10 minutes'], /--durations .*\(got "10 minutes"\)/],
    ['a duration under a minute', ['--durations', '10m,30s'], /--durations .*\(got "10m,30s"\)/],
    ['a size over 100 %', ['--sizes', '1,150'], /--sizes .*\(got "1,150"\)/],
    ['a size that is not a number', ['--sizes', 'ten'], /--sizes .*\(got "ten"\)/],
    ['zero windows', ['--max-windows', '0'], /--max-windows must be an integer ≥ 1 \(got "0"\)/],
    ['a negative fee', ['--taker-bps', 'x'], /--taker-bps must be a number ≥ 0 \(got "x"\)/],
    [
      'a missing data path',
      ['--data', '/nonexistent/dir'],
      /--data cannot be read: .*\(got "\/nonexistent\/dir"\)/,
    ],
    [
      'data with nothing replayable',
      ['--data', join(root, 'tools/keel/demo-data/binance-usdm-ethusdt-1m-2024-01-01_2024-01-03.csv.gz')],
      /--data holds no replayable market data \(bars/,
    ],
  ])('rejects %s, naming the argument and the value', async (_what, args, message) => {
    const io = captureIo();
    const run = twapEvalCommand.run(args, io);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
    expect(io.results).toEqual([]);
  });

  it('reads duration lists with longest, and size lists', () => {
    expect(parseDurations('2h,10m,longest')).toEqual({ ms: [600_000, 7_200_000], longest: true });
    expect(parseSizes('20,0.1,1')).toEqual([0.1, 1, 20]);
  });
});

describe('keel twap-eval: the process', () => {
  const keel = (args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/keel/src/main.ts', 'twap-eval', ...args, '--json'],
      { cwd: root, encoding: 'utf8', timeout: 240_000 },
    );

  it('exits 2 on a bad size, with the reason on stderr and nothing on stdout', () => {
    const r = keel(['--sizes', '-3']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/keel: --sizes must be percentages .*\(got "-3"\)/);
  });

  it('prints one JSON document whose figures agree with each other', () => {
    const r = keel(GOOD);
    expect(r.stderr).toMatch(/trades \+ bbo merged/);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as TwapEvalReport;
    expect(Object.keys(out)).toEqual(
      expect.arrayContaining([
        'settings',
        'markets',
        'skipped',
        'skippedRuns',
        'buckets',
        'groups',
        'runs',
        'timing',
      ]),
    );
    expect(out.markets).toHaveLength(1);
    expect(out.markets[0]).toMatchObject({
      market: CAPTURE,
      data: 'trades+quotes',
      instrument: { symbol: 'BTC/USDT:USDT', tickSize: '0.1', lotSize: '0.001' },
      durations: [{ duration: '2m', windows: 1 }],
    });
    // 1 window × 1 size × 2 sides.
    expect(out.runs).toHaveLength(2);
    for (const run of out.runs) {
      expect(run.volumeSource).toBe('trades');
      expect(Number(run.qty)).toBeCloseTo(Number(run.volume) / 100, 2);
      const { hybrid: h, baseline: b } = run;
      expect(h.costBps).not.toBeNull();
      expect(b.costBps).not.toBeNull();
      expect(run.diffBps).toBeCloseTo((b.costBps as number) - (h.costBps as number), 6);
      expect(run.feeNeutralDiffBps).toBeCloseTo(
        (b.feeNeutralCostBps as number) - (h.feeNeutralCostBps as number),
        6,
      );
      // The baseline only takes: recomputed at the taker fee, its cost is its own cost.
      expect(b.feeNeutralCostBps).toBeCloseTo(b.costBps as number, 1);
      expect(b.makerShare).toBe(0);
      // Maker fills charged the taker fee instead of the maker fee: (5 − 2) bps × maker share more.
      expect((h.feeNeutralCostBps as number) - (h.costBps as number)).toBeCloseTo(3 * h.makerShare, 1);
      if (run.makerFills > 0)
        for (const k of ['1s', '10s', '60s']) expect(typeof run.markoutsBps[k]).toBe('number');
    }
    const bucket = out.buckets.find((x) => x.bucket === '1%');
    expect(bucket?.diffBps.n).toBe(2);
    const diffs = out.runs.map((x) => x.diffBps as number);
    expect(bucket?.diffBps.mean).toBeCloseTo(diffs.reduce((a, x) => a + x, 0) / diffs.length, 1);
    const ci = bucket?.diffBps.ci95 as [number, number];
    expect(ci[0]).toBeLessThanOrEqual(bucket?.diffBps.mean as number);
    expect(ci[1]).toBeGreaterThanOrEqual(bucket?.diffBps.mean as number);
    expect(out.buckets.map((x) => x.bucket)).toEqual(['1%', '≤1%']);
    expect(out.groups).toMatchObject([{ market: CAPTURE, duration: '2m', windows: 1, runs: 2 }]);
  });
});
