/**
 * One decision for one (account, root), pure: the exposure policy turns the optimizer's
 * `CME:<ROOT>` target into whole contracts at `now`, the roll decider turns that into the
 * catalog's events (complete, `DomainEvent`s), and this step only routes and stores them: the
 * stream per event, the id derived from its causes, `encodeEvent` + `newEvent`:
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
import { deriveId, encodeEvent, EventMeta, KeelError, newEvent, NewEvent, streamName } from '@keel/events';
import { ContractCalendar, rootInstrument } from './roll.contracts';
import { decide } from './roll.decide';
import { RollCatalogEvent, RollEvent } from './roll.state';
import { effectiveExposure, EffectiveExposure, ExposurePolicy } from './exposure.policy';
import { APP, desiredAt, RootBook } from './rollover-book.state';

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

const isStored = (e: RollEvent): e is RollCatalogEvent =>
  e.type === 'ContractMapped' ||
  e.type === 'RollScheduled' ||
  e.type === 'RollCompleted' ||
  e.type === 'DeliveryRiskAlert' ||
  e.type === 'ContractTargetSet';

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
  const { tradable, multiplier, phase, governedBy } = eff.right;
  const horizonSec = tradable
    ? Math.max(1, Math.min(config.horizonSec, Math.floor((eff.right.nextChangeAt - now) / 1000)))
    : config.horizonSec;
  // The stored state carries no instant (lastAt): the injected clock does not go back.
  const decided = decide({ accountId, calendar, horizonSec: config.horizonSec })(
    {
      type: 'SetExposure',
      now,
      qty: eff.right.contracts,
      horizonSec,
      basis: `exposure ${desired} x ${multiplier} (${phase}${phase === 'open' ? '' : ` ${governedBy}`})`,
    },
    { ...book.roll, lastAt: null },
  );
  if (E.isLeft(decided)) return decided;

  const meta: Pick<EventMeta, 'correlationId' | 'causationId' | 'producer'> = { ...cause, producer: APP };
  const rootStream = streamName('calendar', root);
  const accountStream = streamName('calendar', accountId);
  const targetStream = streamName('portfolio', accountId);
  if (E.isLeft(rootStream)) return rootStream;
  if (E.isLeft(accountStream)) return accountStream;
  if (E.isLeft(targetStream)) return targetStream;

  /** The stream and the id's causes, per event (ids as they always were: logs stay comparable). */
  const route = (e: RollCatalogEvent): { readonly stream: string; readonly eventId: string } => {
    switch (e.type) {
      case 'ContractMapped':
        return { stream: rootStream.right, eventId: deriveId(APP, e.type, e.root, e.contract) };
      case 'RollScheduled':
        return {
          stream: rootStream.right,
          eventId: deriveId(APP, e.type, e.root, e.fromContract, e.toContract),
        };
      case 'RollCompleted':
        return {
          stream: accountStream.right,
          eventId: deriveId(APP, e.type, e.accountId, e.root, e.fromContract, e.toContract),
        };
      case 'DeliveryRiskAlert':
        return { stream: accountStream.right, eventId: deriveId(APP, e.type, e.accountId, e.contract) };
      case 'ContractTargetSet':
        return {
          stream: targetStream.right,
          // The id keeps the cause it had as a TargetPositionSet, so a log written before
          // ContractTargetSet existed and one written after derive the same n-th target.
          eventId: deriveId(
            APP,
            'TargetPositionSet',
            e.accountId,
            e.instrument,
            (book.seq[e.instrument] ?? 0) + 1,
          ),
        };
      default: {
        const never: never = e;
        return never;
      }
    }
  };

  const writes: StepWrite[] = [];
  for (const e of decided.right.filter(isStored)) {
    const { stream, eventId } = route(e);
    const encoded = encodeEvent(e);
    if (E.isLeft(encoded)) return encoded;
    const { type, data, occurredAt } = encoded.right;
    const event = newEvent(type, eventId, data, { ...meta, occurredAt });
    if (E.isLeft(event)) return event;
    const last = writes[writes.length - 1];
    if (last !== undefined && last.stream === stream)
      writes[writes.length - 1] = { stream, events: [...last.events, event.right] };
    else writes.push({ stream, events: [event.right] });
  }
  return E.right({ writes, decided: decided.right, exposure: eff.right });
};
