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
 *  - XYZ-2026  https://docs.trade.xyz/consolidated-resources/holiday-closures (stored copy:
 *              github.com/opmau/hyperliquid-zorro-plugin docs/xyz/12-holiday-closures.md) — a venue's
 *              2026 table of CME hours, in ET: equities halt 12:00 CT (13:00 ET) and reopen 17:00 on
 *              MLK, Presidents', Memorial, Labor Day and Thanksgiving; Juneteenth (Fri 19 Jun) and 3 Jul
 *              halt 12:00 CT with no reopen; Good Friday 3 Apr open until 08:15 CT (09:15 ET);
 *              27 Nov and 24 Dec close 12:15 CT; 1 Jan and 25 Dec closed. "CME Base Metals": 13:30 CT
 *              on MLK, Presidents', Memorial, Labor Day and Thanksgiving; 12:00 CT on 19 Jun and 3 Jul;
 *              Good Friday closed; 27 Nov 13:45 CT; 24 Dec 12:45 CT; 1 Jan and 25 Dec closed.
 *  - PMC-464   https://github.com/rsheftel/pandas_market_calendars/issues/464 — checked against
 *              "the published 2026 Globex Holiday Calendar tool + the per-product Trading Hours xlsx
 *              files, downloaded from CME 2026-05-29": CME energy/metals (GC, MCL…) close 12:00 CT on
 *              19 Jun and 3 Jul 2026, 13:30 CT on Labor Day, 13:45 CT on 27 Nov. It lists five wrong
 *              cells of that library's energy/metals calendar and no others, so its other 2026 cells
 *              (13:30 on MLK, Presidents', Memorial Day, Thanksgiving; New Year, Good Friday and
 *              Christmas closed) agreed with CME — sourced by implication, named so here.
 *  - LEAN-9552 https://github.com/QuantConnect/Lean/issues/9552 — NQ/ES on Juneteenth 2026: an early
 *              close at 13:00 ET (12:00 CT), citing cmegroup.com/trading-hours.html#tradeDate=2026-06-19.
 *  - PMC-EQ    pandas_market_calendars `cme_globex_equities.py` special closes ("Source
 *              https://www.cmegroup.com/tools-information/holiday-calendar.html"): equity Good Friday
 *              after 2022 closes 08:15 CT; holiday halts 12:00; day after Thanksgiving, Christmas Eve 12:15.
 *  - FXL-MLK-2025 https://www.forexlive.com/news/reminder-us-markets-are-closed-on-monday-january-20-2025-20250119/
 *              — MLK 2025: equity and interest rates halt 12:00 CT, FX and crypto 16:00 CT, reopen 17:00.
 *  - LEAN-7718 https://github.com/QuantConnect/Lean/pull/7718 — 2024 hours taken from CME's holiday
 *              calendar: crypto halts at its regular 16:00 on MLK, Presidents', Memorial Day, Juneteenth,
 *              4 Jul, Labor Day (and Thanksgiving — FXL-TG-2024, written the week itself, says 12:00;
 *              that one is kept) and closes 12:45 CT on Christmas Eve.
 *  - LEAN-9807 https://github.com/QuantConnect/Lean/pull/9807 — 3 Jul 2024: equity index closes 12:15 CT
 *              and reopens 17:00.
 *  - LEAN-9733 https://github.com/QuantConnect/Lean/pull/9733 — 2027 dates from CME's published schedule:
 *              "No trading for Friday March 26th trade date" (Good Friday); Christmas: Thursday 23 Dec
 *              the last trade date before it (24 Dec closed); 31 Dec 2027 trades to its regular close.
 *  - LEAN-9572 https://github.com/QuantConnect/Lean/pull/9572 — Juneteenth 2027 observed Fri 18 Jun.
 *  - DERIVED   Not read from a published table: the date comes from the holiday rule (e.g. the
 *              fourth Thursday of November, the observed weekday of a weekend holiday) and the
 *              per-group times from the pattern of the sourced rows (holiday halt: equity and
 *              rates 12:00, energy and metals 13:30, FX and crypto 12:00 except MLK/Presidents' Day;
 *              early close on the business day after or before: 12:15 equity/rates/FX/crypto, 13:45
 *              energy/metals after Thanksgiving and 12:45 on Christmas Eve, as published for 2026;
 *              a holiday on a Friday halts every group at 12:00, as published for 2026). Check these
 *              against CME's trading-hours page before relying on them for live orders.
 * Each row names in `sourcedGroups` the groups whose hours it read from a source; the others are
 * DERIVED. Known open questions: interest rates on Good Friday 2026 (a jobs-report Friday; CME has
 * opened rates briefly on such days, as it does equities) — modelled closed; Thanksgiving energy
 * and metals: 12:00 in 2024 (FXL-TG-2024) but 13:30 in 2026 (XYZ-2026, PMC-464) — 2025 follows
 * 2024 (12:00, and 12:45 the day after), 2027 follows 2026.
 */
import type { LocalDate, LocalTime } from './local-date';

export type ProductGroup = 'equity' | 'energy' | 'metals' | 'interestRates' | 'fx' | 'crypto';
export const PRODUCT_GROUPS: readonly ProductGroup[] = [
  'equity',
  'energy',
  'metals',
  'interestRates',
  'fx',
  'crypto',
];

export type SourceId =
  | 'CME-HOL'
  | 'EDGE-2026'
  | 'METRO-2024'
  | 'FXL-TG-2024'
  | 'MONDO-2025-01-09'
  | 'XYZ-2026'
  | 'PMC-464'
  | 'LEAN-9552'
  | 'PMC-EQ'
  | 'FXL-MLK-2025'
  | 'LEAN-7718'
  | 'LEAN-9807'
  | 'LEAN-9733'
  | 'LEAN-9572'
  | 'DERIVED';

/** `closed`, an early halt time, or `regular` hours. */
export type GroupHours = 'closed' | 'regular' | LocalTime;

export interface HolidayRow {
  readonly date: LocalDate;
  readonly name: string;
  /** False on exchange holidays (no settlement); true on early-close business days. */
  readonly businessDay: boolean;
  readonly hours: Readonly<Record<ProductGroup, GroupHours>>;
  /** Where the date and the hours come from (see the header). */
  readonly sources: readonly SourceId[];
  /** The groups whose hours on this date were read from a source; the others are DERIVED. */
  readonly sourcedGroups: readonly ProductGroup[];
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
const HALT: Record<ProductGroup, GroupHours> = {
  equity: '12:00',
  interestRates: '12:00',
  energy: '13:30',
  metals: '13:30',
  fx: '12:00',
  crypto: '12:00',
};
/** MLK / Presidents' Day: as HALT, but FX and crypto trade to their regular 16:00 close (EDGE-2026, FXL-MLK-2025). */
const HALT_FX_REGULAR: Record<ProductGroup, GroupHours> = { ...HALT, fx: 'regular', crypto: 'regular' };
/** A holiday on a Friday (Juneteenth and 3 July 2026): every group halts at 12:00 (XYZ-2026, PMC-464). */
const HALT_NOON = all('12:00');
/** Thanksgiving 2024: every group halts at 12:00 (FXL-TG-2024). */
const THANKSGIVING_2024 = all('12:00');
/** The day after Thanksgiving (XYZ-2026, PMC-464: energy and metals 13:45). */
const EARLY_TG: Record<ProductGroup, GroupHours> = {
  equity: '12:15',
  interestRates: '12:15',
  fx: '12:15',
  crypto: '12:15',
  energy: '13:45',
  metals: '13:45',
};
/** Christmas Eve and 3 July (XYZ-2026: equities 12:15, metals 12:45). */
const EARLY: Record<ProductGroup, GroupHours> = {
  equity: '12:15',
  interestRates: '12:15',
  fx: '12:15',
  crypto: '12:15',
  energy: '12:45',
  metals: '12:45',
};

const ALL_GROUPS = PRODUCT_GROUPS;
const holiday = (
  date: LocalDate,
  name: string,
  hours: Record<ProductGroup, GroupHours>,
  sources: readonly SourceId[],
  sourcedGroups: readonly ProductGroup[] = [],
): HolidayRow => ({
  date,
  name,
  businessDay: false,
  hours,
  sources,
  sourcedGroups,
});
const early = (
  date: LocalDate,
  name: string,
  hours: Record<ProductGroup, GroupHours>,
  sources: readonly SourceId[],
  sourcedGroups: readonly ProductGroup[] = [],
): HolidayRow => ({
  date,
  name,
  businessDay: true,
  hours,
  sources,
  sourcedGroups,
});

export const HOLIDAY_ROWS: readonly HolidayRow[] = [
  // 2024 — dates: METRO-2024, CME-HOL.
  holiday('2024-01-01', "New Year's Day", CLOSED, ['DERIVED', 'METRO-2024']),
  holiday(
    '2024-01-15',
    'Martin Luther King Jr. Day',
    HALT_FX_REGULAR,
    ['LEAN-7718', 'METRO-2024'],
    ['crypto'],
  ),
  holiday('2024-02-19', "Presidents' Day", HALT_FX_REGULAR, ['LEAN-7718', 'METRO-2024'], ['crypto']),
  holiday('2024-03-29', 'Good Friday', CLOSED, ['DERIVED', 'METRO-2024']),
  holiday(
    '2024-05-27',
    'Memorial Day',
    { ...HALT, crypto: 'regular' },
    ['LEAN-7718', 'METRO-2024'],
    ['crypto'],
  ),
  holiday(
    '2024-06-19',
    'Juneteenth',
    { ...HALT, crypto: 'regular' },
    ['LEAN-7718', 'METRO-2024'],
    ['crypto'],
  ),
  early('2024-07-03', 'Independence Day eve', EARLY, ['LEAN-9807', 'METRO-2024'], ['equity']),
  holiday(
    '2024-07-04',
    'Independence Day',
    { ...HALT, crypto: 'regular' },
    ['LEAN-7718', 'METRO-2024'],
    ['crypto'],
  ),
  holiday('2024-09-02', 'Labor Day', { ...HALT, crypto: 'regular' }, ['LEAN-7718', 'METRO-2024'], ['crypto']),
  holiday(
    '2024-11-28',
    'Thanksgiving Day',
    THANKSGIVING_2024,
    ['FXL-TG-2024', 'METRO-2024'],
    ['equity', 'crypto', 'interestRates', 'energy', 'metals'],
  ),
  early('2024-11-29', 'Day after Thanksgiving', EARLY, ['DERIVED', 'METRO-2024']),
  early(
    '2024-12-24',
    'Christmas Eve',
    { ...EARLY, crypto: '12:45' },
    ['LEAN-7718', 'METRO-2024'],
    ['crypto'],
  ),
  holiday('2024-12-25', 'Christmas Day', CLOSED, ['DERIVED', 'METRO-2024']),
  // 2025
  holiday('2025-01-01', "New Year's Day", CLOSED, ['DERIVED', 'METRO-2024']),
  early(
    '2025-01-09',
    'National Day of Mourning (President Carter)',
    { ...all('regular'), equity: '08:30', interestRates: '12:15' },
    ['MONDO-2025-01-09'],
    ALL_GROUPS,
  ),
  holiday(
    '2025-01-20',
    'Martin Luther King Jr. Day',
    HALT_FX_REGULAR,
    ['FXL-MLK-2025'],
    ['equity', 'interestRates', 'fx', 'crypto'],
  ),
  holiday('2025-02-17', "Presidents' Day", HALT_FX_REGULAR, ['DERIVED']),
  holiday('2025-04-18', 'Good Friday', CLOSED, ['DERIVED']),
  holiday('2025-05-26', 'Memorial Day', HALT, ['DERIVED']),
  holiday('2025-06-19', 'Juneteenth', HALT, ['DERIVED']),
  early('2025-07-03', 'Independence Day eve', EARLY, ['DERIVED']),
  holiday('2025-07-04', 'Independence Day', HALT_NOON, ['DERIVED']),
  holiday('2025-09-01', 'Labor Day', HALT, ['DERIVED']),
  // Thanksgiving 2025 follows the published 2024 hours (every group 12:00; energy and metals
  // 12:45 the day after), not 2026's 13:30 / 13:45: DERIVED either way.
  holiday('2025-11-27', 'Thanksgiving Day', THANKSGIVING_2024, ['DERIVED', 'FXL-TG-2024']),
  early('2025-11-28', 'Day after Thanksgiving', EARLY, ['DERIVED']),
  early('2025-12-24', 'Christmas Eve', EARLY, ['DERIVED']),
  holiday('2025-12-25', 'Christmas Day', CLOSED, ['DERIVED']),
  // 2026 — dates: EDGE-2026; hours: XYZ-2026 (equity, metals), PMC-464 (energy, metals), EDGE-2026 (MLK).
  holiday(
    '2026-01-01',
    "New Year's Day",
    CLOSED,
    ['XYZ-2026', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  holiday('2026-01-19', 'Martin Luther King Jr. Day', HALT_FX_REGULAR, ['EDGE-2026', 'XYZ-2026'], ALL_GROUPS),
  holiday(
    '2026-02-16',
    "Presidents' Day",
    HALT_FX_REGULAR,
    ['XYZ-2026', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  holiday(
    '2026-04-03',
    'Good Friday',
    { ...CLOSED, equity: '08:15' },
    ['XYZ-2026', 'PMC-EQ', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  holiday(
    '2026-05-25',
    'Memorial Day',
    HALT,
    ['XYZ-2026', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  holiday(
    '2026-06-19',
    'Juneteenth',
    HALT_NOON,
    ['XYZ-2026', 'PMC-464', 'LEAN-9552', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  holiday(
    '2026-07-03',
    'Independence Day (observed)',
    HALT_NOON,
    ['XYZ-2026', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  holiday(
    '2026-09-07',
    'Labor Day',
    HALT,
    ['XYZ-2026', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  holiday(
    '2026-11-26',
    'Thanksgiving Day',
    HALT,
    ['XYZ-2026', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  early(
    '2026-11-27',
    'Day after Thanksgiving',
    EARLY_TG,
    ['XYZ-2026', 'PMC-464', 'EDGE-2026'],
    ['equity', 'energy', 'metals'],
  ),
  early('2026-12-24', 'Christmas Eve', EARLY, ['XYZ-2026'], ['equity', 'metals']),
  holiday('2026-12-25', 'Christmas Day', CLOSED, ['XYZ-2026', 'PMC-464'], ['equity', 'energy', 'metals']),
  // 2027 — dates from the holiday rules (weekend holidays observed on the nearest weekday);
  // Good Friday, Juneteenth (observed) and Christmas (observed) confirmed by LEAN-9733 / LEAN-9572.
  holiday('2027-01-01', "New Year's Day", CLOSED, ['DERIVED']),
  holiday('2027-01-18', 'Martin Luther King Jr. Day', HALT_FX_REGULAR, ['DERIVED']),
  holiday('2027-02-15', "Presidents' Day", HALT_FX_REGULAR, ['DERIVED']),
  holiday('2027-03-26', 'Good Friday', CLOSED, ['LEAN-9733'], ALL_GROUPS),
  holiday('2027-05-31', 'Memorial Day', HALT, ['DERIVED']),
  holiday('2027-06-18', 'Juneteenth (observed)', HALT_NOON, ['DERIVED', 'LEAN-9572']),
  holiday('2027-07-05', 'Independence Day (observed)', HALT, ['DERIVED']),
  holiday('2027-09-06', 'Labor Day', HALT, ['DERIVED']),
  holiday('2027-11-25', 'Thanksgiving Day', HALT, ['DERIVED']),
  early('2027-11-26', 'Day after Thanksgiving', EARLY_TG, ['DERIVED']),
  holiday('2027-12-24', 'Christmas Day (observed)', CLOSED, ['LEAN-9733'], ALL_GROUPS),
];

/** The years the holiday data covers; dates outside it are refused rather than guessed. */
export const COVERAGE = { fromYear: 2024, toYear: 2027 } as const;

/**
 * England and Wales bank holidays, 2024–2027, for the crypto last-trade rule ("if this is not
 * both a London and U.S. business day…"). Transcribed from the published gov.uk bank-holiday
 * rules (https://www.gov.uk/bank-holidays), not fetched here: DERIVED.
 */
export const LONDON_HOLIDAYS: readonly LocalDate[] = [
  '2024-01-01',
  '2024-03-29',
  '2024-04-01',
  '2024-05-06',
  '2024-05-27',
  '2024-08-26',
  '2024-12-25',
  '2024-12-26',
  '2025-01-01',
  '2025-04-18',
  '2025-04-21',
  '2025-05-05',
  '2025-05-26',
  '2025-08-25',
  '2025-12-25',
  '2025-12-26',
  '2026-01-01',
  '2026-04-03',
  '2026-04-06',
  '2026-05-04',
  '2026-05-25',
  '2026-08-31',
  '2026-12-25',
  '2026-12-28',
  '2027-01-01',
  '2027-03-26',
  '2027-03-29',
  '2027-05-03',
  '2027-05-31',
  '2027-08-30',
  '2027-12-27',
  '2027-12-28',
];
