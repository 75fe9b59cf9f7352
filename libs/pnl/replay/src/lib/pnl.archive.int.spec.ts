/**
 * The PnL archive on real SQLite stores: a backfill read from the archive, from the log, and
 * with the decimal.js reference fold gives the same bytes; the archive follows a growing log,
 * is refused beside another store, stops before an undecodable event; a decimal the
 * fixed-point fold cannot hold sends the replay to the reference fold from the start.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId } from '@keel/events';
import {
  BulkEvent,
  bulkLoadSqlite,
  openRawLogScanner,
  openSqliteEventStore,
  RawLogScanner,
} from '@keel/event-store';
import { TempDir, tempDir } from '@keel/testing';
import { openLogSource } from './log.source';
import { archivePathOf, extendPnlArchive } from './pnl.archive';
import { startPnlArchiver } from './pnl.archiver';
import { PnlBackfillOptions, PnlBackfillResult, runPnlBackfill } from './pnl.backfill';
import { syntheticSession } from './synthetic.session';

let dir: TempDir;
afterAll(async () => dir?.cleanup());
beforeAll(async () => {
  dir = await tempDir('keel-pnl-archive');
});

const ok = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const file = (name: string) => path.join(dir.path, name);

/** Run a backfill in process; the CSV text and the result. */
const backfill = async (
  store: string,
  o: Partial<PnlBackfillOptions> = {},
): Promise<{ csv: string; r: PnlBackfillResult }> => {
  const source = ok(await openLogSource(`sqlite:${store}`));
  let csv = '';
  try {
    const r = await runPnlBackfill(source, {
      intervalMs: 60_000,
      capital: '250000',
      write: (t) => (csv += t),
      rewind: () => (csv = ''),
      ...o,
    });
    return { csv, r };
  } finally {
    await source.close();
  }
};

const withScanner = <A>(store: string, f: (s: RawLogScanner) => A): A => {
  const s = ok(openRawLogScanner(store));
  try {
    return f(s);
  } finally {
    s.close();
  }
};

