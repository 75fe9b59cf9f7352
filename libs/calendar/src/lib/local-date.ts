/**
 * Calendar dates (`YYYY-MM-DD`) and months (`YYYY-MM`) as plain strings, and the one place
 * where a local wall-clock time in America/Chicago becomes an instant. Date arithmetic is
 * done on luxon dates in UTC (dates have no zone); zone conversions go through luxon's IANA
 * database, so daylight saving comes from the tz data, never from hand-written offsets.
 */
import { DateTime } from 'luxon';

/** A calendar date in exchange local time, `YYYY-MM-DD`. */
export type LocalDate = string;
/** A contract month, `YYYY-MM`. */
export type YearMonth = string;
/** A wall-clock time, `HH:MM` (24 h). */
export type LocalTime = string;

export const EXCHANGE_ZONE = 'America/Chicago';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_RE = /^(\d{4})-(\d{2})$/;

/** A valid `YYYY-MM-DD` (a real calendar day), else undefined. */
export const parseLocalDate = (s: string): LocalDate | undefined => {
  if (!DATE_RE.test(s)) return undefined;
  return DateTime.fromISO(s, { zone: 'utc' }).isValid ? s : undefined;
};

/** A valid `YYYY-MM` (month 01–12), else undefined. */
export const parseYearMonth = (s: string): YearMonth | undefined => {
  const m = MONTH_RE.exec(s);
  if (!m) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? s : undefined;
};

const d = (date: LocalDate): DateTime => DateTime.fromISO(date, { zone: 'utc' });
const fmt = (dt: DateTime): LocalDate => dt.toFormat('yyyy-MM-dd');

export const addDays = (date: LocalDate, n: number): LocalDate => fmt(d(date).plus({ days: n }));

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export const weekday = (date: LocalDate): number => d(date).weekday;

export const isWeekend = (date: LocalDate): boolean => weekday(date) >= 6;

export const ymOf = (year: number, month: number): YearMonth => `${year}-${String(month).padStart(2, '0')}`;

export const yearOf = (ym: YearMonth | LocalDate): number => Number(ym.slice(0, 4));
export const monthOf = (ym: YearMonth | LocalDate): number => Number(ym.slice(5, 7));

export const addMonths = (ym: YearMonth, n: number): YearMonth => {
  const idx = yearOf(ym) * 12 + (monthOf(ym) - 1) + n;
  return ymOf(Math.floor(idx / 12), (idx % 12) + 1);
};

export const firstDayOf = (ym: YearMonth): LocalDate => `${ym}-01`;
export const lastDayOf = (ym: YearMonth): LocalDate => fmt(d(firstDayOf(ym)).endOf('month'));
export const dayInMonth = (ym: YearMonth, day: number): LocalDate => `${ym}-${String(day).padStart(2, '0')}`;

/** The n-th (1-based) given ISO weekday of a month, e.g. the 3rd Friday: `nthWeekday(ym, 5, 3)`. */
export const nthWeekday = (ym: YearMonth, isoWeekday: number, n: number): LocalDate => {
  const first = firstDayOf(ym);
  const offset = (isoWeekday - weekday(first) + 7) % 7;
  return addDays(first, offset + 7 * (n - 1));
};

/** The last given ISO weekday of a month, e.g. the last Friday. */
export const lastWeekday = (ym: YearMonth, isoWeekday: number): LocalDate => {
  const last = lastDayOf(ym);
  const back = (weekday(last) - isoWeekday + 7) % 7;
  return addDays(last, -back);
};

/** The instant (epoch ms) of a Chicago wall-clock time on a date. DST comes from the tz database. */
export const chicagoInstant = (date: LocalDate, time: LocalTime): number => {
  const [hour, minute] = time.split(':').map(Number);
  return DateTime.fromObject(
    { year: yearOf(date), month: monthOf(date), day: Number(date.slice(8, 10)), hour, minute },
    { zone: EXCHANGE_ZONE },
  ).toMillis();
};

/** The Chicago calendar date of an instant. */
export const chicagoDateOf = (epochMs: number): LocalDate => fmt(DateTime.fromMillis(epochMs, { zone: EXCHANGE_ZONE }));

/** An instant as ISO-8601 in Chicago local time with its offset, e.g. `2025-03-09T17:00:00.000-05:00`. */
export const chicagoIso = (epochMs: number): string => DateTime.fromMillis(epochMs, { zone: EXCHANGE_ZONE }).toISO() ?? '';

/** Parse an ISO-8601 instant that carries its zone (`Z` or an offset); undefined otherwise. */
export const parseInstant = (s: string): number | undefined => {
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(s)) return undefined;
  const dt = DateTime.fromISO(s, { setZone: true });
  return dt.isValid ? dt.toMillis() : undefined;
};
