/**
 * Trading time: how much of an interval a product's market is open, and the instant at which a
 * given amount of trading time has passed. What "a prediction valid for one hour" means on CME,
 * where an hour given on Friday afternoon may run out on Sunday evening (as Lean's insight
 * periods count market hours). Daily halts, weekends, holidays and early closes do not count.
 */
import * as E from 'fp-ts/Either';
import { validationError, ValidationError } from '@keel/events';
import { lookupProduct } from './contracts';
import { COVERAGE, ProductGroup } from './holidays.data';
import { addDays, chicagoDateOf, chicagoIso, yearOf } from './local-date';
import { sessionOf } from './market-state';

const covered = (at: number): boolean => {
  const y = yearOf(chicagoDateOf(at));
  return y >= COVERAGE.fromYear && y <= COVERAGE.toYear;
};

const outside = (field: string, at: number): ValidationError =>
  validationError(
    field,
    Number.isFinite(at) ? chicagoIso(at) : at,
    `must be an instant in ${COVERAGE.fromYear}–${COVERAGE.toYear} (Chicago time), the years the holiday data covers`,
  );

const groupOf = (root: string): E.Either<ValidationError, ProductGroup> =>
  E.map((spec: { group: ProductGroup }) => spec.group)(lookupProduct(root));

/** Milliseconds in [from, to) during which `root`'s market is open (0 when to ≤ from). */
export const tradingMsBetween = (
  root: string,
  from: number,
  to: number,
): E.Either<ValidationError, number> => {
  const group = groupOf(root);
  if (E.isLeft(group)) return group;
  if (!covered(from)) return E.left(outside('from', from));
  if (!covered(to)) return E.left(outside('to', to));
  if (to <= from) return E.right(0);
  let total = 0;
  // A session opens the calendar day before its trade date: start one day early.
  for (
    let d = addDays(chicagoDateOf(from), -1), end = addDays(chicagoDateOf(to), 1);
    d <= end;
    d = addDays(d, 1)
  ) {
    const s = sessionOf(group.right, d);
    if (s === undefined) continue;
    const a = Math.max(s.open, from);
    const b = Math.min(s.close, to);
    if (b > a) total += b - a;
  }
  return E.right(total);
};

/**
 * The instant at which `ms` of `root`'s trading time have passed since `from` (an instant while
 * the market is closed starts the count at the next open). Left when it falls past the years the
 * calendar covers.
 */
export const addTradingMs = (root: string, from: number, ms: number): E.Either<ValidationError, number> => {
  const group = groupOf(root);
  if (E.isLeft(group)) return group;
  if (!covered(from)) return E.left(outside('from', from));
  if (!(Number.isFinite(ms) && ms >= 0)) return E.left(validationError('ms', ms, 'must be a duration ≥ 0'));
  let left = ms;
  for (let d = addDays(chicagoDateOf(from), -1); covered(Date.parse(`${d}T12:00:00Z`)); d = addDays(d, 1)) {
    const s = sessionOf(group.right, d);
    if (s === undefined || s.close <= from) continue;
    const a = Math.max(s.open, from);
    const span = s.close - a;
    if (left <= span) return E.right(a + left);
    left -= span;
  }
  return E.left(outside('from + ms', from + ms));
};
