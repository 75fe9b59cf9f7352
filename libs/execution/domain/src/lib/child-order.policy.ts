/**
 * The child-order policy of a working parent order: given the state, the time and the
 * touch, which children to post, take or cancel. Pure; parent-order.decide.ts turns the
 * actions into events (with their client order ids).
 *
 * Maker-first TWAP:
 * - Post passively at our touch, or one tick inside when the spread is wider than a tick,
 *   sized to the schedule `lookaheadSlices` ahead (working ahead is what lets passive fills
 *   carry most of the quantity); top up with another child as the schedule moves on, so
 *   earlier children keep their queue place.
 * - Reprice when the touch moves away from a child by `repriceTicks` or more: cancel it and
 *   post at the new price at once, within what is free while the cancel is in flight (the
 *   rest is topped up once the cancel is confirmed).
 * - Catch up: when the filled quantity trails the schedule by more than `catchUpTolerance`
 *   slices, take the shortfall (down to `catchUpTarget` slices) with a market order.
 * - Final sweep: `finalSweepMs` before the deadline cancel the passive children and take
 *   what is left, so the order finishes by the deadline.
 *
 * Invariants: filled + every child's open quantity ≤ the parent's quantity (never
 * overshoot; a cancelled child's quantity is free again only once it is closed); every
 * child is a multiple of the lot, ≥ minQty and ≥ minNotional at its reference price; a
 * child never leaves a positive remainder below the tradable minimum (it takes it along,
 * or the remainder is carried and reported as residual).
 */
import Decimal from 'decimal.js';
import { Instrument, roundQtyDown, Side } from '@keel/instruments';
import {
  Child,
  childOpenQty,
  ChildReason,
  ParentOrder,
  Progress,
  Touch,
  Urgency,
} from './parent-order.state';
import { meanSliceQty, Schedule, sliceIndexAt, targetAt, targetByEndOf } from './twap.schedule';

export interface PolicyConfig {
  /** Cancel a passive child when the touch has moved this many ticks away from it. */
  readonly repriceTicks: number;
  /** Passive children are sized to the schedule's target this many slices ahead. */
  readonly lookaheadSlices: number;
  /** Catch-up trigger: lag in slices beyond which the shortfall is taken; by urgency. */
  readonly catchUpTolerance: Readonly<Record<Urgency, number>>;
  /** Lag (in slices) left after a catch-up; 0 takes the whole shortfall. */
  readonly catchUpTarget: number;
  /** Take everything left this long before the deadline (ms); capped at half a slice. */
  readonly finalSweepMs: number;
  /** Post one tick inside the spread when it is wider than one tick. */
  readonly improveWideSpread: boolean;
  /**
   * How long the gateway may act on a child request (its `validUntil`, from the decision):
   * one it sees later, after an outage, is recorded as expired and never sent at stale prices.
   */
  readonly childValidityMs: number;
}

export const DEFAULT_POLICY: PolicyConfig = {
  repriceTicks: 1,
  lookaheadSlices: 1,
  catchUpTolerance: { low: 0.9, normal: 0.75, high: 0.4 },
  catchUpTarget: 0.25,
  finalSweepMs: 30_000,
  improveWideSpread: true,
  childValidityMs: 60_000,
};

export type ChildAction =
  | { readonly _tag: 'post'; readonly qty: Decimal; readonly price: Decimal; readonly reason: ChildReason }
  | { readonly _tag: 'take'; readonly qty: Decimal; readonly reason: ChildReason }
  | { readonly _tag: 'cancel'; readonly clientOrderId: string; readonly reason: string };

export interface PolicyInput {
  readonly parent: ParentOrder;
  readonly schedule: Schedule;
  readonly children: readonly Child[];
  readonly progress: Progress;
  readonly now: number;
  readonly touch: Touch;
}

const ZERO = new Decimal(0);
const sum = (xs: readonly Child[]): Decimal => xs.reduce((a, c) => a.plus(childOpenQty(c)), ZERO);

/** The smallest quantity the venue accepts at `price` (lot multiple, ≥ minQty, ≥ minNotional). */
export const minTradable = (i: Instrument, price: Decimal): Decimal => {
  const byNotional = i.minNotional.isZero()
    ? ZERO
    : i.minNotional.div(price.times(i.contractSize)).div(i.lotSize).ceil().times(i.lotSize);
  return Decimal.max(i.minQty, i.lotSize, byNotional);
};

/**
 * Size a child: `want` floored to the lot and capped at `free`; if what would stay free is
 * positive but below the minimum, take it along (or shrink so the rest stays tradable).
 * Zero when nothing tradable fits.
 */
export const sizeChild = (i: Instrument, want: Decimal, free: Decimal, price: Decimal): Decimal => {
  const lotFree = roundQtyDown(free, i.lotSize);
  let q = Decimal.min(roundQtyDown(want, i.lotSize), lotFree);
  const min = minTradable(i, price);
  if (q.lt(min)) return ZERO;
  const rest = lotFree.minus(q);
  if (rest.gt(0) && rest.lt(min)) q = lotFree;
  return q;
};

