/**
 * The embedded store's benchmark (the `keel` CLI calls it): durable batched appends with
 * group commit and their p99 latency, one-at-a-time appends, read-all with full decoding,
 * and — in the same run, same file system, same durability settings and batch size — the
 * bare better-sqlite3 driver inserting the same rows into a table of the same shape, so
 * the store's overhead is a ratio, not a guess.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { describeError, NewEvent } from '@keel/events';
import { META, fillData } from '../testing/event-store.fixtures';
import { DDL, envelopeOf, envelopeTail, INSERT_EVENT } from '../lib/sqlite.schema';
import { openSqliteEventStore } from '../lib/sqlite.store';

export interface BenchStoreOptions {
  /** Directory for the benchmark's database files (created; the files are removed after). */
  readonly dir: string;
  /** Events written by batched appends (default 200 000). */
  readonly events?: number;
  /** Events per append call (default 100). */
  readonly batchSize?: number;
  /** Append calls kept in flight at once, so group commit has something to group (default 4). */
  readonly inFlight?: number;
  /** Streams the batched appends are spread over (default 1 000). */
  readonly streams?: number;
  /** One-event appends, each awaited before the next (default 1 000). */
  readonly singleAppends?: number;
  /**
   * Told how far each phase has got (`append`, `single appends`, `read all`, `raw driver`),
   * for a progress bar: called after each append call or page, so it must be cheap.
   */
  readonly onProgress?: (phase: string, done: number, total: number) => void;
  /** Read-all passes; the median is reported (default 3). */
  readonly readPasses?: number;
  /** Read-all page size (default 5 000). */
  readonly pageSize?: number;
  /** Keep the database files (default false). */
  readonly keepFiles?: boolean;
}

export interface BenchStoreResult {
  /** Durable batched appends (group commit), events per second. */
  readonly appendEventsPerSec: number;
  /** 99th percentile latency of one batched append call, ms. */
  readonly appendP99Ms: number;
  /** One-event appends awaited one after another, appends (= events) per second. */
  readonly singleAppendPerSec: number;
  /** readAll over everything written, fully decoded (parsed, upcast, validated), events per second. */
  readonly readAllEventsPerSec: number;
  /** Bare driver: same rows, same table shape, same durability, one transaction per batch. */
  readonly rawInsertsPerSec: number;
  /** appendEventsPerSec / rawInsertsPerSec. */
  readonly appendVsRaw: number;
  /** Bare driver reading the same rows and JSON-parsing them (no validation, no upcasting): context for readAll. */
  readonly rawReadEventsPerSec: number;
  readonly eventsWritten: number;
  readonly batchSize: number;
  readonly inFlight: number;
}

const perSec = (n: number, ms: number): number => Math.round(n / (ms / 1000));

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
};

const median = (values: number[]): number => percentile(values, 50);

// Realistic fills (about 200 bytes of payload). Payloads are built once and reused so the
// timings measure the store, not the benchmark building its input; ids are all distinct.
const PAYLOADS = Array.from({ length: 1024 }, (_, n) => fillData(n, `acc-${n % 16}`));
const makeEvent = (n: number): NewEvent =>
  ({
    eventId: randomUUID(),
    type: 'OrderFilled',
    schemaVersion: 1,
    data: PAYLOADS[n & 1023]!,
    ...META,
  }) as NewEvent;

const fail = (what: string, e: Parameters<typeof describeError>[0]): never => {
  throw new Error(`bench-store: ${what}: ${describeError(e)}`);
};

