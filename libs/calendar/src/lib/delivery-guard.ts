/**
 * The delivery guard: no order may open, increase or flip a position in a physically settled
 * contract once its forced-roll date has come (Chicago date of `at` ≥ `forcedRollDate`), and no
 * order at all is accepted after the contract's last trade date. Orders that only reduce the
 * position toward zero stay allowed, so the roll can always work the position out.
 * Cash-settled contracts have no delivery cutoff; only their expiry applies.
 *
 * Quantities are whole contracts (signed position: long > 0, short < 0).
 */
import * as E from 'fp-ts/Either';
import { validationError, ValidationError } from '@keel/events';
import type { Contract } from './contracts';
import { chicagoDateOf, LocalDate } from './local-date';

export type OrderSide = 'buy' | 'sell';

export interface OrderToGuard {
  readonly contract: Contract;
  /** Current signed position in this contract, whole contracts. */
  readonly position: number;
  readonly orderSide: OrderSide;
  /** Positive whole contracts. */
  readonly orderQty: number;
  /** Epoch ms of the decision. */
  readonly at: number;
}

/**
 * Why an order was refused. Action for every variant: reject the order (never send it); the
 * optimizer routes new exposure to the next contract (see `rollStartDate`).
 */
export type DeliveryViolation =
  /** Past the forced-roll date, the order would open, increase or flip a physical position. */
  | {
      readonly _tag: 'ExposurePastDeliveryCutoff';
      readonly code: string;
      readonly reason: 'open' | 'increase' | 'flip';
      readonly forcedRollDate: LocalDate;
      readonly date: LocalDate;
      readonly position: number;
      readonly positionAfter: number;
    }
  /** The contract's last trade date has passed: it cannot be traded at all. */
  | {
      readonly _tag: 'ContractExpired';
      readonly code: string;
      readonly lastTradeDate: LocalDate;
      readonly date: LocalDate;
    };

export interface OrderAllowed {
  readonly _tag: 'OrderAllowed';
  readonly positionAfter: number;
}

const signedQty = (side: OrderSide, qty: number): number => (side === 'buy' ? qty : -qty);

/** Allowed, or the violation; a malformed order (quantity, position, instant) is a ValidationError. */
export const guardOrder = (o: OrderToGuard): E.Either<ValidationError | DeliveryViolation, OrderAllowed> => {
  if (!Number.isInteger(o.orderQty) || o.orderQty <= 0)
    return E.left(validationError('orderQty', o.orderQty, 'must be a positive whole number of contracts'));
  if (!Number.isInteger(o.position))
    return E.left(validationError('position', o.position, 'must be a whole number of contracts'));
  if (!Number.isFinite(o.at)) return E.left(validationError('at', o.at, 'must be an instant (epoch ms)'));
  const c = o.contract;
  const date = chicagoDateOf(o.at);
  const after = o.position + signedQty(o.orderSide, o.orderQty);
  if (date > c.lastTradeDate)
    return E.left({ _tag: 'ContractExpired', code: c.code, lastTradeDate: c.lastTradeDate, date });
  if (c.settlement === 'physical' && date >= c.forcedRollDate) {
    const reason =
      o.position === 0
        ? 'open'
        : Math.sign(after) !== 0 && Math.sign(after) !== Math.sign(o.position)
          ? 'flip'
          : Math.abs(after) > Math.abs(o.position)
            ? 'increase'
            : undefined;
    if (reason)
      return E.left({
        _tag: 'ExposurePastDeliveryCutoff',
        code: c.code,
        reason,
        forcedRollDate: c.forcedRollDate,
        date,
        position: o.position,
        positionAfter: after,
      });
  }
  return E.right({ _tag: 'OrderAllowed', positionAfter: after });
};
