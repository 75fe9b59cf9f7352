/**
 * The roll decider for one (account, root): the dual-fold roll.
 *  (a) From the front's `rollStartDate`, new exposure is built in the next contract (the
 *      expiring one may only shrink);
 *  (b) from its `forcedRollDate`, whatever is left in the expiring contract is migrated: two
 *      linked targets (old → 0, next → the exposure) sharing a `linkId`, so execution works
 *      them as one spread-like move and the sum over contracts stays the desired exposure.
 * `RollCompleted` once the old contract is observed flat; the next contract is then mapped.
 *
 * What it stores are the catalog's events (`DomainEvent`s of @keel/events), complete as
 * decided: `ContractMapped`, `RollScheduled`, `RollCompleted`, `DeliveryRiskAlert` and the
 * contract targets as `ContractTargetSet`. What it does not know itself comes in with its
 * config (account, calendar, horizon) or its command (a shorter horizon, how the exposure came
 * about). Its internal facts (`RollInternalFact`) are never stored.
 *
 * Dates are the Chicago calendar date of `now`, as in the delivery guard (`guardOrder`), so the
 * decider never asks for an order the guard would refuse. A position in a contract the
 * calendar does not know is noted (`UnknownContractSeen`) and left alone: never rolled,
 * never counted as rolled.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { chicagoDateOf, chicagoInstant } from '@keel/calendar';
import type { Decider } from '@keel/decider';
import { IllegalStateError, NotFoundError, validationError, ValidationError } from '@keel/events';
import { ContractCalendar, RollContract, rootInstrument } from './roll.contracts';
import { evolve, initialState, positionIn, RollEvent, RollState, TargetReason } from './roll.state';

/** What the contract targets decided on a command carry beyond the roll itself. */
export interface TargetContext {
  /** Seconds a target decided now has to be worked (e.g. up to the next close); default the config's. */
  readonly horizonSec?: number;
  /** How the exposure came about (`exposure 4 x 1 (open)`): appended to each target's reason. */
  readonly basis?: string;
}

export type RollCommand =
  /** Time passes (a bar, a timer): date rules are evaluated. */
  | ({ readonly type: 'Tick'; readonly now: number } & TargetContext)
  /** The desired exposure in the root, signed whole contracts (after any exposure policy and rounding). */
  | ({ readonly type: 'SetExposure'; readonly now: number; readonly qty: number } & TargetContext)
  /** The account's positions in this root's contracts: a full snapshot (absent = flat). */
  | ({
      readonly type: 'ObservePositions';
      readonly now: number;
      readonly positions: Readonly<Record<string, number>>;
    } & TargetContext);

export interface RollConfig {
  readonly accountId: string;
  readonly calendar: ContractCalendar;
  /** Upper bound of a contract target's horizon (`ContractTargetSet.horizonSec`), seconds. */
  readonly horizonSec: number;
}

/**
 * ValidationError: a malformed command (time going back, fractional quantity) — reject it.
 * NotFoundError: the calendar has no contract to map or roll into — the shell must extend the
 * calendar rows; until then the decider holds what it has and keeps failing loudly.
 */
export type RollError = ValidationError | NotFoundError | IllegalStateError;

const isWhole = (n: number): boolean => Number.isInteger(n);

const validate = (cmd: RollCommand, s: RollState): E.Either<ValidationError, void> => {
  if (!Number.isFinite(cmd.now))
    return E.left(validationError('now', cmd.now, 'must be an instant (epoch ms)'));
  if (cmd.horizonSec !== undefined && !(Number.isInteger(cmd.horizonSec) && cmd.horizonSec >= 1))
    return E.left(
      validationError('horizonSec', cmd.horizonSec, 'must be a whole number of seconds, at least 1'),
    );
  if (s.lastAt !== null && cmd.now < s.lastAt)
    return E.left(validationError('now', cmd.now, `must not go back before ${s.lastAt}`));
  if (cmd.type === 'SetExposure' && !isWhole(cmd.qty))
    return E.left(validationError('qty', cmd.qty, 'must be a whole number of contracts'));
  if (cmd.type === 'ObservePositions')
    for (const [code, q] of Object.entries(cmd.positions))
      if (!isWhole(q))
        return E.left(validationError(`positions/${code}`, q, 'must be a whole number of contracts'));
  return E.right(undefined);
};

const sameRecord = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean => {
  const nonZero = (r: Readonly<Record<string, number>>) => Object.entries(r).filter(([, q]) => q !== 0);
  const x = nonZero(a);
  const y = nonZero(b);
  return x.length === y.length && x.every(([c, q]) => (b[c] ?? 0) === q);
};

