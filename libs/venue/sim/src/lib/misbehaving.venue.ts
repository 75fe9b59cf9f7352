/**
 * A venue that misbehaves the way real ones do, wrapped around any `VenueAdapter` (the
 * simulator, usually), so the gateway's kill tests can see what a strongly consistent
 * simulator hides:
 *
 *  - **late placements**: some placements are answered with a timeout at once, and applied by
 *    the venue `lateApplyMs` later (Binance -1007 / HTTP 503 "unknown status"); meanwhile a
 *    look-up by client id answers "does not exist" and the open orders do not list it;
 *  - **forgotten orders**: a cancelled order is no longer found by client id
 *    `forgetCancelledAfterMs` after its cancel (Binance: 3 days for unfilled ones), and any
 *    order `forgetOrdersAfterMs` after it was placed (Binance: 90 days);
 *  - **late and missing fills**: a fill is listed only `fillDelayMs` after it happened, and any
 *    one read leaves out each fill with `fillDropChance` (a later read lists it).
 *
 * Randomness comes from `seed`; time from the clock the venue runs on.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { Clock } from '@keel/clock';
import { Fill, VenueAdapter, VenueError, VenueOrder } from '@keel/venue-domain';

export interface Misbehaviour {
  /** Chance that a placement is answered with a timeout and applied `lateApplyMs` later. */
  readonly lateApplyChance: number;
  readonly lateApplyMs: number;
  /** A cancelled order is no longer found by client id this long after its cancel was answered. */
  readonly forgetCancelledAfterMs: number;
  /** Any order is no longer found by client id this long after it was placed (Binance: 90 days; default never). */
  readonly forgetOrdersAfterMs?: number;
  /** A fill is listed only this long after it happened. */
  readonly fillDelayMs: number;
  /** Chance that one read of the fills leaves out each fill. */
  readonly fillDropChance: number;
  readonly seed: number;
}

export interface MisbehavingVenue extends VenueAdapter {
  /** What it did so far (for a test's report). */
  stats(): { readonly lateApplied: number; readonly lookupsDenied: number; readonly fillsHeldBack: number };
}

export const misbehavingVenue = (inner: VenueAdapter, clock: Clock, m: Misbehaviour): MisbehavingVenue => {
  let s = m.seed >>> 0 || 1;
  /** xorshift32: the same misbehaviour for the same seed. */
  const rand = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
  /** Client ids whose placement is on its way (answered with a timeout, not applied yet). */
  const pending = new Set<string>();
  /** Client id → when its cancel was answered. */
  const cancelledAt = new Map<string, number>();
  const stats = { lateApplied: 0, lookupsDenied: 0, fillsHeldBack: 0 };
  const timeout = (op: string): VenueError => ({
    _tag: 'VenueTimeout',
    venue: inner.venue,
    op,
    ms: m.lateApplyMs,
  });
  const forgotten = (cid: string): boolean => {
    const at = cancelledAt.get(cid);
    return at !== undefined && clock.now() - at >= m.forgetCancelledAfterMs;
  };
  return {
    ...inner,
    placeOrder: (order) => async () => {
      if (rand() >= m.lateApplyChance) return inner.placeOrder(order)();
      pending.add(order.clientOrderId);
      stats.lateApplied++;
      clock.setTimer(`late-${order.clientOrderId}`, clock.now() + m.lateApplyMs, () => {
        void inner
          .placeOrder(order)()
          .finally(() => pending.delete(order.clientOrderId));
      });
      return E.left(timeout('placeOrder'));
    },
    cancelOrder: (symbol, cid) => async () => {
      const r = await inner.cancelOrder(symbol, cid)();
      if (E.isRight(r) && r.right.status === 'cancelled') cancelledAt.set(cid, clock.now());
      return r;
    },
    fetchOrderByClientId: (symbol, cid) => async (): Promise<E.Either<VenueError, VenueOrder | null>> => {
      if (pending.has(cid) || forgotten(cid)) {
        stats.lookupsDenied++;
        return E.right(null);
      }
      const r = await inner.fetchOrderByClientId(symbol, cid)();
      if (
        E.isRight(r) &&
        r.right !== null &&
        m.forgetOrdersAfterMs !== undefined &&
        clock.now() - r.right.ts >= m.forgetOrdersAfterMs
      ) {
        stats.lookupsDenied++;
        return E.right(null);
      }
      return r;
    },
    fetchOpenOrders: (symbol) =>
      TE.map((orders: readonly VenueOrder[]) => orders.filter((o) => !pending.has(o.clientOrderId)))(
        inner.fetchOpenOrders(symbol),
      ),
    fetchFills: (symbol, sinceTs) =>
      TE.map((fills: readonly Fill[]) => {
        const visible = fills.filter(
          (f) => f.ts <= clock.now() - m.fillDelayMs && rand() >= m.fillDropChance,
        );
        stats.fillsHeldBack += fills.length - visible.length;
        return visible;
      })(inner.fetchFills(symbol, sinceTs)),
    stats: () => ({ ...stats }),
  };
};
