/**
 * The simulator's matching rules for resting limit orders: where a new order joins the
 * queue, and how prints and quotes deplete the queue ahead of it and fill it. The queue
 * model itself is documented in simulated.venue.ts and ../../README.md. These functions
 * mutate the WorkingOrders they are given (the venue owns them) and report fills through
 * `fill`, which returns the quantity it actually booked (it may book less: reduce-only, the
 * participation cap).
 */
import Decimal from 'decimal.js';
import { exact, Instrument, OrderState, remainingQty, Side } from '@keel/venue-domain';
import { TradeEvent } from './market.events';

export interface Touch {
  readonly price: Decimal;
  /** null: size not known (a touch inferred from prints). */
  readonly qty: Decimal | null;
}

export interface WorkingOrder {
  state: OrderState;
  readonly instrument: Instrument;
  /** Submission order: the time priority among our own orders. */
  readonly seq: number;
  /** Displayed quantity ahead of us at our price. */
  queueAhead: Decimal;
  /** False until the order reaches the matching engine (after the latency). */
  live: boolean;
}

export type FillFn = (o: WorkingOrder, qty: Decimal, price: Decimal) => Decimal;

const limitOf = (o: WorkingOrder): Decimal => o.state.request.price as Decimal;

/** Our resting orders on one side, best price first, then oldest first. */
export const byPriority = (orders: readonly WorkingOrder[], side: Side): WorkingOrder[] =>
  orders
    .filter((o) => o.state.request.side === side)
    .sort((a, b) => {
      const c = side === 'buy' ? limitOf(b).comparedTo(limitOf(a)) : limitOf(a).comparedTo(limitOf(b));
      return c !== 0 ? c : a.seq - b.seq;
    });

/**
 * Queue ahead of a new resting order at `p`, given our side's touch (null: none known) and the
 * recorded size of the level at `p` when the data has the book behind the touch (null: not known).
 */
export const joinQueue = (
  side: Side,
  p: Decimal,
  own: Touch | null,
  unknownQueue: Decimal,
  level: Decimal | null = null,
): Decimal => {
  if (own === null) return level ?? unknownQueue;
  if (own.price.eq(p)) return exact(own.qty ?? level ?? unknownQueue);
  const improves = side === 'buy' ? p.gt(own.price) : p.lt(own.price);
  return improves ? exact(0) : (level ?? unknownQueue);
};

/**
 * A book update: the level at `price` on `side` of the book now shows `qty`. What is ahead of
 * our orders resting there cannot exceed it (the risk-averse queue model: a shrink is taken
 * from those ahead of us only when nothing else explains it, and never fills us; growth joins
 * behind us).
 */
export const matchDepth = (
  orders: readonly WorkingOrder[],
  side: 'bid' | 'ask',
  price: Decimal,
  qty: Decimal,
): void => {
  const ours: Side = side === 'bid' ? 'buy' : 'sell';
  for (const o of orders)
    if (o.state.request.side === ours && limitOf(o).eq(price) && o.queueAhead.gt(qty))
      o.queueAhead = exact(qty);
};

