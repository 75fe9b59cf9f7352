/**
 * The PnL backfill: stream the log from position 0 through the PnL fold of
 * @keel/pnl-domain and write one CSV row per account × instrument × interval (plus one total
 * row per account). Constant memory: pages of raw rows, a fold whose state is one book per
 * account × instrument, rows written as they are produced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as E from 'fp-ts/Either';
import {
  createBackfill,
  createEquityTimeline,
  createFastBackfill,
  EQUITY_COLUMNS,
  FastBackfill,
  FixedPointRangeError,
  INTERVAL_COLUMNS,
  IntervalRow,
  isoMs,
  PNL_INPUT_TYPES,
  PnlCheckpoint,
  PnlInput,
  POW10N as POW10N_,
  QTY_DP,
  toPnlInput,
} from '@keel/pnl-domain';
import { Kind, openPnlArchive, Segment } from './pnl.archive';
import { RecordedEvent } from '@keel/events';
import { decodedPages, LogSource, rawPages } from './log.source';
import { rowInput, UndecodableReport } from './pnl.extract';
import { unpackPage } from './pnl.packed';

export interface PnlBackfillOptions {
  readonly intervalMs: number;
  readonly fromMs?: number;
  readonly toMs?: number;
  readonly capital?: string;
  /** Receives the CSV text in order (header first). */
  readonly write: (text: string) => void;
  /** Count and report undecodable events instead of stopping at the first. */
  readonly skipUndecodable?: boolean;
  /** Decode every event in full (no short cut). */
  readonly strict?: boolean;
  /** Scan in a worker thread while folding (embedded store; runtimes that load .ts in workers). */
  readonly worker?: boolean;
  /** Fold no further than this global position (default: the head when the replay starts). */
  readonly upToPosition?: number;
  readonly onCheckpoint?: (c: PnlCheckpoint) => void;
  readonly progress?: (position: number, head: number) => void;
  /** Fold with the decimal.js reference instead of the fixed-point fold (same rows, slower). */
  readonly reference?: boolean;
  /** Read the PnL archive where it covers the log (default true; never with `strict`). */
  readonly archive?: boolean;
  /**
   * Discard everything written so far: called before the replay starts again on the
   * reference fold (a decimal with more places than the fixed-point fold keeps). Without
   * it, such a log fails the replay.
   */
  readonly rewind?: () => void;
}

export interface PnlBackfillResult {
  /** Events of every type the replay covered (positions 1 … lastPosition). */
  readonly events: number;
  /** Events the fold read (fills, quotes, funding). */
  readonly foldedEvents: number;
  readonly outputRows: number;
  readonly lastPosition: number;
  readonly undecodable: { readonly count: number; readonly first: readonly UndecodableReport[] };
  /** Which fold ran: `fixed` (fixed-point) or `reference` (decimal.js). */
  readonly fold: 'fixed' | 'reference';
  /** Why the reference fold ran after the fixed-point one declined. */
  readonly whyReference?: string;
  /** What the PnL archive gave (null: no archive read): segments folded, events they cover, why it was not (or no longer) used. */
  readonly archive: {
    readonly segments: number;
    readonly events: number;
    readonly problem: string | null;
  } | null;
}

/** Thrown when an event no longer decodes and `skipUndecodable` is off. */
export class UndecodableEventError extends Error {
  constructor(readonly report: UndecodableReport) {
    super(
      `the replay stopped at position ${report.position} (${report.type}): the event no longer decodes: ${report.message} (pass --skip-undecodable to count and skip such events)`,
    );
  }
}

export interface InputPage {
  readonly inputs: readonly PnlInput[];
  /** The last position the page covered. */
  readonly lastPosition: number;
}

/**
 * The fold's inputs in log order, a page at a time: the short cut on the embedded store
 * (full decoding where it does not apply, or with `strict`), the port elsewhere. An event that
 * does not decode goes to `reject`, which throws to stop the replay or returns to skip it.
 */
