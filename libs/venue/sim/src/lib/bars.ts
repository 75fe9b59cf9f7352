/**
 * Recorded 1-minute bars (data/market/README.md §6–7: the Binance 1m files, AlgoSeek ES/GC,
 * 6E) and how the simulator turns them into the market events it replays.
 *
 * A bar says only open, high, low, close and volume over its minute: no book, no individual
 * prints. The replay makes that into market events, honestly synthetic:
 *  - **Path.** The four prices in the order the bar most likely visited them: open → low →
 *    high → close for an up (or flat) bar (close ≥ open), open → high → low → close for a down
 *    bar. They are placed at 0, ¼, ½ and ¾ of the bar (a 1-minute bar: +0 s, +15 s, +30 s,
 *    +45 s after the bar's open).
 *  - **Quote, then print, at each point.** The tick rule says who traded: a point above the
 *    previous one (or the contract's previous close) was a buyer lifting the ask, so the quote
 *    is bid = p − 1 tick / ask = p and the print is a buy at p; otherwise a seller hit the bid:
 *    bid = p / ask = p + 1 tick, a sell at p. The spread is always one tick (ES 0.25): a
 *    synthetic spread, not a recorded one.
 *  - **Sizes.** The bar's volume, in whole lots of the instrument, is split over the four prints
 *    (⌊V/4⌋ lots each, the remainder to the first ones); a point with no volume left gets a quote and no print. The displayed
 *    size at each quote is that point's print size (at least 1): the bars carry no depth.
 * So a resting buy at the bid fills when later points trade down through it (the simulator's
 * queue and trade-through rules), a market order takes the synthetic touch; no fill happens
 * between a contract's bars, or in a minute with no bar of that contract.
 */
import { basename } from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { MarketDataError, readingFile, readLines } from './csv.readers';
import { MarketEvent } from './market.events';

export interface Bar {
  /** Bar open, epoch ms (UTC). */
  readonly ts: number;
  readonly contract: string;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  /** Traded quantity over the bar: contracts (CME) or base units (crypto). */
  readonly volume: number;
}

/** The market events of one contract's bars (see the file comment), in time order. */
export const barEvents = (
  bars: readonly Bar[],
  tick: Decimal,
  barMs: number,
  lot: Decimal = new Decimal(1),
): MarketEvent[] => {
  const out: MarketEvent[] = [];
  const step = Math.floor(barMs / 4);
  let prev: Decimal | null = null;
  for (const b of bars) {
    const up = b.close.gte(b.open);
    const path = up ? [b.open, b.low, b.high, b.close] : [b.open, b.high, b.low, b.close];
    const lots = new Decimal(b.volume).divToInt(lot).toNumber();
    const base = Math.floor(lots / 4);
    const extra = lots % 4;
    path.forEach((p, k) => {
      const ts = b.ts + k * step;
      const buyer = prev !== null && p.gt(prev);
      const size = base + (k < extra ? 1 : 0);
      const shown = lot.times(Math.max(1, size));
      out.push(
        buyer
          ? { type: 'quote', venueAt: ts, bidPrice: p.minus(tick), bidQty: shown, askPrice: p, askQty: shown }
          : { type: 'quote', venueAt: ts, bidPrice: p, bidQty: shown, askPrice: p.plus(tick), askQty: shown },
      );
      if (size > 0)
        out.push({
          type: 'trade',
          venueAt: ts,
          tradeId: `${b.contract}-${b.ts}-${k}`,
          price: p,
          qty: lot.times(size),
          side: buyer ? 'buy' : 'sell',
        });
      prev = p;
    });
  }
  return out;
};

export interface ReadBarsOptions {
  /** The expiry to read from a multi-contract file (AlgoSeek ES, GC): required there, refused elsewhere. */
  readonly contract?: string;
  /** Bars opening before this instant (epoch ms, the file's own time) are skipped. */
  readonly from?: number;
  /** Reading stops at the first bar opening at or after this instant (the file is in time order). */
  readonly until?: number;
}

