/**
 * The simulator's matching rules for resting limit orders: where a new order joins the
 * queue, and how prints and quotes deplete the queue ahead of it and fill it. The queue
 * model itself is documented in simulated.venue.ts and ../../README.md. These functions
 * mutate the WorkingOrders they are given (the venue owns them) and report fills through
 * `fill`, which returns the quantity it actually booked.
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

/** Queue ahead of a new resting order at `p`, given our side's touch (null: none known). */
export const joinQueue = (side: Side, p: Decimal, own: Touch | null, unknownQueue: Decimal): Decimal => {
  if (own === null) return unknownQueue;
  if (own.price.eq(p)) return exact(own.qty ?? unknownQueue);
  const improves = side === 'buy' ? p.gt(own.price) : p.lt(own.price);
  return improves ? exact(0) : unknownQueue;
};

/** A print: at our price against us it depletes the queue first; through our price it fills. */
export const matchTrade = (orders: readonly WorkingOrder[], ev: TradeEvent, fill: FillFn): void => {
  // Only orders at or behind the print's price can be touched by it: filter before sorting.
  const reachable = orders.filter((o) =>
    o.state.request.side === 'buy' ? limitOf(o).gte(ev.price) : limitOf(o).lte(ev.price),
  );
  if (reachable.length === 0) return;
  for (const side of ['buy', 'sell'] as const) {
    let available = exact(ev.qty);
    for (const o of byPriority(reachable, side)) {
      if (available.isZero()) break;
      const p = limitOf(o);
      const through = side === 'buy' ? ev.price.lt(p) : ev.price.gt(p);
      const atPrice = ev.price.eq(p) && ev.side !== side;
      if (!through && !atPrice) continue;
      if (through) o.queueAhead = exact(0);
      else {
        const eat = Decimal.min(o.queueAhead, available);
        o.queueAhead = o.queueAhead.minus(eat);
        available = available.minus(eat);
      }
      const q = Decimal.min(remainingQty(o.state), available);
      if (q.gt(0)) available = available.minus(fill(o, q, p));
    }
  }
};

/** A quote: a crossing opposite touch fills (inferred trade-through); our touch resizes the queue. */
export const matchQuote = (orders: readonly WorkingOrder[], bid: Touch, ask: Touch, fill: FillFn): void => {
  // Orders behind our side's touch are untouched by a quote: filter before sorting.
  const reachable = orders.filter((o) =>
    o.state.request.side === 'buy' ? limitOf(o).gte(bid.price) : limitOf(o).lte(ask.price),
  );
  if (reachable.length === 0) return;
  for (const side of ['buy', 'sell'] as const) {
    const own = side === 'buy' ? bid : ask;
    const opp = side === 'buy' ? ask : bid;
    let available = exact(opp.qty ?? 0);
    for (const o of byPriority(reachable, side)) {
      const p = limitOf(o);
      const crossed = side === 'buy' ? opp.price.lte(p) : opp.price.gte(p);
      if (crossed && available.gt(0)) {
        o.queueAhead = exact(0);
        available = available.minus(fill(o, Decimal.min(remainingQty(o.state), available), p));
      } else if (own.price.eq(p)) o.queueAhead = Decimal.min(o.queueAhead, own.qty ?? o.queueAhead);
      else if (side === 'buy' ? own.price.lt(p) : own.price.gt(p)) o.queueAhead = exact(0);
    }
  }
};