/** Our passive price: the touch, or one tick inside a spread wider than a tick; capped by the limit. */
export const passivePrice = (
  side: Side,
  touch: Touch,
  i: Instrument,
  improve: boolean,
  limit: Decimal | null,
): Decimal => {
  const wide = touch.ask.minus(touch.bid).gt(i.tickSize);
  let p = side === 'buy' ? touch.bid : touch.ask;
  if (improve && wide) p = side === 'buy' ? p.plus(i.tickSize) : p.minus(i.tickSize);
  if (limit) p = side === 'buy' ? Decimal.min(p, limit) : Decimal.max(p, limit);
  return p;
};

/** Whether a market order now would respect the limit price (the touch it takes is within it). */
const takerAllowed = (side: Side, touch: Touch, limit: Decimal | null): boolean =>
  limit === null || (side === 'buy' ? touch.ask.lte(limit) : touch.bid.gte(limit));

/** How long before the deadline the final sweep starts: `finalSweepMs`, at most half a slice. */
export const sweepLeadMs = (schedule: Schedule, cfg: PolicyConfig): number =>
  Math.min(cfg.finalSweepMs, Math.floor((schedule.to - schedule.from) / schedule.weights.length / 2));

/** The catch-up threshold: the quantity the schedule's target must exceed to trigger a catch-up. */
export const catchUpThreshold = (
  parent: ParentOrder,
  schedule: Schedule,
  done: Decimal,
  cfg: PolicyConfig,
): Decimal => done.plus(meanSliceQty(schedule).times(cfg.catchUpTolerance[parent.urgency]));

export const planChildren = (input: PolicyInput, cfg: PolicyConfig): readonly ChildAction[] => {
  const { parent, schedule, children, progress, now, touch } = input;
  const i = parent.instrument;
  const side = parent.side;
  const out: ChildAction[] = [];
  const filled = progress.filled;
  const remaining = parent.qty.minus(filled);
  const takerPrice = side === 'buy' ? touch.ask : touch.bid;
  const passives = children.filter((c) => c.kind === 'passive');
  const live = passives.filter((c) => c.status !== 'Cancelling');
  const takerInFlight = sum(children.filter((c) => c.kind === 'taker'));
  const free = remaining.minus(sum(children));

  const sweeping = parent.style === 'maker' && now >= parent.deadline - sweepLeadMs(schedule, cfg);

  if (sweeping) {
    for (const c of live) out.push({ _tag: 'cancel', clientOrderId: c.clientOrderId, reason: 'final sweep' });
    if (takerInFlight.isZero() && takerAllowed(side, touch, parent.limitPrice)) {
      const q = sizeChild(i, free, free, takerPrice);
      if (q.gt(0)) out.push({ _tag: 'take', qty: q, reason: 'sweep' });
    }
    return out;
  }

  if (parent.style === 'marketOnly') {
    // The baseline: each slice's quantity with one market order at the slice's start.
    const k = sliceIndexAt(schedule, now);
    const due = targetByEndOf(schedule, k).minus(filled).minus(takerInFlight);
    if (due.gt(0) && takerAllowed(side, touch, parent.limitPrice)) {
      const q = sizeChild(i, due, free, takerPrice);
      if (q.gt(0)) out.push({ _tag: 'take', qty: q, reason: 'slice' });
    }
    return out;
  }

  // Reprice: the touch moved away from a resting child.
  const price = passivePrice(side, touch, i, cfg.improveWideSpread, parent.limitPrice);
  const away = i.tickSize.times(cfg.repriceTicks);
  const kept: Child[] = [];
  for (const c of live) {
    const cp = c.price ?? price;
    const gap = side === 'buy' ? price.minus(cp) : cp.minus(price);
    if (c.status === 'Working' && gap.gte(away))
      out.push({ _tag: 'cancel', clientOrderId: c.clientOrderId, reason: 'reprice' });
    else kept.push(c);
  }

  // Catch up when behind the schedule by more than the tolerance.
  const unit = meanSliceQty(schedule);
  const scheduled = targetAt(schedule, now);
  if (
    scheduled.gt(catchUpThreshold(parent, schedule, filled.plus(takerInFlight), cfg)) &&
    takerAllowed(side, touch, parent.limitPrice)
  ) {
    const want = scheduled.minus(filled).minus(takerInFlight).minus(unit.times(cfg.catchUpTarget));
    const q = sizeChild(i, want, free, takerPrice);
    if (q.gt(0)) out.push({ _tag: 'take', qty: q, reason: 'catchUp' });
    if (roundQtyDown(free, i.lotSize).lt(roundQtyDown(want, i.lotSize)))
      // No room left under the parent's quantity: free it by cancelling the passive children.
      for (const c of kept)
        out.push({ _tag: 'cancel', clientOrderId: c.clientOrderId, reason: 'room for catch-up' });
    return out;
  }

  // Post (or top up) passively, sized to the schedule a little ahead.
  const k = sliceIndexAt(schedule, now);
  const ahead = targetByEndOf(schedule, k + cfg.lookaheadSlices - 1);
  const want = ahead.minus(filled).minus(takerInFlight).minus(sum(kept));
  if (want.gt(0)) {
    // Capped by `free`, which still counts children being cancelled: never overshoots.
    const q = sizeChild(i, want, free, price);
    const repriced = live.length > kept.length;
    if (q.gt(0)) out.push({ _tag: 'post', qty: q, price, reason: repriced ? 'reprice' : 'post' });
  }
  return out;
};
