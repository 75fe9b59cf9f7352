/**
 * The child-order policy of a working parent order: given the state, the time and the
 * touch, which children to post, take or cancel. Pure; parent-order.decide.ts turns the
 * actions into events (with their client order ids).
 *
 * Clips: every child is at most one clip, the mean slice quantity / `clipsPerSlice` (rounded
 * up to the lot, at least the tradable minimum at its price), for both styles, so the
 * maker-first TWAP and its market-only baseline trade the same sizes and a simulator that
 * charges impact by size compares like with like. Only the final sweep takes more.
 *
 * Maker-first TWAP ('maker'):
 * - Post passively at our touch, or one tick inside when the spread is wider than a tick,
 *   as many clips as the schedule `lookaheadSlices` ahead calls for (working ahead is what
 *   lets passive fills carry most of the quantity); top up with more clips as the schedule
 *   moves on, so earlier children keep their queue place.
 * - Reprice when the touch moves away from a child by `repriceTicks` or more: cancel it and
 *   post at the new price at once, within what is free while the cancel is in flight (the
 *   rest is topped up once the cancel is confirmed).
 * - Catch up: when the filled quantity trails the schedule by more than `catchUpTolerance`
 *   slices, take a clip with a market order; the catch-up goes on, a clip per tick, while the
 *   order still trails by more than `catchUpTarget` slices and the last catch-up clip is less
 *   than one clip interval (slice / `clipsPerSlice`) old.
 * - Queue imbalance (`imbalance`, off by default): with our side's imbalance ≥ `take` and
 *   the order behind by more than `takeLagSlices`, take a clip now (the price is about to
 *   move away); with it ≤ −`hold`, new children are posted one tick behind our touch instead
 *   of joining it (that queue is about to be consumed: a fill there is adversely selected);
 *   with it ≤ −`withdraw`, cancel the resting children and post none until it recovers.
 * - Final sweep: `finalSweepMs` before the deadline cancel the passive children and take
 *   what is left, whatever its size, so the order finishes by the deadline.
 *
 * Market-only baseline ('marketOnly'): within slice k, clip j (0 ≤ j < clipsPerSlice) is due
 * at the slice start + ⌈j × slice / clipsPerSlice⌉ ms; what is due then is the slice's start
 * target + (j + 1) clips, capped by its end target, so the baseline is never ahead of the
 * schedule (but for a tail below the tradable minimum, taken along by the clip that finishes
 * the parent) and has done each slice's target by the slice's end. Each tick takes at most one
 * clip of what is due and not yet done or in flight (a shortfall is caught up a clip a tick).
 *
 * Invariants: filled + every child's open quantity ≤ the parent's quantity (never
 * overshoot; a cancelled child's quantity is free again only once it is closed); every
 * child is a multiple of the lot, ≥ minQty and ≥ minNotional at its reference price; a
 * child never leaves a positive remainder below the tradable minimum (it leaves exactly the
 * minimum, or takes the remainder along when the clip cannot spare it: then, and in the
 * sweep, a child exceeds a clip; a remainder nothing can trade is carried and reported as
 * residual).
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
import {
  meanSliceQty,
  Schedule,
  sliceIndexAt,
  sliceMs,
  sliceStart,
  targetAt,
  targetByEndOf,
} from './twap.schedule';

/**
 * The queue-imbalance rule (off unless configured). Our side's imbalance is
 * (bidQty − askQty) / (bidQty + askQty) for a buy, (askQty − bidQty) / (bidQty + askQty) for a
 * sell, in [−1, 1]: high when our own queue is the heavy one (the price is about to move away
 * from us), low when the queue we would join is the light one (about to be consumed).
 */
export interface ImbalancePolicy {
  /** Take a clip when our side's imbalance is ≥ this (and the order is behind, see below); null: never. */
  readonly take: number | null;
  /** Post one tick behind our touch, not at it, when our side's imbalance is ≤ −this; null: never. */
  readonly hold: number | null;
  /**
   * Stand aside when our side's imbalance is ≤ −this: cancel the resting children and post
   * none until it recovers (the queue we are in is the light one: the price is about to move
   * through it, and a fill there is followed by a better price). null: never.
   */
  readonly withdraw?: number | null;
  /**
   * The imbalance take only when the order trails the schedule by more than this many slices.
   * The take is a catch-up clip (reason `catchUp`): like any, it goes on a clip per tick while
   * the order trails by more than `catchUpTarget` slices, so this is ≤ `catchUpTarget` for a
   * single clip.
   */
  readonly takeLagSlices: number;
}