export async function* pnlInputPages(
  source: LogSource,
  o: {
    readonly after?: number;
    readonly upTo: number;
    readonly strict?: boolean;
    readonly reject: (r: UndecodableReport) => void;
    readonly worker?: boolean;
  },
): AsyncGenerator<InputPage> {
  const after = o.after ?? 0;
  if (source.raw && o.worker && source.path !== null) {
    yield* workerPages(source.path, { ...o, after });
    return;
  }
  if (source.raw) {
    for (const rows of rawPages(source.raw, PNL_INPUT_TYPES, after, o.upTo)) {
      const inputs: PnlInput[] = [];
      for (let i = 0; i < rows.length; i++) {
        const input = rowInput(rows[i]!, o.strict === true);
        if (input === null) continue;
        if ('undecodable' in input) o.reject(input.undecodable);
        else inputs.push(input);
      }
      yield { inputs, lastPosition: rows[rows.length - 1]![0] };
    }
    return;
  }
  const store = await source.store();
  for await (const events of decodedPages(store, PNL_INPUT_TYPES, after, o.upTo)) {
    const inputs: PnlInput[] = [];
    for (const e of events) {
      const input = toPnlInput(e);
      if (input !== null) inputs.push(input);
    }
    yield { inputs, lastPosition: events[events.length - 1]!.globalPosition };
  }
}

/**
 * The same pages, scanned and extracted in a worker thread while this thread folds (the two
 * halves overlap on two cores). Needs a runtime that loads .ts in workers (the CLI under tsx).
 */
async function* workerPages(
  file: string,
  o: {
    readonly after: number;
    readonly upTo: number;
    readonly strict?: boolean;
    readonly reject: (r: UndecodableReport) => void;
  },
): AsyncGenerator<InputPage> {
  const workerData = { file, after: o.after, upTo: o.upTo, strict: o.strict === true, pageSize: 8192 };
  // In the keel CLI bundle the worker is a bundled file beside it (the bundle's banner says
  // where: scripts/keel.cjs); from the sources, workers do not inherit tsx's loader: register
  // it (CommonJS) before loading the TypeScript worker.
  const bundleDir = (globalThis as { __keelBundleDir?: string }).__keelBundleDir;
  const bundled = bundleDir === undefined ? undefined : path.join(bundleDir, 'pnl.scan.worker.cjs');
  const entry = path.join(__dirname, 'pnl.scan.worker.ts');
  const worker =
    bundled !== undefined && fs.existsSync(bundled)
      ? new Worker(bundled, { workerData })
      : new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true, workerData });
  const queue: ({ text: string; last: number } | { done: true } | { error: string })[] = [];
  let wake: (() => void) | null = null;
  worker.on('message', (m: (typeof queue)[number]) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (e) => {
    queue.push({ error: e.message });
    wake?.();
  });
  worker.postMessage(4);
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const m = queue.shift()!;
      if ('error' in m) throw new Error(`replay scan worker: ${m.error}`);
      if ('done' in m) return;
      worker.postMessage(1);
      yield { inputs: unpackPage(m.text, o.reject), lastPosition: m.last };
    }
  } finally {
    await worker.terminate();
  }
}

const csvField = (v: string): string => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The CSV header (snake_case of the row's fields), then the equity columns taken from the log. */
export const CSV_HEADER = [
  ...INTERVAL_COLUMNS.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)),
  ...EQUITY_COLUMNS,
].join(',');

/**
 * The balance-aggregator's AccountEquityUpdated in log order, read alongside the fold (from
 * position 0 whatever the archive covers) into an equity timeline: `to(position)` adds every
 * figure recorded up to that position. Their times are made monotonic in log order.
 */
const equityReader = (source: LogSource, upTo: number) => {
  const timeline = createEquityTimeline();
  let pages: AsyncGenerator<readonly RecordedEvent[]> | null = null;
  let pending: readonly RecordedEvent[] = [];
  let next = 0;
  let done = false;
  let lastAt = -Infinity;
  return {
    timeline,
    to: async (position: number): Promise<void> => {
      for (;;) {
        for (; next < pending.length && pending[next]!.globalPosition <= position; next++) {
          const e = pending[next] as RecordedEvent<'AccountEquityUpdated'>;
          lastAt = Math.max(lastAt, Date.parse(e.data.asOf));
          timeline.add(e.data.accountId, lastAt, e.data.equity, e.data.stale !== null);
        }
        if (next < pending.length || done) return;
        pages ??= decodedPages(await source.store(), ['AccountEquityUpdated'], 0, upTo);
        const page = await pages.next();
        if (page.done) {
          done = true;
          return;
        }
        pending = page.value;
        next = 0;
      }
    },
  };
};

