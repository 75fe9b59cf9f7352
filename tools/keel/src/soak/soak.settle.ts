/**
 * When a soak has settled after its last target, and by how much the account is short of it.
 *
 * Fed the store's events in order (`add`), it answers `outcome(venueFills)`:
 * - `waiting` until the target's parent order completed, every child order of that parent is
 *   closed in the log (filled, cancelled or rejected), every venue fill is recorded and the
 *   gateway reported the position after the last of them;
 * - then `{ shortBy }`: null when the parent filled, or when it ended at its deadline but the
 *   account holds the target anyway; else the target minus the position held.
 *
 * The residual a parent order reports at its deadline is what it had filled *then*: its children
 * are cancelled at that instant, and one on its way (the final sweep's taker order) may still
 * fill after it. Only once every child is closed is the position final, so only then is the
 * account judged short (and the soak sets the target again, which execution takes up only when
 * the position differs from it).
 */
import Decimal from 'decimal.js';
import type { RecordedEvent } from '@keel/events';

export type SettleOutcome =
  | { readonly _tag: 'waiting'; readonly why: string }
  | { readonly _tag: 'settled'; readonly shortBy: string | null };

export interface SettleWatch {
  add(e: RecordedEvent): void;
  outcome(venueFills: readonly { readonly tradeId: string }[]): SettleOutcome;
}

export const settleWatch = (target: {
  readonly id: string;
  readonly qty: string;
  readonly account: string;
  readonly instrument: string;
}): SettleWatch => {
  const recorded = new Set<string>();
  let lastFillAt = 0;
  let lastReportAt = 0;
  let held = new Decimal(0);
  let parent: string | null = null;
  /** Each completed parent: did it end at its deadline with a residual? */
  const completed = new Map<string, boolean>();
  /** Each parent's children still open: client order id → quantity not yet filled. */
  const open = new Map<string, Map<string, Decimal>>();
  const childrenOf = (p: string): Map<string, Decimal> => {
    let m = open.get(p);
    if (!m) open.set(p, (m = new Map()));
    return m;
  };

  return {
    add(e) {
      if (e.type === 'OrderFilled') {
        recorded.add(e.data.tradeId);
        lastFillAt = Math.max(lastFillAt, e.globalPosition);
      } else if (e.type === 'PositionReported') {
        if (e.data.accountId !== target.account) return;
        lastReportAt = e.globalPosition;
        held = new Decimal(e.data.positions.find((p) => p.instrument === target.instrument)?.qty ?? '0');
      } else if (e.type === 'ParentOrderStarted') {
        // A follow-up parent order (same target, a later attempt) is the one judged from then on.
        if (e.data.targetId === target.id) parent = e.data.parentOrderId;
      } else if (e.type === 'ParentOrderCompleted')
        completed.set(
          e.data.parentOrderId,
          e.data.reason === 'deadline' && !new Decimal(e.data.residual).isZero(),
        );
      else if (e.type === 'ChildOrderRequested')
        childrenOf(e.data.parentOrderId).set(e.data.clientOrderId, new Decimal(e.data.qty));
      else if (e.type === 'ChildOrderFilled') {
        const children = childrenOf(e.data.parentOrderId);
        const left = children.get(e.data.clientOrderId);
        if (left === undefined) return;
        const rest = left.minus(e.data.qty);
        if (rest.lte(0)) children.delete(e.data.clientOrderId);
        else children.set(e.data.clientOrderId, rest);
      } else if (e.type === 'ChildOrderCancelled' || e.type === 'ChildOrderRejected')
        childrenOf(e.data.parentOrderId).delete(e.data.clientOrderId);
    },
    outcome(venueFills) {
      const waiting = (why: string): SettleOutcome => ({ _tag: 'waiting', why });
      if (parent === null) return waiting(`no parent order for target ${target.id} yet`);
      const short = completed.get(parent);
      if (short === undefined) return waiting(`parent order ${parent} still working`);
      const stillOpen = open.get(parent)?.size ?? 0;
      if (stillOpen > 0) return waiting(`${stillOpen} child order(s) of ${parent} still open`);
      const unrecorded = venueFills.filter((f) => !recorded.has(f.tradeId)).length;
      if (unrecorded > 0) return waiting(`${unrecorded} venue fill(s) not recorded`);
      if (lastReportAt <= lastFillAt) return waiting('no position report after the last fill');
      const gap = new Decimal(target.qty).minus(held);
      return { _tag: 'settled', shortBy: short && !gap.isZero() ? gap.toFixed() : null };
    },
  };
};
