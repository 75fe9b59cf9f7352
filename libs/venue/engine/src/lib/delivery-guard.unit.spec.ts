import * as fc from 'fast-check';
import { EventData } from '@keel/events';
import { checkDelivery } from './delivery-guard';
import { AccountLog, emptyAccountLog } from './reconciliation';

// GCZ5 (COMEX gold, Dec 2025, physical): forced roll 2025-11-25, first notice 2025-11-28 (see @keel/calendar).
const BEFORE = Date.parse('2025-11-10T15:00:00Z');
const AFTER = Date.parse('2025-11-26T15:00:00Z');

const order = (over: Partial<EventData<'ChildOrderRequested'>> = {}): EventData<'ChildOrderRequested'> => ({
  accountId: 'a1',
  instrument: 'GCZ5',
  parentOrderId: 'p1',
  clientOrderId: 'c1',
  side: 'buy',
  qty: '1',
  orderType: 'limit',
  limitPrice: '2000',
  postOnly: false,
  reduceOnly: false,
  validUntil: null,
  seq: 0,
  kind: 'taker',
  reason: 'slice',
  ...over,
});
const holding = (qty: string, extra: Partial<AccountLog> = {}): AccountLog => ({
  ...emptyAccountLog('a1'),
  positions: { GCZ5: qty },
  ...extra,
});

describe('delivery guard on the order path', () => {
  it('leaves crypto symbols alone', () => {
    expect(
      checkDelivery(order({ instrument: 'BTC/USDT:USDT', qty: '0.01' }), emptyAccountLog('a1'), AFTER),
    ).toEqual({ _tag: 'NotGuarded' });
  });

  it('lets a physical contract trade freely before its forced-roll date', () => {
    expect(checkDelivery(order(), holding('2'), BEFORE)).toEqual({ _tag: 'Allowed' });
  });

  it('refuses opening, increasing or flipping on or after the forced-roll date', () => {
    expect(checkDelivery(order(), holding('0'), AFTER)).toMatchObject({
      _tag: 'Refused',
      code: 'DeliveryCutoff',
      reason: expect.stringMatching(/would open/),
    });
    expect(checkDelivery(order(), holding('2'), AFTER)).toMatchObject({
      _tag: 'Refused',
      reason: expect.stringMatching(/would increase/),
    });
    expect(checkDelivery(order({ side: 'sell', qty: '3' }), holding('2'), AFTER)).toMatchObject({
      _tag: 'Refused',
      reason: expect.stringMatching(/would flip/),
    });
  });

  it('lets a reduction through past the cutoff, one order at a time', () => {
    expect(checkDelivery(order({ side: 'sell', qty: '2' }), holding('2'), AFTER)).toEqual({
      _tag: 'Allowed',
    });
    const live = holding('2', {
      orders: {
        c0: {
          instrument: 'GCZ5',
          clientOrderId: 'c0',
          requested: true,
          qty: '1',
          venueOrderId: 'v0',
          closed: null,
          filledQty: '0',
        },
      },
    });
    expect(checkDelivery(order({ side: 'sell', qty: '1' }), live, AFTER)).toMatchObject({
      _tag: 'Refused',
      reason: expect.stringMatching(/one order at a time/),
    });
  });

  it('with no position snapshot counts the position as 0: nothing passes past the cutoff', () => {
    expect(checkDelivery(order({ side: 'sell' }), emptyAccountLog('a1'), AFTER)).toMatchObject({
      _tag: 'Refused',
    });
  });

  it('refuses contracts the calendar does not know, and fractional contracts', () => {
    expect(checkDelivery(order({ instrument: 'GCZ9' }), emptyAccountLog('a1'), BEFORE)).toMatchObject({
      _tag: 'Refused',
      reason: expect.stringMatching(/does not know contract GCZ9/),
    });
    expect(checkDelivery(order({ qty: '0.5' }), holding('0'), BEFORE)).toMatchObject({
      _tag: 'Refused',
      reason: expect.stringMatching(/whole contracts/),
    });
  });

  it('refuses any order after the last trade date', () => {
    expect(
      checkDelivery(order({ side: 'sell' }), holding('1'), Date.parse('2026-01-05T15:00:00Z')),
    ).toMatchObject({ _tag: 'Refused', reason: expect.stringMatching(/stopped trading/) });
  });
});

describe('delivery guard: property', () => {
  // Random orders on random days through November–December 2025; allowed orders fill at once.
  it('past the forced-roll date a GCZ5 position only ever shrinks toward 0, never opens, grows or flips', () => {
    const day = 86_400_000;
    const start = Date.parse('2025-11-01T15:00:00Z');
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 5 }),
        fc.array(
          fc.record({
            dayOffset: fc.integer({ min: 0, max: 60 }),
            side: fc.constantFrom('buy' as const, 'sell' as const),
            qty: fc.integer({ min: 1, max: 6 }),
          }),
          { maxLength: 40 },
        ),
        (initial, orders) => {
          let position = initial;
          let atCutoff: number | null = null;
          const sorted = [...orders].sort((a, b) => a.dayOffset - b.dayOffset);
          for (const [i, o] of sorted.entries()) {
            const now = start + o.dayOffset * day;
            const past = now >= Date.parse('2025-11-25T06:00:00Z');
            if (past && atCutoff === null) atCutoff = position;
            const r = checkDelivery(
              order({ clientOrderId: `c${i}`, side: o.side, qty: String(o.qty) }),
              holding(String(position)),
              now,
            );
            if (r._tag === 'Allowed') position += o.side === 'buy' ? o.qty : -o.qty;
            if (past && atCutoff !== null) {
              expect(Math.abs(position)).toBeLessThanOrEqual(Math.abs(atCutoff));
              expect(position === 0 || Math.sign(position) === Math.sign(atCutoff)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
