/** A cancel that reports fills the log lacks: how much, and which of the venue's fills are that order's. */
import Decimal from 'decimal.js';
import { Fill } from '@keel/venue-domain';
import { fillsOfOrder, unrecordedFilled } from './fills-before-cancel';

const fill = (clientOrderId: string, tradeId: string, qty: string): Fill => ({
  symbol: 'MESZ5',
  tradeId,
  clientOrderId,
  venueOrderId: `v-${clientOrderId}`,
  side: 'sell',
  qty: new Decimal(qty),
  price: new Decimal('1784.25'),
  fee: new Decimal(0),
  feeAsset: 'USD',
  liquidity: 'maker',
  ts: 1,
});

describe('unrecordedFilled', () => {
  it('is what the cancel reports filled beyond what the log holds (the paper session: 4 reported, 1 recorded)', () => {
    const facts = [
      { type: 'OrderCancelled' as const, filledQty: '4', reason: 'venue reports the order cancelled' },
    ];
    expect(unrecordedFilled(facts, '1').toFixed()).toBe('3');
  });

  it('is 0 when the log holds every fill, holds more (fills recorded meanwhile), or there is no cancel', () => {
    const facts = [{ type: 'OrderCancelled' as const, filledQty: '4', reason: 'x' }];
    expect(unrecordedFilled(facts, '4').isZero()).toBe(true);
    expect(unrecordedFilled(facts, '5').isZero()).toBe(true);
    expect(unrecordedFilled([], '0').isZero()).toBe(true);
  });
});

describe('fillsOfOrder', () => {
  it("keeps the order's own fills, in the venue's order", () => {
    const fills = [fill('a', 't1', '1'), fill('b', 't2', '2'), fill('a', 't3', '3')];
    expect(fillsOfOrder(fills, 'a').map((f) => f.tradeId)).toEqual(['t1', 't3']);
  });
});