const BAR_MS = 60_000;
const barError = (file: string, line: number, f: string, value: string, why: string): MarketDataError => ({
  _tag: 'MarketDataError',
  file,
  line,
  field: f,
  value,
  message: `${file}:${line}: ${f}=${value} ${why}`,
});

/**
 * The 1-minute bars of a recorded file, by column name: `timestamp_utc,open,high,low,close,volume[,…]`
 * (the Binance 1m files, 6E) or `timestamp_utc,contract,contract_month,open,…` (AlgoSeek: every
 * expiry side by side, so `contract` picks one). `ts` is the bar's OPEN: the files label bars by
 * their open, except `cme-6e*`, labelled by its close (data/market/README.md "Conventions").
 * A row that is not a consistent bar (low ≤ open, close ≤ high; volume ≥ 0), or out of time
 * order, fails the load with the file, line, field and value.
 */
export const readBars = (file: string, o: ReadBarsOptions = {}): Promise<E.Either<MarketDataError, Bar[]>> =>
  readingFile(() => readBarRows(file, o));

const readBarRows = async (file: string, o: ReadBarsOptions): Promise<E.Either<MarketDataError, Bar[]>> => {
  const labelShift = basename(file).startsWith('cme-6e') ? -BAR_MS : 0;
  const out: Bar[] = [];
  let header: string[] | null = null;
  let line = 0;
  let last = -Infinity;
  for await (const text of readLines(file)) {
    line++;
    if (header === null) {
      header = text.trim().split(',');
      const hasContract = header.includes('contract');
      for (const c of ['timestamp_utc', 'open', 'high', 'low', 'close', 'volume'])
        if (!header.includes(c)) return E.left(barError(file, line, 'header', text, `has no ${c} column`));
      if (hasContract && o.contract === undefined)
        return E.left(barError(file, line, 'contract', '', 'is required: the file holds several expiries'));
      if (!hasContract && o.contract !== undefined)
        return E.left(barError(file, line, 'contract', o.contract, 'is not a column of this file'));
      continue;
    }
    const cells = text.split(',');
    const row: Record<string, string> = {};
    header.forEach((h, i) => (row[h] = cells[i] ?? ''));
    if (o.contract !== undefined && row['contract'] !== o.contract) continue;
    const label = Date.parse(row['timestamp_utc'] ?? '');
    if (!Number.isFinite(label))
      return E.left(barError(file, line, 'timestamp_utc', String(row['timestamp_utc']), 'is not a time'));
    const ts = label + labelShift;
    if (ts <= last)
      return E.left(
        barError(file, line, 'timestamp_utc', String(row['timestamp_utc']), 'is not after the previous bar'),
      );
    last = ts;
    if (o.until !== undefined && ts >= o.until) break;
    if (o.from !== undefined && ts < o.from) continue;
    const px: Decimal[] = [];
    for (const k of ['open', 'high', 'low', 'close']) {
      const v = row[k] ?? '';
      if (!/^\d+(\.\d+)?$/.test(v) || Number(v) <= 0)
        return E.left(barError(file, line, k, v, 'is not a positive price'));
      px.push(new Decimal(v));
    }
    const [open, high, low, close] = px as [Decimal, Decimal, Decimal, Decimal];
    const volume = Number(row['volume']);
    if (!Number.isFinite(volume) || volume < 0)
      return E.left(barError(file, line, 'volume', String(row['volume']), 'is not a quantity ≥ 0'));
    if (low.gt(open) || low.gt(close) || high.lt(open) || high.lt(close))
      return E.left(
        barError(file, line, 'low/high', `${low}/${high}`, `do not bound open ${open} and close ${close}`),
      );
    out.push({ ts, contract: o.contract ?? basename(file), open, high, low, close, volume });
  }
  if (header === null) return E.left(barError(file, 0, 'header', '', 'missing: the file is empty'));
  return E.right(out);
};
