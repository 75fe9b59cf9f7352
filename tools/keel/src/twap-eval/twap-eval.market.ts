/**
 * What `keel twap-eval` evaluates on: every recorded market file the simulator can replay,
 * one market per file or per capture (an hftbacktest `…-trades` and `…-bbo` pair, with its
 * `…-depthdiff` book updates where present, merged into one stream), the instrument each is traded as (inferred from the data), and the volume that
 * traded in a window (prints, or an estimate from the touch on quote-only data).
 * Files that cannot be replayed are reported with the reason, never silently dropped.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { BINANCE_USDM_BTCUSDT, Instrument } from '@keel/venue-domain';
import { loadMarket, MarketEvent, QuoteEvent, readLines } from '@keel/venue-sim';
import { loadMarketFile } from '../twap-sim/twap-sim.harness';

export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

/**
 * What a file's header says it is. 'trades' and 'bbo' can be replayed; 'depth' (L2 updates)
 * only beside a capture's trades or bbo, for the queue ahead of resting orders.
 */
export type FileKind = 'trades' | 'bbo' | 'depth' | 'unusable';

export interface Classified {
  readonly file: string;
  readonly kind: FileKind;
  /** Why an unusable file is skipped. */
  readonly reason?: string;
}

/** Classify a file by its header row (nothing else is read). */
export const classifyHeader = (file: string, header: string): Classified => {
  const cols = header.split(',');
  const has = (c: string) => cols.includes(c);
  if (has('timestamp_utc') && !has('ts_ns'))
    return { file, kind: 'unusable', reason: 'bars (timestamp_utc, OHLC): no prints or quotes to replay' };
  if (has('level'))
    return {
      file,
      kind: 'unusable',
      reason:
        'order-book depth snapshots: not a tape or best bid/ask (the depth curve is calibrated on them)',
    };
  if (has('first_update_id') || has('final_update_id'))
    return has('ts_ns') && has('side') && has('price') && has('qty')
      ? { file, kind: 'depth' }
      : { file, kind: 'unusable', reason: 'order-book diffs without ts_ns, side, price and qty' };
  if (has('bid_price') && has('ask_price'))
    return has('ts_ns')
      ? { file, kind: 'bbo' }
      : {
          file,
          kind: 'unusable',
          reason: 'best bid/ask without a ts_ns column (exchange time); spot bookTicker has only recv_ts_ns',
        };
  if (has('ts_ns') && has('price') && has('qty') && has('side')) return { file, kind: 'trades' };
  return { file, kind: 'unusable', reason: `header ${JSON.stringify(header)} is neither a tape nor a BBO` };
};

const readHeader = async (file: string): Promise<string | undefined> => {
  for await (const line of readLines(file)) return line;
  return undefined;
};