describe('PnL archive', () => {
  it('archive, log and reference fold give the same bytes, with and without a window', async () => {
    const store = file('a.sqlite');
    bulkLoadSqlite(store, syntheticSession({ events: 12_000 }));
    const built = withScanner(store, (s) => ok(extendPnlArchive(store, s, { span: 1_000 })));
    expect(built).toMatchObject({ written: 12, last: 12_000, events: 12_000, stoppedAt: null });

    const fromArchive = await backfill(store);
    const fromLog = await backfill(store, { archive: false });
    const reference = await backfill(store, { reference: true });
    expect(fromArchive.r.archive).toEqual({ segments: 12, events: 12_000, problem: null });
    expect(fromLog.r.archive).toBeNull();
    expect([fromArchive.r.fold, fromLog.r.fold, reference.r.fold]).toEqual(['fixed', 'fixed', 'reference']);
    expect(fromArchive.csv.split('\n').length).toBeGreaterThan(20);
    expect(fromArchive.csv).toBe(reference.csv);
    expect(fromLog.csv).toBe(reference.csv);
    expect(fromArchive.r).toMatchObject({
      events: 12_000,
      foldedEvents: reference.r.foldedEvents,
      outputRows: reference.r.outputRows,
      lastPosition: 12_000,
    });

    // --to inside a segment: the replay stops at the same event either way, and counts the same events.
    const window = { fromMs: Date.parse('2026-01-05T00:01:00Z'), toMs: Date.parse('2026-01-05T00:02:30Z') };
    const a = await backfill(store, window);
    const ref = await backfill(store, { ...window, reference: true });
    expect(a.csv).toBe(ref.csv);
    expect(a.r).toMatchObject({
      events: ref.r.events,
      foldedEvents: ref.r.foldedEvents,
      lastPosition: ref.r.lastPosition,
    });
    expect(a.r.lastPosition).toBeLessThan(12_000);
  });

  it('--to at the first input of a segment: the events counted are those up to the last input folded, in the segment before', async () => {
    const store = file('boundary.sqlite');
    const events = [...syntheticSession({ events: 3_000 })];
    bulkLoadSqlite(store, events);
    // A span whose last position is an event the fold does not read (so the last input folded lies before it).
    const span = [...Array(200).keys()]
      .map((k) => 900 + k)
      .find((p) => !['OrderFilled', 'QuoteUpdated', 'FundingPaid'].includes(events[p - 1]!.event.type))!;
    withScanner(store, (s) => ok(extendPnlArchive(store, s, { span })));
    const toMs = Date.parse(events[span]!.event.occurredAt); // position span + 1
    const at = await backfill(store, { toMs });
    const atRef = await backfill(store, { toMs, reference: true });
    expect(at.r.archive?.segments).toBe(1);
    expect(at.r.lastPosition).toBeLessThan(span);
    expect(at.r).toMatchObject({
      events: atRef.r.events,
      foldedEvents: atRef.r.foldedEvents,
      lastPosition: atRef.r.lastPosition,
    });
    expect(at.csv).toBe(atRef.csv);
  });

  it('follows a growing log: the short last segment is rebuilt longer, full ones are kept', async () => {
    const store = file('grow.sqlite');
    const events = [...syntheticSession({ events: 5_000 })];
    bulkLoadSqlite(store, events.slice(0, 3_500));
    expect(withScanner(store, (s) => ok(extendPnlArchive(store, s, { span: 1_000 })))).toMatchObject({
      written: 4,
      last: 3_500,
    });
    // Nothing new in the log: nothing is written again.
    expect(withScanner(store, (s) => ok(extendPnlArchive(store, s, { span: 1_000 })))).toMatchObject({
      written: 0,
      last: 3_500,
      events: 3_500,
    });
    // Append the rest through the store itself, as live writers do.
    const s = ok(openSqliteEventStore({ path: store }));
    for (const e of events.slice(3_500)) ok(await s.appendRawUnchecked(e.stream, [e.event])());
    await s.close();
    const stale = await backfill(store);
    expect(stale.r.archive).toMatchObject({ segments: 4, events: 3_500 }); // the rest came from the log
    const again = withScanner(store, (sc) => ok(extendPnlArchive(store, sc, { span: 1_000 })));
    expect(again).toMatchObject({ written: 2, last: 5_000, events: 5_000 }); // 3001–4000 rebuilt, 4001–5000 new
    const fresh = await backfill(store);
    expect(fresh.r.archive).toMatchObject({ segments: 5, events: 5_000 });
    expect(fresh.csv).toBe(stale.csv);
    expect(fresh.csv).toBe((await backfill(store, { reference: true })).csv);
  });

  it('is not used beside another store, and is rebuilt there', async () => {
    const one = file('one.sqlite');
    const two = file('two.sqlite');
    bulkLoadSqlite(one, syntheticSession({ events: 3_000, seed: 1 }));
    bulkLoadSqlite(two, syntheticSession({ events: 3_000, seed: 2 }));
    withScanner(one, (s) => ok(extendPnlArchive(one, s, { span: 1_000 })));
    fs.copyFileSync(archivePathOf(one), archivePathOf(two));
    const r = await backfill(two);
    expect(r.r.archive?.segments).toBe(0);
    expect(r.r.archive?.problem).toMatch(/does not match the store/);
    expect(r.csv).toBe((await backfill(two, { reference: true })).csv);
    expect(withScanner(two, (s) => ok(extendPnlArchive(two, s, { span: 1_000 })))).toMatchObject({
      written: 3,
      last: 3_000,
    });
    expect((await backfill(two)).r.archive).toEqual({ segments: 3, events: 3_000, problem: null });
  });

  it('stops before an event that no longer decodes; the replay reads on from the log and reports it once', async () => {
    const store = file('broken.sqlite');
    const events: BulkEvent[] = [...syntheticSession({ events: 2_500 })];
    const bad: BulkEvent = {
      stream: 'venue-md.binanceusdm',
      event: {
        correlationId: 'c',
        causationId: null,
        producer: 'spec',
        occurredAt: '2026-01-05T00:00:30.000Z',
        eventId: deriveId('bad-quote'),
        type: 'QuoteUpdated',
        schemaVersion: 2,
        data: {
          venue: 'x',
          instrument: 'BTC/USDT:USDT',
          bidPrice: 'abc',
          bidQty: '1',
          askPrice: '1',
          askQty: '1',
          venueAt: '2026-01-05T00:00:30Z',
        },
      },
    };
    events.splice(1_500, 0, bad); // position 1501
    bulkLoadSqlite(store, events);
    const built = withScanner(store, (s) => ok(extendPnlArchive(store, s, { span: 1_000 })));
    expect(built).toMatchObject({
      written: 1,
      last: 1_000,
      stoppedAt: { position: 1_501, type: 'QuoteUpdated' },
    });
    await expect(backfill(store)).rejects.toThrow(/stopped at position 1501 \(QuoteUpdated\)/);
    const skipped = await backfill(store, { skipUndecodable: true });
    expect(skipped.r.archive).toMatchObject({ segments: 1 });
    expect(skipped.r.undecodable.count).toBe(1);
    expect(skipped.r.undecodable.first[0]).toMatchObject({ position: 1_501, type: 'QuoteUpdated' });
    expect(skipped.csv).toBe((await backfill(store, { skipUndecodable: true, reference: true })).csv);
  });

  it('a decimal with more places than the fixed-point fold keeps: the replay starts again on the reference fold', async () => {
    const store = file('long-decimals.sqlite');
    const events: BulkEvent[] = [...syntheticSession({ events: 2_000 })];
    const fine = events.findIndex(
      (e) => e.event.type === 'OrderFilled' && e.event.occurredAt > '2026-01-05T00:00:20',
    );
    const f = events[fine]!;
    events[fine] = {
      ...f,
      event: { ...f.event, data: { ...(f.event.data as object), price: '87000.1000000000000000000001' } },
    };
    bulkLoadSqlite(store, events);
    withScanner(store, (s) => ok(extendPnlArchive(store, s, { span: 500 })));
    const r = await backfill(store);
    expect(r.r.fold).toBe('reference');
    expect(r.r.whyReference).toMatch(/price "87000.1000000000000000000001" has more than 18 decimal places/);
    expect(r.csv).toBe((await backfill(store, { reference: true })).csv);
    expect(r.csv.startsWith('interval_start,')).toBe(true);
    expect(r.csv.indexOf('interval_start,', 1)).toBe(-1); // rewound: one header, no rows twice
    await expect(backfill(store, { rewind: undefined })).rejects.toThrow(/more than 18 decimal places/);
  });

  it('the archiver keeps the archive at the head while the log grows, and stops promptly', async () => {
    const store = file('live.sqlite');
    const events = [...syntheticSession({ events: 40_000 })];
    bulkLoadSqlite(store, events.slice(0, 38_000));
    const logs: string[] = [];
    const logger = {
      info: (_: object, m: string) => logs.push(m),
      warn: (o: object, m: string) => logs.push(`${m} ${JSON.stringify(o)}`),
    };
    const archiver = startPnlArchiver({ storePath: store, everyMs: 50, logger });
    try {
      const until = async (what: () => boolean) => {
        for (let i = 0; i < 400 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
        expect(what()).toBe(true);
      };
      await until(() => archiver.last() === 38_000);
      const s = ok(openSqliteEventStore({ path: store }));
      for (const e of events.slice(38_000)) ok(await s.appendRawUnchecked(e.stream, [e.event])());
      await s.close();
      await until(() => archiver.last() === 40_000);
    } finally {
      const t0 = Date.now();
      await archiver.stop();
      expect(Date.now() - t0).toBeLessThan(2_000);
    }
    expect(logs.filter((l) => l.includes('failed'))).toEqual([]);
    const r = await backfill(store);
    expect(r.r.archive).toEqual({ segments: 3, events: 40_000, problem: null });
    expect(r.csv).toBe((await backfill(store, { archive: false })).csv);
  });
});