/** A print: at our price against us it depletes the queue first; through our price it fills. */
export const matchTrade = (orders: readonly WorkingOrder[], ev: TradeEvent, fill: FillFn): void => {
  // Only orders at or behind the print's price can be touched by it: filter before sorting.
  const reachable = orders.filter((o) =>
    o.state.request.side === 'buy' ? limitOf(o).gte(ev.price) : limitOf(o).lte(ev.price),
  );
  if (reachable.length === 0) return;
  for (const side of ['buy', 'sell'] as const) {
    // The print's volume passes through the queue in time order. The market's queue at a price
    // is ahead of all our orders there that joined after it: what of it traded is counted once
    // (`marketUsed`, the deepest any of our queues was eaten), not once per order of ours.
    let ours = exact(0);
    let marketUsed = exact(0);
    let level: Decimal | null = null;
    for (const o of byPriority(reachable, side)) {
      const p = limitOf(o);
      if (level === null || !level.eq(p)) {
        // A new price level: what went to the market's queue at the better level is gone.
        level = p;
        ours = ours.plus(marketUsed);
        marketUsed = exact(0);
      }
      const left = exact(ev.qty).minus(ours);
      if (left.lte(0)) break;
      const through = side === 'buy' ? ev.price.lt(p) : ev.price.gt(p);
      const atPrice = ev.price.eq(p) && ev.side !== side;
      if (!through && !atPrice) continue;
      if (through) o.queueAhead = exact(0);
      else {
        const eat = Decimal.min(o.queueAhead, left);
        o.queueAhead = o.queueAhead.minus(eat);
        if (eat.gt(marketUsed)) marketUsed = eat;
      }
      const q = Decimal.min(remainingQty(o.state), left.minus(marketUsed));
      if (q.gt(0) && o.queueAhead.isZero()) ours = ours.plus(fill(o, q, p));
    }
  }
};

/** How a quote fills resting orders (the strict rules are settings of the venue). */
export interface QuoteMatching {
  /** Whether a quote fills at all (not where prints exist: they are the traded volume). */
  readonly fills: boolean;
  /**
   * The opposite touch's size still available to us: its displayed size, less what we already
   * took from that level (liquidity consumption), or the displayed size when not consumed.
   */
  readonly available: (side: Side) => Decimal;
  /** Record that we took `qty` of the opposite touch of `side`. */
  readonly consume: (side: Side, qty: Decimal) => void;
  /**
   * Resolve trade-throughs: our side's touch before this quote (null: unknown, or the rule is
   * off). A buy at P whose bid was at or above P and is now below it (the ask still above P)
   * was traded through: that level's displayed size left at or through P, and fills us.
   */
  readonly previousOwn: (side: Side) => Touch | null;
}

/**
 * A quote: a crossing opposite touch is an inferred trade at or through our price. It fills
 * at most what it shows and (consumed) never the same size twice; the queue ahead at our price
 * is gone (the recorded book has no bid left at it). Our own touch moving from our price to
 * below it (a buy) means the level traded through us: the order is resolved with up to the
 * size that left. What volume cannot fill stays first in line for the next volume at or
 * through its price, never re-queued. Our own touch at our price resizes the queue ahead.
 */
export const matchQuote = (
  orders: readonly WorkingOrder[],
  bid: Touch,
  ask: Touch,
  fill: FillFn,
  how: QuoteMatching,
): void => {
  for (const side of ['buy', 'sell'] as const) {
    const own = side === 'buy' ? bid : ask;
    const opp = side === 'buy' ? ask : bid;
    let available: Decimal | null = null;
    const prev = how.fills ? how.previousOwn(side) : null;
    let through: Decimal | null = null;
    for (const o of byPriority(orders, side)) {
      const p = limitOf(o);
      const crossed = side === 'buy' ? opp.price.lte(p) : opp.price.gte(p);
      const behind = side === 'buy' ? own.price.gt(p) : own.price.lt(p);
      if (behind && !crossed) break; // this and every worse-priced order are behind the touch
      if (crossed) {
        o.queueAhead = exact(0);
        if (!how.fills) continue;
        available ??= how.available(side);
        if (available.lte(0)) continue;
        const q = fill(o, Decimal.min(remainingQty(o.state), available), p);
        available = available.minus(q);
        how.consume(side, q);
      } else if (own.price.eq(p)) o.queueAhead = Decimal.min(o.queueAhead, own.qty ?? o.queueAhead);
      else {
        // Our side's touch is now worse than our price: nothing is ahead of us any more.
        o.queueAhead = exact(0);
        const wasAtOrThrough = prev !== null && (side === 'buy' ? prev.price.gte(p) : prev.price.lte(p));
        if (!wasAtOrThrough) continue;
        through ??= exact(prev.qty ?? 0);
        if (through.lte(0)) continue;
        through = through.minus(fill(o, Decimal.min(remainingQty(o.state), through), p));
      }
    }
  }
};
