/**
 * The market data the simulator replays: trade prints (with aggressor side), top-of-book
 * quotes and, where a capture has them, order-book level updates, in venue time (epoch ms). Sources are plain iterables sorted by time; `mergeByTime`
 * interleaves several of them deterministically (at equal times, the earlier source first).
 */
import Decimal from 'decimal.js';
import { Side } from '@keel/venue-domain';

export interface TradeEvent {
  readonly type: 'trade';
  /** Epoch ms, venue time. */
  readonly venueAt: number;
  readonly tradeId: string;
  readonly price: Decimal;
  readonly qty: Decimal;
  /** Aggressor side. */
  readonly side: Side;
}

export interface QuoteEvent {
  readonly type: 'quote';
  /** Epoch ms, venue time. */
  readonly venueAt: number;
  readonly bidPrice: Decimal;
  readonly bidQty: Decimal;
  readonly askPrice: Decimal;
  readonly askQty: Decimal;
}

/**
 * One price level of the book as it now stands (an L2 diff: Binance `@depth`). Matching uses
 * these only for the queue ahead of our resting orders (`queueFromDepth`); they fill nothing.
 */
export interface DepthEvent {
  readonly type: 'depth';
  /** Epoch ms, venue time. */
  readonly venueAt: number;
  readonly side: 'bid' | 'ask';
  readonly price: Decimal;
  /** The level's whole displayed size now; 0: the level is gone. */
  readonly qty: Decimal;
}

export type MarketEvent = TradeEvent | QuoteEvent | DepthEvent;

/** A trade print or a top-of-book quote: the events that carry a price for the market as a whole. */
export type PriceEvent = TradeEvent | QuoteEvent;

export const isPriceEvent = (e: MarketEvent): e is PriceEvent => e.type !== 'depth';

/** k-way merge of time-sorted sources; ties go to the source listed first (e.g. quotes before trades). */
export function* mergeByTime(...sources: ReadonlyArray<Iterable<MarketEvent>>): Generator<MarketEvent> {
  const its = sources.map((s) => s[Symbol.iterator]());
  const heads: Array<MarketEvent | undefined> = its.map((it) => {
    const n = it.next();
    return n.done ? undefined : n.value;
  });
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i];
      const b = best >= 0 ? heads[best] : undefined;
      if (h && (!b || h.venueAt < b.venueAt)) best = i;
    }
    if (best < 0) return;
    const ev = heads[best] as MarketEvent;
    const n = (its[best] as Iterator<MarketEvent>).next();
    heads[best] = n.done ? undefined : n.value;
    yield ev;
  }
}
