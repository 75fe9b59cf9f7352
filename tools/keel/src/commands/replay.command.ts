/**
 * `keel replay pnl`: the historical PnL backfill (CSV per account × instrument × interval).
 * `keel replay <projection>`: rebuild an app's state from position 0 and compare it with the
 * live one. Bad input (store URI, interval, times) is a usage error naming the flag and value.
 */
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { describeError } from '@keel/events';
import {
  archivePathOf,
  extendPnlArchive,
  LogSource,
  openLogSource,
  runPnlBackfill,
  UndecodableEventError,
  verifyPnlCheckpoints,
} from '@keel/pnl-replay';
import { PNL_ENGINE_NAME } from '@keel/pnl-engine';
import { Io, parseFlags, UsageError } from '../cli.io';
import { compareProjection } from '../replay/projection.compare';
import { PROJECTIONS } from '../replay/projections';
import { progressBar } from '../progress.bar';
import type { Command, OptionSpecs } from './command';

export const INTERVALS: Readonly<Record<string, number>> = {
  '1m': 60_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

export const parseTimeFlag = (name: string, value: string | undefined): number | undefined => {
  if (value === undefined) return undefined;
  const ms = ISO.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new UsageError(
      `--${name} must be an ISO-8601 time such as 2026-01-01T00:00:00Z (got ${JSON.stringify(value)})`,
    );
  return ms;
};

const required = (name: string, value: string | undefined): string => {
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`);
  return value;
};

/** Open the store a `--store` flag names, or a usage error naming the flag and the value. */
export const openStoreFlag = async (uri: string): Promise<LogSource> => {
  const src = await openLogSource(uri);
  if (E.isLeft(src)) throw new UsageError(`--store ${src.left.message} (got ${JSON.stringify(uri)})`);
  return src.right;
};

const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

const PNL_OPTIONS = {
  store: {
    type: 'string',
    valueName: 'uri',
    description: 'event store URI, e.g. sqlite:./data/keel.sqlite (required)',
  },
  interval: { type: 'string', valueName: 'interval', description: '1m, 1h or 1d (required)' },
  out: {
    type: 'string',
    valueName: 'file',
    description: 'CSV file to write (written whole, then renamed) (required)',
  },
  from: {
    type: 'string',
    valueName: 'ISO',
    description: 'first interval, ISO-8601',
    defaultText: 'the start of the log',
  },
  to: {
    type: 'string',
    valueName: 'ISO',
    description: 'end (exclusive), ISO-8601',
    defaultText: 'the end of the log',
  },
  capital: {
    type: 'string',
    valueName: 'D',
    description: 'starting capital for returns, a decimal',
    defaultText: '0',
  },
  'skip-undecodable': {
    type: 'boolean',
    description: 'report undecodable events and go on instead of stopping',
  },
  strict: { type: 'boolean', description: 'stop at the first event the PnL fold refuses' },
  reference: {
    type: 'boolean',
    description: 'fold with the decimal.js reference fold instead of the fixed-point one',
  },
  'no-archive': { type: 'boolean', description: 'read the log rows, not the PnL archive' },
  threads: {
    type: 'string',
    valueName: 'n',
    description: '1 (scan and fold in one thread) or 2 (scan in a worker)',
    defaultText: '1',
  },
} as const satisfies OptionSpecs;

export const replayPnlCommand: Command = {
  options: PNL_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, PNL_OPTIONS);
    const uri = required('store', flags.store);
    const interval = required('interval', flags.interval);
    const intervalMs = INTERVALS[interval];
    if (intervalMs === undefined)
      throw new UsageError(
        `--interval must be one of ${Object.keys(INTERVALS).join(', ')} (got ${JSON.stringify(interval)})`,
      );
    const out = required('out', flags.out);
    const fromMs = parseTimeFlag('from', flags.from);
    const toMs = parseTimeFlag('to', flags.to);
    if (fromMs !== undefined && toMs !== undefined && fromMs >= toMs)
      throw new UsageError(
        `--from must be before --to (got --from ${JSON.stringify(flags.from)} --to ${JSON.stringify(flags.to)})`,
      );
    const threads = flags.threads ?? '1';
    if (threads !== '1' && threads !== '2')
      throw new UsageError(
        `--threads must be 1 (scan and fold in one thread) or 2 (scan in a worker) (got ${JSON.stringify(threads)})`,
      );
    const capital = flags.capital ?? '0';
    if (!DECIMAL.test(capital))
      throw new UsageError(`--capital must be a decimal such as 100000 (got ${JSON.stringify(capital)})`);
    const source = await openStoreFlag(uri);
    const tmp = `${out}.partial`;
    let fd: number;
    try {
      fd = fs.openSync(tmp, 'w');
    } catch (e) {
      await source.close();
      throw new UsageError(`--out cannot be written: ${(e as Error).message} (got ${JSON.stringify(out)})`);
    }
    const bar = progressBar('replay pnl', { unit: 'positions' });
    const started = process.hrtime.bigint();
    let folded = 0;
    // RSS and heap at every tenth of the log: flat when memory is constant.
    const samples: { at: number; rssMb: number; heapMb: number }[] = [];
    const sample = (position: number, head: number): void => {
      const tenth = head > 0 ? Math.floor((position / head) * 10) : 10;
      if (samples.length > 0 && samples[samples.length - 1]!.at >= tenth * 10) return;
      const m = process.memoryUsage();
      samples.push({
        at: tenth * 10,
        rssMb: Math.round(m.rss / 2 ** 20),
        heapMb: Math.round(m.heapUsed / 2 ** 20),
      });
    };
    try {
      const result = await runPnlBackfill(source, {
        intervalMs,
        ...(fromMs !== undefined ? { fromMs } : {}),
        ...(toMs !== undefined ? { toMs } : {}),
        capital,
        skipUndecodable: flags['skip-undecodable'] === true,
        strict: flags.strict === true,
        reference: flags.reference === true,
        archive: flags['no-archive'] !== true,
        worker: threads === '2',
        write: (text) => fs.writeSync(fd, text),
        rewind: () => {
          fs.ftruncateSync(fd, 0);
          fs.closeSync(fd);
          fd = fs.openSync(tmp, 'w');
        },
        progress: (position, head) => {
          sample(position, head);
          bar.update(position, head, (folded = position));
        },
      });
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      fs.closeSync(fd);
      fs.renameSync(tmp, out);
      bar.done();
      void folded;
      const summary = {
        events: result.events,
        eventsPerSec: Math.round(result.events / Math.max(wallSeconds, 1e-9)),
        peakRssMb: peakRssMb(),
        outputRows: result.outputRows,
        foldedEvents: result.foldedEvents,
        lastPosition: result.lastPosition,
        wallSeconds: Math.round(wallSeconds * 1000) / 1000,
        undecodable: result.undecodable,
        fold: result.fold,
        ...(result.whyReference !== undefined ? { whyReference: result.whyReference } : {}),
        archive: result.archive,
        memory: samples,
        out,
      };
      if (result.whyReference !== undefined)
        io.progress(`replay pnl: ran the decimal.js reference fold: ${result.whyReference}`);
      if (result.archive?.problem)
        io.progress(
          `replay pnl: read the log instead of the PnL archive after ${result.archive.segments} segment(s) of it: ${result.archive.problem}`,
        );
      if (result.undecodable.count > 0)
        io.progress(
          `replay pnl: skipped ${result.undecodable.count} undecodable event(s); first at position ${result.undecodable.first[0]!.position} (${result.undecodable.first[0]!.type})`,
        );
      io.result(
        summary,
        () =>
          `${out}: ${summary.outputRows} rows from ${summary.events} events (${summary.foldedEvents} folded) in ${summary.wallSeconds}s, ${summary.eventsPerSec} events/s, peak RSS ${summary.peakRssMb} MB`,
      );
      return 0;
    } catch (e) {
      bar.done();
      try {
        fs.closeSync(fd);
      } catch {
        // already closed
      }
      fs.rmSync(tmp, { force: true });
      if (e instanceof UndecodableEventError) {
        process.stderr.write(`keel: ${e.message}\n`);
        return 1;
      }
      throw e;
    } finally {
      await source.close();
    }
  },
};

const ARCHIVE_OPTIONS = {
  store: { type: 'string', valueName: 'uri', description: 'embedded store, sqlite:<path> (required)' },
} as const satisfies OptionSpecs;

export const replayArchiveCommand: Command = {
  options: ARCHIVE_OPTIONS,
  run: async (args, io) => {
    const flags = parseFlags(args, ARCHIVE_OPTIONS);
    const uri = required('store', flags.store);
    const source = await openStoreFlag(uri);
    try {
      if (source.raw === null || source.path === null)
        throw new UsageError(
          `--store must name an embedded store (sqlite:<path>): other stores have no PnL archive (got ${JSON.stringify(uri)})`,
        );
      const started = process.hrtime.bigint();
      const head = source.raw.head();
      const bar = progressBar('replay archive', { unit: 'positions' });
      const r = extendPnlArchive(source.path, source.raw, {
        onSegment: (ref) => bar.update(ref.last, head, ref.last),
      });
      bar.done();
      if (E.isLeft(r)) throw new Error(describeError(r.left));
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const summary = {
        archive: archivePathOf(source.path),
        written: r.right.written,
        last: r.right.last,
        head,
        events: r.right.events,
        stoppedAt: r.right.stoppedAt,
        wallSeconds: Math.round(wallSeconds * 1000) / 1000,
        peakRssMb: peakRssMb(),
      };
      if (r.right.stoppedAt !== null)
        io.progress(
          `replay archive: stopped before position ${r.right.stoppedAt.position} (${r.right.stoppedAt.type}): ${r.right.stoppedAt.message}; replays read the log from there`,
        );
      io.result(
        summary,
        () =>
          `${summary.archive}: ${summary.written} new segment(s); covers positions 1–${summary.last} of ${head} (${summary.events} events) in ${summary.wallSeconds}s`,
      );
      return 0;
    } finally {
      await source.close();
    }
  },
};

const PROJECTION_OPTIONS = {
  store: {
    type: 'string',
    valueName: 'uri',
    description: 'event store URI, e.g. sqlite:./data/keel.sqlite (required)',
  },
} as const satisfies OptionSpecs;

const projectionCommand = (name: string): Command => {
  const p = PROJECTIONS[name]!;
  return {
    description: `Rebuilds ${p.summary} from position 0 and compares it with the live one (exit 1 on a difference).`,
    options: PROJECTION_OPTIONS,
    run: async (args, io) => {
      const flags = parseFlags(args, PROJECTION_OPTIONS);
      const source = await openStoreFlag(required('store', flags.store));
      try {
        const state = await compareProjection(source, p);
        const checkpoints = name === PNL_ENGINE_NAME ? await verifyPnlCheckpoints(source) : undefined;
        const match = state.match && (checkpoints?.match ?? true);
        io.result({ ...state, ...(checkpoints ? { checkpoints } : {}), match }, () =>
          match
            ? `${name}: the state rebuilt from position 0 to ${state.position} (${state.events} events) equals the live one${checkpoints ? `; ${checkpoints.compared} PnlUpdated checkpoints equal` : ''}`
            : `${name}: MISMATCH ${JSON.stringify({ state: state.difference, checkpoint: checkpoints?.firstMismatch ?? null }, null, 2)}`,
        );
        return match ? 0 : 1;
      } catch (e) {
        process.stderr.write(
          `keel: replay ${name}: ${e instanceof Error ? e.message : describeError(e as never)}\n`,
        );
        return 1;
      } finally {
        await source.close();
      }
    },
  };
};

export const replayProjectionCommands: Readonly<Record<string, Command>> = Object.fromEntries(
  Object.keys(PROJECTIONS).map((n) => [`replay ${n}`, projectionCommand(n)]),
);

/** `keel replay <unknown>`: name what exists. */
export const replayCommand: Command = {
  options: {},
  run: async (args: readonly string[], _io: Io) => {
    throw new UsageError(
      `replay: unknown projection ${JSON.stringify(args[0] ?? '')}; use pnl, ${Object.keys(PROJECTIONS).join(', ')}`,
    );
  },
};
