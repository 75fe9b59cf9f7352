import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { OrderRequest } from './venue.port';
import { applyFill, closeOrder, OrderState, openOrder, remainingQty, toVenueOrder } from './order.lifecycle';

const d = (v: Decimal.Value): Decimal => new Decimal(v);
const req: OrderRequest = {
  symbol: 'BTC/USDT:USDT',
  clientOrderId: 'c1',
  side: 'buy',
  type: 'limit',
  qty: d('0.010'),
  price: d('68613.9'),
  timeInForce: 'GTC',
  reduceOnly: false,
};
const fill = (tradeId: string, qty: string, price = '68613.9', ts = 2) => ({
  tradeId,
  qty: d(qty),
  price: d(price),
  ts,
});
const get = (r: E.Either<unknown, OrderState>): OrderState => {
  if (E.isLeft(r)) throw new Error(`unexpected Left: ${JSON.stringify(r.left)}`);
  return r.right;
};

describe('order lifecycle', () => {
  describe('open', () => {
    it('a partial fill makes it partiallyFilled; the rest fills it', () => {
      const s1 = get(applyFill(openOrder(req, 'v1', 1), fill('t1', '0.004')));
      expect(s1.status).toBe('partiallyFilled');
      expect(remainingQty(s1).toString()).toBe('0.006');
      const s2 = get(applyFill(s1, fill('t2', '0.006', '68613.8', 3)));
      expect(toVenueOrder(s2)).toMatchObject({ status: 'filled', ts: 3, venueOrderId: 'v1' });
      // (0.004 × 68613.9 + 0.006 × 68613.8) / 0.01
      expect(toVenueOrder(s2).avgFillPrice?.toString()).toBe('68613.84');
    });

    it('cancels and then refuses fills', () => {
      const s = get(closeOrder(openOrder(req, 'v1', 1), 'cancelled', 5));
      expect(s.status).toBe('cancelled');
      expect(E.isLeft(applyFill(s, fill('t1', '0.001')))).toBe(true);
      expect(E.isLeft(closeOrder(s, 'expired', 6))).toBe(true);
    });

    it('refuses an over-fill and a non-positive fill, leaving the state as it was', () => {
      const s = openOrder(req, 'v1', 1);
      expect(E.isLeft(applyFill(s, fill('t1', '0.011')))).toBe(true);
      expect(E.isLeft(applyFill(s, fill('t1', '0')))).toBe(true);
    });
  });

  describe('property', () => {
    it('fills apply once per trade id and never exceed the order', () => {
      const fills = fc.array(
        fc.record({ id: fc.integer({ min: 0, max: 20 }), lots: fc.integer({ min: 1, max: 6 }) }),
        { maxLength: 40 },
      );
      fc.assert(
        fc.property(fills, (fs) => {
          let s = openOrder(req, 'v1', 0);
          const seen = new Map<string, Decimal>();
          for (const f of fs) {
            const tradeId = `t${f.id}`;
            const r = applyFill(s, fill(tradeId, d(f.lots).times('0.001').toString()));
            if (E.isRight(r)) {
              if (r.right !== s) seen.set(tradeId, d(f.lots).times('0.001'));
              s = r.right;
            }
          }
          const sum = [...seen.values()].reduce((a, b) => a.plus(b), d(0));
          return s.filledQty.eq(sum) && s.filledQty.lte(req.qty) && s.tradeIds.length === seen.size;
        }),
      );
    });
  });
});
