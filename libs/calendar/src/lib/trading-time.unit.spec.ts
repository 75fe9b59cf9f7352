import * as E from 'fp-ts/Either';
import { addTradingMs, tradingMsBetween } from './trading-time';

const H = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

// 2026-01-09 is a Friday: ES closes 16:00 CT (22:00 UTC), reopens Sunday 17:00 CT (23:00 UTC on the 11th).
describe('trading time on CME', () => {
  it('counts an hour inside a session as an hour', () => {
    expect(right(tradingMsBetween('ES', at('2026-01-08T15:00:00Z'), at('2026-01-08T16:00:00Z')))).toBe(H);
    expect(right(addTradingMs('ES', at('2026-01-08T15:00:00Z'), H))).toBe(at('2026-01-08T16:00:00Z'));
  });

  it('does not count the weekend: one hour from Friday 15:30 CT ends Sunday 17:30 CT', () => {
    const from = at('2026-01-09T21:30:00Z');
    const end = right(addTradingMs('ES', from, H));
    expect(new Date(end).toISOString()).toBe('2026-01-11T23:30:00.000Z');
    expect(right(tradingMsBetween('ES', from, end))).toBe(H);
    expect(right(tradingMsBetween('ES', at('2026-01-09T22:00:00Z'), at('2026-01-11T23:00:00Z')))).toBe(0);
  });

  it('does not count the daily halt (16:00–17:00 CT)', () => {
    const from = at('2026-01-07T21:30:00Z'); // Wednesday 15:30 CT
    expect(new Date(right(addTradingMs('ES', from, H))).toISOString()).toBe('2026-01-07T23:30:00.000Z');
  });

  it('starts the count at the next open when asked while closed', () => {
    const saturday = at('2026-01-10T12:00:00Z');
    expect(new Date(right(addTradingMs('ES', saturday, 0))).toISOString()).toBe('2026-01-11T23:00:00.000Z');
  });

  it('does not count a closed day (Christmas Day 2025)', () => {
    const christmasEve = at('2025-12-24T12:00:00Z');
    const boxing = at('2025-12-26T12:00:00Z');
    const total = right(tradingMsBetween('ES', christmasEve, boxing));
    expect(total).toBeLessThan(24 * H);
    expect(right(addTradingMs('ES', christmasEve, total))).toBeLessThanOrEqual(boxing);
  });

  it('agrees with itself: the trading time up to addTradingMs(from, d) is d', () => {
    const from = at('2026-03-05T10:17:00Z');
    for (const d of [1, 10 * 60_000, 5 * H, 30 * H, 100 * H]) {
      const end = right(addTradingMs('GC', from, d));
      expect(right(tradingMsBetween('GC', from, end))).toBe(d);
    }
  });

  it('names the root or the instant it cannot use', () => {
    const bad = addTradingMs('NOPE', at('2026-01-08T15:00:00Z'), H);
    expect(E.isLeft(bad) && bad.left.path).toBeTruthy();
    const late = addTradingMs('ES', at('2027-12-31T12:00:00Z'), 200 * H);
    expect(E.isLeft(late) && late.left.message).toMatch(/holiday data covers/);
    expect(E.isLeft(tradingMsBetween('ES', at('2031-01-01T00:00:00Z'), at('2031-01-02T00:00:00Z')))).toBe(
      true,
    );
  });
});
