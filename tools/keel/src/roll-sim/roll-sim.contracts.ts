/**
 * The contracts of a `keel roll-sim` run: roll rows for the rollover decider and venue
 * instruments for the execution decider and the simulator, both from the product's rules in
 * @keel/calendar.
 *
 * Dates come from `contractFor` (the product's last-trade rule, the default roll policy), which
 * counts business days over the holiday table: inside 2024–2027 that includes exchange
 * holidays; before 2024 (the recorded ES data, 2013–2020) only weekends are known, so a roll
 * window that contains an exchange holiday would come out one business day early. The ES
 * windows of December 2013 contain none (Christmas is after them), and the rows are checked
 * against the hand-worked ones of the domain replay (roll.es-2013.int.spec.ts).
 *
 * Codes are written the data's way: AlgoSeek uses a two-digit year (`ESZ13`), Globex one
 * digit (`ESZ3`); the roll decider treats them as opaque.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import {
  addMonths,
  chicagoInstant,
  contractFor,
  LocalDate,
  lookupProduct,
  MONTH_CODES,
  monthOf,
  ProductSpec,
  YearMonth,
  yearOf,
} from '@keel/calendar';
import { validationError, ValidationError } from '@keel/events';
import { ContractCalendar, contractCalendar, rollContractOf, RollContract } from '@keel/rollover-domain';
import { Instrument } from '@keel/instruments';
import { ROLL_VENUE } from '@keel/simulation';

export type CodeStyle = 'globex' | 'twoDigitYear';

const codeOf = (root: string, month: YearMonth, style: CodeStyle): string =>
  `${root}${MONTH_CODES[monthOf(month) - 1]}${style === 'globex' ? yearOf(month) % 10 : String(yearOf(month) % 100).padStart(2, '0')}`;

/**
 * The root's contracts in its roll cycle whose last trade date is on or after `from`, up to the
 * first one whose roll start is after `to`, and one more (so the contract held at `to` has a
 * next one: ESZ13, ESH14, ESM14 for December 2013, the rows of the domain replay).
 */
export const rollRows = (
  root: string,
  from: LocalDate,
  to: LocalDate,
  style: CodeStyle,
): E.Either<ValidationError, readonly RollContract[]> => {
  const spec = lookupProduct(root);
  if (E.isLeft(spec)) return spec;
  const rows: RollContract[] = [];
  for (let ym = from.slice(0, 7) as YearMonth, guard = 0; guard < 60; ym = addMonths(ym, 1), guard++) {
    if (!spec.right.listedMonths.includes(monthOf(ym))) continue;
    const row = rollContractOf(contractFor(spec.right, ym));
    if (row.lastTradeDate < from) continue;
    rows.push({ ...row, code: codeOf(root, ym, style) });
    if (rows.length >= 2 && (rows[rows.length - 2] as RollContract).rollStartDate > to) return E.right(rows);
  }
  return E.left(validationError('root', root, `no contract cycle found for ${from}…${to}`));
};

export const rollCalendar = (
  root: string,
  rows: readonly RollContract[],
): E.Either<ValidationError, ContractCalendar> => contractCalendar(root, `${root}.c.0`, rows);

/** The simulated venue of a roll run (@keel/simulation `runRoll`). */
export const SIM_VENUE = ROLL_VENUE;

/**
 * A contract as the simulated venue lists it: the product's tick and contract size, lot 1
 * (whole contracts), cash or physical, expiry at the last trade date's last trade time
 * (Chicago). Fees 0: CME charges per contract, the simulator's fee model is a rate on notional,
 * so fees are left out rather than approximated.
 */
export const cmeInstrument = (spec: ProductSpec, row: RollContract): Instrument => ({
  venue: SIM_VENUE,
  venueSymbol: row.code,
  symbol: row.code,
  kind: 'future',
  base: spec.root,
  quote: 'USD',
  settle: 'USD',
  tickSize: new Decimal(spec.tickSize),
  lotSize: new Decimal(1),
  minQty: new Decimal(1),
  minNotional: new Decimal(0),
  contractSize: new Decimal(spec.multiplier),
  settlement: row.settlement,
  expiry: new Date(chicagoInstant(row.lastTradeDate, spec.lastTradeTime)).toISOString(),
  makerFee: new Decimal(0),
  takerFee: new Decimal(0),
});
