/**
 * Business-day arithmetic over the holiday table: a business day is a weekday that is not an
 * exchange holiday of the product group. Every contract rule (last trade, first notice, roll
 * dates) counts with these functions, so a holiday moves the dates the way the rulebook says.
 */
import { HOLIDAY_ROWS, HolidayRow, LONDON_HOLIDAYS, ProductGroup } from './holidays.data';
import {
  addDays,
  isWeekend,
  LocalDate,
  LocalTime,
  YearMonth,
  firstDayOf,
  lastDayOf,
  yearOf,
} from './local-date';

/** Answers "is this a business day?" for one calendar (a product group, optionally with London). */
export interface BusinessCalendar {
  readonly isBusinessDay: (date: LocalDate) => boolean;
}

const rowsByGroupDate = new Map<string, HolidayRow>(HOLIDAY_ROWS.map((r) => [r.date, r]));
const londonHolidays = new Set(LONDON_HOLIDAYS);

/** The holiday row on a date, if any. */
export const holidayRowOn = (date: LocalDate): HolidayRow | undefined => rowsByGroupDate.get(date);

/**
 * The exchange business calendar. All groups share the US exchange holidays in the table;
 * the group is kept in the signature because early closes and halts differ per group.
 */
export const exchangeCalendar = (_group: ProductGroup): BusinessCalendar => ({
  isBusinessDay: (date) => !isWeekend(date) && (holidayRowOn(date)?.businessDay ?? true),
});

/** Business days in both the exchange calendar and London (the crypto last-trade rule). */
export const exchangeAndLondonCalendar = (group: ProductGroup): BusinessCalendar => {
  const us = exchangeCalendar(group);
  return { isBusinessDay: (date) => us.isBusinessDay(date) && !londonHolidays.has(date) };
};

/** The date itself if it is a business day, else the nearest business day before it. */
export const onOrBefore = (cal: BusinessCalendar, date: LocalDate): LocalDate => {
  let d = date;
  while (!cal.isBusinessDay(d)) d = addDays(d, -1);
  return d;
};

/** The date itself if it is a business day, else the nearest business day after it. */
export const onOrAfter = (cal: BusinessCalendar, date: LocalDate): LocalDate => {
  let d = date;
  while (!cal.isBusinessDay(d)) d = addDays(d, 1);
  return d;
};

/**
 * Move `n` business days from `date` (negative: backwards). The start day itself is not
 * counted: `addBusinessDays(cal, d, -3)` is "3 business days before d".
 */
export const addBusinessDays = (cal: BusinessCalendar, date: LocalDate, n: number): LocalDate => {
  const step = n < 0 ? -1 : 1;
  let d = date;
  for (let left = Math.abs(n); left > 0;) {
    d = addDays(d, step);
    if (cal.isBusinessDay(d)) left--;
  }
  return d;
};

/** The n-th last business day of a month (1 = the last). */
export const nthLastBusinessDay = (cal: BusinessCalendar, ym: YearMonth, n: number): LocalDate => {
  const last = onOrBefore(cal, lastDayOf(ym));
  return addBusinessDays(cal, last, -(n - 1));
};

/** The first business day of a month. */
export const firstBusinessDay = (cal: BusinessCalendar, ym: YearMonth): LocalDate =>
  onOrAfter(cal, firstDayOf(ym));

/** Number of business days d such that from < d ≤ to (0 when to ≤ from). */
export const businessDaysBetween = (cal: BusinessCalendar, from: LocalDate, to: LocalDate): number => {
  let n = 0;
  for (let d = addDays(from, 1); d <= to; d = addDays(d, 1)) if (cal.isBusinessDay(d)) n++;
  return n;
};

/** One line of `keel calendar holidays`: a closed day or an early close, for one group. */
export interface HolidayEntry {
  readonly date: LocalDate;
  readonly kind: 'closed' | 'earlyClose';
  /** Chicago time; only on early closes. */
  readonly closeTime?: LocalTime;
  readonly name: string;
  /** False on exchange holidays (no settlement). */
  readonly businessDay: boolean;
}

/**
 * The group's closed days and early closes in a year. A holiday on which the group trades
 * regular hours (FX and crypto on MLK and Presidents' Day) is not listed, but is still not a
 * business day.
 */
export const holidaysFor = (group: ProductGroup, year: number): readonly HolidayEntry[] =>
  HOLIDAY_ROWS.filter((r) => yearOf(r.date) === year && r.hours[group] !== 'regular').map(
    (r): HolidayEntry => {
      const h = r.hours[group];
      return h === 'closed'
        ? { date: r.date, kind: 'closed', name: r.name, businessDay: r.businessDay }
        : { date: r.date, kind: 'earlyClose', closeTime: h, name: r.name, businessDay: r.businessDay };
    },
  );