export interface PolicyConfig {
  /** Cancel a passive child when the touch has moved this many ticks away from it. */
  readonly repriceTicks: number;
  /** Passive children are sized to the schedule's target this many slices ahead. */
  readonly lookaheadSlices: number;
  /** Catch-up trigger: lag in slices beyond which the shortfall is taken; by urgency. */
  readonly catchUpTolerance: Readonly<Record<Urgency, number>>;
  /** Lag (in slices) a catch-up brings the order back to, a clip per tick; 0 takes the whole shortfall. */
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
  /**
   * Clips per slice, both styles: a child is at most (mean slice quantity / this), rounded up
   * to the lot and at least the tradable minimum; the baseline sends one clip every
   * slice / this. A whole number ≥ 1.
   */
  readonly clipsPerSlice: number;
  /**
   * The queue-imbalance rules; null: off (the default: none of them has beaten the default policy
   * out of sample, docs/benchmarks.md, "Standing aside on a light queue, fitted and checked").
   */
  readonly imbalance: ImbalancePolicy | null;
  /**
   * At most this many passive clips rest at once (the next is posted when one fills); null:
   * as many as the lookahead wants. Fewer resting clips means one move through our price
   * fills a clip, not the whole slice, and the next clip is bought after the move.
   */
  readonly maxRestingClips?: number | null;
}

