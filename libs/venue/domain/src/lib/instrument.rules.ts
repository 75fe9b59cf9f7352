/**
 * Instrument rules: the one place where an order is rounded to venue precision and checked
 * against the venue's minimums. The gateway calls `prepareOrder` before any adapter sees an
 * order; adapters send what they get and never round again (see venue.port.ts).
 *
 * Rounding is conservative (the grid functions are @keel/instruments' instrument.rounding.ts):
 * quantity always rounds DOWN to the lot (the remainder is the caller's to carry into its
 * next slice) and a limit price rounds in the passive direction (buy → floor, sell → ceil),
 * so rounding can never make an order bigger or more aggressive.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { Instrument, isOnGrid, notionalOf, roundPricePassive, roundQtyDown, Side } from '@keel/instruments';
import { OrderRequest, OrderType, RejectCode, TimeInForce } from './venue.port';

/** What the caller wants, before rounding: any decimal quantity and price. */
export interface OrderIntent {
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly qty: Decimal;
  /** Required for limit orders; must be null for market orders. */
  readonly price: Decimal | null;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
}

export interface PrepareOptions {
  /** 'round' (default) moves an off-tick limit price passively; 'strict' rejects it (PriceOffTick). */
  readonly priceMode?: 'round' | 'strict';
  /** 'round' (default) floors the quantity to the lot; 'strict' rejects an off-lot quantity (QtyOffLot). */
  readonly qtyMode?: 'round' | 'strict';
  /**
   * The price used for the notional check of a market order (e.g. the touch it will take).
   * Without one, a market order's notional cannot be checked and only minQty applies.
   */
  readonly referencePrice?: Decimal | null;
}

/**
 * An order the rules refused. Action: reject (OrderRejected with this code); the request
 * is never sent and never retried as is. `field` and `value` name what was wrong.
 */
export interface OrderRejection {
  readonly _tag: 'OrderRejection';
  readonly code: RejectCode;
  readonly field: string;
  readonly value: string;
  readonly message: string;
}

export const rejection = (
  code: RejectCode,
  field: string,
  value: unknown,
  message: string,
): OrderRejection => ({
  _tag: 'OrderRejection',
  code,
  field,
  value: String(value),
  message: `${field}=${String(value)}: ${message}`,
});

const CLIENT_ORDER_ID = /^[A-Za-z0-9]{1,32}$/;

/** The instrument for `symbol` (Keel's or the venue's), or UnknownInstrument. */
export const findInstrument = (
  instruments: readonly Instrument[],
  symbol: string,
): E.Either<OrderRejection, Instrument> =>
  pipe(
    instruments.find((i) => i.symbol === symbol || i.venueSymbol === symbol),
    E.fromNullable(rejection('UnknownInstrument', 'symbol', symbol, 'no such instrument at this venue')),
  );

const isPositiveFinite = (d: Decimal): boolean => d.isFinite() && d.gt(0);

const checkShape = (intent: OrderIntent): E.Either<OrderRejection, OrderIntent> => {
  if (!CLIENT_ORDER_ID.test(intent.clientOrderId))
    return E.left(
      rejection(
        'InvalidOrder',
        'clientOrderId',
        intent.clientOrderId,
        'must be 1–32 alphanumeric characters',
      ),
    );
  if (!isPositiveFinite(intent.qty))
    return E.left(rejection('InvalidOrder', 'qty', intent.qty, 'must be a positive number'));
  switch (intent.type) {
    case 'limit':
      if (intent.price === null)
        return E.left(rejection('InvalidOrder', 'price', null, 'a limit order needs a price'));
      if (!isPositiveFinite(intent.price))
        return E.left(rejection('InvalidOrder', 'price', intent.price, 'must be a positive number'));
      return E.right(intent);
    case 'market':
      if (intent.price !== null)
        return E.left(rejection('InvalidOrder', 'price', intent.price, 'a market order takes no price'));
      if (intent.timeInForce === 'PO')
        return E.left(
          rejection('InvalidOrder', 'timeInForce', intent.timeInForce, 'a market order cannot be post-only'),
        );
      return E.right(intent);
    default: {
      const never: never = intent.type;
      return E.left(rejection('InvalidOrder', 'type', never, 'unknown order type'));
    }
  }
};

