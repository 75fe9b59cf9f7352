/**
 * One decision for one (account, root), pure: the exposure policy turns the optimizer's
 * `CME:<ROOT>` target into whole contracts at `now`, the roll decider turns that into roll
 * facts and contract targets, and those become catalog events with ids derived from their
 * cause:
 *  - ContractMapped / RollScheduled: once per (root, contract) / (root, from, to), stream `calendar-<ROOT>`;
 *  - RollCompleted / DeliveryRiskAlert: once per (account, root, from, to) / (account, contract), stream `calendar-<account>`;
 *  - ContractTargetSet: the n-th target of (account, contract), stream `portfolio-<account>`.
 * The exposure used is the optimizer's `CME:<ROOT>` target in force at `now` (`desiredAt`): one
 * that arrived while the market was closed waits for the open.
 *    n comes from the folded log, so a replay or a restart that takes the same decision again
 *    derives the same id (a no-op), and a decision taken on a state that lags the log
 *    collides with what is stored instead of adding a second, different target.
 *
 * Not a `Decider` (@keel/decider), by design: the decider here is `rollDecider` (roll.decide.ts),
 * and this is the step around it. Its output is writes to three streams (`calendar-<ROOT>`,
 * `calendar-<account>`, `portfolio-<account>`) plus the roll's internal facts, which are never
 * stored; its state (`RootBook`, folded by `foldRollover` from catalog events of many streams
 * and many producers, with the owned calendars and accounts as config) is a projection, not
 * the fold of what it decides. A single-stream shape would drop the stream routing or hide
 * the fold's config in a closure.
 */
import * as E from 'fp-ts/Either';
import { chicagoInstant } from '@keel/calendar';
import { deriveId, EventMeta, KeelError, newEvent, NewEvent, streamName } from '@keel/events';
import { ContractCalendar } from './roll.contracts';
import { decide } from './roll.decide';
import { RollEvent } from './roll.state';
import { effectiveExposure, EffectiveExposure, ExposurePolicy } from './exposure.policy';
import { APP, desiredAt, RootBook, rootInstrument } from './rollover-book.state';

export interface StepConfig {
  readonly accountId: string;
  readonly calendar: ContractCalendar;
  readonly policy: ExposurePolicy;
  /** Upper bound of a contract target's horizon; while open it also ends at the next close. */
  readonly horizonSec: number;
  /**
   * How the desired exposure becomes whole contracts at `now`. Default: `effectiveExposure` with
   * `policy` on the @keel/calendar market state (2024–2027). A run outside the calendar's years
   * (the 2013 ES replay in `keel roll-sim`) supplies its own, e.g. market hours read from the
   * recorded data; it must be pure like the rest of the decision.
   */
  readonly exposureAt?: (
    desired: string,
    now: number,
    current: number,
  ) => E.Either<KeelError, EffectiveExposure>;
}

export interface StepWrite {
  readonly stream: string;
  readonly events: readonly NewEvent[];
}

export interface Step {
  readonly writes: readonly StepWrite[];
  /** Everything the decider said, internal facts included (for the log). */
  readonly decided: readonly RollEvent[];
  readonly exposure: EffectiveExposure;
}

const iso = (t: number): string => new Date(t).toISOString();

const stream = (context: 'calendar' | 'portfolio', id: string): E.Either<KeelError, string> =>
  streamName(context, id);

