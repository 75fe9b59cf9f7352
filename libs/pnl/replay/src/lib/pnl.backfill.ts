/**
 * The PnL backfill: stream the log from position 0 through the PnL fold of
 * @keel/pnl-domain and write one CSV row per account × instrument × interval (plus one total
 * row per account). Constant memory: pages of raw rows, a fold whose state is one book per
 * account × instrument, rows written as they are produced.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as E from 'fp-ts/Either';
import { describeError } from '@keel/events';
import { decodeRawEnvelope } from '@keel/event-store';
import { createBackfill, INTERVAL_COLUMNS, IntervalRow, isoMs, PNL_INPUT_TYPES, PnlCheckpoint, PnlInput, toPnlInput } from '@keel/pnl-domain';
import { decodedPages, LogSource, rawPages } from './log.source';
import { extractPnlInput } from './pnl.extract';
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
}

export interface UndecodableReport {
  readonly position: number;
  readonly type: string;
  readonly message: string;
}

export interface PnlBackfillResult {
  /** Events of every type the replay covered (positions 1 … lastPosition). */
  readonly events: number;
  /** Events the fold read (fills, quotes, funding). */
  readonly foldedEvents: number;
  readonly outputRows: number;
  readonly lastPosition: number;
  readonly undecodable: { readonly count: number; readonly first: readonly UndecodableReport[] };
}

/** Thrown when an event no longer decodes and `skipUndecodable` is off. */
export class UndecodableEventError extends Error {
  constructor(readonly report: UndecodableReport) {
    super(`the replay stopped at position ${report.position} (${report.type}): the event no longer decodes: ${report.message} (pass --skip-undecodable to count and skip such events)`);
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
  o: { readonly upTo: number; readonly strict?: boolean; readonly reject: (r: UndecodableReport) => void; readonly worker?: boolean },
): AsyncGenerator<InputPage> {
  if (source.raw && o.worker && source.path !== null) {
    yield* workerPages(source.path, o);
    return;
  }
  if (source.raw) {
    for (const rows of rawPages(source.raw, PNL_INPUT_TYPES, 0, o.upTo)) {
      const inputs: PnlInput[] = [];
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        let input = o.strict ? null : extractPnlInput(row[0], row[1], row[2]);
        if (input === null) {
          const d = decodeRawEnvelope(row);
          if (E.isLeft(d)) {
            o.reject({ position: row[0], type: row[1], message: describeError(d.left) });
            continue;
          }
          input = toPnlInput(d.right);
          if (input === null) continue;
        }
        inputs.push(input);
      }
      yield { inputs, lastPosition: rows[rows.length - 1]![0] };
    }
    return;
  }
  const store = await source.store();
  for await (const events of decodedPages(store, PNL_INPUT_TYPES, 0, o.upTo)) {
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
async function* workerPages(file: string, o: { readonly upTo: number; readonly strict?: boolean; readonly reject: (r: UndecodableReport) => void }): AsyncGenerator<InputPage> {
  // Workers do not inherit tsx's loader: register it (CommonJS) before loading the TypeScript worker.
  const entry = path.join(__dirname, 'pnl.scan.worker.ts');
  const worker = new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, { eval: true, workerData: { file, upTo: o.upTo, strict: o.strict === true, pageSize: 8192 } });
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

/** The CSV header (snake_case of the row's fields). */
export const CSV_HEADER = INTERVAL_COLUMNS.map((c) => c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`)).join(',');

export const runPnlBackfill = async (source: LogSource, o: PnlBackfillOptions): Promise<PnlBackfillResult> => {
  const head = await source.head();
  const upTo = Math.min(o.upToPosition ?? head, head);
  let buffer = `${CSV_HEADER}\n`;
  const onRow = (r: IntervalRow): void => {
    let line = '';
    for (let i = 0; i < INTERVAL_COLUMNS.length; i++) line += (i === 0 ? '' : ',') + csvField(r[INTERVAL_COLUMNS[i]!]);
    buffer += `${line}\n`;
    if (buffer.length > 1 << 16) {
      o.write(buffer);
      buffer = '';
    }
  };
  const backfill = createBackfill({
    intervalMs: o.intervalMs,
    ...(o.fromMs !== undefined ? { fromMs: o.fromMs } : {}),
    ...(o.toMs !== undefined ? { toMs: o.toMs } : {}),
    ...(o.capital !== undefined ? { capital: o.capital } : {}),
    onRow,
    ...(o.onCheckpoint ? { onCheckpoint: o.onCheckpoint } : {}),
  });
  let folded = 0;
  let lastPosition = 0;
  let stopped = false;
  const undecodable: UndecodableReport[] = [];
  let undecodableCount = 0;
  if (o.skipUndecodable && !source.raw)
    throw new Error('--skip-undecodable needs the embedded store (sqlite:<path>); other stores stop at the first undecodable event');
  const reject = (report: UndecodableReport): void => {
    if (!o.skipUndecodable) throw new UndecodableEventError(report);
    undecodableCount++;
    if (undecodable.length < 20) undecodable.push(report);
  };
  /** Fold one input; false once it lies at or past `--to` (the replay ends there). */
  const take = (input: PnlInput): boolean => {
    if (o.toMs !== undefined && isoMs(input.ts) >= o.toMs) return false;
    backfill.push(input);
    folded++;
    lastPosition = input.position;
    return true;
  };

  outer: for await (const page of pnlInputPages(source, { upTo, reject, ...(o.strict ? { strict: true } : {}), ...(o.worker ? { worker: true } : {}) })) {
    for (const input of page.inputs) {
      if (!take(input)) {
        stopped = true;
        break outer;
      }
    }
    o.progress?.(page.lastPosition, upTo);
  }
  if (!stopped) lastPosition = upTo;
  backfill.finish(o.toMs);
  o.write(buffer);
  const counted = await source.count(0, lastPosition);
  return {
    events: counted ?? folded,
    foldedEvents: folded,
    outputRows: backfill.rows(),
    lastPosition,
    undecodable: { count: undecodableCount, first: undecodable },
  };
};
