/**
 * The delivery guard on the order path: the gateway is the one place every order passes, so
 * it refuses any order in a physically settled CME contract that would open, increase or flip
 * a position on or after the contract's forced-roll date (`guardOrder`, @keel/calendar), and
 * any order in a contract past its last trade. Fail-safe where it cannot know:
 * - a known CME root whose contract the calendar does not cover (month off the cycle, year out
 *   of range) is refused, never traded on a guess;
 * - with no position snapshot yet the position counts as 0, so past the cutoff only nothing passes;
 * - past the cutoff a reducing order passes only while no other order in that contract is
 *   live, so two reductions in flight can never add up to a new position the other way.
 * Symbols that are not CME contract codes (crypto) are not guarded.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { EventData } from '@keel/events';
import { chicagoDateOf, contractForCode, guardOrder } from '@keel/calendar';
import { AccountLog } from './reconciliation';

export type DeliveryCheck =
  | { readonly _tag: 'NotGuarded' }
  | { readonly _tag: 'Allowed' }
  | { readonly _tag: 'Refused'; readonly code: 'DeliveryCutoff'; readonly reason: string };

const refused = (reason: string): DeliveryCheck => ({ _tag: 'Refused', code: 'DeliveryCutoff', reason });

export const checkDelivery = (
  command: EventData<'ChildOrderRequested'>,
  log: AccountLog,
  now: number,
): DeliveryCheck => {
  const lookup = contractForCode(command.instrument);
  switch (lookup._tag) {
    case 'NotAContractCode':
      return { _tag: 'NotGuarded' };
    case 'UnknownContract':
      return refused(
        `the calendar does not know contract ${lookup.code} (${lookup.reason}); it is not traded on a guess`,
      );
    case 'Contract':
      break;
    default: {
      const never: never = lookup;
      return never;
    }
  }
  const contract = lookup.contract;
  const qty = new Decimal(command.qty);
  if (!qty.isInteger()) return refused(`${contract.code} trades in whole contracts (qty ${command.qty})`);
  const held = new Decimal(log.positions?.[command.instrument] ?? '0');
  if (!held.isInteger())
    return refused(`position in ${contract.code} is not a whole number of contracts (${held.toString()})`);
  const date = chicagoDateOf(now);
  const pastCutoff = contract.settlement === 'physical' && date >= contract.forcedRollDate;
  const others = Object.values(log.orders).filter(
    (o) =>
      o.instrument === command.instrument && o.closed === null && o.clientOrderId !== command.clientOrderId,
  );
  if (pastCutoff && others.length > 0)
    return refused(
      `${contract.code} is past its delivery cutoff (${contract.forcedRollDate}): one order at a time (${others.length} other live)`,
    );
  const g = guardOrder({
    contract,
    position: held.toNumber(),
    orderSide: command.side,
    orderQty: qty.toNumber(),
    at: now,
  });
  if (E.isRight(g)) return { _tag: 'Allowed' };
  const v = g.left;
  switch (v._tag) {
    case 'ExposurePastDeliveryCutoff':
      return refused(
        `${v.code}: would ${v.reason} a position (${v.position} → ${v.positionAfter}) on or after its forced-roll date ${v.forcedRollDate} (physically settled)`,
      );
    case 'ContractExpired':
      return refused(`${v.code} stopped trading on ${v.lastTradeDate}`);
    case 'ValidationError':
      return refused(`${v.path}: ${v.message}`);
    default: {
      const never: never = v;
      return never;
    }
  }
};
