/**
 * CME Globex holidays and early closes, 2024–2027, per product group, with where each row
 * comes from. Times are America/Chicago wall-clock times.
 *
 * How to read a row: on `date`, each group either is `closed` (no session for that trade
 * date; Globex reopens at 17:00 CT for the next trade date), halts early at `HH:MM` (the
 * session ends then; it reopens at 17:00 CT if the next day is a trade date), or trades
 * `regular` hours. `businessDay: false` marks an exchange holiday: no settlement that day,
 * so it is skipped by every business-day rule (last trade, first notice, roll dates) even
 * where Globex trades part of the day.
 *
 * Sources (no browser was available: these are the stored copies the search tool returned,
 * read on 2026-11-21):
 *  - CME-HOL   https://www.cmegroup.com/tools-information/holiday-calendar.html — CME's holiday
 *              calendar (holiday list per year; hours moved to the CME trading-hours page).
 *  - EDGE-2026 https://edgeclear.com/exchange-holiday-hours/ — "2026 CME Globex Trading
 *              Schedule": the 2026 holiday list (New Year 31 Dec 2025–2 Jan 2026, MLK 18–20 Jan,
 *              Presidents' Day 15–17 Feb, Good Friday 2–4 Apr, Memorial Day 24–26 May, Juneteenth
 *              18–19 Jun, Independence Day 3–5 Jul, Labor Day 6–8 Sep, Thanksgiving 26–28 Nov…) and
 *              the MLK 2026 halts per group: interest rates and equities 12:00, energy and metals
 *              13:30, FX and crypto 16:00 (their regular close), all reopening 17:00.
 *  - METRO-2024 https://help.metrotrade.com/kb/holiday-trading-hours — 2024 holiday list.
 *  - FXL-TG-2024 https://www.forexlive.com/news/cme-adjusted-trading-hours-for-various-products-during-thanksgiving-holiday-2024-20241128/
 *              — Thanksgiving 2024: equity, crypto, interest rates, NYMEX and COMEX halt 12:00 CT.
 *  - MONDO-2025-01-09 https://mondovisione.com/media-and-resources/news/cme-group-announces-trading-hours-for-us-national-day-of-mourning-to-honor-for/
 *              — National Day of Mourning, Thu 9 Jan 2025: equity open until 08:30 CT, interest
 *              rates 12:15 CT; crypto, energy, FX and metals normal hours.
 *  - DERIVED   Not read from a published table: the date comes from the holiday rule (e.g. the
 *              fourth Thursday of November, the observed weekday of a weekend holiday) and the
 *              per-group times from the pattern of the sourced rows (holiday halt: equity and
 *              rates 12:00, energy and metals 13:30; early close on the business day before or
 *              after: 12:15 equity/rates/FX/crypto, 12:45 energy/metals). Check these against CME's
 *              trading-hours page before relying on them for live orders.
 * Known open question: CME has in some years (2021) opened interest rates for a short session
 * on Good Friday when the US employment report falls on it; 3 Apr 2026 is such a day. It is
 * modelled here as closed for every group, as the sourced 2026 list shows it as a holiday.
 */
import type { LocalDate, LocalTime } from './local-date';

export type ProductGroup = 'equity' | 'energy' | 'metals' | 'interestRates' | 'fx' | 'crypto';
export const PRODUCT_GROUPS: readonly ProductGroup[] = ['equity', 'energy', 'metals', 'interestRates', 'fx', 'crypto'];

export type SourceId = 'CME-HOL' | 'EDGE-2026' | 'METRO-2024' | 'FXL-TG-2024' | 'MONDO-2025-01-09' | 'DERIVED';

/** `closed`, an early halt time, or `regular` hours. */
export type GroupHours = 'closed' | 'regular' | LocalTime;

export interface HolidayRow {
  readonly date: LocalDate;
  readonly name: string;
  /** False on exchange holidays (no settlement); true on early-close business days. */
  readonly businessDay: boolean;
  readonly hours: Readonly<Record<ProductGroup, GroupHours>>;
  /** Where the date and the hours come from (see the header); the first entry covers the hours. */
  readonly sources: readonly SourceId[];
}

