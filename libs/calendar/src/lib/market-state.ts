/**
 * Globex sessions and the market state at an instant. A session belongs to a trade date D
 * (a weekday that is not a closed day): it opens at 17:00 CT on the calendar day before D
 * (Sunday for Monday) and closes at 16:00 CT on D, or at the group's early-halt time on D.
 * Mon–Thu 16:00–17:00 is the daily halt; Friday 16:00 to Sunday 17:00 the weekend. Wall-clock
 * times become instants through the tz database (see local-date.ts), so the DST Sundays need
 * no special case: 17:00 CT exists on both.
 *
 * Between two sessions the state is:
 *  - `holiday`    the gap covers a closed day (Christmas, Good Friday…) or follows the early halt
 *                 of an exchange holiday (MLK Day after 12:00 for equities);
 *  - `earlyClose` the gap follows an early close on a business day (day after Thanksgiving,
 *                 Christmas Eve), until the next open;
 *  - `weekend`    a regular Friday close to Sunday open;
 *  - `dailyHalt`  the regular 16:00–17:00 pause.
 */
import * as E from 'fp-ts/Either';
import { validationError, ValidationError } from '@keel/events';
import { holidayRowOn } from './business-days';
import { COVERAGE, ProductGroup } from './holidays.data';
import { lookupProduct } from './contracts';
import {
  addDays,
  chicagoDateOf,
  chicagoInstant,
  chicagoIso,
  isWeekend,
  LocalDate,
  weekday,
  yearOf,
} from './local-date';

export const REGULAR_OPEN = '17:00';
export const REGULAR_CLOSE = '16:00';

export interface Session {
  readonly tradeDate: LocalDate;
  /** Epoch ms. */
  readonly open: number;
  /** Epoch ms (exclusive). */
  readonly close: number;
  /** True when the close is not the regular 16:00. */
  readonly early: boolean;
}

export type MarketStateName = 'open' | 'dailyHalt' | 'weekend' | 'holiday' | 'earlyClose';

export interface MarketState {
  readonly state: MarketStateName;
  /** ISO-8601 in Chicago time with its offset. When open: the open of the session after this one. */
  readonly nextOpen: string;
  /** ISO-8601 in Chicago time with its offset. When open: this session's close. */
  readonly nextClose: string;
}

// Sessions are a pure function of (group, date); memoised because building one goes through
// the tz database twice and the state function looks at ~18 of them per call.
const sessionCache = new Map<string, Session | undefined>();

/** The session of one trade date for a group, or undefined (weekend or closed day). */
export const sessionOf = (group: ProductGroup, tradeDate: LocalDate): Session | undefined => {
  const key = `${group}|${tradeDate}`;
  if (sessionCache.has(key)) return sessionCache.get(key);
  const s = buildSession(group, tradeDate);
  sessionCache.set(key, s);
  return s;
};

const buildSession = (group: ProductGroup, tradeDate: LocalDate): Session | undefined => {
  if (isWeekend(tradeDate)) return undefined;
  const hours = holidayRowOn(tradeDate)?.hours[group] ?? 'regular';
  if (hours === 'closed') return undefined;
  const closeTime = hours === 'regular' ? REGULAR_CLOSE : hours;
  return {
    tradeDate,
    open: chicagoInstant(addDays(tradeDate, -1), REGULAR_OPEN),
    close: chicagoInstant(tradeDate, closeTime),
    early: closeTime !== REGULAR_CLOSE,
  };
};

/** Sessions whose trade date is in [from, to], in time order. */
export const sessionsBetween = (group: ProductGroup, from: LocalDate, to: LocalDate): readonly Session[] => {
  const out: Session[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) {
    const s = sessionOf(group, d);
    if (s) out.push(s);
  }
  return out;
};

const classifyGap = (group: ProductGroup, prev: Session, next: Session): MarketStateName => {
  for (let d = addDays(prev.tradeDate, 1); d < next.tradeDate; d = addDays(d, 1)) {
    if (holidayRowOn(d)?.hours[group] === 'closed') return 'holiday';
  }
  if (prev.early) return holidayRowOn(prev.tradeDate)?.businessDay === false ? 'holiday' : 'earlyClose';
  const spansSaturday = weekday(prev.tradeDate) === 5 || next.tradeDate > addDays(prev.tradeDate, 1);
  return spansSaturday ? 'weekend' : 'dailyHalt';
};

/** The state of a group's market at an instant (epoch ms), with the next open and close. */
export const groupStateAt = (group: ProductGroup, at: number): MarketState => {
  const today = chicagoDateOf(at);
  // A week back and ten days ahead always contain the previous and the next two sessions:
  // the longest closure in the data is four days.
  const sessions = sessionsBetween(group, addDays(today, -7), addDays(today, 10));
  const i = sessions.findIndex((s) => at < s.close);
  const current = sessions[i];
  const prev = sessions[i - 1];
  if (!current || !prev) throw new Error(`no session around ${chicagoIso(at)}`); // unreachable: see the window above
  if (at >= current.open) {
    const after = sessions[i + 1] ?? current;
    return { state: 'open', nextOpen: chicagoIso(after.open), nextClose: chicagoIso(current.close) };
  }
  return {
    state: classifyGap(group, prev, current),
    nextOpen: chicagoIso(current.open),
    nextClose: chicagoIso(current.close),
  };
};

/**
 * The market state of a product at an instant (epoch ms). Errors name `root` (unknown) or
 * `at` (outside the years the holiday data covers, or not a finite instant).
 */
export const marketState = (root: string, at: number): E.Either<ValidationError, MarketState> => {
  const spec = lookupProduct(root);
  if (E.isLeft(spec)) return spec;
  if (!Number.isFinite(at)) return E.left(validationError('at', at, 'must be an instant'));
  const year = yearOf(chicagoDateOf(at));
  if (year < COVERAGE.fromYear || year > COVERAGE.toYear)
    return E.left(
      validationError(
        'at',
        chicagoIso(at),
        `must fall in ${COVERAGE.fromYear}–${COVERAGE.toYear} (Chicago time), the years the holiday data covers`,
      ),
    );
  return E.right(groupStateAt(spec.right.group, at));
};
