/** Date-only arithmetic checked against luxon (the tz library) over the whole data range and beyond. */
import { DateTime } from 'luxon';
import fc from 'fast-check';
import { addDays, lastDayOf, parseLocalDate, parseYearMonth, weekday } from './local-date';

describe('local dates', () => {
  it('addDays and weekday agree with luxon', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -40_000, max: 40_000 }),
        fc.integer({ min: -400, max: 400 }),
        (offset, n) => {
          const base = DateTime.fromISO('2026-01-01', { zone: 'utc' }).plus({ days: offset });
          const date = base.toFormat('yyyy-MM-dd');
          expect(addDays(date, n)).toBe(base.plus({ days: n }).toFormat('yyyy-MM-dd'));
          expect(weekday(date)).toBe(base.weekday);
        },
      ),
    );
  });
  it('last day of month, leap years included', () => {
    expect(['2024-02', '2025-02', '2100-02', '2000-02', '2025-04', '2025-12'].map(lastDayOf)).toEqual([
      '2024-02-29',
      '2025-02-28',
      '2100-02-28',
      '2000-02-29',
      '2025-04-30',
      '2025-12-31',
    ]);
  });
  it('parsing refuses what is not a real day or month', () => {
    expect(['2025-02-29', '2024-02-29', '2025-13-01', '2025-1-01', '2025-04-31'].map(parseLocalDate)).toEqual(
      [undefined, '2024-02-29', undefined, undefined, undefined],
    );
    expect(['2025-00', '2025-12', '2025-1', '202512'].map(parseYearMonth)).toEqual([
      undefined,
      '2025-12',
      undefined,
      undefined,
    ]);
  });
});
