/**
 * Recorded 1-minute trade bars (AlgoSeek via QuantConnect, data/market/README.md §7a) and how
 * `keel roll-sim` turns them into the market events the venue simulator replays.
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
 *  - **Sizes.** The bar's volume is split over the four prints (⌊V/4⌋ each, the remainder to
 *    the first ones); a point with no volume left gets a quote and no print. The displayed
 *    size at each quote is that point's print size (at least 1): the bars carry no depth.
 * So a resting buy at the bid fills when later points trade down through it (the simulator's
 * queue and trade-through rules), a market order takes the synthetic touch; no fill happens
 * between a contract's bars, or in a minute with no bar of that contract.
 */
import { access, constants } from 'node:fs/promises';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { MarketEvent, mulberry32, readLines } from '@keel/venue-sim';

export interface Bar {
  /** Bar open, epoch ms (UTC). */
  readonly ts: number;
  readonly contract: string;
  readonly open: Decimal;
  readonly high: Decimal;
  readonly low: Decimal;
  readonly close: Decimal;
  readonly volume: number;
}

export const BAR_HEADER = 'timestamp_utc,contract,contract_month,open,high,low,close,volume';

/**
 * The bars of `root`'s contracts with ts in [from, to), from an AlgoSeek CSV (.csv or .csv.gz,
 * time order). Left: a readable reason naming the file and the line.
 */
