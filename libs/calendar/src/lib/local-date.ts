/**
 * Calendar dates (`YYYY-MM-DD`) and months (`YYYY-MM`) as plain strings, and the one place
 * where a local wall-clock time in America/Chicago becomes an instant. Date-only arithmetic
 * counts days in the proleptic Gregorian calendar (dates have no zone, so no offset is
 * involved; integer arithmetic keeps the business-day loops fast); zone conversions go through
 * luxon's IANA database, so daylight saving comes from the tz data, never from hand-written
 * offsets.
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

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
const daysInMonth = (y: number, m: number): number =>
  m === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[m - 1] ?? 31);

/** Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
const toDays = (y: number, m: number, d: number): number => {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
};

/** The civil date of a day count (H. Hinnant's civil_from_days). */
const fromDays = (z0: number): LocalDate => {
  const z = z0 + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
};

const daysOf = (date: LocalDate): number =>
  toDays(Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10)));

/** A valid `YYYY-MM-DD` (a real calendar day), else undefined. */
export const parseLocalDate = (s: string): LocalDate | undefined => {
  const m = DATE_RE.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) ? s : undefined;
};

/** A valid `YYYY-MM` (month 01–12), else undefined. */
export const parseYearMonth = (s: string): YearMonth | undefined => {
  const m = MONTH_RE.exec(s);
  if (!m) return undefined;
  const month = Number(m[2]);
  return month >= 1 && month <= 12 ? s : undefined;
};

export const addDays = (date: LocalDate, n: number): LocalDate => fromDays(daysOf(date) + n);

/** ISO weekday: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday). */
export const weekday = (date: LocalDate): number => ((((daysOf(date) + 3) % 7) + 7) % 7) + 1;

export const isWeekend = (date: LocalDate): boolean => weekday(date) >= 6;

export const ymOf = (year: number, month: number): YearMonth => `${year}-${String(month).padStart(2, '0')}`;

export const yearOf = (ym: YearMonth | LocalDate): number => Number(ym.slice(0, 4));
export const monthOf = (ym: YearMonth | LocalDate): number => Number(ym.slice(5, 7));

export const addMonths = (ym: YearMonth, n: number): YearMonth => {
  const idx = yearOf(ym) * 12 + (monthOf(ym) - 1) + n;
  return ymOf(Math.floor(idx / 12), (idx % 12) + 1);
};

export const firstDayOf = (ym: YearMonth): LocalDate => `${ym}-01`;
export const lastDayOf = (ym: YearMonth): LocalDate =>
  `${ym}-${String(daysInMonth(yearOf(ym), monthOf(ym))).padStart(2, '0')}`;
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
export const chicagoDateOf = (epochMs: number): LocalDate =>
  DateTime.fromMillis(epochMs, { zone: EXCHANGE_ZONE }).toFormat('yyyy-MM-dd');

/** An instant as ISO-8601 in Chicago local time with its offset, e.g. `2025-03-09T17:00:00.000-05:00`. */
export const chicagoIso = (epochMs: number): string =>
  DateTime.fromMillis(epochMs, { zone: EXCHANGE_ZONE }).toISO() ?? '';

/** Parse an ISO-8601 instant that carries its zone (`Z` or an offset); undefined otherwise. */
export const parseInstant = (s: string): number | undefined => {
  if (!/(Z|[+-]\d{2}:?\d{2})$/.test(s)) return undefined;
  const dt = DateTime.fromISO(s, { setZone: true });
  return dt.isValid ? dt.toMillis() : undefined;
};
