/**
 * Readers for the recorded market-data layouts of data/market/README.md: gzip CSV with a
 * header row. Columns are found by name, so the plain layouts (`ts_ns,price,qty,side`,
 * `ts_ns,bid_price,bid_qty,ask_price,ask_qty`) and the hftbacktest captures (extra
 * `recv_ts_ns`, `trade_id`, `update_id`) both read. Streaming: gunzip + line splitting,
 * one row at a time; prices and sizes stay exact decimals (never parsed as floats).
 *
 * `ts_ns` exceeds 2^53, so it is truncated to epoch ms as a string (the sources have at
 * most ms precision anyway). Bad rows are reported with file, line and value, never thrown.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { DepthEvent, MarketEvent, mergeByTime, QuoteEvent, TradeEvent } from './market.events';

/** A row that does not decode. Action: the load fails with this error; nothing is replayed. */
export interface MarketDataError {
  readonly _tag: 'MarketDataError';
  readonly file: string;
  readonly line: number;
  readonly field: string;
  readonly value: string;
  readonly message: string;
}

/**
 * A data file that cannot be read to its end: missing, unreadable, or a gzip stream that stops
 * early (a truncated download) or is corrupt. Names the file and the last line read.
 */
export class MarketDataFileError extends Error {
  constructor(
    readonly file: string,
    /** Lines read before the failure (0: none). */
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'MarketDataFileError';
  }

  /** As the readers' error value (field `file`). */
  toMarketDataError(): MarketDataError {
    return {
      _tag: 'MarketDataError',
      file: this.file,
      line: this.line,
      field: 'file',
      value: this.file,
      message: this.message,
    };
  }
}

const describeReadError = (e: unknown, line: number): string => {
  const code = (e as { code?: unknown } | null)?.code;
  const text = e instanceof Error ? e.message : String(e);
  if (code === 'ENOENT') return 'no such file';
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR')
    return `the gzip stream is truncated or corrupt after line ${line} (${text}); fetch the file again`;
  return `cannot be read after line ${line} (${text})`;
};

/**
 * Lines of a gzip (or, if the name does not end in .gz, plain) text file, empty lines left
 * out. A file that cannot be read to its end throws `MarketDataFileError` from the loop, never
 * an unhandled stream error; leaving the loop early closes the file.
 */
export async function* readLines(file: string): AsyncGenerator<string> {
  const raw = createReadStream(file);
  // pipeline, not pipe: the file's own errors (ENOENT) reach the gunzip and so the loop.
  const gunzip = file.endsWith('.gz') ? createGunzip() : null;
  const input = gunzip === null ? raw : pipeline(raw, gunzip, () => undefined);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of rl) {
      n++;
      if (line.length > 0) yield line;
    }
  } catch (e) {
    throw new MarketDataFileError(file, n, describeReadError(e, n));
  } finally {
    rl.close();
    raw.destroy();
    gunzip?.destroy();
  }
}

/** Run a reader; a `MarketDataFileError` it throws becomes its error value. */
export const readingFile = <T>(
  read: () => Promise<E.Either<MarketDataError, T>>,
): Promise<E.Either<MarketDataError, T>> =>
  read().catch((e: unknown) => {
    if (e instanceof MarketDataFileError) return E.left(e.toMarketDataError());
    throw e;
  });

const DECIMAL = /^-?\d+(\.\d+)?$/;
const TS_NS = /^\d{7,}$/;

export const nsToMs = (tsNs: string): number => Number(tsNs.slice(0, -6));

type Row = Readonly<Record<string, string>>;
type RowParser<T> = (row: Row, line: number) => E.Either<MarketDataError, T>;

const field = (
  file: string,
  line: number,
  row: Row,
  name: string,
  re: RegExp,
): E.Either<MarketDataError, string> => {
  const v = row[name];
  return v !== undefined && re.test(v)
    ? E.right(v)
    : E.left({
        _tag: 'MarketDataError',
        file,
        line,
        field: name,
        value: String(v),
        message: `${file}:${line}: ${name}=${String(v)} is not valid`,
      });
};

