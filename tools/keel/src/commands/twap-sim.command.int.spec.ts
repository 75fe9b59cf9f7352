/**
 * `keel twap-sim` arguments: bad input is a usage error (exit 2) naming the argument and its
 * value, before anything is simulated; good input prints one JSON document on stdout.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { UsageError } from '../cli.io';
import { captureIo, withArg as withGoodArg } from '../test/cli.spec-helpers';
import { parseDuration, twapSimCommand } from './twap-sim.command';

const root = resolve(__dirname, '../../../..');
const BBO = join(root, 'libs/venue/sim/test-data/binance-usdm-btcusdt-bbo1s-2026-01-01T00-1h.csv.gz');
const GOOD = [
  '--data',
  BBO,
  '--side',
  'buy',
  '--qty',
  '0.5',
  '--start',
  '2026-01-01T00:10:00Z',
  '--duration',
  '10m',
  '--slices',
  '2',
];

const capture = captureIo;

const withArg = (name: string, value: string): string[] => withGoodArg(GOOD, name, value);

describe('keel twap-sim: bad input', () => {
  it.each([
    ['a negative quantity', withArg('qty', '-1'), /--qty .*\(got "-1"\)/],
    ['a non-numeric quantity', withArg('qty', 'ten'), /--qty .*\(got "ten"\)/],
    ['a zero quantity', withArg('qty', '0'), /--qty .*\(got "0"\)/],
    ['an unparsable duration', withArg('duration', '30 minutes'), /--duration .*\(got "30 minutes"\)/],
    [
      'a start outside the data',
      withArg('start', '2025-06-01T00:00:00Z'),
      /--start is outside the data \(2026-01-01T00:00:00.000Z → .*\(got "2025-06-01T00:00:00Z"\)/,
    ],
    ['a start that is not a date', withArg('start', 'yesterday'), /--start .*\(got "yesterday"\)/],
    [
      'a duration past the end of the data',
      withArg('duration', '2h'),
      /--duration runs past the end of the data .*\(got "2h"\)/,
    ],
    ['an unknown side', withArg('side', 'hold'), /--side must be buy or sell \(got "hold"\)/],
    [
      'a missing data file',
      withArg('data', '/nonexistent/x.csv.gz'),
      /--data cannot be read: .*\(got "\/nonexistent\/x.csv.gz"\)/,
    ],
    [
      'a quantity below the venue minimum',
      withArg('qty', '0.0001'),
      /rejected: .*\/targetPosition.*below the smallest tradable quantity/,
    ],
  ])('rejects %s, naming the argument and the value', async (_what, args, message) => {
    const io = capture();
    const run = twapSimCommand.run(args, io);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
    expect(io.results).toEqual([]);
  });

  it('reads durations in ms, s, m, h and d', () => {
    expect([
      parseDuration('1500ms'),
      parseDuration('45s'),
      parseDuration('30m'),
      parseDuration('6h'),
      parseDuration('1.5d'),
    ]).toEqual([1500, 45_000, 1_800_000, 21_600_000, 129_600_000]);
  });
});

describe('keel twap-sim: the process', () => {
  const keel = (args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/keel/src/main.ts', 'twap-sim', ...args, '--json'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );

  it('exits 2 on a bad quantity, with the reason on stderr and nothing on stdout', () => {
    const r = keel(withArg('qty', '-3'));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/keel: --qty must be a positive decimal quantity such as 1.5 \(got "-3"\)/);
  });

  it('prints exactly one JSON document with the execution quality and the baseline', () => {
    const r = keel(GOOD);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(
      expect.arrayContaining([
        'filledQty',
        'avgPrice',
        'arrivalPrice',
        'intervalVwap',
        'shortfallBps',
        'vsVwapBps',
        'feesBps',
        'makerShare',
        'maxScheduleLagSlices',
        'childOrderCount',
        'completed',
        'finishedAt',
        'deadline',
        'simulatedSeconds',
        'wallSeconds',
        'baseline',
      ]),
    );
    expect(out['completed']).toBe(true);
    expect(out['simulatedSeconds']).toBe(600);
  });
});