export const decideBook = (
  config: StepConfig,
  book: RootBook,
  now: number,
  cause: Pick<EventMeta, 'correlationId' | 'causationId'>,
): E.Either<KeelError, Step> => {
  const { accountId, calendar, policy } = config;
  const root = calendar.root;
  const desired = desiredAt(book, now);
  if (desired === null)
    return E.left({
      _tag: 'IllegalStateError',
      message: `${accountId} has no ${rootInstrument(root)} target in force at ${iso(now)}`,
    });
  const known = new Set(calendar.contracts.map((c) => c.code));
  const current = Object.entries(book.roll.positions).reduce((a, [c, q]) => (known.has(c) ? a + q : a), 0);
  const eff = config.exposureAt
    ? config.exposureAt(desired, now, current)
    : effectiveExposure(policy, root, desired, now, { current });
  if (E.isLeft(eff)) return eff;
  // The stored state carries no instant (lastAt): the injected clock does not go back.
  const decided = decide({ accountId, calendar })(
    { type: 'SetExposure', now, qty: eff.right.contracts },
    { ...book.roll, lastAt: null },
  );
  if (E.isLeft(decided)) return decided;

  const meta: EventMeta = { ...cause, producer: APP, occurredAt: iso(now) };
  const rootStream = stream('calendar', root);
  const accountStream = stream('calendar', accountId);
  const targetStream = stream('portfolio', accountId);
  if (E.isLeft(rootStream)) return rootStream;
  if (E.isLeft(accountStream)) return accountStream;
  if (E.isLeft(targetStream)) return targetStream;
  const horizonSec = eff.right.tradable
    ? Math.max(1, Math.min(config.horizonSec, Math.floor((eff.right.nextChangeAt - now) / 1000)))
    : config.horizonSec;

  const out: { stream: string; event: E.Either<KeelError, NewEvent> }[] = [];
  let front = book.roll.status === 'Unmapped' ? null : book.roll.front;
  let next = book.roll.status === 'Rolling' || book.roll.status === 'Migrating' ? book.roll.next : null;
  for (const e of decided.right) {
    switch (e.type) {
      case 'ContractMapped':
        front = e.data.contract;
        next = null;
        out.push({
          stream: rootStream.right,
          event: newEvent(
            'ContractMapped',
            deriveId(APP, 'ContractMapped', root, e.data.contract),
            { root, instrument: rootInstrument(root), contract: e.data.contract, effectiveAt: iso(now) },
            meta,
          ),
        });
        break;
      case 'RollScheduled': {
        const { fromContract, toContract, rollStartDate, forcedRollDate } = e.data;
        next = toContract;
        out.push({
          stream: rootStream.right,
          event: newEvent(
            'RollScheduled',
            deriveId(APP, 'RollScheduled', root, fromContract, toContract),
            {
              root,
              fromContract,
              toContract,
              rollStart: iso(chicagoInstant(rollStartDate, '00:00')),
              forcedRollBy: iso(chicagoInstant(forcedRollDate, '00:00')),
            },
            meta,
          ),
        });
        break;
      }
      case 'RollCompleted': {
        const { fromContract, toContract } = e.data;
        out.push({
          stream: accountStream.right,
          event: newEvent(
            'RollCompleted',
            deriveId(APP, 'RollCompleted', accountId, root, fromContract, toContract),
            { accountId, root, fromContract, toContract },
            meta,
          ),
        });
        break;
      }
      case 'DeliveryRiskAlert': {
        const { contract, position, firstNoticeDate, lastTradeDate } = e.data;
        const anchor = firstNoticeDate ?? lastTradeDate;
        out.push({
          stream: accountStream.right,
          event: newEvent(
            'DeliveryRiskAlert',
            deriveId(APP, 'DeliveryRiskAlert', accountId, contract),
            {
              accountId,
              root,
              contract,
              qty: String(position),
              firstNoticeDate: anchor,
              reason: `${position} ${contract} still open on ${e.data.date}, ${firstNoticeDate === null ? 'last trade' : 'first notice'} ${anchor}: the forced roll has not been filled`,
            },
            meta,
          ),
        });
        break;
      }
      case 'RollTargetSet': {
        const { contract, targetQty, reason, linkId } = e.data;
        const n = (book.seq[contract] ?? 0) + 1;
        const why =
          reason === 'outOfCycle'
            ? `roll outOfCycle: ${contract} is neither front nor next of ${rootInstrument(root)}`
            : `roll ${reason}: ${rootInstrument(root)} ${front ?? '?'}${next !== null ? `>${next}` : ''}`;
        const exposure = `exposure ${desired} x ${eff.right.multiplier} (${eff.right.phase}${eff.right.phase === 'open' ? '' : ` ${eff.right.governedBy}`})`;
        out.push({
          stream: targetStream.right,
          // The id keeps the cause it had as a TargetPositionSet, so a log written before
          // ContractTargetSet existed and one written after derive the same n-th target.
          event: newEvent(
            'ContractTargetSet',
            deriveId(APP, 'TargetPositionSet', accountId, contract, n),
            {
              accountId,
              instrument: contract,
              root,
              targetQty: String(targetQty),
              horizonSec,
              reason: `${why}, ${exposure}${linkId !== null ? `, link ${linkId}` : ''}`,
              linkId,
            },
            meta,
          ),
        });
        break;
      }
      case 'RollMigrationStarted':
      case 'ExposureSet':
      case 'PositionsObserved':
      case 'UnknownContractReported':
        break;
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  const writes: StepWrite[] = [];
  for (const o of out) {
    if (E.isLeft(o.event)) return o.event;
    const last = writes[writes.length - 1];
    if (last !== undefined && last.stream === o.stream)
      writes[writes.length - 1] = { stream: o.stream, events: [...last.events, o.event.right] };
    else writes.push({ stream: o.stream, events: [o.event.right] });
  }
  return E.right({ writes, decided: decided.right, exposure: eff.right });
};
