/**
 * The pure lifecycle of one venue order: open → partiallyFilled → filled, or cancelled /
 * expired / rejected. Fills arrive as data with the venue's trade id and are applied
 * exactly once per trade id, so a redelivered fill never counts twice; a fill that would
 * exceed the order quantity is refused. Used by the simulator and by reconciliation.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { OrderRequest, OrderStatus, VenueOrder } from './venue.port';
import { exact, plain } from '@keel/instruments';

export interface OrderState {
  readonly request: OrderRequest;
  readonly venueOrderId: string;
  readonly status: OrderStatus;
  readonly filledQty: Decimal;
  /** Σ fill qty × fill price, exactly; the average price is this over filledQty. */
  readonly filledNotional: Decimal;
  /** Trade ids already applied, oldest first. */
  readonly tradeIds: readonly string[];
  /** Epoch ms of the last change. */
  readonly ts: number;
}

export interface OrderFillInput {
  readonly tradeId: string;
  readonly qty: Decimal;
  readonly price: Decimal;
  readonly ts: number;
}

/**
 * A lifecycle step that does not fit the order's state. Action: reject the step; the state is
 * unchanged (an over-fill or a fill on a closed order means the caller's books are wrong: halt and reconcile).
 */
export interface OrderLifecycleError {
  readonly _tag: 'IllegalStateError';
  readonly message: string;
}

const illegal = (message: string): OrderLifecycleError => ({ _tag: 'IllegalStateError', message });

export const isTerminal = (status: OrderStatus): boolean => {
  switch (status) {
    case 'open':
    case 'partiallyFilled':
      return false;
    case 'filled':
    case 'cancelled':
    case 'rejected':
    case 'expired':
      return true;
    default: {
      const never: never = status;
      return never;
    }
  }
};

/** A new order the venue accepted. */
export const openOrder = (request: OrderRequest, venueOrderId: string, ts: number): OrderState => ({
  request,
  venueOrderId,
  status: 'open',
  filledQty: exact(0),
  filledNotional: exact(0),
  tradeIds: [],
  ts,
});

export const remainingQty = (s: OrderState): Decimal => exact(s.request.qty).minus(s.filledQty);

/** Apply a fill once: a trade id seen before returns the state unchanged. */
export const applyFill = (s: OrderState, fill: OrderFillInput): E.Either<OrderLifecycleError, OrderState> => {
  if (s.tradeIds.includes(fill.tradeId)) return E.right(s);
  if (isTerminal(s.status))
    return E.left(
      illegal(`order ${s.request.clientOrderId} is ${s.status}: cannot fill trade ${fill.tradeId}`),
    );
  if (!fill.qty.isFinite() || fill.qty.lte(0))
    return E.left(illegal(`fill ${fill.tradeId}: qty ${fill.qty.toString()} must be positive`));
  const filledQty = s.filledQty.plus(fill.qty);
  if (filledQty.gt(s.request.qty))
    return E.left(
      illegal(
        `fill ${fill.tradeId} of ${fill.qty.toString()} would take order ${s.request.clientOrderId} to ${filledQty.toString()} > ${s.request.qty.toString()}`,
      ),
    );
  return E.right({
    ...s,
    status: filledQty.eq(s.request.qty) ? 'filled' : 'partiallyFilled',
    filledQty,
    filledNotional: s.filledNotional.plus(exact(fill.qty).times(fill.price)),
    tradeIds: [...s.tradeIds, fill.tradeId],
    ts: fill.ts,
  });
};

/** Close an order that is still working: cancelled by the owner, or expired (IOC remainder). */
export const closeOrder = (
  s: OrderState,
  status: 'cancelled' | 'expired',
  ts: number,
): E.Either<OrderLifecycleError, OrderState> =>
  isTerminal(s.status)
    ? E.left(illegal(`order ${s.request.clientOrderId} is already ${s.status}`))
    : E.right({ ...s, status, ts });

export const averageFillPrice = (s: OrderState): Decimal | null =>
  s.filledQty.isZero() ? null : plain(s.filledNotional.div(s.filledQty));

/** The order as the port reports it. */
export const toVenueOrder = (s: OrderState): VenueOrder => ({
  symbol: s.request.symbol,
  clientOrderId: s.request.clientOrderId,
  venueOrderId: s.venueOrderId,
  side: s.request.side,
  type: s.request.type,
  qty: s.request.qty,
  price: s.request.price,
  filledQty: plain(s.filledQty),
  avgFillPrice: averageFillPrice(s),
  status: s.status,
  ts: s.ts,
});