type Engine = { push(input: PnlInput): void; finish(endMs?: number): void; rows(): number };

/**
 * Run the backfill. The fold is the fixed-point one (`createFastBackfill`) fed from the PnL
 * archive where the archive covers the log and matches it, then from the log itself; the
 * decimal.js reference fold runs instead when checkpoints are asked for, with `reference`, or
 * when a decimal of the log has more places than the fixed-point fold keeps (then the output
 * so far is rewound and the replay starts again; both folds give the same rows).
 */
export const runPnlBackfill = async (
  source: LogSource,
  o: PnlBackfillOptions,
): Promise<PnlBackfillResult> => {
  if (o.skipUndecodable && !source.raw)
    throw new Error(
      '--skip-undecodable needs the embedded store (sqlite:<path>); other stores stop at the first undecodable event',
    );
  if (o.onCheckpoint !== undefined || o.reference) return runOnce(source, o, 'reference', null);
  try {
    return await runOnce(source, o, 'fixed', null);
  } catch (e) {
    if (!(e instanceof FixedPointRangeError) || o.rewind === undefined) throw e;
    o.rewind();
    return runOnce(source, o, 'reference', e.message);
  }
};

const runOnce = async (
  source: LogSource,
  o: PnlBackfillOptions,
  fold: 'fixed' | 'reference',
  whyReference: string | null,
): Promise<PnlBackfillResult> => {
  const head = await source.head();
  const upTo = Math.min(o.upToPosition ?? head, head);
  let buffer = `${CSV_HEADER}\n`;
  const equity = equityReader(source, upTo);
  const onRow = (r: IntervalRow): void => {
    let line = '';
    for (let i = 0; i < INTERVAL_COLUMNS.length; i++)
      line += (i === 0 ? '' : ',') + csvField(r[INTERVAL_COLUMNS[i]!]);
    if (r.instrument === '*') {
      const c = equity.timeline.columns(r.accountId, isoMs(r.intervalEnd));
      line += `,${c.equity},${c.equityStale},${c.drawdown}`;
    } else line += ',,,';
    buffer += `${line}\n`;
    if (buffer.length > 1 << 16) {
      o.write(buffer);
      buffer = '';
    }
  };
  const window = {
    intervalMs: o.intervalMs,
    ...(o.fromMs !== undefined ? { fromMs: o.fromMs } : {}),
    ...(o.toMs !== undefined ? { toMs: o.toMs } : {}),
    ...(o.capital !== undefined ? { capital: o.capital } : {}),
    onRow,
  };
  const fast = fold === 'fixed' ? createFastBackfill(window) : null;
  const backfill: Engine =
    fast ?? createBackfill({ ...window, ...(o.onCheckpoint ? { onCheckpoint: o.onCheckpoint } : {}) });
  let folded = 0;
  let lastPosition = 0;
  let stopped = false;
  const undecodable: UndecodableReport[] = [];
  let undecodableCount = 0;
  const reject = (report: UndecodableReport): void => {
    if (!o.skipUndecodable) throw new UndecodableEventError(report);
    undecodableCount++;
    if (undecodable.length < 20) undecodable.push(report);
  };

  // 1. The archive, where it covers the log (fixed-point fold, embedded store, not --strict).
  let after = 0;
  let archivedEvents = 0;
  let archiveUse: PnlBackfillResult['archive'] = null;
  if (fast !== null && source.raw !== null && source.path !== null && !o.strict && o.archive !== false) {
    const opened = openPnlArchive(source.path, source.raw);
    if (E.isLeft(opened)) archiveUse = { segments: 0, events: 0, problem: opened.left };
    else if (opened.right !== null) {
      const archive = opened.right;
      let segments = 0;
      let problem: string | null = null;
      try {
        for (const ref of archive.segments) {
          if (ref.last > upTo) break;
          await equity.to(ref.last);
          let seg: Segment;
          try {
            seg = archive.read(ref);
          } catch (e) {
            // Segments before this one matched the store; read the rest from the log.
            problem = e instanceof Error ? e.message : String(e);
            break;
          }
          const done = feedSegment(fast, seg, o.toMs, (position) => {
            folded++;
            lastPosition = position;
          });
          if (!done) {
            // Stopped by --to inside this segment: its events are counted up to lastPosition below.
            stopped = true;
            after = ref.after;
            break;
          }
          segments++;
          archivedEvents += ref.events;
          after = ref.last;
          o.progress?.(ref.last, upTo);
        }
      } finally {
        archive.close();
      }
      archiveUse = { segments, events: archivedEvents, problem };
    }
  }

  // 2. The log itself, from where the archive ends.
  if (!stopped) {
    /** Fold one input; false once it lies at or past `--to` (the replay ends there). */
    const take = (input: PnlInput): boolean => {
      if (o.toMs !== undefined && isoMs(input.ts) >= o.toMs) return false;
      backfill.push(input);
      folded++;
      lastPosition = input.position;
      return true;
    };
    outer: for await (const page of pnlInputPages(source, {
      after,
      upTo,
      reject,
      ...(o.strict ? { strict: true } : {}),
      ...(o.worker ? { worker: true } : {}),
    })) {
      await equity.to(page.lastPosition);
      for (const input of page.inputs) {
        if (!take(input)) {
          stopped = true;
          break outer;
        }
      }
      o.progress?.(page.lastPosition, upTo);
    }
    if (!stopped) lastPosition = upTo;
  }
  await equity.to(lastPosition);
  backfill.finish(o.toMs);
  o.write(buffer);
  // Events of every type in (0, lastPosition]: the archive's count of (0, after] corrected by
  // the log's count between `after` and lastPosition (which lies before `after` when --to
  // stopped the replay at the first input of a segment).
  const counted =
    lastPosition >= after ? await source.count(after, lastPosition) : await source.count(lastPosition, after);
  return {
    events:
      counted === null ? folded : lastPosition >= after ? archivedEvents + counted : archivedEvents - counted,
    foldedEvents: folded,
    outputRows: backfill.rows(),
    lastPosition,
    undecodable: { count: undecodableCount, first: undecodable },
    fold,
    ...(whyReference !== null ? { whyReference } : {}),
    archive: archiveUse,
  };
};

