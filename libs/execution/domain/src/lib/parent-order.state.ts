/**
 * The parent-order aggregate (one per account × instrument): its events, its lifecycle
 * state and `evolve`. A parent order turns a target position change into child orders over
 * a schedule (parent-order.decide.ts decides; child-order.policy.ts says which children).
 *
 * Lifecycle: Idle → Working ⇄ (paused flags) → Completed; a new target while Working goes
 * through Superseding (old children cancelled, their late fills still counted) before the
 * next parent starts from the position that results. Quantities are exact decimals.
 */
import Decimal from 'decimal.js';
import { DomainEvent, EventType } from '@keel/events';
import { Instrument, Side } from '@keel/instruments';
import { MarketTotals } from './execution.quality';
import { lagInSlices, Schedule } from './twap.schedule';

export type Urgency = 'low' | 'normal' | 'high';
/**
 * market: the CME market not open; killSwitch: a kill switch the optimizer has not answered
 * by flattening; riskHalted: the optimizer's risk state HALTED; sessionStopped: the operator
 * stopped the account's trading (execution.view.ts).
 */
export type PauseReason = 'market' | 'killSwitch' | 'riskHalted' | 'sessionStopped';
export type ChildKind = 'passive' | 'taker';
export type ChildReason = 'post' | 'reprice' | 'catchUp' | 'sweep' | 'slice';
export type CompletionReason = 'filled' | 'deadline' | 'superseded' | 'nothingToDo';

export interface Touch {
  readonly bid: Decimal;
  readonly ask: Decimal;
  /**
   * The sizes shown at the bid and the ask (the gateway's QuoteUpdated), for the policy's
   * queue imbalance; absent when not known (a touch from before they were kept, a spec's).
   * Never persisted: the touch is an input of a Tick, not part of an event.
   */
  readonly bidQty?: Decimal;
  readonly askQty?: Decimal;
}

export interface ParentOrder {
  readonly parentOrderId: string;
  readonly accountId: string;
  readonly instrument: Instrument;
  readonly side: Side;
  /** |target − position at start|, not rounded: the lot remainder is carried, never traded. */
  readonly qty: Decimal;
  readonly fromPosition: Decimal;
  readonly targetPosition: Decimal;
  readonly start: number;
  readonly deadline: number;
  readonly urgency: Urgency;
  /** Worst price the order may trade at (buy: ceiling, sell: floor); null for none. */
  readonly limitPrice: Decimal | null;
  readonly style: 'maker' | 'marketOnly';
}

export interface Child {
  readonly clientOrderId: string;
  readonly seq: number;
  readonly kind: ChildKind;
  readonly qty: Decimal;
  /** null for market orders. */
  readonly price: Decimal | null;
  readonly filled: Decimal;
  /** Requested: sent, not yet acknowledged; Working: on the book; Cancelling: cancel sent. */
  readonly status: 'Requested' | 'Working' | 'Cancelling';
  readonly tradeIds: readonly string[];
  readonly requestedAt: number;
}

export interface Progress {
  readonly filled: Decimal;
  /** Σ qty × price of fills, for the average price. */
  readonly notional: Decimal;
  readonly fees: Decimal;
  readonly makerQty: Decimal;
  readonly childCount: number;
}

// ---- events -----------------------------------------------------------------------------

/**
 * The catalog types a parent-order stream holds. The decider's events are these catalog
 * events decoded (`DomainEvent`: decimals as Decimal, times as epoch ms, plus `type` and
 * `occurredAt`): no second declaration of their shape.
 */
export const PARENT_ORDER_EVENT_TYPES = [
  'ParentOrderStarted',
  'ChildOrderRequested',
  'ChildOrderCancelRequested',
  'ChildOrderAccepted',
  'ChildOrderRejected',
  'ChildOrderFilled',
  'ChildOrderCancelled',
  'ParentOrderPaused',
  'ParentOrderResumed',
  'ParentOrderProgressReported',
  'ParentOrderSuperseded',
  'ParentOrderCompleted',
] as const satisfies readonly EventType[];
export type ParentOrderEventType = (typeof PARENT_ORDER_EVENT_TYPES)[number];
export type ParentOrderEvent = DomainEvent<ParentOrderEventType>;

export const isParentOrderEventType = (t: string): t is ParentOrderEventType =>
  (PARENT_ORDER_EVENT_TYPES as readonly string[]).includes(t);

/** A target waiting for the previous parent's children to close. */
export interface PendingTarget {
  readonly targetId: string;
  readonly targetPosition: Decimal;
  readonly deadline: number;
  readonly slices: number;
  readonly urgency: Urgency;
  readonly limitPrice: Decimal | null;
}

// ---- state ------------------------------------------------------------------------------

