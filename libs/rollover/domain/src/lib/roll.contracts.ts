/**
 * The contract calendar the roll decider reads: plain data, one row per contract of a root,
 * so a run can supply dates the exchange calendar library does not cover (the 2013 ES replay)
 * as easily as the library's own 2024–2027 contracts (`rollContractsFromCalendar`).
 */
import * as E from 'fp-ts/Either';
import {
  addBusinessDays,
  Contract,
  contracts,
  exchangeCalendar,
  LocalDate,
  productSpec,
  RollPolicy,
  Settlement,
} from '@keel/calendar';
import { validationError, ValidationError } from '@keel/events';

/** One contract's roll dates; all dates are Chicago `YYYY-MM-DD`. */
export interface RollContract {
  /** Globex code, e.g. `ESZ3`. */
  readonly code: string;
  readonly settlement: Settlement;
  readonly lastTradeDate: LocalDate;
  /** Null when cash-settled. */
  readonly firstNoticeDate: LocalDate | null;
  /** From this date new exposure goes into the next contract. */
  readonly rollStartDate: LocalDate;
  /** From this date any position left in this contract is migrated to the next. */
  readonly forcedRollDate: LocalDate;
  /**
   * From this date a position still open here raises a DeliveryRiskAlert (physical only; null
   * for cash-settled contracts). Normally after `forcedRollDate`: the alert means the forced
   * migration has not been filled in time.
   */
  readonly deliveryAlertDate: LocalDate | null;
}

/**
 * The contracts of one root, oldest first (sorted by last trade date here; the decider relies on
 * it). A port record of plain data: the shell builds it once per root.
 */
/** The optimizer's instrument for exposure in a CME root, in whole contracts: `CME:GC`. */
export const rootInstrument = (root: string): string => `CME:${root}`;

export interface ContractCalendar {
  readonly root: string;
  /** The continuous symbol the mapping is published under, e.g. `ES1!`-style `ES.c.0`. */
  readonly symbol: string;
  readonly contracts: readonly RollContract[];
}

/** Sorts and checks the rows: unique codes, rollStart ≤ forcedRoll ≤ lastTrade. */
export const contractCalendar = (
  root: string,
  symbol: string,
  rows: readonly RollContract[],
): E.Either<ValidationError, ContractCalendar> => {
  const seen = new Set<string>();
  for (const [i, c] of rows.entries()) {
    if (seen.has(c.code))
      return E.left(validationError(`contracts/${i}/code`, c.code, 'duplicate contract code'));
    seen.add(c.code);
    if (!(c.rollStartDate <= c.forcedRollDate && c.forcedRollDate <= c.lastTradeDate))
      return E.left(
        validationError(`contracts/${i}`, c, 'needs rollStartDate ≤ forcedRollDate ≤ lastTradeDate'),
      );
  }
  const sorted = [...rows].sort((a, b) =>
    a.lastTradeDate < b.lastTradeDate ? -1 : a.lastTradeDate > b.lastTradeDate ? 1 : 0,
  );
  return E.right({ root, symbol, contracts: sorted });
};

/** Default: alert from 1 business day before the delivery anchor (first notice, or last trade if earlier). */
export const DEFAULT_DELIVERY_ALERT_BUSINESS_DAYS = 1;

/** A calendar `Contract` as a roll row; the alert date is N business days before its delivery anchor. */
export const rollContractOf = (
  c: Contract,
  alertBusinessDays: number = DEFAULT_DELIVERY_ALERT_BUSINESS_DAYS,
): RollContract => {
  const spec = productSpec(c.root);
  const anchor =
    c.firstNoticeDate !== null && c.firstNoticeDate < c.lastTradeDate ? c.firstNoticeDate : c.lastTradeDate;
  const alert =
    c.settlement === 'physical' && spec
      ? addBusinessDays(exchangeCalendar(spec.group), anchor, -alertBusinessDays)
      : null;
  return {
    code: c.code,
    settlement: c.settlement,
    lastTradeDate: c.lastTradeDate,
    firstNoticeDate: c.firstNoticeDate,
    rollStartDate: c.rollStartDate,
    forcedRollDate: c.forcedRollDate,
    deliveryAlertDate: alert,
  };
};

/** The root's contracts from the exchange calendar (2024–2027), as a ContractCalendar. */
export const rollContractsFromCalendar = (
  root: string,
  symbol: string,
  from: string,
  to: string,
  policy?: RollPolicy,
  alertBusinessDays: number = DEFAULT_DELIVERY_ALERT_BUSINESS_DAYS,
): E.Either<ValidationError, ContractCalendar> => {
  const cs = contracts(root, from, to, policy);
  if (E.isLeft(cs)) return cs;
  return contractCalendar(
    root,
    symbol,
    cs.right.map((c) => rollContractOf(c, alertBusinessDays)),
  );
};
