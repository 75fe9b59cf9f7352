import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readBars } from './bars';
import {
  loadMarket,
  MarketDataError,
  nsToMs,
  readDepthDiffs,
  readDepthSnapshots,
  readQuotes,
  readTrades,
} from './csv.readers';
import { mergeByTime, MarketEvent } from './market.events';
import { TEST_DATA } from '../testing/sim.fixtures';

const d = (v: Decimal.Value): Decimal => new Decimal(v);
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
/** A gzip file of `text` in a fresh temporary directory. */
const gzipped = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'venue-sim-')), name);
  writeFileSync(file, gzipSync(text));
  return file;
};
/** Where a reader says a file is bad: line, field and value (false when it read the file). */
const whereBad = (r: E.Either<MarketDataError, unknown>) =>
  E.isLeft(r) && { line: r.left.line, field: r.left.field, value: r.left.value };

describe('csv readers on the recorded slices', () => {
  it('reads the plain trade tape exactly (ts ns → ms, decimals as written, row-numbered ids)', async () => {
    const r = await readTrades(TEST_DATA.trades20241028);
    const rows = E.isRight(r) ? r.right : [];
    expect(rows.length).toBe(5891);
    expect(plain(rows.slice(0, 3))).toEqual([
      { type: 'trade', venueAt: 1730130143833, tradeId: '1', price: '68613.9', qty: '0.005', side: 'sell' },
      { type: 'trade', venueAt: 1730130144238, tradeId: '2', price: '68613.9', qty: '0.002', side: 'sell' },
      { type: 'trade', venueAt: 1730130144263, tradeId: '3', price: '68614', qty: '1.117', side: 'buy' },
    ]);
  });

  it('reads the hftbacktest layout (trade_id, recv_ts_ns) and the tick BBO', async () => {
    const t = await readTrades(TEST_DATA.trades20240718);
    const q = await readQuotes(TEST_DATA.bbo20240718);
    expect(E.isRight(t) && t.right.length).toBe(367);
    expect(E.isRight(t) && /^\d+$/.test(t.right[0]?.tradeId ?? '')).toBe(true);
    expect(E.isRight(q) && q.right.length).toBe(2213);
    const s = await readQuotes(TEST_DATA.bbo1s20260101);
    expect(E.isRight(s) && plain(s.right[0])).toEqual({
      type: 'quote',
      venueAt: 1767225600000,
      bidPrice: '87608.2',
      bidQty: '4.258',
      askPrice: '87608.3',
      askQty: '5.799',
    });
  });

  it('reads depth snapshots and merges sources in time order, quotes first on ties', async () => {
    const dpt = await readDepthSnapshots(TEST_DATA.depth20241031);
    expect(E.isRight(dpt) && dpt.right.length).toBe(1200);
    const m = await loadMarket({ quotes: TEST_DATA.bbo20240718, trades: TEST_DATA.trades20240718 });
    const evs = E.isRight(m) ? m.right : [];
    expect(evs.length).toBe(2213 + 367);
    expect(evs.every((e, i) => i === 0 || (evs[i - 1] as MarketEvent).venueAt <= e.venueAt)).toBe(true);
    const q: MarketEvent = {
      type: 'quote',
      venueAt: 5,
      bidPrice: d('1'),
      bidQty: d('1'),
      askPrice: d('2'),
      askQty: d('1'),
    };
    const t: MarketEvent = {
      type: 'trade',
      venueAt: 5,
      tradeId: 'x',
      price: d('2'),
      qty: d('1'),
      side: 'buy',
    };
    const early: MarketEvent = { ...t, venueAt: 4 };
    expect([...mergeByTime([q], [early, t])].map((e) => `${e.venueAt}${e.type}`)).toEqual([
      '4trade',
      '5quote',
      '5trade',
    ]);
  });

  it('reads the capture’s L2 updates and merges them after quotes and prints of the same instant', async () => {
    const r = await readDepthDiffs(TEST_DATA.depthDiff20240718);
    const rows = E.isRight(r) ? r.right : [];
    expect(rows.length).toBe(22836);
    expect(plain(rows[0])).toMatchObject({ type: 'depth', side: expect.stringMatching(/^(bid|ask)$/) });
    expect(rows.every((e) => e.qty.gte(0) && e.price.gt(0))).toBe(true);
    // Removals (qty 0) are kept: they tell the book a level is gone.
    expect(rows.some((e) => e.qty.isZero())).toBe(true);
    const m = await loadMarket({
      quotes: TEST_DATA.bbo20240718,
      trades: TEST_DATA.trades20240718,
      depth: TEST_DATA.depthDiff20240718,
    });
    const evs = E.isRight(m) ? m.right : [];
    expect(evs.length).toBe(2213 + 367 + 22836);
    const rank = { quote: 0, trade: 1, depth: 2 } as const;
    expect(
      evs.every((e, i) => {
        const p = evs[i - 1];
        return (
          p === undefined ||
          p.venueAt < e.venueAt ||
          (p.venueAt === e.venueAt && rank[p.type] <= rank[e.type])
        );
      }),
    ).toBe(true);
    const bad = gzipped(
      'bad-depthdiff.csv.gz',
      'ts_ns,recv_ts_ns,first_update_id,final_update_id,side,price,qty\n1721347080000000000,1,1,2,bid,63900.0,-1\n',
    );
    expect(whereBad(await readDepthDiffs(bad))).toEqual({ line: 2, field: 'qty', value: '-1' });
  });

  it('reports a bad row with file, line, field and value instead of throwing', async () => {
    const file = gzipped(
      'bad.csv.gz',
      'ts_ns,price,qty,side\n1730130143833000000,68613.9,0.005,sell\n1730130144238000000,68,613.9,0.002,sell\n',
    );
    expect(whereBad(await readTrades(file))).toEqual({ line: 3, field: 'side', value: '0.002' });
    const missing = gzipped('nohead.csv.gz', 'ts_ns,price,qty\n1,2,3\n');
    expect(E.isLeft(await readTrades(missing))).toBe(true);
    expect(nsToMs('1730130143833999999')).toBe(1730130143833);
  });

  it('a truncated or missing file is an error value naming the file, never a thrown stream error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'venue-sim-'));
    const rows = Array.from(
      { length: 20_000 },
      (_, i) => `${1730130143833000000 + i * 1_000_000},68613.9,0.005,sell`,
    );
    const whole = gzipSync(`ts_ns,price,qty,side\n${rows.join('\n')}\n`);
    const file = join(dir, 'truncated.csv.gz');
    writeFileSync(file, whole.subarray(0, Math.floor(whole.length / 2)));
    const r = await readTrades(file);
    expect(E.isLeft(r) && r.left).toMatchObject({ _tag: 'MarketDataError', file, field: 'file' });
    expect(E.isLeft(r) && r.left.message).toMatch(
      /truncated\.csv\.gz: the gzip stream is truncated or corrupt/,
    );
    expect(E.isLeft(r) && r.left.line).toBeGreaterThan(0);
    const minutes = Array.from(
      { length: 20_000 },
      (_, i) => `${new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString()},10,11,9,10.5,3`,
    );
    const wholeBars = gzipSync(`timestamp_utc,open,high,low,close,volume\n${minutes.join('\n')}\n`);
    const barsFile = join(dir, 'bars.csv.gz');
    writeFileSync(barsFile, wholeBars.subarray(0, Math.floor(wholeBars.length / 2)));
    const bars = await readBars(barsFile);
    expect(E.isLeft(bars) && bars.left.message).toMatch(/truncated or corrupt/);
    const gone = join(dir, 'gone.csv.gz');
    const m = await readQuotes(gone);
    expect(E.isLeft(m) && m.left.message).toBe(`${gone}: no such file`);
  });
});