/** Split the desired exposure between an expiring front (which may only shrink) and the next. */
export const rollWindowSplit = (desired: number, frontPosition: number): { front: number; next: number } => {
  const front =
    Math.sign(frontPosition) === Math.sign(desired)
      ? Math.sign(desired) * Math.min(Math.abs(frontPosition), Math.abs(desired))
      : 0;
  return { front: front + 0, next: desired - front + 0 };
};

export const decide =
  (config: RollConfig) =>
  (cmd: RollCommand, state: RollState): E.Either<RollError, readonly RollEvent[]> => {
    const v = validate(cmd, state);
    if (E.isLeft(v)) return v;
    const { accountId, calendar } = config;
    const root = calendar.root;
    const instrument = rootInstrument(root);
    const now = cmd.now;
    const occurredAt = now;
    const date = chicagoDateOf(now);
    const byCode = new Map(calendar.contracts.map((c) => [c.code, c] as const));
    const out: RollEvent[] = [];
    let s = state;
    const emit = (e: RollEvent): void => {
      out.push(e);
      s = evolve(s, e);
    };

    // 1. The command's own fact.
    if (cmd.type === 'SetExposure' && cmd.qty !== s.desired)
      emit({ type: 'ExposureSet', occurredAt, qty: cmd.qty });
    if (cmd.type === 'ObservePositions' && !sameRecord(cmd.positions, s.positions)) {
      emit({ type: 'PositionsObserved', occurredAt, positions: { ...cmd.positions } });
      for (const [code, q] of Object.entries(cmd.positions))
        if (q !== 0 && !byCode.has(code) && !s.reported.includes(code))
          emit({ type: 'UnknownContractSeen', occurredAt, accountId, root, contract: code, position: q });
    }

    // 2. Date rules, until nothing changes (a completed roll may land inside the next window).
    const nextAfter = (code: string): RollContract | undefined => {
      const i = calendar.contracts.findIndex((c) => c.code === code);
      return i >= 0 ? calendar.contracts[i + 1] : undefined;
    };
    for (let guard = 0; guard < 2 * calendar.contracts.length + 4; guard++) {
      if (s.status === 'Unmapped') {
        const front = calendar.contracts.find((c) => date < c.forcedRollDate);
        if (!front)
          return E.left({
            _tag: 'NotFoundError',
            what: `contract of ${root} with forcedRollDate after ${date}`,
            id: root,
          });
        emit({
          type: 'ContractMapped',
          occurredAt,
          root,
          instrument,
          contract: front.code,
          effectiveAt: now,
        });
        continue;
      }
      const front = byCode.get(s.front);
      if (!front)
        return E.left({
          _tag: 'IllegalStateError',
          message: `front contract ${s.front} is not in the ${root} calendar`,
        });
      if (s.status === 'Holding' && date >= front.rollStartDate) {
        const next = nextAfter(front.code);
        if (!next)
          return E.left({
            _tag: 'NotFoundError',
            what: `contract of ${root} after ${front.code}`,
            id: front.code,
          });
        emit({
          type: 'RollScheduled',
          occurredAt,
          root,
          fromContract: front.code,
          toContract: next.code,
          rollStart: chicagoInstant(front.rollStartDate, '00:00'),
          forcedRollBy: chicagoInstant(front.forcedRollDate, '00:00'),
        });
        continue;
      }
      if (s.status === 'Rolling' && date >= front.forcedRollDate) {
        emit({
          type: 'MigrationStarted',
          occurredAt,
          accountId,
          root,
          fromContract: front.code,
          toContract: s.next,
          qty: positionIn(s, front.code),
          linkId: linkIdOf(accountId, front.code, s.next),
        });
        continue;
      }
      if (s.status === 'Migrating' && positionIn(s, front.code) === 0) {
        const to = s.next;
        emit({
          type: 'RollCompleted',
          occurredAt,
          accountId,
          root,
          fromContract: front.code,
          toContract: to,
        });
        emit({ type: 'ContractMapped', occurredAt, root, instrument, contract: to, effectiveAt: now });
        continue;
      }
      break;
    }

    // 3. Targets: only the ones that change.
    const horizonSec = cmd.horizonSec ?? config.horizonSec;
    for (const t of targetsFor(accountId, s, byCode)) {
      const prev = s.targets[t.contract] ?? positionIn(s, t.contract);
      if (t.qty !== prev || (t.force && s.targets[t.contract] !== t.qty))
        emit({
          type: 'ContractTargetSet',
          occurredAt,
          accountId,
          instrument: t.contract,
          root,
          targetQty: new Decimal(t.qty),
          horizonSec,
          reason: targetReason(instrument, s, t, cmd.basis),
          linkId: t.linkId,
        });
    }

    // 4. Delivery risk: a physical position still open close to first notice.
    for (const c of calendar.contracts) {
      const q = positionIn(s, c.code);
      if (
        c.deliveryAlertDate !== null &&
        date >= c.deliveryAlertDate &&
        q !== 0 &&
        !s.alerted.includes(c.code)
      )
        emit({
          type: 'DeliveryRiskAlert',
          occurredAt,
          accountId,
          root,
          contract: c.code,
          qty: new Decimal(q),
          firstNoticeDate: c.firstNoticeDate ?? c.lastTradeDate,
          reason: `${q} ${c.code} still open on ${date}, ${c.firstNoticeDate === null ? 'last trade' : 'first notice'} ${c.firstNoticeDate ?? c.lastTradeDate}: the forced roll has not been filled`,
        });
    }
    return E.right(out);
  };