export const readBars = async (
  file: string,
  root: string,
  from: number,
  to: number,
): Promise<E.Either<string, readonly Bar[]>> => {
  try {
    // A missing file must fail here: a read stream's open error does not reach readline.
    await access(file, constants.R_OK);
  } catch (e) {
    return E.left(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const code = new RegExp(`^${root}[FGHJKMNQUVXZ]\\d{2}$`);
  const bars: Bar[] = [];
  let n = 0;
  let lastTs = -Infinity;
  for await (const line of readLines(file)) {
    n++;
    if (n === 1) {
      if (line.trim() !== BAR_HEADER)
        return E.left(`${file}: header ${JSON.stringify(line)} is not ${JSON.stringify(BAR_HEADER)}`);
      continue;
    }
    if (line.trim() === '') continue;
    const cols = line.split(',');
    const ts = Date.parse(cols[0] ?? '');
    if (cols.length !== 8 || !Number.isFinite(ts))
      return E.left(`${file}:${n}: not a bar row: ${JSON.stringify(line)}`);
    if (ts < lastTs)
      return E.left(`${file}:${n}: ${cols[0]} is before the previous row (the file must be in time order)`);
    lastTs = ts;
    if (ts >= to) break; // in time order: nothing further is in range
    if (ts < from) continue;
    const contract = cols[1] as string;
    if (!code.test(contract)) continue;
    try {
      const [open, high, low, close] = [cols[3], cols[4], cols[5], cols[6]].map(
        (v) => new Decimal(v as string),
      ) as [Decimal, Decimal, Decimal, Decimal];
      const volume = Number(cols[7]);
      if (
        !Number.isInteger(volume) ||
        volume < 0 ||
        low.gt(high) ||
        open.lt(low) ||
        open.gt(high) ||
        close.lt(low) ||
        close.gt(high) ||
        low.lte(0)
      )
        throw new Error('inconsistent');
      bars.push({ ts, contract, open, high, low, close, volume });
    } catch {
      return E.left(`${file}:${n}: not a valid bar: ${JSON.stringify(line)}`);
    }
  }
  return E.right(bars);
};

/** The market events of one contract's bars (see the file comment), in time order. */
export const barEvents = (bars: readonly Bar[], tick: Decimal, barMs: number): MarketEvent[] => {
  const out: MarketEvent[] = [];
  const step = Math.floor(barMs / 4);
  let prev: Decimal | null = null;
  for (const b of bars) {
    const up = b.close.gte(b.open);
    const path = up ? [b.open, b.low, b.high, b.close] : [b.open, b.high, b.low, b.close];
    const base = Math.floor(b.volume / 4);
    const extra = b.volume % 4;
    path.forEach((p, k) => {
      const ts = b.ts + k * step;
      const buyer = prev !== null && p.gt(prev);
      const size = base + (k < extra ? 1 : 0);
      const shown = new Decimal(Math.max(1, size));
      out.push(
        buyer
          ? { kind: 'quote', ts, bidPrice: p.minus(tick), bidQty: shown, askPrice: p, askQty: shown }
          : { kind: 'quote', ts, bidPrice: p, bidQty: shown, askPrice: p.plus(tick), askQty: shown },
      );
      if (size > 0)
        out.push({
          kind: 'trade',
          ts,
          tradeId: `${b.contract}-${b.ts}-${k}`,
          price: p,
          qty: new Decimal(size),
          side: buyer ? 'buy' : 'sell',
        });
      prev = p;
    });
  }
  return out;
};

export interface SessionWindow {
  /** Epoch ms, inclusive. */
  readonly open: number;
  /** Epoch ms, exclusive. */
  readonly close: number;
}

/** A pause in the root's bars at least this long is a closure (the 15-minute ES halts; the nights between recorded days). */
export const SESSION_GAP_MS = 10 * 60_000;

/**
 * Market hours read from the data, for periods the exchange calendar does not cover: the
 * market is open from a bar of any of the root's contracts to the end of the last bar before
 * a pause of `gapMs` or more.
 */
export const sessionsFromBars = (
  bars: readonly Bar[],
  barMs: number,
  gapMs: number = SESSION_GAP_MS,
): readonly SessionWindow[] => {
  const out: SessionWindow[] = [];
  let open: number | null = null;
  let end = 0;
  for (const b of bars) {
    if (open === null) open = b.ts;
    else if (b.ts - end >= gapMs) {
      out.push({ open, close: end });
      open = b.ts;
    }
    end = Math.max(end, b.ts + barMs);
  }
  if (open !== null) out.push({ open, close: end });
  return out;
};

export interface SyntheticBarsOptions {
  readonly seed: number;
  /** Each contract's first open; all contracts move together (one walk), each with its own wicks. */
  readonly contracts: readonly { readonly code: string; readonly startPrice: string }[];
  /** Bars are made only inside these windows (so nothing prints while the market is closed). */
  readonly sessions: readonly SessionWindow[];
  readonly from: number;
  readonly to: number;
  readonly barMs: number;
  readonly tick: Decimal;
  /** Close − open is a whole number of ticks in [−maxMoveTicks, maxMoveTicks]. */
  readonly maxMoveTicks: number;
  /** Volume per bar in [1, maxVolume]. */
  readonly maxVolume: number;
}

/**
 * Seeded synthetic bars for runs the recorded data does not cover (mulberry32, no
 * Math.random: the same seed gives the same bars). A random walk on the tick grid, only while
 * the market is open.
 */
export const syntheticBars = (o: SyntheticBarsOptions): Bar[] => {
  const rnd = mulberry32(o.seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(rnd() * (hi - lo + 1));
  const last = new Map(o.contracts.map((c) => [c.code, new Decimal(c.startPrice)]));
  const out: Bar[] = [];
  for (const w of o.sessions) {
    const start = Math.max(w.open, o.from);
    for (let ts = start; ts < Math.min(w.close, o.to); ts += o.barMs) {
      const move = o.tick.times(int(-o.maxMoveTicks, o.maxMoveTicks));
      for (const c of o.contracts) {
        const open = last.get(c.code) as Decimal;
        const close = Decimal.max(o.tick, open.plus(move));
        const high = Decimal.max(open, close).plus(o.tick.times(int(0, 2)));
        const low = Decimal.max(o.tick, Decimal.min(open, close).minus(o.tick.times(int(0, 2))));
        out.push({ ts, contract: c.code, open, high, low, close, volume: int(1, o.maxVolume) });
        last.set(c.code, close);
      }
    }
  }
  return out;
};
