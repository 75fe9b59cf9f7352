/**
 * `keel roll-sim` arguments: bad input is a usage error (exit 2) naming the flag and its value,
 * before anything is simulated; good input prints one JSON document on stdout and nothing else.
 * Runs on the committed ES slice, over the forced-roll morning only (12-18) to stay quick.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { UsageError } from '../cli.io';
import { captureIo, withArg as withGoodArg } from '../test/cli.spec-helpers';
import { rollSimCommand } from './roll-sim.command';

const root = resolve(__dirname, '../../../..');
const DATA = join(
  root,
  'libs/rollover/domain/test-data/cme-es-1m-tradebars-algoseek-2013-12-01_2013-12-20.csv.gz',
);
const GOOD = [
  '--data',
  DATA,
  '--root',
  'ES',
  '--from',
  '2013-12-18T00:00:00Z',
  '--to',
  '2013-12-18T08:00:00Z',
];

const capture = captureIo;

const withArg = (name: string, value: string): string[] => withGoodArg(GOOD, name, value);

describe('keel roll-sim: bad input', () => {
  it.each([
    [
      'a missing data file',
      withArg('data', '/nonexistent/bars.csv.gz'),
      /--data cannot be read: \/nonexistent\/bars.csv.gz: no such file \(got "\/nonexistent\/bars.csv.gz"\)/,
    ],
    [
      'a file that is not a bar file',
      withArg(
        'data',
        join(root, 'libs/venue/sim/test-data/binance-usdm-btcusdt-bbo1s-2026-01-01T00-1h.csv.gz'),
      ),
      /--data cannot be read: .*header .* is not .*\(got ".*bbo1s.*"\)/,
    ],
    [
      'an unknown root',
      withArg('root', 'XYZ'),
      /--root must be a CME root the calendar knows, such as ES \(got "XYZ"\)/,
    ],
    [
      'a root with no bars in the file',
      withArg('root', 'NQ'),
      /--from .*the data has no NQ bars in that range \(got "2013-12-18T00:00:00Z"\)/,
    ],
    [
      'a from that is not a date',
      withArg('from', 'yesterday'),
      /--from must be an ISO-8601 instant .*\(got "yesterday"\)/,
    ],
    [
      'a to off the minute',
      withArg('to', '2013-12-18T08:00:30Z'),
      /--to must be on a whole minute .*\(got "2013-12-18T08:00:30Z"\)/,
    ],
    [
      'a to before from',
      withArg('to', '2013-12-17T00:00:00Z'),
      /--to must be after --from .*\(got "2013-12-17T00:00:00Z"\)/,
    ],
    [
      'a range outside the data',
      [...withArg('from', '2014-01-06T00:00:00Z').slice(0, 6), '--to', '2014-01-07T00:00:00Z'],
      /--from .*no ES bars in that range \(got "2014-01-06T00:00:00Z"\)/,
    ],
    [
      'a fractional exposure',
      withArg('exposure', '1.5'),
      /--exposure must be a whole number of contracts such as 3 or -2 \(got "1.5"\)/,
    ],
    [
      'an execution tick below 10 ms',
      withArg('tick-ms', '5'),
      /--tick-ms must be an integer ≥ 10 \(got "5"\)/,
    ],
    [
      'a gateway cycle that is not a number',
      withArg('cycle-ms', 'fast'),
      /--cycle-ms must be an integer ≥ 10 \(got "fast"\)/,
    ],
    ['a slice of 0 s', withArg('slice-sec', '0'), /--slice-sec must be an integer ≥ 1 \(got "0"\)/],
    ['a missing root', GOOD.filter((_, i) => i !== 2 && i !== 3), /--root must be .*\(got null\)/],
  ])('rejects %s, naming the flag and the value', async (_what, args, message) => {
    const io = capture();
    const run = rollSimCommand.run(args, io);
    await expect(run).rejects.toBeInstanceOf(UsageError);
    await expect(run).rejects.toThrow(message);
    expect(io.results).toEqual([]);
  });

  it('takes a negative exposure (a short) as a value, not as a flag', async () => {
    const io = capture();
    await expect(rollSimCommand.run([...withArg('exposure', '-2')], io)).resolves.toBe(0);
    expect(io.results[0]).toMatchObject({ finalPositions: { ESH14: '-2' } });
  });
});

describe('keel roll-sim: the process', () => {
  const keel = (args: string[]) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/keel/src/main.ts', 'roll-sim', ...args, '--json'],
      { cwd: root, encoding: 'utf8', timeout: 60_000 },
    );

  it('exits 2 on a bad flag, with the reason on stderr and nothing on stdout', () => {
    const r = keel(withArg('exposure', 'three'));
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /keel: --exposure must be a whole number of contracts such as 3 or -2 \(got "three"\)/,
    );
  });

  it('prints one JSON report on stdout: the 12-18 session (ESH14 built, roll completed at the forced-roll instant) through the real deciders and the venue simulator', () => {
    const r = keel(GOOD);
    expect(r.stderr).toMatch(/roll-sim: ES 2013-12-18T00:00:00Z → 2013-12-18T08:00:00Z/);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(report).toMatchObject({
      root: 'ES',
      hours: 'data',
      finalPositions: { ESH14: '3' },
      refused: [],
      exposure: { minutesBeyondTolerance: 0 },
    });
    expect((report['rollEvents'] as { type: string }[]).map((e) => e.type)).toEqual([
      'ContractMapped',
      'RollScheduled',
      'RollCompleted',
      'ContractMapped',
    ]);
  });
});