interface Base {
  /** Last known position (start position + signed fills), for re-planning. */
  readonly position: Decimal;
  readonly paused: readonly PauseReason[];
}

/** What a parent order keeps for its quality report at completion. */
interface Record {
  /** The target (TargetPositionSet event id) it executes; null when not known. */
  readonly targetId: string | null;
  readonly arrivalMid: Decimal | null;
  readonly marketAtStart: MarketTotals | null;
  /** Worst lag behind the schedule seen at a slice end, in slices. */
  readonly maxLag: number;
}

export type ParentOrderState =
  | (Base & { readonly status: 'Idle' })
  | (Base &
      Record & {
        readonly status: 'Working';
        readonly parent: ParentOrder;
        readonly schedule: Schedule;
        readonly children: readonly Child[];
        readonly nextSeq: number;
        readonly progress: Progress;
        /** Last slice for which progress was reported (−1: none yet). */
        readonly reportedSlice: number;
        /** When the last catch-up clip was requested (a catch-up goes on after it); null: none. */
        readonly lastCatchUpAt: number | null;
      })
  | (Base &
      Record & {
        readonly status: 'Superseding';
        readonly parent: ParentOrder;
        readonly children: readonly Child[];
        readonly nextSeq: number;
        readonly progress: Progress;
        readonly next: PendingTarget;
      })
  | (Base &
      Record & {
        readonly status: 'Completed';
        readonly parent: ParentOrder;
        readonly progress: Progress;
        readonly reason: CompletionReason;
        readonly residual: Decimal;
        readonly finishedAt: number;
        readonly nextSeq: number;
        /**
         * Children still open when it completed (at a deadline their cancels go out with the
         * completion): their late fills are still counted, so no fill is lost from the position.
         */
        readonly lateChildren: readonly Child[];
        /**
         * The target that superseded it (reason 'superseded'): if that target never started a
         * parent of its own (its deadline passed while these children closed), it is still owed
         * one (`followUpStep`). null otherwise.
         */
        readonly supersededBy: string | null;
      });

export const initialState = (position: Decimal = new Decimal(0)): ParentOrderState => ({
  status: 'Idle',
  position,
  paused: [],
});

export const emptyProgress: Progress = {
  filled: new Decimal(0),
  notional: new Decimal(0),
  fees: new Decimal(0),
  makerQty: new Decimal(0),
  childCount: 0,
};

const signed = (side: Side, q: Decimal): Decimal => (side === 'buy' ? q : q.neg());

/** Quantity a child may still fill. */
export const childOpenQty = (c: Child): Decimal => c.qty.minus(c.filled);

const mapChild = (
  children: readonly Child[],
  cid: string,
  f: (c: Child) => Child | null,
): readonly Child[] => {
  const out: Child[] = [];
  for (const c of children) {
    if (c.clientOrderId !== cid) out.push(c);
    else {
      const n = f(c);
      if (n) out.push(n);
    }
  }
  return out;
};

const withChildren = <S extends ParentOrderState>(s: S, children: readonly Child[]): S =>
  s.status === 'Working' || s.status === 'Superseding' ? { ...s, children } : s;

const onFill = (
  s: ParentOrderState,
  e: Extract<ParentOrderEvent, { type: 'ChildOrderFilled' }>,
): ParentOrderState => {
  if (s.status === 'Idle') return s;
  const p = s.progress;
  const progress: Progress = {
    ...p,
    filled: p.filled.plus(e.qty),
    notional: p.notional.plus(e.qty.times(e.price)),
    fees: p.fees.plus(e.fee),
    makerQty: e.liquidity === 'maker' ? p.makerQty.plus(e.qty) : p.makerQty,
  };
  const position = s.position.plus(signed(s.parent.side, e.qty));
  const fill = (c: Child): Child | null => {
    const filled = c.filled.plus(e.qty);
    // A fully filled child is done: it leaves the working set.
    return filled.gte(c.qty) ? null : { ...c, filled, tradeIds: [...c.tradeIds, e.tradeId] };
  };
  if (s.status === 'Completed')
    return { ...s, progress, position, lateChildren: mapChild(s.lateChildren, e.clientOrderId, fill) };
  return { ...s, progress, position, children: mapChild(s.children, e.clientOrderId, fill) };
};

/** The parent order a ParentOrderStarted event starts. */
export const parentOf = (e: Extract<ParentOrderEvent, { type: 'ParentOrderStarted' }>): ParentOrder => ({
  parentOrderId: e.parentOrderId,
  accountId: e.accountId,
  instrument: e.instrumentRules,
  side: e.side,
  qty: e.qty,
  fromPosition: e.fromPosition,
  targetPosition: e.targetPosition,
  start: e.start,
  deadline: e.deadline,
  urgency: e.urgency,
  limitPrice: e.limitPrice,
  style: e.style,
});

