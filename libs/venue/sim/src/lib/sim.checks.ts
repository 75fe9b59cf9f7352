/**
 * What the simulated venue checks when an order is submitted, before it travels to the
 * matching engine: the instrument rules of the domain in strict mode (the gateway must send
 * orders already on the grid: the venue never rounds), duplicate ids, reduce-only and funds.
 * Each failure is the venue's typed rejection (VenueRejected + RejectCode).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import {
  exact,
  Instrument,
  isTerminal,
  notionalOf,
  OrderRequest,
  prepareOrder,
  RejectCode,
  remainingQty,
  toVenueRejected,
  VenueError,
} from '@keel/venue-domain';
import { isDerivative, SimAccount } from './sim.account';
import { WorkingOrder } from './sim.matching';

export const venueRejected = (venue: string, op: string, code: RejectCode, message: string): VenueError => ({
  _tag: 'VenueRejected',
  venue,
  op,
  code,
  message,
});

export interface CheckContext {
  readonly venue: string;
  readonly instrument: Instrument | undefined;
  /** The order with the same client order id, if any. */
  readonly prior: WorkingOrder | undefined;
  /** The touch a market order would take (null: none known yet). */
  readonly touch: Decimal | null;
  readonly position: Decimal;
  readonly free: (asset: string) => Decimal;
  readonly marginRate: Decimal;
}

export const checkOrder = (r: OrderRequest, c: CheckContext): E.Either<VenueError, Instrument> => {
  const op = 'placeOrder';
  const i = c.instrument;
  if (!i)
    return E.left(
      venueRejected(c.venue, op, 'UnknownInstrument', `symbol=${r.symbol}: no such instrument at ${c.venue}`),
    );
  const ruled = prepareOrder(i, r, { priceMode: 'strict', qtyMode: 'strict', referencePrice: c.touch });
  if (E.isLeft(ruled)) return E.left(toVenueRejected(c.venue, op, ruled.left));
  if (c.prior && !isTerminal(c.prior.state.status))
    return E.left(
      venueRejected(
        c.venue,
        op,
        'DuplicateClientOrderId',
        `clientOrderId=${r.clientOrderId}: an order with this id is open`,
      ),
    );
  const ref = r.price ?? c.touch;
  if (r.reduceOnly) {
    const reduces =
      isDerivative(i) &&
      ((r.side === 'sell' && c.position.gte(r.qty)) || (r.side === 'buy' && c.position.neg().gte(r.qty)));
    if (!reduces)
      return E.left(
        venueRejected(
          c.venue,
          op,
          'ReduceOnlyWouldIncrease',
          `reduceOnly ${r.side} ${r.qty.toString()} against position ${c.position.toString()}`,
        ),
      );
  } else if (ref !== null) {
    const [asset, need] = isDerivative(i)
      ? [i.settle, notionalOf(ref, r.qty, i.contractSize).times(c.marginRate)]
      : r.side === 'buy'
        ? [i.quote, notionalOf(ref, r.qty, i.contractSize)]
        : [i.base, exact(r.qty).times(i.contractSize)];
    const free = c.free(asset);
    if (need.gt(free))
      return E.left(
        venueRejected(
          c.venue,
          op,
          'InsufficientBalance',
          `${asset}: needs ${need.toString()}, free ${free.toString()}`,
        ),
      );
  }
  return E.right(i);
};

/**
 * Funds tied up, per asset: margin on derivative positions and open orders (reduce-only
 * orders need none), and for spot the quote of open buys and the base of open sells.
 */
export const lockedFunds = (
  orders: Iterable<WorkingOrder>,
  account: SimAccount,
  instruments: Iterable<Instrument>,
  marginRate: Decimal,
): Map<string, Decimal> => {
  const out = new Map<string, Decimal>();
  const add = (asset: string, v: Decimal) => out.set(asset, (out.get(asset) ?? exact(0)).plus(v));
  for (const o of orders) {
    const r = o.state.request;
    if (isTerminal(o.state.status) || r.type !== 'limit' || r.price === null) continue;
    const rem = remainingQty(o.state);
    const notional = notionalOf(r.price, rem, o.instrument.contractSize);
    if (isDerivative(o.instrument)) {
      if (!r.reduceOnly) add(o.instrument.settle, notional.times(marginRate));
    } else if (r.side === 'buy') add(o.instrument.quote, notional);
    else add(o.instrument.base, rem.times(o.instrument.contractSize));
  }
  for (const i of instruments) {
    const pos = account.positions.get(i.symbol);
    if (pos && pos.entryPrice && isDerivative(i))
      add(i.settle, notionalOf(pos.entryPrice, pos.qty.abs(), i.contractSize).times(marginRate));
  }
  return out;
};
