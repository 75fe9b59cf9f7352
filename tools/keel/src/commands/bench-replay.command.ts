/**
 * `keel bench replay --events N`: write a synthetic session of N events into a fresh embedded
 * store and build its PnL archive, as the balance-aggregator keeps it beside a live store (neither timed
 * in `eventsPerSec`; the archive's build time is reported as `archiveSeconds`), then run the
 * PnL backfill on it in a child process (`keel replay pnl --json`, so its peak RSS is the
 * replay's own) and report its figures. `--no-archive` times the backfill reading the log's
 * JSON rows instead.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { describeError } from '@keel/events';
import { bulkLoadSqlite } from '@keel/event-store';
import { archivePathOf, extendPnlArchiveOf, syntheticSession } from '@keel/pnl-replay';
import { intFlag, parseFlags, UsageError } from '../cli.io';
import { INTERVALS } from './replay.command';
import { keelLaunch } from '../app-launch';
import { progressBar } from '../progress.bar';
import { workspaceRoot } from '../workspace-root';
import type { Command, OptionSpecs } from './command';

const root = workspaceRoot();

/** The items of `it`, calling `seen(count)` every 10,000 (and at the end): progress of a generator. */
function* counted<T>(it: Iterable<T>, seen: (count: number) => void): Generator<T> {
  let k = 0;
  for (const x of it) {
    yield x;
    if (++k % 10_000 === 0) seen(k);
  }
  seen(k);
}

const OPTIONS = {
  events: {
    type: 'string',
    valueName: 'n',
    description: 'synthetic events to write and replay',
    defaultText: '2000000',
  },
  interval: {
    type: 'string',
    valueName: 'interval',
    description: 'PnL interval: 1m, 1h or 1d',
    defaultText: '1m',
  },
  dir: {
    type: 'string',
    valueName: 'dir',
    description: 'directory for the store and the CSV',
    defaultText: 'a new temporary directory',
  },
  keep: { type: 'boolean', description: 'keep the store (and archive) after the run' },
  reuse: {
    type: 'boolean',
    description: 'with --dir and --keep: time again on a store an earlier run left there',
  },
  strict: { type: 'boolean', description: 'passed to replay pnl: stop at the first undecodable event' },
  threads: {
    type: 'string',
    valueName: 'n',
    description: '1 (scan and fold in one thread) or 2 (scan in a worker)',
    defaultText: '1',
  },
  'no-archive': {
    type: 'boolean',
    description: 'time the backfill reading the log rows instead of the PnL archive',
  },
  reference: {
    type: 'boolean',
    description: 'fold with the decimal.js reference fold instead of the fixed-point one',
  },
} as const satisfies OptionSpecs;

export const benchReplayCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, OPTIONS);
    const events = intFlag('events', flags.events, 2_000_000);
    const interval = flags.interval ?? '1m';
    if (INTERVALS[interval] === undefined)
      throw new UsageError(
        `--interval must be one of ${Object.keys(INTERVALS).join(', ')} (got ${JSON.stringify(interval)})`,
      );
    const dir = flags.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'keel-bench-replay-'));
    const file = path.join(dir, `replay-${events}.sqlite`);
    try {
      io.progress(
        `bench replay: writing ${events.toLocaleString('en-US')} synthetic events to ${file} (not timed)`,
      );
      const t0 = Date.now();
      // --reuse (with --dir and --keep): time again on a store an earlier run generated.
      if (!(flags.reuse && fs.existsSync(file))) {
        fs.rmSync(file, { force: true });
        fs.rmSync(archivePathOf(file), { force: true });
        const bar = progressBar('bench replay: generating');
        bulkLoadSqlite(
          file,
          counted(syntheticSession({ events }), (k) => bar.update(k, events)),
        );
        bar.done();
      }
      const generateSeconds = (Date.now() - t0) / 1000;
      let archiveSeconds: number | null = null;
      if (!flags['no-archive']) {
        io.progress(
          `bench replay: written in ${generateSeconds.toFixed(1)} s; building the PnL archive (as the balance-aggregator does beside a live store; not timed)`,
        );
        const t1 = Date.now();
        const bar = progressBar('bench replay: archive', { unit: 'positions' });
        const built = extendPnlArchiveOf(file, { onSegment: (ref) => bar.update(ref.last, events) });
        bar.done();
        if (E.isLeft(built)) throw new Error(describeError(built.left));
        archiveSeconds = (Date.now() - t1) / 1000;
      }
      io.progress(`bench replay: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; timing the backfill`);
      const out = path.join(dir, 'pnl.csv');
      // The same keel as this one (its bundle, or tsx from the sources): a child of its own.
      const launch = keelLaunch([
        'replay',
        'pnl',
        '--store',
        `sqlite:${file}`,
        '--interval',
        interval,
        '--out',
        out,
        '--json',
        ...(flags.strict ? ['--strict'] : []),
        ...(flags.reference ? ['--reference'] : []),
        ...(flags['no-archive'] ? ['--no-archive'] : []),
        ...(flags.threads ? ['--threads', flags.threads] : []),
      ]);
      const child = spawn(launch.command, launch.args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      if (code !== 0) throw new Error(`the replay exited with ${code}`);
      const r = JSON.parse(stdout) as Record<string, unknown>;
      io.result({
        events: r['events'],
        eventsPerSec: r['eventsPerSec'],
        peakRssMb: r['peakRssMb'],
        outputRows: r['outputRows'],
        foldedEvents: r['foldedEvents'],
        wallSeconds: r['wallSeconds'],
        memory: r['memory'],
        fold: r['fold'],
        archive: r['archive'],
        interval,
        threads: flags.threads ?? '1',
        generateSeconds,
        archiveSeconds,
        storeMb: Math.round(fs.statSync(file).size / 2 ** 20),
        machine: {
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model ?? 'unknown',
          memGiB: Math.round(os.totalmem() / 2 ** 30),
          node: process.version,
          loadAvg: os.loadavg().map((l) => Math.round(l * 100) / 100),
        },
      });
      return 0;
    } finally {
      if (!flags.keep) {
        if (flags.dir) for (const f of [file, archivePathOf(file)]) fs.rmSync(f, { force: true });
        else fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  },
};