/**
 * The roll decider in the shared shape (@keel/decider): the (account, calendar) config is its
 * context, passed to the curried `decide` above as it is; `evolve` and `initialState` from
 * roll.state.ts.
 */
export const rollDecider: Decider<RollCommand, RollState, RollEvent, RollError, RollConfig> = {
  decide: (command, state, config) => decide(config)(command, state),
  evolve,
  initialState: () => initialState,
};

export const linkIdOf = (accountId: string, from: string, to: string): string =>
  `roll:${accountId}:${from}>${to}`;

/**
 * A contract target's `reason`: why (`TargetReason`), the roll it belongs to, how the exposure
 * came about and its link: `roll migration: CME:GC GCZ5>GCG6, exposure 4 x 1 (open), link …`.
 */
const targetReason = (instrument: string, s: RollState, t: Target, basis: string | undefined): string => {
  const front = s.status === 'Unmapped' ? '?' : s.front;
  const next = s.status === 'Rolling' || s.status === 'Migrating' ? `>${s.next}` : '';
  const why =
    t.reason === 'outOfCycle'
      ? `roll outOfCycle: ${t.contract} is neither front nor next of ${instrument}`
      : `roll ${t.reason}: ${instrument} ${front}${next}`;
  return [why, basis, t.linkId === null ? undefined : `link ${t.linkId}`]
    .filter((p): p is string => p !== undefined)
    .join(', ');
};

interface Target {
  readonly contract: string;
  readonly qty: number;
  readonly reason: TargetReason;
  readonly linkId: string | null;
  /** Emit even when the quantity equals the position (a linked leg goes with its pair). */
  readonly force: boolean;
}

/** The targets the state asks for: front/next per the roll phase, out-of-cycle known positions flat. */
export const targetsFor = (
  accountId: string,
  s: RollState,
  byCode: ReadonlyMap<string, RollContract>,
): readonly Target[] => {
  const managed: Target[] = [];
  switch (s.status) {
    case 'Unmapped':
      return [];
    case 'Holding':
      managed.push({ contract: s.front, qty: s.desired, reason: 'exposure', linkId: null, force: false });
      break;
    case 'Rolling': {
      const split = rollWindowSplit(s.desired, positionIn(s, s.front));
      managed.push({ contract: s.front, qty: split.front, reason: 'rollNew', linkId: null, force: false });
      managed.push({ contract: s.next, qty: split.next, reason: 'rollNew', linkId: null, force: false });
      break;
    }
    case 'Migrating': {
      const linkId = linkIdOf(accountId, s.front, s.next);
      const legChanges = (s.targets[s.front] ?? positionIn(s, s.front)) !== 0;
      managed.push({ contract: s.front, qty: 0, reason: 'migration', linkId, force: false });
      managed.push({ contract: s.next, qty: s.desired, reason: 'migration', linkId, force: legChanges });
      break;
    }
    default: {
      const never: never = s;
      return never;
    }
  }
  const managedCodes = new Set(managed.map((t) => t.contract));
  const stray = Object.entries({ ...s.positions, ...s.targets })
    .map(([code]) => code)
    .filter(
      (code) =>
        !managedCodes.has(code) &&
        byCode.has(code) &&
        (positionIn(s, code) !== 0 || (s.targets[code] ?? 0) !== 0),
    )
    .map((code): Target => ({ contract: code, qty: 0, reason: 'outOfCycle', linkId: null, force: false }));
  // The expiring leg first: execution sees the reduction before the build.
  return [...stray, ...managed];
};
