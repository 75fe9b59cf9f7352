/**
 * Properties over random instants, dates and products (fast-check): the market state is
 * consistent with itself (the next open is open, the next close is not), business-day
 * arithmetic lands on business days and counts back to its argument, and every product's
 * last trade date is a business day of its calendar.
 */
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { addBusinessDays, businessDaysBetween, exchangeCalendar } from './business-days';
import { contracts } from './contracts';
import { PRODUCT_GROUPS } from './holidays.data';
import { addDays, LocalDate } from './local-date';
import { marketState } from './market-state';
import { PRODUCTS } from './products.data';

const FROM = Date.parse('2024-01-08T00:00:00Z');
const TO = Date.parse('2027-12-20T00:00:00Z');
const instant = fc.integer({ min: FROM, max: TO });
const root = fc.constantFrom(...PRODUCTS.map((p) => p.root));
const date = fc.integer({ min: 0, max: 1400 }).map((n): LocalDate => addDays('2024-01-15', n));

const stateAt = (r: string, t: number) => {
  const s = marketState(r, t);
  if (E.isLeft(s)) throw new Error(s.left.message);
  return s.right;
};

describe('market state properties', () => {
  it('next open and next close are in the future, in the right order, and agree with the state there', () => {
    fc.assert(
      fc.property(root, instant, (r, t) => {
        const s = stateAt(r, t);
        const open = Date.parse(s.nextOpen);
        const close = Date.parse(s.nextClose);
        expect(open).toBeGreaterThan(t);
        expect(close).toBeGreaterThan(t);
        if (s.state === 'open') expect(close).toBeLessThan(open);
        else expect(open).toBeLessThan(close);
        expect(stateAt(r, open).state).toBe('open');
        expect(stateAt(r, close).state).not.toBe('open');
        expect(stateAt(r, close - 1).state).toBe('open');
      }),
      { numRuns: 200 },
    );
  });
  it('a gap is never longer than four days', () => {
    fc.assert(
      fc.property(root, instant, (r, t) => {
        const s = stateAt(r, t);
        if (s.state !== 'open') expect(Date.parse(s.nextOpen) - t).toBeLessThanOrEqual(4 * 86_400_000);
      }),
      { numRuns: 200 },
    );
  });
});

describe('business-day properties', () => {
  it('n business days back is a business day exactly n business days earlier', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PRODUCT_GROUPS), date, fc.integer({ min: 0, max: 30 }), (g, d, n) => {
        const cal = exchangeCalendar(g);
        const back = addBusinessDays(cal, d, -n);
        if (n > 0) expect(cal.isBusinessDay(back)).toBe(true);
        // Exactly n business days in [back, d): businessDaysBetween counts (from, to].
        expect(businessDaysBetween(cal, addDays(back, -1), addDays(d, -1))).toBe(n);
      }),
      { numRuns: 200 },
    );
  });
  it('every contract’s dates are business days of its group, in order', () => {
    for (const p of PRODUCTS) {
      const cal = exchangeCalendar(p.group);
      const r = contracts(p.root, '2024-02', '2027-12');
      if (E.isLeft(r)) throw new Error(r.left.message);
      for (const c of r.right) {
        for (const d of [
          c.lastTradeDate,
          c.rollStartDate,
          c.forcedRollDate,
          ...(c.firstNoticeDate ? [c.firstNoticeDate] : []),
        ])
          expect([c.code, d, cal.isBusinessDay(d)]).toEqual([c.code, d, true]);
      }
    }
  });
});