/** The data files named by `--data`: files as given, directories' *.csv / *.csv.gz, sorted. Left: unreadable path. */
export const expandDataPaths = async (paths: readonly string[]): Promise<E.Either<string, string[]>> => {
  const out: string[] = [];
  for (const p of paths) {
    try {
      const s = await stat(p);
      if (s.isDirectory()) {
        const names = (await readdir(p)).filter((n) => /\.csv(\.gz)?$/.test(n)).sort();
        out.push(...names.map((n) => join(p, n)));
      } else out.push(p);
    } catch (e) {
      return E.left(`${p}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return E.right([...new Set(out)]);
};

/** One market to evaluate on: its events in time order and where they came from. */
export interface EvalMarket {
  /** The file name, or the capture's shared prefix for a merged trades + bbo pair. */
  readonly name: string;
  readonly files: readonly string[];
  readonly hasTrades: boolean;
  readonly hasQuotes: boolean;
  readonly events: readonly MarketEvent[];
  readonly firstTs: number;
  readonly lastTs: number;
}

const CAPTURE = /^(.*)-(trades|bbo|depthdiff)\.csv(\.gz)?$/;
const CAPTURE_KIND: Readonly<Record<string, FileKind>> = { trades: 'trades', bbo: 'bbo', depthdiff: 'depth' };
const stripExt = (name: string): string => name.replace(/\.csv(\.gz)?$/, '');

/**
 * Classify every file, pair the captures that share a prefix (both with ts_ns) and load each
 * market. `progress` is told what is skipped and why.
 */
export const loadMarkets = async (
  files: readonly string[],
  progress: (msg: string) => void,
): Promise<{ readonly markets: EvalMarket[]; readonly skipped: SkippedFile[] }> => {
  const skipped: SkippedFile[] = [];
  const usable: Classified[] = [];
  for (const file of files) {
    let header: string | undefined;
    try {
      header = await readHeader(file);
    } catch (e) {
      skipped.push({ file, reason: `cannot read: ${e instanceof Error ? e.message : String(e)}` });
      continue;
    }
    const c =
      header === undefined
        ? { file, kind: 'unusable' as const, reason: 'empty' }
        : classifyHeader(file, header);
    if (c.kind === 'unusable') skipped.push({ file, reason: c.reason ?? 'unusable' });
    else usable.push(c);
  }
  // Captures: the trades, bbo and depthdiff files with the same prefix become one market.
  const byPrefix = new Map<string, { trades?: string; bbo?: string; depth?: string }>();
  const single: Classified[] = [];
  for (const c of usable) {
    const m = CAPTURE.exec(basename(c.file));
    if (m && c.kind === CAPTURE_KIND[m[2] as string]) {
      const key = join(c.file, '..', m[1] as string);
      const pair = byPrefix.get(key) ?? {};
      if (c.kind === 'bbo') pair.bbo = c.file;
      else if (c.kind === 'depth') pair.depth = c.file;
      else pair.trades = c.file;
      byPrefix.set(key, pair);
    } else if (c.kind === 'depth')
      skipped.push({
        file: c.file,
        reason: 'order-book diffs are replayed only beside a capture’s -trades or -bbo file',
      });
    else single.push(c);
  }
  const markets: EvalMarket[] = [];
  const fromEvents = (name: string, fs: string[], events: MarketEvent[]): EvalMarket | null => {
    const first = events[0];
    const last = events[events.length - 1];
    if (!first || !last) return null;
    return {
      name,
      files: fs,
      hasTrades: events.some((e) => e.type === 'trade'),
      hasQuotes: events.some((e) => e.type === 'quote'),
      events,
      firstTs: first.venueAt,
      lastTs: last.venueAt,
    };
  };
  for (const [prefix, pair] of byPrefix) {
    const fs = [pair.trades, pair.bbo, pair.depth].filter((f): f is string => f !== undefined);
    if (!pair.trades && !pair.bbo) {
      skipped.push({
        file: fs.join(' + '),
        reason: 'order-book diffs without the capture’s -trades or -bbo file',
      });
      continue;
    }
    if (fs.length === 1) {
      single.push({ file: fs[0] as string, kind: pair.trades ? 'trades' : 'bbo' });
      continue;
    }
    const parts = [pair.trades && 'trades', pair.bbo && 'bbo', pair.depth && 'book updates'].filter(Boolean);
    progress(`twap-eval: loading ${basename(prefix)} (${parts.join(' + ')} merged)`);
    const r = await loadMarket({
      ...(pair.trades ? { trades: pair.trades } : {}),
      ...(pair.bbo ? { quotes: pair.bbo } : {}),
      ...(pair.depth ? { depth: pair.depth } : {}),
    });
    if (E.isLeft(r)) {
      skipped.push({ file: fs.join(' + '), reason: r.left.message });
      continue;
    }
    const m = fromEvents(basename(prefix), fs, r.right);
    if (m) markets.push(m);
    else skipped.push({ file: prefix, reason: 'no rows' });
  }
  for (const c of single) {
    progress(`twap-eval: loading ${basename(c.file)}`);
    const r = await loadMarketFile(c.file);
    if (E.isLeft(r)) {
      skipped.push({ file: c.file, reason: r.left });
      continue;
    }
    const m = fromEvents(stripExt(basename(c.file)), [c.file], [...r.right.events]);
    if (m) markets.push(m);
  }
  for (const s of skipped) progress(`twap-eval: skipping ${basename(s.file)}: ${s.reason}`);
  markets.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { markets, skipped };
};

const QUOTES = ['USDT', 'USDC', 'BUSD', 'FDUSD', 'USD', 'EUR', 'ETH', 'BTC', 'BNB'];

/** Base and quote from a pair such as `ethusdt` or `xrpeth`; null when no known quote ends it. */
const splitPair = (pair: string): { base: string; quote: string } | null => {
  const p = pair.toUpperCase();
  const quote = QUOTES.find((q) => p.endsWith(q) && p.length > q.length);
  return quote ? { base: p.slice(0, -quote.length), quote } : null;
};

/**
 * The instrument a market is traded as. Files named `binance-usdm-btcusdt…` are Binance USD-M
 * BTCUSDT itself (tick 0.1, lot 0.001, min notional 100). Otherwise, from the data: tick = the
 * smallest positive gap between distinct prices (if some price is off that grid, one unit of
 * the finest price decimal), lot = minQty = 10^-(most decimals of any quantity, trailing zeros
 * stripped), no minimum notional. Every inferred instrument is a linear contract margined in
 * USDT: the simulator's accounts hold USDT only, so spot balances (XRP, ETH) never bind, and
 * costs are ratios, so the fee's unit does not matter. Fees are set by the caller.
 */
export const inferInstrument = (name: string, events: readonly MarketEvent[]): Instrument => {
  if (name.startsWith('binance-usdm-btcusdt')) return BINANCE_USDM_BTCUSDT;
  const prices = new Map<string, Decimal>();
  let qtyDp = 0;
  let priceDp = 0;
  const seePrice = (p: Decimal) => {
    const k = p.toString();
    if (!prices.has(k)) {
      prices.set(k, p);
      priceDp = Math.max(priceDp, p.decimalPlaces());
    }
  };
  for (const e of events) {
    if (e.type === 'trade') {
      seePrice(e.price);
      qtyDp = Math.max(qtyDp, e.qty.decimalPlaces());
    } else if (e.type === 'quote') {
      seePrice(e.bidPrice);
      seePrice(e.askPrice);
      qtyDp = Math.max(qtyDp, e.bidQty.decimalPlaces(), e.askQty.decimalPlaces());
    }
  }
  const sorted = [...prices.values()].filter((p) => p.gt(0)).sort((a, b) => a.comparedTo(b));
  let tick: Decimal | null = null;
  for (let i = 1; i < sorted.length; i++) {
    const gap = (sorted[i] as Decimal).minus(sorted[i - 1] as Decimal);
    if (gap.gt(0) && (tick === null || gap.lt(tick))) tick = gap;
  }
  const finest = new Decimal(10).pow(-priceDp);
  if (tick === null || sorted.some((p) => !p.mod(tick as Decimal).isZero())) tick = finest;
  const lot = new Decimal(10).pow(-qtyDp);
  const parts = name.split('-');
  const pair = splitPair(parts[2] ?? '');
  const venueSymbol = pair ? `${pair.base}${pair.quote}` : name.replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  const symbol = pair
    ? parts[1] === 'usdm'
      ? `${pair.base}/${pair.quote}:${pair.quote}`
      : `${pair.base}/${pair.quote}`
    : venueSymbol.slice(0, 32);
  return {
    venue: parts[0] ?? 'recorded',
    venueSymbol,
    symbol,
    kind: 'perpetual',
    base: pair?.base ?? venueSymbol,
    quote: pair?.quote ?? 'USDT',
    settle: 'USDT',
    tickSize: tick,
    lotSize: lot,
    minQty: lot,
    minNotional: new Decimal(0),
    contractSize: new Decimal(1),
    settlement: null,
    expiry: null,
    makerFee: new Decimal(0),
    takerFee: new Decimal(0),
  };
};

/** Index of the first event at or after `t` (events sorted by venueAt). */
export const lowerBound = (events: readonly MarketEvent[], t: number): number => {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((events[mid] as MarketEvent).venueAt < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};

/** The events with from ≤ venueAt ≤ to (a view by binary search, not a scan). */
export const eventsBetween = (events: readonly MarketEvent[], from: number, to: number): MarketEvent[] =>
  events.slice(lowerBound(events, from), lowerBound(events, to + 1));

/**
 * Displayed size removed at the touch over (from, to], from quotes alone: at an unchanged
 * price a shrinking size counts its decrease; a level that disappears because the price moved
 * away (bid down, ask up) counts its last size; an improving price removes nothing. Both
 * sides. Cancellations look the same as trades here (inflating it) and what trades and is
 * refilled, or sweeps past the touch, within a snapshot interval is unseen (deflating it): an
 * estimate, not a bound, of what
 * traded at the touch. The touch standing at `from` (the last quote at or before it) is the start.
 */
export const quoteVolumeEstimate = (events: readonly MarketEvent[], from: number, to: number): Decimal => {
  let prev: QuoteEvent | null = null;
  let vol = new Decimal(0);
  for (let i = Math.max(0, lowerBound(events, from + 1) - 1); i < events.length; i++) {
    const e = events[i] as MarketEvent;
    if (e.venueAt > to) break;
    if (e.type !== 'quote') continue;
    if (prev !== null && e.venueAt > from) {
      if (e.bidPrice.eq(prev.bidPrice)) {
        if (e.bidQty.lt(prev.bidQty)) vol = vol.plus(prev.bidQty.minus(e.bidQty));
      } else if (e.bidPrice.lt(prev.bidPrice)) vol = vol.plus(prev.bidQty);
      if (e.askPrice.eq(prev.askPrice)) {
        if (e.askQty.lt(prev.askQty)) vol = vol.plus(prev.askQty.minus(e.askQty));
      } else if (e.askPrice.gt(prev.askPrice)) vol = vol.plus(prev.askQty);
    }
    prev = e;
  }
  return vol;
};

/** Σ print quantity over [from, to]. */
export const printVolume = (events: readonly MarketEvent[], from: number, to: number): Decimal => {
  let vol = new Decimal(0);
  for (let i = lowerBound(events, from); i < events.length; i++) {
    const e = events[i] as MarketEvent;
    if (e.venueAt > to) break;
    if (e.type === 'trade') vol = vol.plus(e.qty);
  }
  return vol;
};

export type VolumeSource = 'trades' | 'quote-estimate';

/**
 * Traded volume per minute of the instrument the simulator's depth curve was calibrated on
 * (Binance USD-M BTCUSDT): the mean of its two recorded tapes, 197.5 BTC/min on 2024-10-28
 * and 140.5 BTC/min on 2024-07-18/19.
 */
export const CURVE_VOLUME_PER_MIN = 169;

/**
 * The depth scale for a market: 1 for the calibrated instrument; for any other, depth is
 * assumed proportional to traded volume, so its sizes map onto the curve by
 * CURVE_VOLUME_PER_MIN / (its own volume per minute over the whole file). Without that, a
 * thin market's orders would meet a BTC-sized book (or an XRP quantity a BTC-quantity book).
 */
export const depthScaleOf = (
  m: Pick<EvalMarket, 'events' | 'hasTrades' | 'firstTs' | 'lastTs'>,
  calibrated: boolean,
): number => {
  if (calibrated) return 1;
  const minutes = Math.max(1, (m.lastTs - m.firstTs) / 60_000);
  const perMin = windowVolume(m, m.firstTs, m.lastTs).volume.toNumber() / minutes;
  return perMin > 0 ? CURVE_VOLUME_PER_MIN / perMin : 1;
};

/** The volume a window's sizes are a percentage of: prints when the market has them, else the quote estimate. */
export const windowVolume = (
  m: Pick<EvalMarket, 'events' | 'hasTrades'>,
  from: number,
  to: number,
): { readonly volume: Decimal; readonly source: VolumeSource } =>
  m.hasTrades
    ? { volume: printVolume(m.events, from, to), source: 'trades' }
    : { volume: quoteVolumeEstimate(m.events, from, to), source: 'quote-estimate' };