// A module-local binding: the per-event path must not read imports through the module object.
const POW10N = POW10N_;
const [TEXT, QUOTE, FILL] = [Kind.Text, Kind.Quote, Kind.Fill];
const QTY = QTY_DP;

/** Fold a segment's inputs; false when one lies at or past `toMs` (the replay ends there). */
const feedSegment = (
  engine: FastBackfill,
  seg: Segment,
  toMs: number | undefined,
  took: (position: number) => void,
): boolean => {
  const d = seg.dict.length;
  // (venue, symbol) → instrument id, by dict indexes: a flat table while it stays small.
  const flat = d <= 512 ? new Int32Array(d * d).fill(-1) : null;
  const instrumentMap = new Map<number, number>();
  const books = new Map<number, number>();
  const { position, ms, a, b, c, instrument, account, asset, kind, sa, sb, sc } = seg;
  for (let i = 0; i < seg.n; i++) {
    const t = ms[i]!;
    if (toMs !== undefined && t >= toMs) return false;
    const k = kind[i]!;
    const pos = position[i]!;
    if (k === TEXT) engine.push(seg.text[a[i]!]!);
    else {
      const sym = instrument[i]!;
      const who = account[i]!;
      if (k === QUOTE) {
        const key = who * d + sym;
        let ins = flat !== null ? flat[key]! : (instrumentMap.get(key) ?? -1);
        if (ins < 0) {
          ins = engine.instrumentId(seg.dict[who]!, seg.dict[sym]!);
          if (flat !== null) flat[key] = ins;
          else instrumentMap.set(key, ins);
        }
        engine.quote(pos, t, ins, a[i]!, sa[i]!, b[i]!, sb[i]!);
      } else {
        const key = who * 65_536 + sym;
        let book = books.get(key);
        if (book === undefined) {
          book = engine.bookId(seg.dict[who]!, seg.dict[sym]!);
          books.set(key, book);
        }
        if (k === FILL)
          engine.fill(
            pos,
            t,
            book,
            BigInt(a[i]!) * POW10N[QTY - sa[i]!]!,
            BigInt(b[i]!) * POW10N[QTY - sb[i]!]!,
            BigInt(c[i]!) * POW10N[QTY - sc[i]!]!,
            seg.dict[asset[i]!]!,
          );
        else engine.funding(pos, t, book, BigInt(a[i]!) * POW10N[QTY - sa[i]!]!, seg.dict[asset[i]!]!);
      }
    }
    took(pos);
  }
  return true;
};
