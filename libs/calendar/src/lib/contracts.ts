/**
 * Contracts of a product in a range of months, with their last trade, first notice and roll
 * dates. Codes follow CME Globex: root + month code + last digit of the year (`ESZ5`), which
 * is unambiguous within the decade the holiday data covers.
 *
 * Rollover: from `rollStartDate` new exposure goes into the next contract; by
 * `forcedRollDate` any position left in the expiring one is migrated. Both are a number of
 * business days before the anchor: first notice for physically settled products (a long
 * must never be assigned delivery), last trade for cash-settled ones. Where a physical
 * product's notices only start after its last trade (NYMEX CL and NG), the anchor is the last
 * trade date: a position still open when trading stops goes to delivery.
 */
import * as E from 'fp-ts/Either';
import { validationError, ValidationError } from '@keel/events';
import {
  addBusinessDays,
  BusinessCalendar,
  exchangeAndLondonCalendar,
  exchangeCalendar,
  nthLastBusinessDay,
  onOrBefore,
} from './business-days';
import { COVERAGE } from './holidays.data';
import {
  addMonths,
  dayInMonth,
  LocalDate,
  lastWeekday,
  monthOf,
  nthWeekday,
  parseYearMonth,
  YearMonth,
  yearOf,
  ymOf,
} from './local-date';
import {
  FirstNoticeRule,
  LastTradeRule,
  MONTH_CODES,
  productSpec,
  ProductSpec,
  Settlement,
} from './products.data';

export interface RollPolicy {
  /** Business days before the anchor from which new exposure goes into the next contract. */
  readonly rollStartBusinessDays: number;
  /** Business days before the anchor by which the expiring position must be gone. */
  readonly forcedRollBusinessDays: number;
}

/** Defaults: physical 5 / 2 business days before first notice; cash 8 / 2 before last trade. */
export const DEFAULT_ROLL_POLICY: Readonly<Record<Settlement, RollPolicy>> = {
  physical: { rollStartBusinessDays: 5, forcedRollBusinessDays: 2 },
  cash: { rollStartBusinessDays: 8, forcedRollBusinessDays: 2 },
};

export interface Contract {
  /** Globex code, e.g. `ESZ5`. */
  readonly code: string;
  readonly root: string;
  /** Contract (delivery) month, `YYYY-MM`. */
  readonly month: YearMonth;
  /** Exchange local dates, `YYYY-MM-DD`. */
  readonly lastTradeDate: LocalDate;
  /** Null when cash-settled. */
  readonly firstNoticeDate: LocalDate | null;
  readonly rollStartDate: LocalDate;
  readonly forcedRollDate: LocalDate;
  readonly settlement: Settlement;
}

/** Contract months the holiday data supports: every date a contract needs falls in 2024–2027. */
export const CONTRACT_MONTHS = { from: ymOf(COVERAGE.fromYear, 2), to: ymOf(COVERAGE.toYear, 12) } as const;

export const contractCode = (root: string, month: YearMonth): string =>
  `${root}${MONTH_CODES[monthOf(month) - 1]}${yearOf(month) % 10}`;

const calendarFor = (spec: ProductSpec): BusinessCalendar => exchangeCalendar(spec.group);

/** The last trade date of a product's contract month, by its rule over the holiday calendar. */
export const lastTradeDate = (spec: ProductSpec, month: YearMonth): LocalDate =>
  lastTradeByRule(spec, spec.lastTradeRule, month);

const lastTradeByRule = (spec: ProductSpec, rule: LastTradeRule, month: YearMonth): LocalDate => {
  const cal = calendarFor(spec);
  switch (rule.kind) {
    case 'nthWeekday':
      return onOrBefore(cal, nthWeekday(month, rule.isoWeekday, rule.n));
    case 'crudeOil': {
      const the25th = dayInMonth(addMonths(month, -1), 25);
      return addBusinessDays(cal, the25th, cal.isBusinessDay(the25th) ? -3 : -4);
    }
    case 'beforeOtherProduct':
      // The other product is in the same group (same calendar): MCL before CL.
      return addBusinessDays(cal, lastTradeByRule(spec, rule.rule, month), -rule.businessDays);
    case 'nthLastBusinessDayOfPriorMonth':
      return nthLastBusinessDay(cal, addMonths(month, -1), rule.n);
    case 'nthLastBusinessDay':
      return nthLastBusinessDay(cal, month, rule.n);
    case 'beforeLastBusinessDay':
      return addBusinessDays(cal, nthLastBusinessDay(cal, month, 1), -rule.businessDays);
    case 'beforeNthWeekday':
      return addBusinessDays(cal, nthWeekday(month, rule.isoWeekday, rule.n), -rule.businessDays);
    case 'lastFridayLondonAndUs':
      return onOrBefore(exchangeAndLondonCalendar(spec.group), lastWeekday(month, 5));
    default: {
      const never: never = rule;
      return never;
    }
  }
};

const firstNotice = (spec: ProductSpec, month: YearMonth, ltd: LocalDate): LocalDate | null => {
  const cal = calendarFor(spec);
  const rule: FirstNoticeRule = spec.firstNoticeRule;
  switch (rule.kind) {
    case 'none':
      return null;
    case 'lastBusinessDayOfPriorMonth':
      return nthLastBusinessDay(cal, addMonths(month, -1), 1);
    case 'afterLastTrade':
      return addBusinessDays(cal, ltd, rule.businessDays);
    case 'onLastTrade':
      return ltd;
    default: {
      const never: never = rule;
      return never;
    }
  }
};