const prepareQty = (
  i: Instrument,
  qty: Decimal,
  mode: 'round' | 'strict',
): E.Either<OrderRejection, Decimal> => {
  if (mode === 'strict' && !isOnGrid(qty, i.lotSize))
    return E.left(
      rejection('QtyOffLot', 'qty', qty, `not a multiple of the lot size ${i.lotSize.toString()}`),
    );
  const rounded = roundQtyDown(qty, i.lotSize);
  if (rounded.isZero() || rounded.lt(i.minQty))
    return E.left(
      rejection(
        'QtyBelowMinimum',
        'qty',
        qty,
        `rounds to ${rounded.toString()}, under the minimum ${i.minQty.toString()}`,
      ),
    );
  return E.right(rounded);
};

const preparePrice = (
  i: Instrument,
  side: Side,
  price: Decimal | null,
  mode: 'round' | 'strict',
): E.Either<OrderRejection, Decimal | null> => {
  if (price === null) return E.right(null);
  if (mode === 'strict' && !isOnGrid(price, i.tickSize))
    return E.left(
      rejection('PriceOffTick', 'price', price, `not a multiple of the tick size ${i.tickSize.toString()}`),
    );
  const rounded = roundPricePassive(side, price, i.tickSize);
  if (rounded.isZero())
    return E.left(rejection('InvalidOrder', 'price', price, 'rounds to zero at the tick size'));
  return E.right(rounded);
};

const checkNotional = (
  i: Instrument,
  qty: Decimal,
  price: Decimal | null,
  referencePrice: Decimal | null,
): E.Either<OrderRejection, void> => {
  const p = price ?? referencePrice;
  if (p === null || i.minNotional.isZero()) return E.right(undefined);
  const notional = notionalOf(p, qty, i.contractSize);
  return notional.lt(i.minNotional)
    ? E.left(
        rejection(
          'NotionalBelowMinimum',
          'notional',
          notional,
          `price ${p.toString()} × qty ${qty.toString()} × contractSize ${i.contractSize.toString()} is under the minimum ${i.minNotional.toString()}`,
        ),
      )
    : E.right(undefined);
};

/**
 * Round an intent to the instrument's grid and check it against the venue's rules.
 * Right: the request the gateway may send as is. Left: a typed rejection naming field and value.
 */
export const prepareOrder = (
  instrument: Instrument,
  intent: OrderIntent,
  options: PrepareOptions = {},
): E.Either<OrderRejection, OrderRequest> => {
  if (intent.symbol !== instrument.symbol && intent.symbol !== instrument.venueSymbol)
    return E.left(
      rejection('UnknownInstrument', 'symbol', intent.symbol, `the instrument given is ${instrument.symbol}`),
    );
  return pipe(
    checkShape(intent),
    E.chain(() => prepareQty(instrument, intent.qty, options.qtyMode ?? 'round')),
    E.chain((qty) =>
      pipe(
        preparePrice(instrument, intent.side, intent.price, options.priceMode ?? 'round'),
        E.map((price) => ({ qty, price })),
      ),
    ),
    E.chainFirst(({ qty, price }) => checkNotional(instrument, qty, price, options.referencePrice ?? null)),
    E.map(({ qty, price }): OrderRequest => ({
      symbol: instrument.symbol,
      clientOrderId: intent.clientOrderId,
      side: intent.side,
      type: intent.type,
      qty,
      price,
      timeInForce: intent.timeInForce,
      reduceOnly: intent.reduceOnly,
    })),
  );
};

/** The port's error for a rejection, as an adapter or the gateway reports it. */
export const toVenueRejected = (
  venue: string,
  op: string,
  r: OrderRejection,
): {
  readonly _tag: 'VenueRejected';
  readonly venue: string;
  readonly op: string;
  readonly code: RejectCode;
  readonly message: string;
} => ({
  _tag: 'VenueRejected',
  venue,
  op,
  code: r.code,
  message: r.message,
});
