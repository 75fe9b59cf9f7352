/**
 * `keel replay pnl` takes equity from the log: each account row gets the last
 * AccountEquityUpdated before its interval's end, whether it was stale, and the drawdown from
 * the highest fresh figure; the same from the log and from the PnL archive, on a real SQLite store.
 */
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, NewEvent } from '@keel/events';
import { openRawLogScanner, openSqliteEventStore } from '@keel/event-store';
import { TempDir, tempDir } from '@keel/testing';
import { openLogSource } from './log.source';
import { extendPnlArchive } from './pnl.archive';
import { CSV_HEADER, runPnlBackfill } from './pnl.backfill';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const SEC = 1_000;
const iso = (ms: number): string => new Date(ms).toISOString();

const ok = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

let dir: TempDir;
let storePath: string;
beforeAll(async () => {
  dir = await tempDir('keel-pnl-equity');
  storePath = path.join(dir.path, 'events.sqlite');
  const store = ok(openSqliteEventStore({ path: storePath, now: () => T0 }));
  let n = 0;
  const put = async <T extends EventType>(stream: string, type: T, data: EventData<T>, at: number) => {
    const e = ok(
      newEvent(type, deriveId('pnl-equity-spec', ++n), data, {
        correlationId: 'spec',
        causationId: null,
        producer: type === 'AccountEquityUpdated' ? 'balance-aggregator' : 'gateway',
        occurredAt: iso(at),
      }),
    );
    ok(await store.append(stream, [e as NewEvent], 'any')());
  };
  const quote = (at: number, mid: number) =>
    put(
      'venue-md.sim',
      'QuoteUpdated',
      {
        venue: 'sim',
        instrument: 'BTC/USDT:USDT',
        bidPrice: String(mid),
        bidQty: '1',
        askPrice: String(mid),
        askQty: '1',
        venueAt: iso(at),
      },
      at,
    );
  const equity = (at: number, value: string, stale: string | null) =>
    put(
      'balances-a1',
      'AccountEquityUpdated',
      {
        accountId: 'a1',
        currency: 'USDT',
        equity: value,
        asOf: iso(at),
        unrealizedPnl: '0',
        collateral: null,
        unpriced: stale === null ? [] : ['XYZ'],
        stale,
        haircuts: [],
      },
      at,
    );
  await quote(T0, 50_000);
  await put(
    'venue-a1',
    'OrderFilled',
    {
      accountId: 'a1',
      instrument: 'BTC/USDT:USDT',
      clientOrderId: 'c1',
      tradeId: 't1',
      side: 'buy',
      qty: '0.1',
      price: '50000',
      fee: '0',
      feeAsset: 'USDT',
      liquidity: 'taker',
    },
    T0 + SEC,
  );
  await equity(T0 + 10 * SEC, '1000', null);
  await quote(T0 + 61 * SEC, 50_100);
  await equity(T0 + 70 * SEC, '1100', null);
  await quote(T0 + 121 * SEC, 49_900);
  await equity(T0 + 130 * SEC, '990', null);
  // An asset went unpriced: the figure is shown, flagged, and is not a loss.
  await equity(T0 + 150 * SEC, '500', 'no price for XYZ');
  await quote(T0 + 181 * SEC, 50_000);
  await store.close();
});
afterAll(async () => dir?.cleanup());

const replay = async (archive: boolean): Promise<string> => {
  const source = ok(await openLogSource(`sqlite:${storePath}`));
  let csv = '';
  try {
    await runPnlBackfill(source, { intervalMs: 60_000, archive, write: (t) => (csv += t) });
  } finally {
    await source.close();
  }
  return csv;
};

/** The account rows' interval end and equity columns. */
const equityOf = (csv: string): string[][] => {
  const [header, ...lines] = csv.trim().split('\n');
  const cols = (header ?? '').split(',');
  const at = (name: string) => cols.indexOf(name);
  return lines
    .map((l) => l.split(','))
    .filter((r) => r[at('instrument')] === '*')
    .map((r) => [r[at('interval_end')]!, r[at('equity')]!, r[at('equity_stale')]!, r[at('drawdown')]!]);
};

describe('replay pnl: equity and drawdown from the log', () => {
  it('gives each account row the last recorded equity, stale flag and drawdown from the peak', async () => {
    const csv = await replay(false);
    expect(csv.split('\n')[0]).toBe(CSV_HEADER);
    expect(CSV_HEADER.endsWith(',equity,equity_stale,drawdown')).toBe(true);
    expect(equityOf(csv)).toEqual([
      [iso(T0 + 60 * SEC), '1000', '', '0'],
      [iso(T0 + 120 * SEC), '1100', '', '0'],
      // 990 / 1100 − 1 = −0.1; then a stale 500: shown, flagged, drawdown still from 990.
      [iso(T0 + 180 * SEC), '500', 'true', '-0.1'],
      [iso(T0 + 240 * SEC), '500', 'true', '-0.1'],
    ]);
    // Instrument rows carry no equity.
    const instrumentRow = csv.split('\n').find((l) => l.includes(',BTC/USDT:USDT,'));
    expect(instrumentRow?.endsWith(',,,')).toBe(true);
  });

  it('reads the same figures when the PnL archive covers the log', async () => {
    const scanner = ok(openRawLogScanner(storePath));
    try {
      ok(extendPnlArchive(storePath, scanner, { span: 2 }));
    } finally {
      scanner.close();
    }
    expect(await replay(true)).toBe(await replay(false));
  });
});