const all = (h: GroupHours): Record<ProductGroup, GroupHours> => ({
  equity: h,
  energy: h,
  metals: h,
  interestRates: h,
  fx: h,
  crypto: h,
});

/** Full-day closure for every group (New Year's Day, Good Friday, Christmas). */
const CLOSED = all('closed');
/** A US holiday on which Globex halts early and reopens at 17:00 for the next trade date. */
const HALT: Record<ProductGroup, GroupHours> = { equity: '12:00', interestRates: '12:00', energy: '13:30', metals: '13:30', fx: '12:00', crypto: '12:00' };
/** MLK / Presidents' Day: as HALT, but FX and crypto trade to their regular 16:00 close (EDGE-2026). */
const HALT_FX_REGULAR: Record<ProductGroup, GroupHours> = { ...HALT, fx: 'regular', crypto: 'regular' };
/** Thanksgiving Day: every group halts at 12:00 (FXL-TG-2024). */
const HALT_NOON = all('12:00');
/** An early close on a business day (day after Thanksgiving, Christmas Eve, 3 July). */
const EARLY: Record<ProductGroup, GroupHours> = { equity: '12:15', interestRates: '12:15', fx: '12:15', crypto: '12:15', energy: '12:45', metals: '12:45' };

const holiday = (date: LocalDate, name: string, hours: Record<ProductGroup, GroupHours>, sources: readonly SourceId[]): HolidayRow => ({
  date,
  name,
  businessDay: false,
  hours,
  sources,
});
const early = (date: LocalDate, name: string, hours: Record<ProductGroup, GroupHours>, sources: readonly SourceId[]): HolidayRow => ({
  date,
  name,
  businessDay: true,
  hours,
  sources,
});