/** Parse every row of a CSV(.gz) with `parse`, stopping at the first bad row (or unreadable part of the file). */
export const readCsv = <T>(
  file: string,
  parse: (file: string) => RowParser<T>,
  required: readonly string[],
): Promise<E.Either<MarketDataError, T[]>> => readingFile(() => readCsvRows(file, parse, required));

const readCsvRows = async <T>(
  file: string,
  parse: (file: string) => RowParser<T>,
  required: readonly string[],
): Promise<E.Either<MarketDataError, T[]>> => {
  const out: T[] = [];
  let header: string[] | null = null;
  let line = 0;
  const p = parse(file);
  for await (const text of readLines(file)) {
    line++;
    const cells = text.split(',');
    if (header === null) {
      header = cells;
      const missing = required.find((c) => !cells.includes(c));
      if (missing !== undefined)
        return E.left({
          _tag: 'MarketDataError',
          file,
          line,
          field: missing,
          value: text,
          message: `${file}: header lacks ${missing}`,
        });
      continue;
    }
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = cells[i] ?? ''));
    const r = p(row, line);
    if (E.isLeft(r)) return r;
    out.push(r.right);
  }
  return E.right(out);
};

const tradeRow =
  (file: string): RowParser<TradeEvent> =>
  (row, line) => {
    const f = (name: string, re: RegExp) => field(file, line, row, name, re);
    const ts = f('ts_ns', TS_NS);
    const price = f('price', DECIMAL);
    const qty = f('qty', DECIMAL);
    const side = f('side', /^(buy|sell)$/);
    if (E.isLeft(ts)) return ts;
    if (E.isLeft(price)) return price;
    if (E.isLeft(qty)) return qty;
    if (E.isLeft(side)) return side;
    return E.right({
      type: 'trade',
      venueAt: nsToMs(ts.right),
      // The hftbacktest captures carry Binance's trade id; the plain tape is numbered by row.
      tradeId: row['trade_id'] ?? String(line - 1),
      price: new Decimal(price.right),
      qty: new Decimal(qty.right),
      side: side.right === 'buy' ? 'buy' : 'sell',
    });
  };

const quoteRow =
  (file: string): RowParser<QuoteEvent> =>
  (row, line) => {
    const f = (name: string) => field(file, line, row, name, DECIMAL);
    const ts = field(file, line, row, 'ts_ns', TS_NS);
    if (E.isLeft(ts)) return ts;
    const vals: Decimal[] = [];
    for (const name of ['bid_price', 'bid_qty', 'ask_price', 'ask_qty']) {
      const v = f(name);
      if (E.isLeft(v)) return v;
      vals.push(new Decimal(v.right));
    }
    const [bidPrice, bidQty, askPrice, askQty] = vals as [Decimal, Decimal, Decimal, Decimal];
    return E.right({ type: 'quote', venueAt: nsToMs(ts.right), bidPrice, bidQty, askPrice, askQty });
  };

/** A trade tape: `ts_ns, price, qty, side` (+ optional `trade_id`). */
export const readTrades = (file: string): Promise<E.Either<MarketDataError, TradeEvent[]>> =>
  readCsv(file, tradeRow, ['ts_ns', 'price', 'qty', 'side']);

/** Top-of-book quotes: `ts_ns, bid_price, bid_qty, ask_price, ask_qty` (1-second BBO or tick BBO). */
export const readQuotes = (file: string): Promise<E.Either<MarketDataError, QuoteEvent[]>> =>
  readCsv(file, quoteRow, ['ts_ns', 'bid_price', 'bid_qty', 'ask_price', 'ask_qty']);

/** One level of a depth snapshot (long format: `ts_ns, update_id, side, level, price, qty`). */
export interface DepthLevel {
  /** Epoch ms, venue time of the snapshot. */
  readonly venueAt: number;
  readonly side: 'bid' | 'ask';
  readonly level: number;
  readonly price: Decimal;
  readonly qty: Decimal;
}