export const benchStore = async (options: BenchStoreOptions): Promise<BenchStoreResult> => {
  const total = options.events ?? 200_000;
  const batchSize = options.batchSize ?? 100;
  const inFlight = options.inFlight ?? 4;
  const streamCount = options.streams ?? 1000;
  const singles = options.singleAppends ?? 1000;
  const passes = options.readPasses ?? 3;
  const pageSize = options.pageSize ?? 5000;
  const progress = options.onProgress ?? ((): void => undefined);
  fs.mkdirSync(options.dir, { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const storeFile = path.join(options.dir, `bench-store-${stamp}.db`);
  const rawFile = path.join(options.dir, `bench-raw-${stamp}.db`);

  const opened = openSqliteEventStore({ path: storeFile, pageSize });
  if (E.isLeft(opened)) return fail('open', opened.left);
  const store = opened.right;
  try {
    // 1. Batched appends, `inFlight` calls outstanding, round-robin over the streams with
    //    real expected revisions (each stream's previous append has finished by its turn).
    const revisions = new Array<number>(streamCount).fill(-1);
    const latencies: number[] = [];
    const appends = Math.ceil(total / batchSize);
    let next = 0;
    let written = 0;
    const worker = async (): Promise<void> => {
      while (next < appends) {
        const k = next++;
        const stream = k % streamCount;
        const size = Math.min(batchSize, total - k * batchSize);
        const events = Array.from({ length: size }, (_, i) => makeEvent(k * batchSize + i));
        const expected = revisions[stream]! < 0 ? 'noStream' : revisions[stream]!;
        const t0 = performance.now();
        const r = await store.append(`venue-bench${stream}`, events, expected)();
        latencies.push(performance.now() - t0);
        if (E.isLeft(r)) fail('append', r.left);
        else revisions[stream] = r.right.nextExpectedRevision;
        written += size;
        progress('append', written, total);
      }
    };
    const tAppend = performance.now();
    await Promise.all(Array.from({ length: inFlight }, worker));
    const appendMs = performance.now() - tAppend;

    // 2. One event per append, awaited one after another: a commit (fsync) each.
    const tSingle = performance.now();
    for (let i = 0; i < singles; i++) {
      const r = await store.append(
        'venue-bench-single',
        [makeEvent(total + i)],
        i === 0 ? 'noStream' : i - 1,
      )();
      if (E.isLeft(r)) fail('single append', r.left);
      if ((i + 1) % 50 === 0 || i + 1 === singles) progress('single appends', i + 1, singles);
    }
    const singleMs = performance.now() - tSingle;
    const eventsWritten = written + singles;

    // 3. Read everything back, decoded.
    const readRates: number[] = [];
    for (let p = 0; p < passes; p++) {
      let after = 0;
      let count = 0;
      const t0 = performance.now();
      for (;;) {
        const page = await store.readAll({ after, maxCount: pageSize })();
        if (E.isLeft(page)) return fail('readAll', page.left);
        count += page.right.events.length;
        after = page.right.lastPosition;
        progress(`read all (pass ${p + 1} of ${passes})`, count, eventsWritten);
        if (page.right.isEnd) break;
      }
      readRates.push(perSec(count, performance.now() - t0));
      if (count !== eventsWritten)
        throw new Error(`bench-store: read ${count} events, wrote ${eventsWritten}`);
    }

    // 4. The baseline: the bare driver, same rows, same table, same pragmas, same batches.
    const raw = new Database(rawFile);
    let rawInsertsPerSec: number;
    let rawReadEventsPerSec: number;
    try {
      raw.pragma('journal_mode = WAL');
      raw.pragma('synchronous = FULL');
      raw.exec(DDL);
      const insert = raw.prepare(INSERT_EVENT);
      const streamRev = new Array<number>(streamCount).fill(0);
      const recordedAt = new Date(0).toISOString();
      const rows = Array.from({ length: written }, (_, n) => {
        const e = makeEvent(n);
        const s = Math.floor(n / batchSize) % streamCount;
        const stream = `venue-bench${s}`;
        const revision = streamRev[s]!++;
        return [
          n + 1,
          stream,
          revision,
          'venue',
          e.type,
          e.eventId,
          envelopeOf(envelopeTail(stream, e), n + 1, revision, recordedAt),
        ] as const;
      });
      const insertBatch = raw.transaction((from: number, to: number) => {
        for (let i = from; i < to; i++) insert.run(rows[i]!);
      });
      const tRaw = performance.now();
      for (let i = 0; i < rows.length; i += batchSize) {
        insertBatch.immediate(i, Math.min(rows.length, i + batchSize));
        progress('raw driver', Math.min(rows.length, i + batchSize), rows.length);
      }
      rawInsertsPerSec = perSec(rows.length, performance.now() - tRaw);

      const select = raw
        .prepare('SELECT position, envelope FROM events WHERE position > ? ORDER BY position LIMIT ?')
        .raw();
      const tRead = performance.now();
      let after = 0;
      let count = 0;
      for (;;) {
        const page = select.all(after, pageSize) as [number, string][];
        if (page.length === 0) break;
        for (const r of page) JSON.parse(r[1]);
        count += page.length;
        after = page[page.length - 1]![0];
      }
      rawReadEventsPerSec = perSec(count, performance.now() - tRead);
    } finally {
      raw.close();
    }

    const appendEventsPerSec = perSec(written, appendMs);
    return {
      appendEventsPerSec,
      appendP99Ms: Math.round(percentile(latencies, 99) * 100) / 100,
      singleAppendPerSec: perSec(singles, singleMs),
      readAllEventsPerSec: median(readRates),
      rawInsertsPerSec,
      appendVsRaw: Math.round((appendEventsPerSec / rawInsertsPerSec) * 100) / 100,
      rawReadEventsPerSec,
      eventsWritten,
      batchSize,
      inFlight,
    };
  } finally {
    await store.close();
    if (!options.keepFiles)
      for (const f of [storeFile, rawFile])
        for (const suffix of ['', '-wal', '-shm']) fs.rmSync(f + suffix, { force: true });
  }
};