export const HOLIDAY_ROWS: readonly HolidayRow[] = [
  // 2024 — dates: METRO-2024, CME-HOL.
  holiday('2024-01-01', "New Year's Day", CLOSED, ['DERIVED', 'METRO-2024']),
  holiday('2024-01-15', 'Martin Luther King Jr. Day', HALT_FX_REGULAR, ['DERIVED', 'METRO-2024']),
  holiday('2024-02-19', "Presidents' Day", HALT_FX_REGULAR, ['DERIVED', 'METRO-2024']),
  holiday('2024-03-29', 'Good Friday', CLOSED, ['DERIVED', 'METRO-2024']),
  holiday('2024-05-27', 'Memorial Day', HALT, ['DERIVED', 'METRO-2024']),
  holiday('2024-06-19', 'Juneteenth', HALT, ['DERIVED', 'METRO-2024']),
  early('2024-07-03', 'Independence Day eve', EARLY, ['DERIVED', 'METRO-2024']),
  holiday('2024-07-04', 'Independence Day', HALT, ['DERIVED', 'METRO-2024']),
  holiday('2024-09-02', 'Labor Day', HALT, ['DERIVED', 'METRO-2024']),
  holiday('2024-11-28', 'Thanksgiving Day', HALT_NOON, ['FXL-TG-2024', 'METRO-2024']),
  early('2024-11-29', 'Day after Thanksgiving', EARLY, ['DERIVED', 'METRO-2024']),
  early('2024-12-24', 'Christmas Eve', EARLY, ['DERIVED', 'METRO-2024']),
  holiday('2024-12-25', 'Christmas Day', CLOSED, ['DERIVED', 'METRO-2024']),
  // 2025
  holiday('2025-01-01', "New Year's Day", CLOSED, ['DERIVED', 'METRO-2024']),
  early('2025-01-09', 'National Day of Mourning (President Carter)', { ...all('regular'), equity: '08:30', interestRates: '12:15' }, ['MONDO-2025-01-09']),
  holiday('2025-01-20', 'Martin Luther King Jr. Day', HALT_FX_REGULAR, ['DERIVED']),
  holiday('2025-02-17', "Presidents' Day", HALT_FX_REGULAR, ['DERIVED']),
  holiday('2025-04-18', 'Good Friday', CLOSED, ['DERIVED']),
  holiday('2025-05-26', 'Memorial Day', HALT, ['DERIVED']),
  holiday('2025-06-19', 'Juneteenth', HALT, ['DERIVED']),
  early('2025-07-03', 'Independence Day eve', EARLY, ['DERIVED']),
  holiday('2025-07-04', 'Independence Day', HALT, ['DERIVED']),
  holiday('2025-09-01', 'Labor Day', HALT, ['DERIVED']),
  holiday('2025-11-27', 'Thanksgiving Day', HALT_NOON, ['DERIVED', 'FXL-TG-2024']),
  early('2025-11-28', 'Day after Thanksgiving', EARLY, ['DERIVED']),
  early('2025-12-24', 'Christmas Eve', EARLY, ['DERIVED']),
  holiday('2025-12-25', 'Christmas Day', CLOSED, ['DERIVED']),
  // 2026 — dates: EDGE-2026.
  holiday('2026-01-01', "New Year's Day", CLOSED, ['DERIVED', 'EDGE-2026']),
  holiday('2026-01-19', 'Martin Luther King Jr. Day', HALT_FX_REGULAR, ['EDGE-2026']),
  holiday('2026-02-16', "Presidents' Day", HALT_FX_REGULAR, ['DERIVED', 'EDGE-2026']),
  holiday('2026-04-03', 'Good Friday', CLOSED, ['DERIVED', 'EDGE-2026']),
  holiday('2026-05-25', 'Memorial Day', HALT, ['DERIVED', 'EDGE-2026']),
  holiday('2026-06-19', 'Juneteenth', HALT, ['DERIVED', 'EDGE-2026']),
  holiday('2026-07-03', 'Independence Day (observed)', HALT, ['DERIVED', 'EDGE-2026']),
  holiday('2026-09-07', 'Labor Day', HALT, ['DERIVED', 'EDGE-2026']),
  holiday('2026-11-26', 'Thanksgiving Day', HALT_NOON, ['DERIVED', 'EDGE-2026']),
  early('2026-11-27', 'Day after Thanksgiving', EARLY, ['DERIVED', 'EDGE-2026']),
  early('2026-12-24', 'Christmas Eve', EARLY, ['DERIVED']),
  holiday('2026-12-25', 'Christmas Day', CLOSED, ['DERIVED']),
  // 2027 — dates from the holiday rules (weekend holidays observed on the nearest weekday).
  holiday('2027-01-01', "New Year's Day", CLOSED, ['DERIVED']),
  holiday('2027-01-18', 'Martin Luther King Jr. Day', HALT_FX_REGULAR, ['DERIVED']),
  holiday('2027-02-15', "Presidents' Day", HALT_FX_REGULAR, ['DERIVED']),
  holiday('2027-03-26', 'Good Friday', CLOSED, ['DERIVED']),
  holiday('2027-05-31', 'Memorial Day', HALT, ['DERIVED']),
  holiday('2027-06-18', 'Juneteenth (observed)', HALT, ['DERIVED']),
  holiday('2027-07-05', 'Independence Day (observed)', HALT, ['DERIVED']),
  holiday('2027-09-06', 'Labor Day', HALT, ['DERIVED']),
  holiday('2027-11-25', 'Thanksgiving Day', HALT_NOON, ['DERIVED']),
  early('2027-11-26', 'Day after Thanksgiving', EARLY, ['DERIVED']),
  holiday('2027-12-24', 'Christmas Day (observed)', CLOSED, ['DERIVED']),
];

/** The years the holiday data covers; dates outside it are refused rather than guessed. */
export const COVERAGE = { fromYear: 2024, toYear: 2027 } as const;

/**
 * England and Wales bank holidays, 2024–2027, for the crypto last-trade rule ("if this is not
 * both a London and U.S. business day…"). Transcribed from the published gov.uk bank-holiday
 * rules (https://www.gov.uk/bank-holidays), not fetched here: DERIVED.
 */
export const LONDON_HOLIDAYS: readonly LocalDate[] = [
  '2024-01-01', '2024-03-29', '2024-04-01', '2024-05-06', '2024-05-27', '2024-08-26', '2024-12-25', '2024-12-26',
  '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
  '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
  '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
];