export const evolve = (s: ParentOrderState, e: ParentOrderEvent): ParentOrderState => {
  switch (e.type) {
    case 'ParentOrderStarted': {
      const nextSeq = s.status === 'Idle' ? 0 : s.nextSeq;
      return {
        status: 'Working',
        position: e.fromPosition,
        paused: s.paused,
        parent: parentOf(e),
        schedule: e.schedule,
        targetId: e.targetId,
        arrivalMid: e.arrivalMid,
        marketAtStart: e.marketAtStart,
        maxLag: 0,
        children: [],
        nextSeq,
        progress: emptyProgress,
        reportedSlice: -1,
        lastCatchUpAt: null,
      };
    }
    case 'ChildOrderRequested': {
      if (s.status !== 'Working') return s;
      const child: Child = {
        clientOrderId: e.clientOrderId,
        seq: e.seq,
        kind: e.kind,
        qty: e.qty,
        price: e.limitPrice,
        filled: new Decimal(0),
        status: 'Requested',
        tradeIds: [],
        requestedAt: e.occurredAt,
      };
      return {
        ...s,
        children: [...s.children, child],
        nextSeq: Math.max(s.nextSeq, e.seq + 1),
        progress: { ...s.progress, childCount: s.progress.childCount + 1 },
        lastCatchUpAt: e.reason === 'catchUp' ? e.occurredAt : s.lastCatchUpAt,
      };
    }
    case 'ChildOrderCancelRequested':
      if (s.status !== 'Working' && s.status !== 'Superseding') return s;
      return withChildren(
        s,
        mapChild(s.children, e.clientOrderId, (c) => ({ ...c, status: 'Cancelling' })),
      );
    case 'ChildOrderAccepted':
      if (s.status !== 'Working' && s.status !== 'Superseding') return s;
      return withChildren(
        s,
        mapChild(s.children, e.clientOrderId, (c) =>
          c.status === 'Requested' ? { ...c, status: 'Working' } : c,
        ),
      );
    case 'ChildOrderRejected':
    case 'ChildOrderCancelled':
      // A completed parent's late child is closed: it can no longer fill.
      if (s.status === 'Completed')
        return { ...s, lateChildren: mapChild(s.lateChildren, e.clientOrderId, () => null) };
      if (s.status !== 'Working' && s.status !== 'Superseding') return s;
      return withChildren(
        s,
        mapChild(s.children, e.clientOrderId, () => null),
      );
    case 'ChildOrderFilled':
      return onFill(s, e);
    case 'ParentOrderPaused':
      return s.paused.includes(e.reason) ? s : { ...s, paused: [...s.paused, e.reason] };
    case 'ParentOrderResumed': {
      const paused = s.paused.filter((r) => r !== e.reason);
      // A re-planned schedule starts afresh: no catch-up goes on across it.
      if (s.status === 'Working' && e.schedule)
        return { ...s, paused, schedule: e.schedule, lastCatchUpAt: null };
      return { ...s, paused };
    }
    case 'ParentOrderProgressReported':
      return s.status === 'Working'
        ? {
            ...s,
            reportedSlice: Math.max(s.reportedSlice, e.slice),
            maxLag: Math.max(s.maxLag, lagInSlices(s.schedule, e.occurredAt, e.filled)),
          }
        : s;
    case 'ParentOrderSuperseded':
      // A later target while the old children are still closing replaces the pending one.
      if (s.status === 'Superseding') return { ...s, next: e.next };
      if (s.status !== 'Working') return s;
      return {
        status: 'Superseding',
        position: s.position,
        paused: s.paused,
        parent: s.parent,
        targetId: s.targetId,
        arrivalMid: s.arrivalMid,
        marketAtStart: s.marketAtStart,
        maxLag: s.maxLag,
        children: s.children,
        nextSeq: s.nextSeq,
        progress: s.progress,
        next: e.next,
      };
    case 'ParentOrderCompleted':
      if (s.status !== 'Working' && s.status !== 'Superseding') return s;
      return {
        status: 'Completed',
        position: s.position,
        paused: s.paused,
        parent: s.parent,
        targetId: s.targetId,
        arrivalMid: s.arrivalMid,
        marketAtStart: s.marketAtStart,
        maxLag:
          s.status === 'Working'
            ? Math.max(s.maxLag, lagInSlices(s.schedule, e.occurredAt, e.filled))
            : s.maxLag,
        progress: s.progress,
        reason: e.reason,
        residual: e.residual,
        finishedAt: e.occurredAt,
        nextSeq: s.nextSeq,
        lateChildren: s.children,
        supersededBy: s.status === 'Superseding' ? s.next.targetId : null,
      };
    default: {
      const never: never = e;
      return never;
    }
  }
};