/** One contract's dates. The month must be in CONTRACT_MONTHS (checked by `contracts`). */
export const contractFor = (
  spec: ProductSpec,
  month: YearMonth,
  policy: RollPolicy = DEFAULT_ROLL_POLICY[spec.settlement],
): Contract => {
  const cal = calendarFor(spec);
  const ltd = lastTradeDate(spec, month);
  const fnd = firstNotice(spec, month, ltd);
  const anchor = spec.settlement === 'physical' && fnd !== null && fnd < ltd ? fnd : ltd;
  return {
    code: contractCode(spec.root, month),
    root: spec.root,
    month,
    lastTradeDate: ltd,
    firstNoticeDate: spec.settlement === 'physical' ? fnd : null,
    rollStartDate: addBusinessDays(cal, anchor, -policy.rollStartBusinessDays),
    forcedRollDate: addBusinessDays(cal, anchor, -policy.forcedRollBusinessDays),
    settlement: spec.settlement,
  };
};

/** The spec of a root, or a ValidationError naming `root`. */
export const lookupProduct = (root: string): E.Either<ValidationError, ProductSpec> => {
  const spec = productSpec(root);
  return spec ? E.right(spec) : E.left(validationError('root', root, 'unknown product root'));
};

const monthArg = (path: string, value: string): E.Either<ValidationError, YearMonth> => {
  const ym = parseYearMonth(value);
  if (!ym) return E.left(validationError(path, value, 'must be a month YYYY-MM'));
  if (ym < CONTRACT_MONTHS.from || ym > CONTRACT_MONTHS.to)
    return E.left(
      validationError(
        path,
        value,
        `must be within ${CONTRACT_MONTHS.from}..${CONTRACT_MONTHS.to} (the holiday data covers ${COVERAGE.fromYear}–${COVERAGE.toYear})`,
      ),
    );
  return E.right(ym);
};

/**
 * The product's contracts (its listed cycle) with a month in [from, to], oldest first.
 * Errors name the argument: `root`, `from`, `to`, `policy`.
 */
export const contracts = (
  root: string,
  from: string,
  to: string,
  policy?: RollPolicy,
): E.Either<ValidationError, readonly Contract[]> => {
  const spec = lookupProduct(root);
  if (E.isLeft(spec)) return spec;
  const f = monthArg('from', from);
  if (E.isLeft(f)) return f;
  const t = monthArg('to', to);
  if (E.isLeft(t)) return t;
  if (f.right > t.right) return E.left(validationError('from', from, `must not be after to (${to})`));
  if (
    policy &&
    !(
      Number.isInteger(policy.forcedRollBusinessDays) &&
      policy.forcedRollBusinessDays >= 0 &&
      Number.isInteger(policy.rollStartBusinessDays) &&
      policy.rollStartBusinessDays >= policy.forcedRollBusinessDays
    )
  )
    return E.left(
      validationError('policy', policy, 'needs whole business days with rollStart ≥ forcedRoll ≥ 0'),
    );
  const out: Contract[] = [];
  for (let m = f.right; m <= t.right; m = addMonths(m, 1)) {
    if (spec.right.listedMonths.includes(monthOf(m))) out.push(contractFor(spec.right, m, policy));
  }
  return E.right(out);
};

/** What a contract code names, if anything: a known root's contract, or why not. */
export type CodeLookup =
  | { readonly _tag: 'Contract'; readonly contract: Contract }
  /** Not a CME contract code at all (e.g. a crypto symbol): nothing to guard. */
  | { readonly _tag: 'NotAContractCode' }
  /** A known root, but a month outside the listed cycle or the years the calendar covers: refuse to guess. */
  | { readonly _tag: 'UnknownContract'; readonly code: string; readonly reason: string };

const CODE = /^([A-Z0-9]{1,4}?)([FGHJKMNQUVXZ])(\d)$/;

/**
 * The contract a Globex code names (`GCZ5` → GC December 2025). The one-digit year is read
 * within the years the calendar covers (2024–2027), where it is unambiguous.
 */
export const contractForCode = (code: string, policy?: RollPolicy): CodeLookup => {
  const m = CODE.exec(code);
  if (!m) return { _tag: 'NotAContractCode' };
  const [, root = '', letter = '', digit = ''] = m;
  const spec = productSpec(root);
  if (!spec) return { _tag: 'NotAContractCode' };
  const month = MONTH_CODES.indexOf(letter as (typeof MONTH_CODES)[number]) + 1;
  let year: number | null = null;
  for (let y = COVERAGE.fromYear; y <= COVERAGE.toYear; y++) if (y % 10 === Number(digit)) year = y;
  if (year === null)
    return {
      _tag: 'UnknownContract',
      code,
      reason: `year digit ${digit} is outside the years the calendar covers (${COVERAGE.fromYear}–${COVERAGE.toYear})`,
    };
  const ym = ymOf(year, month);
  if (ym < CONTRACT_MONTHS.from || ym > CONTRACT_MONTHS.to)
    return {
      _tag: 'UnknownContract',
      code,
      reason: `${ym} is outside ${CONTRACT_MONTHS.from}..${CONTRACT_MONTHS.to}`,
    };
  if (!spec.listedMonths.includes(month))
    return { _tag: 'UnknownContract', code, reason: `${root} lists no ${ym} contract` };
  return { _tag: 'Contract', contract: contractFor(spec, ym, policy) };
};
