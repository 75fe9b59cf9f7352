/**
 * Recorded 1-minute trade bars (AlgoSeek via QuantConnect, data/market/README.md §7a) and how
 * the simulation turns them into the market events the venue simulator replays.
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
import Decimal from 'decimal.js';
import { MarketEvent } from '@keel/venue-sim';

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
          ? { type: 'quote', venueAt: ts, bidPrice: p.minus(tick), bidQty: shown, askPrice: p, askQty: shown }
          : { type: 'quote', venueAt: ts, bidPrice: p, bidQty: shown, askPrice: p.plus(tick), askQty: shown },
      );
      if (size > 0)
        out.push({
          type: 'trade',
          venueAt: ts,
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