export const DEFAULT_POLICY: PolicyConfig = {
  repriceTicks: 1,
  lookaheadSlices: 1,
  catchUpTolerance: { low: 0.9, normal: 0.75, high: 0.4 },
  catchUpTarget: 0.25,
  finalSweepMs: 30_000,
  improveWideSpread: true,
  childValidityMs: 60_000,
  // Four: with the 60 s slices of the app, a clip every 15 s, a quarter of the time the
  // simulator's book takes to recover from our impact (its 60 s resilience), so most of a
  // clip's impact has not decayed when the next goes, and more clips buy little; and a clip
  // stays above Binance's 100 USDT minimum for parents down to ~0.5 BTC an hour in 60
  // slices, so the clip count is what is traded rather than the minimum.
  clipsPerSlice: 4,
  imbalance: null,
  maxRestingClips: null,
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
  /** When the last catch-up clip was requested (the catch-up goes on after it); null: none. */
  readonly lastCatchUpAt?: number | null;
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
 * positive but below the minimum, take it along. Zero when nothing tradable fits.
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

/** `clipsPerSlice` as a whole number ≥ 1 (a bad setting cannot divide by zero). */
const clipsOf = (cfg: PolicyConfig): number => Math.max(1, Math.floor(cfg.clipsPerSlice) || 1);

/**
 * The clip of a schedule as the schedule sees it: mean slice quantity / `clipsPerSlice`,
 * rounded up to the lot (so `clipsPerSlice` clips cover any slice of an equal profile). The
 * baseline's timetable; independent of the price, so `nextWakeAt` can follow it.
 */
export const scheduleClip = (schedule: Schedule, i: Instrument, cfg: PolicyConfig): Decimal =>
  Decimal.max(i.lotSize, meanSliceQty(schedule).div(clipsOf(cfg)).div(i.lotSize).ceil().times(i.lotSize));

/** The most one child may carry at `price` (outside the sweep): the clip, at least the tradable minimum. */
export const clipQty = (schedule: Schedule, i: Instrument, price: Decimal, cfg: PolicyConfig): Decimal =>
  Decimal.max(scheduleClip(schedule, i, cfg), minTradable(i, price));

/**
 * Size a clip-bounded child: as `sizeChild` with `want` capped at the clip. When the remainder
 * it would take along makes it larger than the clip, it leaves exactly the minimum free instead,
 * if what it keeps is still tradable; else it takes the remainder along (never strands it).
 */
export const sizeClip = (
  i: Instrument,
  want: Decimal,
  free: Decimal,
  price: Decimal,
  clip: Decimal,
): Decimal => {
  const q = sizeChild(i, Decimal.min(want, clip), free, price);
  if (q.lte(clip)) return q;
  const min = minTradable(i, price);
  const kept = roundQtyDown(free, i.lotSize).minus(min);
  return kept.gte(min) && kept.lte(clip) ? kept : q;
};

/** Duration of one clip interval, ms: a slice / `clipsPerSlice`. */
export const clipIntervalMs = (schedule: Schedule, cfg: PolicyConfig): number =>
  sliceMs(schedule) / clipsOf(cfg);

/** The baseline's clip index in the slice that `t` falls in: the last j whose instant is ≤ t. */
const clipIndexAt = (schedule: Schedule, t: number, cfg: PolicyConfig): number => {
  const k = sliceIndexAt(schedule, t);
  const into = Math.max(0, t - sliceStart(schedule, k));
  return Math.min(clipsOf(cfg) - 1, Math.floor((into * clipsOf(cfg)) / sliceMs(schedule)));
};

/** When the baseline's clip j of slice k is due: the slice start + ⌈j × slice / clipsPerSlice⌉. */
export const baselineClipAt = (schedule: Schedule, k: number, j: number, cfg: PolicyConfig): number =>
  sliceStart(schedule, k) + Math.ceil((j * sliceMs(schedule)) / clipsOf(cfg));

/**
 * What the market-only baseline should have done (or have in flight) at t: the slice's start
 * target + one clip per clip instant reached, capped by the slice's end target (never ahead of
 * the schedule; the whole slice by its last clip, as `clipsPerSlice` clips cover a slice).
 */
export const baselineDueAt = (schedule: Schedule, t: number, i: Instrument, cfg: PolicyConfig): Decimal => {
  const k = sliceIndexAt(schedule, t);
  const j = clipIndexAt(schedule, t, cfg);
  const atStart = targetAt(schedule, sliceStart(schedule, k));
  return Decimal.min(targetByEndOf(schedule, k), atStart.plus(scheduleClip(schedule, i, cfg).times(j + 1)));
};

/** The next baseline clip instant after t (in this slice or the next's start), or null at the last. */
export const nextBaselineClipAfter = (schedule: Schedule, t: number, cfg: PolicyConfig): number | null => {
  const k = sliceIndexAt(schedule, t);
  const j = clipIndexAt(schedule, t, cfg);
  if (j + 1 < clipsOf(cfg)) return baselineClipAt(schedule, k, j + 1, cfg);
  return k + 1 < schedule.weights.length ? sliceStart(schedule, k + 1) : null;
};

/**
 * Our side's queue imbalance at the touch (see `ImbalancePolicy`), a statistic in [−1, 1];
 * null when the touch carries no sizes or both are zero.
 */
export const queueImbalance = (side: Side, touch: Touch): number | null => {
  if (touch.bidQty === undefined || touch.askQty === undefined) return null;
  const total = touch.bidQty.plus(touch.askQty);
  if (total.lte(0)) return null;
  const ours = side === 'buy' ? touch.bidQty.minus(touch.askQty) : touch.askQty.minus(touch.bidQty);
  return ours.div(total).toNumber();
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

/** One tick behind our touch (buy: bid − tick; sell: ask + tick), capped by the limit: the imbalance hold. */
const behindTouch = (side: Side, touch: Touch, i: Instrument, limit: Decimal | null): Decimal => {
  let p = side === 'buy' ? touch.bid.minus(i.tickSize) : touch.ask.plus(i.tickSize);
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

/** A catch-up clip was requested less than one clip interval before `now`: the catch-up goes on. */
export const catchUpContinuing = (
  schedule: Schedule,
  now: number,
  lastCatchUpAt: number | null | undefined,
  cfg: PolicyConfig,
): lastCatchUpAt is number =>
  lastCatchUpAt !== null &&
  lastCatchUpAt !== undefined &&
  now >= lastCatchUpAt &&
  now - lastCatchUpAt < clipIntervalMs(schedule, cfg);

/** A catch-up goes on while the schedule's target is above this: its floor plus a whole clip. */
export const catchUpGoesOnAbove = (
  schedule: Schedule,
  i: Instrument,
  done: Decimal,
  cfg: PolicyConfig,
): Decimal => catchUpFloor(schedule, done, cfg).plus(scheduleClip(schedule, i, cfg));

/** Where a catch-up stops: the schedule's target less `catchUpTarget` slices. */
export const catchUpFloor = (schedule: Schedule, done: Decimal, cfg: PolicyConfig): Decimal =>
  done.plus(meanSliceQty(schedule).times(cfg.catchUpTarget));

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
  const done = filled.plus(takerInFlight);
  const takerClip = clipQty(schedule, i, takerPrice, cfg);

  const sweeping = parent.style === 'maker' && now >= parent.deadline - sweepLeadMs(schedule, cfg);

  if (sweeping) {
    // The one child larger than a clip: whatever is left, so the order finishes by the deadline.
    for (const c of live) out.push({ _tag: 'cancel', clientOrderId: c.clientOrderId, reason: 'final sweep' });
    if (takerInFlight.isZero() && takerAllowed(side, touch, parent.limitPrice)) {
      const q = sizeChild(i, free, free, takerPrice);
      if (q.gt(0)) out.push({ _tag: 'take', qty: q, reason: 'sweep' });
    }
    return out;
  }

  if (parent.style === 'marketOnly') {
    // The baseline: a clip at each clip instant of the slice, never ahead of the schedule.
    const due = baselineDueAt(schedule, now, i, cfg).minus(done);
    if (due.gt(0) && takerAllowed(side, touch, parent.limitPrice)) {
      const q = sizeClip(i, due, free, takerPrice, takerClip);
      if (q.gt(0)) out.push({ _tag: 'take', qty: q, reason: 'slice' });
    }
    return out;
  }

  // Our passive price; with the imbalance hold on, one tick behind the touch instead.
  const imbalance = cfg.imbalance === null ? null : queueImbalance(side, touch);
  const holdAt = cfg.imbalance?.hold ?? null;
  const hold = holdAt !== null && imbalance !== null && imbalance <= -holdAt;
  const withdrawAt = cfg.imbalance?.withdraw ?? null;
  const withdrawing = withdrawAt !== null && imbalance !== null && imbalance <= -withdrawAt;
  const price = hold
    ? behindTouch(side, touch, i, parent.limitPrice)
    : passivePrice(side, touch, i, cfg.improveWideSpread, parent.limitPrice);

  // Reprice: the touch moved away from a resting child (a child nearer than `price` is kept).
  const away = i.tickSize.times(cfg.repriceTicks);
  const kept: Child[] = [];
  for (const c of live) {
    const cp = c.price ?? price;
    const gap = side === 'buy' ? price.minus(cp) : cp.minus(price);
    if (c.status === 'Working' && withdrawing)
      out.push({ _tag: 'cancel', clientOrderId: c.clientOrderId, reason: 'imbalance' });
    else if (c.status === 'Working' && gap.gte(away))
      out.push({ _tag: 'cancel', clientOrderId: c.clientOrderId, reason: 'reprice' });
    else kept.push(c);
  }

  // Catch up, a clip per tick, when behind the schedule by more than the tolerance (or still
  // above the catch-up target while a catch-up goes on).
  const scheduled = targetAt(schedule, now);
  // A catch-up goes on only while a whole clip is still missing above its target: once the lag
  // is back to the target it ends (the schedule moving on must not keep it alive a sliver at a
  // time, which would turn the order into a string of minimum-size market orders).
  const behind =
    scheduled.gt(catchUpThreshold(parent, schedule, done, cfg)) ||
    (catchUpContinuing(schedule, now, input.lastCatchUpAt, cfg) &&
      scheduled.gt(catchUpGoesOnAbove(schedule, i, done, cfg)));
  if (behind && takerAllowed(side, touch, parent.limitPrice)) {
    const want = Decimal.min(scheduled.minus(catchUpFloor(schedule, done, cfg)), takerClip);
    const q = sizeClip(i, want, free, takerPrice, takerClip);
    if (q.gt(0)) out.push({ _tag: 'take', qty: q, reason: 'catchUp' });
    const noRoom = roundQtyDown(free, i.lotSize).lt(roundQtyDown(want, i.lotSize));
    if (noRoom)
      // No room left under the parent's quantity: free it by cancelling the passive children.
      for (const c of kept)
        out.push({ _tag: 'cancel', clientOrderId: c.clientOrderId, reason: 'room for catch-up' });
    // Nothing tradable to take (a sliver behind): the passive children below carry on.
    if (q.gt(0) || noRoom) return out;
  }

  // The imbalance take: our queue is the heavy one and the order is behind: a clip now, at
  // most what it is behind by (never ahead of the schedule), within what is free.
  const unit = meanSliceQty(schedule);
  const takeAt = cfg.imbalance?.take ?? null;
  if (
    cfg.imbalance !== null &&
    takeAt !== null &&
    imbalance !== null &&
    imbalance >= takeAt &&
    scheduled.gt(done.plus(unit.times(cfg.imbalance.takeLagSlices))) &&
    takerAllowed(side, touch, parent.limitPrice)
  ) {
    const q = sizeClip(i, scheduled.minus(done), free, takerPrice, takerClip);
    if (q.gt(0)) {
      out.push({ _tag: 'take', qty: q, reason: 'catchUp' });
      return out;
    }
  }

  // Standing aside: nothing rests until the imbalance recovers (catch-ups above still run).
  if (withdrawing) return out;

  // Post (or top up) passively, in clips, sized to the schedule a little ahead.
  const k = sliceIndexAt(schedule, now);
  const ahead = targetByEndOf(schedule, k + cfg.lookaheadSlices - 1);
  const clip = clipQty(schedule, i, price, cfg);
  const repriced = live.length > kept.length;
  let want = ahead.minus(done).minus(sum(kept));
  if (cfg.maxRestingClips !== undefined && cfg.maxRestingClips !== null)
    want = Decimal.min(want, clip.times(cfg.maxRestingClips).minus(sum(kept)));
  // Capped by `room`, which still counts children being cancelled: never overshoots.
  let room = free;
  while (want.gt(0)) {
    const q = sizeClip(i, want, room, price, clip);
    if (q.lte(0)) break;
    out.push({ _tag: 'post', qty: q, price, reason: repriced ? 'reprice' : 'post' });
    want = want.minus(q);
    room = room.minus(q);
  }
  return out;
};