const depthRow =
  (file: string): RowParser<DepthLevel> =>
  (row, line) => {
    const ts = field(file, line, row, 'ts_ns', TS_NS);
    const side = field(file, line, row, 'side', /^(bid|ask)$/);
    const level = field(file, line, row, 'level', /^\d+$/);
    const price = field(file, line, row, 'price', DECIMAL);
    const qty = field(file, line, row, 'qty', DECIMAL);
    if (E.isLeft(ts)) return ts;
    if (E.isLeft(side)) return side;
    if (E.isLeft(level)) return level;
    if (E.isLeft(price)) return price;
    if (E.isLeft(qty)) return qty;
    return E.right({
      venueAt: nsToMs(ts.right),
      side: side.right === 'bid' ? 'bid' : 'ask',
      level: Number(level.right),
      price: new Decimal(price.right),
      qty: new Decimal(qty.right),
    });
  };

export const readDepthSnapshots = (file: string): Promise<E.Either<MarketDataError, DepthLevel[]>> =>
  readCsv(file, depthRow, ['ts_ns', 'side', 'level', 'price', 'qty']);

const depthDiffRow =
  (file: string): RowParser<DepthEvent> =>
  (row, line) => {
    const ts = field(file, line, row, 'ts_ns', TS_NS);
    const side = field(file, line, row, 'side', /^(bid|ask)$/);
    const price = field(file, line, row, 'price', DECIMAL);
    const qty = field(file, line, row, 'qty', DECIMAL);
    if (E.isLeft(ts)) return ts;
    if (E.isLeft(side)) return side;
    if (E.isLeft(price)) return price;
    if (E.isLeft(qty)) return qty;
    if (qty.right.startsWith('-'))
      return E.left({
        _tag: 'MarketDataError',
        file,
        line,
        field: 'qty',
        value: qty.right,
        message: `${file}:${line}: qty=${qty.right} is negative`,
      });
    return E.right({
      type: 'depth',
      venueAt: nsToMs(ts.right),
      side: side.right === 'bid' ? 'bid' : 'ask',
      price: new Decimal(price.right),
      qty: new Decimal(qty.right),
    });
  };

/**
 * Incremental L2 updates (the captures' `*-depthdiff`: `ts_ns, side, price, qty`, long format,
 * one level a row, qty 0 = the level is gone). There is no initial snapshot: a level is known
 * from its first update on.
 */
export const readDepthDiffs = (file: string): Promise<E.Either<MarketDataError, DepthEvent[]>> =>
  readCsv(file, depthDiffRow, ['ts_ns', 'side', 'price', 'qty']);

/**
 * Load a tape, quotes and book updates (each optional) into one time-ordered array. At equal
 * times quotes come first, then prints, then book updates: an update carries the level's size
 * after everything at its instant, so a print there must deplete the queue before the update
 * caps it (the other way round, the print's size would be counted twice).
 */
export const loadMarket = async (files: {
  readonly trades?: string;
  readonly quotes?: string;
  readonly depth?: string;
}): Promise<E.Either<MarketDataError, MarketEvent[]>> => {
  const trades = files.trades ? await readTrades(files.trades) : E.right<MarketDataError, TradeEvent[]>([]);
  if (E.isLeft(trades)) return trades;
  const quotes = files.quotes ? await readQuotes(files.quotes) : E.right<MarketDataError, QuoteEvent[]>([]);
  if (E.isLeft(quotes)) return quotes;
  const depth = files.depth ? await readDepthDiffs(files.depth) : E.right<MarketDataError, DepthEvent[]>([]);
  if (E.isLeft(depth)) return depth;
  const byTime = (a: MarketEvent, b: MarketEvent) => a.venueAt - b.venueAt;
  // Array.prototype.sort is stable, so rows keep file order within a millisecond.
  return E.right([
    ...mergeByTime(
      [...quotes.right].sort(byTime),
      [...trades.right].sort(byTime),
      [...depth.right].sort(byTime),
    ),
  ]);
};
