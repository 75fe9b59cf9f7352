/**
 * The parent-order decider: commands in, events out (`Either<ExecutionError, readonly
 * ParentOrderEvent[]>`, never a throw). The shell reads the clock, the touch and the
 * venue's answers and passes them in as data; `evolve` (parent-order.state.ts) folds the
 * events. Which children to send is child-order.policy.ts.
 *
 * - SetTarget: a target position for (account, instrument). Idle or Completed → a new
 *   parent order from the current position. Working → supersede: cancel every child, keep
 *   counting their fills, and start the next parent once they are all closed, from the
 *   position that results (never double-trades).
 * - Tick(now, touch): the schedule moves on; post, reprice, catch up, sweep, complete.
 * - RecordAccepted / RecordRejected / RecordFill / RecordCancelled: the venue's answers
 *   (idempotent: a fill is counted once per trade id).
 * - Pause / Resume: market state (e.g. a CME daily halt), the kill switch or the risk state
 *   HALTED. Pausing cancels every child; resuming re-plans what is left over the time that is
 *   left.
 *
 * The events are the catalog's (`DomainEvent`s of libs/events), complete as decided: what a
 * parent order executes (`targetId`), the market totals at its start and its quality at the
 * end come in with the commands (`market`), so nothing is added beside them when stored.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import type { Decider } from '@keel/decider';
import { deriveId, IllegalStateError, NotFoundError, ValidationError, validationError } from '@keel/events';
import { Instrument, roundQtyDown } from '@keel/instruments';
import {
  baselineDueAt,
  catchUpContinuing,
  catchUpGoesOnAbove,
  catchUpThreshold,
  ChildAction,
  clipIntervalMs,
  DEFAULT_POLICY,
  minTradable,
  nextBaselineClipAfter,
  planChildren,
  PolicyConfig,
  sweepLeadMs,
} from './child-order.policy';
import {
  intervalBenchmark,
  MarketTotals,
  qualityFigures,
  QualityFigures,
  reportPriceDp,
} from './execution.quality';
import {
  Child,
  childOpenQty,
  evolve,
  initialState,
  ParentOrder,
  ParentOrderEvent,
  ParentOrderState,
  PauseReason,
  PendingTarget,
  Touch,
  Urgency,
} from './parent-order.state';
import {
  equalProfile,
  firstTimeAbove,
  makeSchedule,
  meanSliceQty,
  Schedule,
  sliceIndexAt,
  sliceMs,
  sliceStart,
  targetAt,
  targetByEndOf,
} from './twap.schedule';

/**
 * Why a command was refused. Action: reject with the reason (nothing is sent to a venue).
 * - ValidationError: bad input (non-numeric quantity, deadline in the past, …), naming field and value.
 * - NotFoundError: unknown account or instrument.
 * - IllegalStateError: the command does not fit the state (e.g. a fill with no parent order).
 */
export type ExecutionError = ValidationError | NotFoundError | IllegalStateError;

export interface ExecutionConfig {
  readonly accounts: readonly string[];
  readonly instruments: readonly Instrument[];
  readonly policy: PolicyConfig;
  /** Slices when a target does not say (equal slices). */
  readonly defaultSlices: number;
}

export const defaultExecutionConfig = (over: Partial<ExecutionConfig> = {}): ExecutionConfig => ({
  accounts: [],
  instruments: [],
  policy: DEFAULT_POLICY,
  defaultSlices: 12,
  ...over,
});

export type ParentOrderCommand =
  | {
      readonly type: 'SetTarget';
      /** Id of the causing event (TargetPositionSet): the parent order id derives from it. */
      readonly targetId: string;
      /**
       * Which parent order of this target this is: 1 (the default) the first; a higher one
       * follows up a parent that ended at its deadline short of the target (its id derives from
       * the target and the attempt).
       */
      readonly attempt?: number;
      readonly accountId: string;
      readonly instrument: string;
      /** Decimal strings as received, signed (negative = short); validated here. */
      readonly currentPosition: string;
      readonly targetPosition: string;
      /** Epoch ms; the order starts at max(start, now). */
      readonly start: number;
      /** Epoch ms deadline, or `horizonMs` after the start. */
      readonly deadline?: number;
      readonly horizonMs?: number;
      readonly slices?: number;
      readonly urgency?: Urgency;
      readonly limitPrice?: string | null;
      /** 'marketOnly' is the benchmark baseline: each slice in clip-sized market orders spread over it. */
      readonly style?: 'maker' | 'marketOnly';
      readonly now: number;
      readonly touch: Touch | null;
      /** The instrument's market totals now (the start of the interval benchmark); null if unknown. */
      readonly market: MarketTotals | null;
    }
  | {
      readonly type: 'Tick';
      readonly now: number;
      readonly touch: Touch | null;
      /** The instrument's market totals now (a parent that starts or ends keeps them); null if unknown. */
      readonly market: MarketTotals | null;
    }
  | { readonly type: 'RecordAccepted'; readonly clientOrderId: string; readonly now: number }
  | {
      readonly type: 'RecordRejected';
      readonly clientOrderId: string;
      readonly code: string;
      readonly now: number;
    }
  | {
      readonly type: 'RecordFill';
      readonly clientOrderId: string;
      readonly tradeId: string;
      readonly qty: Decimal;
      readonly price: Decimal;
      readonly fee: Decimal;
      readonly liquidity: 'maker' | 'taker';
      readonly now: number;
    }
  | { readonly type: 'RecordCancelled'; readonly clientOrderId: string; readonly now: number }
  | {
      readonly type: 'Pause' | 'Resume';
      readonly accountId: string;
      readonly instrument: string;
      readonly reason: PauseReason;
      readonly now: number;
    };

type Result = E.Either<ExecutionError, readonly ParentOrderEvent[]>;

const NONE: Result = E.right([]);
const DECIMAL = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const ZERO = new Decimal(0);

const invalid = (path: string, value: unknown, message: string): Result =>
  E.left(validationError(path, value, message));

/** A client order id (≤ 32 alphanumerics) from (account, parent, child sequence): a resend is the same order. */
export const childOrderId = (accountId: string, parentOrderId: string, seq: number): string =>
  deriveId('child', accountId, parentOrderId, seq).replace(/-/g, '');

/** The parent order id of a target's `attempt`-th parent order (1: the first, the default). */
export const parentOrderIdFor = (
  accountId: string,
  instrument: string,
  targetId: string,
  attempt = 1,
): string =>
  attempt <= 1
    ? deriveId('parent', accountId, instrument, targetId)
    : deriveId('parent', accountId, instrument, targetId, 'attempt', attempt);

/** The fields every event of a parent order's stream carries: whose and which instrument. */
const where = (p: ParentOrder) => ({ accountId: p.accountId, instrument: p.instrument.symbol });

/** The quality of a parent order as it completes, with the market totals now. */
const qualityAt = (
  s: Extract<ParentOrderState, { status: 'Working' | 'Superseding' }>,
  market: MarketTotals | null,
): QualityFigures => {
  const p = s.parent;
  return qualityFigures({
    side: p.side,
    filled: s.progress.filled,
    notional: s.progress.notional,
    fees: s.progress.fees,
    makerQty: s.progress.makerQty,
    arrivalMid: s.arrivalMid,
    intervalVwap: s.marketAtStart && market ? intervalBenchmark(s.marketAtStart, market) : null,
    maxScheduleLagSlices: Math.max(0, s.maxLag),
    childOrderCount: s.progress.childCount,
    priceDp: reportPriceDp(p.instrument.tickSize),
  });
};

const mid = (t: Touch | null): Decimal | null => (t ? t.bid.plus(t.ask).div(2) : null);

const iso = (t: number): string =>
  Number.isFinite(t) && Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t);

// ---- starting a parent order ------------------------------------------------------------

interface Plan {
  readonly targetPosition: Decimal;
  readonly deadline: number;
  readonly slices: number;
  readonly urgency: Urgency;
  readonly limitPrice: Decimal | null;
}

const validate = (
  c: Extract<ParentOrderCommand, { type: 'SetTarget' }>,
  cfg: ExecutionConfig,
): E.Either<ExecutionError, { instrument: Instrument; current: Decimal; plan: Plan; start: number }> => {
  if (!cfg.accounts.includes(c.accountId))
    return E.left({ _tag: 'NotFoundError', what: 'account', id: c.accountId });
  const instrument = cfg.instruments.find((i) => i.symbol === c.instrument || i.venueSymbol === c.instrument);
  if (!instrument) return E.left({ _tag: 'NotFoundError', what: 'instrument', id: c.instrument });
  if (!DECIMAL.test(c.targetPosition))
    return E.left(validationError('/targetPosition', c.targetPosition, 'must be a decimal number'));
  if (!DECIMAL.test(c.currentPosition))
    return E.left(validationError('/currentPosition', c.currentPosition, 'must be a decimal number'));
  const start = Math.max(c.start, c.now);
  if (!Number.isFinite(start)) return E.left(validationError('/start', c.start, 'must be epoch ms'));
  const deadline = c.deadline ?? (c.horizonMs !== undefined ? start + c.horizonMs : NaN);
  if (!Number.isFinite(deadline))
    return E.left(
      validationError('/deadline', c.deadline ?? c.horizonMs, 'a deadline or a positive horizon is required'),
    );
  if (deadline <= c.now)
    return E.left(validationError('/deadline', iso(deadline), `is not after now (${iso(c.now)})`));
  if (deadline <= start)
    return E.left(validationError('/deadline', iso(deadline), `is not after the start (${iso(start)})`));
  const slices = c.slices ?? cfg.defaultSlices;
  if (!Number.isInteger(slices) || slices < 1 || slices > deadline - start)
    return E.left(validationError('/slices', slices, 'must be a whole number ≥ 1 (at most one per ms)'));
  const lp = c.limitPrice ?? null;
  if (lp !== null && (!DECIMAL.test(lp) || new Decimal(lp).lte(0)))
    return E.left(validationError('/limitPrice', lp, 'must be a positive decimal'));
  return E.right({
    instrument,
    current: new Decimal(c.currentPosition),
    start,
    plan: {
      targetPosition: new Decimal(c.targetPosition),
      deadline,
      slices,
      urgency: c.urgency ?? 'normal',
      limitPrice: lp === null ? null : new Decimal(lp),
    },
  });
};

const startEvents = (o: {
  readonly parentOrderId: string;
  readonly targetId: string | null;
  readonly accountId: string;
  readonly instrument: Instrument;
  readonly current: Decimal;
  readonly plan: Plan;
  readonly start: number;
  readonly style: 'maker' | 'marketOnly';
  readonly now: number;
  readonly touch: Touch | null;
  readonly market: MarketTotals | null;
}): Result => {
  const { instrument, current, plan } = o;
  const delta = plan.targetPosition.minus(current);
  if (delta.isZero()) return NONE;
  const qty = delta.abs();
  const side = delta.isPositive() ? 'buy' : 'sell';
  const ref = mid(o.touch) ?? plan.limitPrice;
  if (ref !== null && qty.lt(minTradable(instrument, ref)))
    return invalid(
      '/targetPosition',
      plan.targetPosition.toString(),
      `the change of ${qty.toString()} from ${current.toString()} is below the smallest tradable quantity ${minTradable(instrument, ref).toString()} (lot ${instrument.lotSize.toString()}, min notional ${instrument.minNotional.toString()})`,
    );
  const made = makeSchedule({
    from: o.start,
    to: plan.deadline,
    base: ZERO,
    total: qty,
    weights: equalProfile(plan.slices),
    lot: instrument.lotSize,
  });
  if (E.isLeft(made)) return invalid(`/${made.left.field}`, plan.deadline, made.left.message);
  return E.right([
    {
      type: 'ParentOrderStarted',
      occurredAt: o.now,
      accountId: o.accountId,
      instrument: instrument.symbol,
      parentOrderId: o.parentOrderId,
      targetId: o.targetId,
      side,
      qty,
      fromPosition: current,
      targetPosition: plan.targetPosition,
      start: o.start,
      deadline: plan.deadline,
      urgency: plan.urgency,
      limitPrice: plan.limitPrice,
      style: o.style,
      schedule: { ...made.right, weights: [...made.right.weights] },
      arrivalMid: mid(o.touch),
      instrumentRules: { ...instrument },
      marketAtStart: o.market,
    },
  ]);
};

const setTarget = (
  c: Extract<ParentOrderCommand, { type: 'SetTarget' }>,
  s: ParentOrderState,
  cfg: ExecutionConfig,
): Result => {
  const v = validate(c, cfg);
  if (E.isLeft(v)) return v;
  const { instrument, current, plan, start } = v.right;
  switch (s.status) {
    case 'Idle':
    case 'Completed':
      return startEvents({
        parentOrderId: parentOrderIdFor(c.accountId, instrument.symbol, c.targetId, c.attempt),
        targetId: c.targetId,
        accountId: c.accountId,
        instrument,
        current,
        plan,
        start,
        style: c.style ?? 'maker',
        now: c.now,
        touch: c.touch,
        market: c.market,
      });
    case 'Working':
    case 'Superseding': {
      if (s.parent.accountId !== c.accountId || s.parent.instrument.symbol !== instrument.symbol)
        return E.left({
          _tag: 'IllegalStateError',
          message: `this aggregate is ${s.parent.accountId}/${s.parent.instrument.symbol}`,
        });
      const next: PendingTarget = { targetId: c.targetId, ...plan };
      const superseded: ParentOrderEvent = {
        type: 'ParentOrderSuperseded',
        occurredAt: c.now,
        ...where(s.parent),
        parentOrderId: s.parent.parentOrderId,
        next,
      };
      if (s.status === 'Superseding') return E.right([superseded]);
      return E.right([...cancelAll(s.parent, s.children, 'superseded', c.now), superseded]);
    }
    default: {
      const never: never = s;
      return never;
    }
  }
};

// ---- working ----------------------------------------------------------------------------

const cancelAll = (
  p: ParentOrder,
  children: readonly Child[],
  reason: string,
  now: number,
): ParentOrderEvent[] =>
  children
    .filter((ch) => ch.status !== 'Cancelling')
    .map((ch) => cancelRequested(p, ch.clientOrderId, reason, now));

const cancelRequested = (
  p: ParentOrder,
  clientOrderId: string,
  reason: string,
  now: number,
): ParentOrderEvent => ({
  type: 'ChildOrderCancelRequested',
  occurredAt: now,
  ...where(p),
  parentOrderId: p.parentOrderId,
  clientOrderId,
  reason,
});

const toEvents = (
  s: Extract<ParentOrderState, { status: 'Working' }>,
  actions: readonly ChildAction[],
  now: number,
  validityMs: number,
): ParentOrderEvent[] => {
  let seq = s.nextSeq;
  const p = s.parent;
  return actions.map((a): ParentOrderEvent => {
    switch (a._tag) {
      case 'cancel':
        return cancelRequested(p, a.clientOrderId, a.reason, now);
      case 'post':
      case 'take': {
        const n = seq++;
        return {
          type: 'ChildOrderRequested',
          occurredAt: now,
          ...where(p),
          parentOrderId: p.parentOrderId,
          clientOrderId: childOrderId(p.accountId, p.parentOrderId, n),
          seq: n,
          kind: a._tag === 'post' ? 'passive' : 'taker',
          side: p.side,
          qty: a.qty,
          orderType: a._tag === 'post' ? 'limit' : 'market',
          limitPrice: a._tag === 'post' ? a.price : null,
          postOnly: a._tag === 'post',
          reduceOnly: false,
          reason: a.reason,
          validUntil: now + validityMs,
        };
      }
      default: {
        const never: never = a;
        return never;
      }
    }
  });
};

const tickWorking = (
  s: Extract<ParentOrderState, { status: 'Working' }>,
  now: number,
  touch: Touch | null,
  market: MarketTotals | null,
  cfg: ExecutionConfig,
): Result => {
  const p = s.parent;
  const remaining = p.qty.minus(s.progress.filled);
  const ref = mid(touch) ?? p.limitPrice;
  const untradable = roundQtyDown(remaining, p.instrument.lotSize).lt(
    ref ? minTradable(p.instrument, ref) : p.instrument.minQty,
  );
  const completed = (reason: 'filled' | 'deadline'): ParentOrderEvent => ({
    type: 'ParentOrderCompleted',
    occurredAt: now,
    ...where(p),
    parentOrderId: p.parentOrderId,
    reason,
    filled: s.progress.filled,
    residual: remaining,
    quality: qualityAt(s, market),
  });
  if (untradable && s.children.length === 0) return E.right([completed('filled')]);
  if (now >= p.deadline)
    return E.right([...cancelAll(p, s.children, 'deadline', now), completed('deadline')]);
  const out: ParentOrderEvent[] = [];
  const k = sliceIndexAt(s.schedule, now);
  if (k - 1 > s.reportedSlice)
    out.push({
      type: 'ParentOrderProgressReported',
      occurredAt: now,
      ...where(p),
      parentOrderId: p.parentOrderId,
      slice: k - 1,
      filled: s.progress.filled,
      scheduled: targetByEndOf(s.schedule, k - 1),
    });
  if (s.paused.length > 0 || touch === null) return E.right(out);
  const actions = planChildren(
    {
      parent: p,
      schedule: s.schedule,
      children: s.children,
      progress: s.progress,
      now,
      touch,
      lastCatchUpAt: s.lastCatchUpAt,
    },
    cfg.policy,
  );
  return E.right([...out, ...toEvents(s, actions, now, cfg.policy.childValidityMs)]);
};

const tickSuperseding = (
  s: Extract<ParentOrderState, { status: 'Superseding' }>,
  now: number,
  touch: Touch | null,
  market: MarketTotals | null,
): Result => {
  if (s.children.length > 0) return NONE;
  const p = s.parent;
  const done: ParentOrderEvent = {
    type: 'ParentOrderCompleted',
    occurredAt: now,
    ...where(p),
    parentOrderId: p.parentOrderId,
    reason: 'superseded',
    filled: s.progress.filled,
    residual: p.qty.minus(s.progress.filled),
    quality: qualityAt(s, market),
  };
  if (s.next.deadline <= now) return E.right([done]);
  const started = startEvents({
    parentOrderId: parentOrderIdFor(p.accountId, p.instrument.symbol, s.next.targetId),
    targetId: s.next.targetId,
    accountId: p.accountId,
    instrument: p.instrument,
    current: s.position,
    plan: s.next,
    start: now,
    style: p.style,
    now,
    touch,
    market,
  });
  // A next target that cannot be traded (already there, or dust) still ends the old parent.
  return E.right(E.isRight(started) ? [done, ...started.right] : [done]);
};

/** A pause or resume is of the parent order if there is one, else of the command's (account, instrument). */
const pauseWhere = (
  c: Extract<ParentOrderCommand, { type: 'Pause' | 'Resume' }>,
  s: ParentOrderState,
): { accountId: string; instrument: string; parentOrderId: string | null } =>
  s.status === 'Idle'
    ? { accountId: c.accountId, instrument: c.instrument, parentOrderId: null }
    : { ...where(s.parent), parentOrderId: s.parent.parentOrderId };

const findChild = (s: ParentOrderState, cid: string): Child | undefined =>
  s.status === 'Working' || s.status === 'Superseding'
    ? s.children.find((c) => c.clientOrderId === cid)
    : s.status === 'Completed'
      ? s.lateChildren.find((c) => c.clientOrderId === cid)
      : undefined;

const resumeSchedule = (
  s: Extract<ParentOrderState, { status: 'Working' }>,
  now: number,
): Schedule | null => {
  if (now >= s.parent.deadline) return null;
  const slices = Math.max(1, Math.ceil((s.parent.deadline - now) / Math.max(1, sliceMs(s.schedule))));
  return {
    from: now,
    to: s.parent.deadline,
    base: s.progress.filled,
    total: s.parent.qty,
    weights: equalProfile(slices),
    lot: s.parent.instrument.lotSize,
  };
};

export const decide = (
  command: ParentOrderCommand,
  state: ParentOrderState,
  cfg: ExecutionConfig,
): Result => {
  switch (command.type) {
    case 'SetTarget':
      return setTarget(command, state, cfg);
    case 'Tick':
      switch (state.status) {
        case 'Working':
          return tickWorking(state, command.now, command.touch, command.market, cfg);
        case 'Superseding':
          return tickSuperseding(state, command.now, command.touch, command.market);
        case 'Idle':
        case 'Completed':
          return NONE;
        default: {
          const never: never = state;
          return never;
        }
      }
    case 'RecordAccepted': {
      const ch = findChild(state, command.clientOrderId);
      if (!ch || ch.status !== 'Requested' || state.status === 'Idle' || state.status === 'Completed')
        return NONE;
      return E.right([
        {
          type: 'ChildOrderAccepted',
          occurredAt: command.now,
          ...where(state.parent),
          parentOrderId: state.parent.parentOrderId,
          clientOrderId: ch.clientOrderId,
        },
      ]);
    }
    case 'RecordRejected':
    case 'RecordCancelled': {
      // A completed parent's late children are closed too (their cancels went out with the completion).
      const ch = findChild(state, command.clientOrderId);
      if (!ch || state.status === 'Idle') return NONE;
      const child = {
        occurredAt: command.now,
        ...where(state.parent),
        parentOrderId: state.parent.parentOrderId,
        clientOrderId: ch.clientOrderId,
      };
      return E.right([
        command.type === 'RecordRejected'
          ? { type: 'ChildOrderRejected', ...child, code: command.code }
          : { type: 'ChildOrderCancelled', ...child },
      ]);
    }
    case 'RecordFill': {
      // A completed parent still counts late fills of the children it had open at the end.
      const ch = findChild(state, command.clientOrderId);
      if (!ch || state.status === 'Idle') return NONE;
      if (ch.tradeIds.includes(command.tradeId)) return NONE; // redelivered: counted once
      if (command.qty.lte(0) || command.qty.gt(childOpenQty(ch)))
        return invalid(
          '/qty',
          command.qty.toString(),
          `a fill must be > 0 and ≤ the child's open ${childOpenQty(ch).toString()}`,
        );
      return E.right([
        {
          type: 'ChildOrderFilled',
          occurredAt: command.now,
          ...where(state.parent),
          parentOrderId: state.parent.parentOrderId,
          clientOrderId: ch.clientOrderId,
          tradeId: command.tradeId,
          qty: command.qty,
          price: command.price,
          fee: command.fee,
          liquidity: command.liquidity,
        },
      ]);
    }
    case 'Pause': {
      if (state.paused.includes(command.reason)) return NONE;
      const cancels =
        state.status === 'Working' || state.status === 'Superseding'
          ? cancelAll(state.parent, state.children, `paused: ${command.reason}`, command.now)
          : [];
      return E.right([
        {
          type: 'ParentOrderPaused',
          occurredAt: command.now,
          ...pauseWhere(command, state),
          reason: command.reason,
        },
        ...cancels,
      ]);
    }
    case 'Resume': {
      if (!state.paused.includes(command.reason)) return NONE;
      const stillPaused = state.paused.some((r) => r !== command.reason);
      const schedule = state.status === 'Working' && !stillPaused ? resumeSchedule(state, command.now) : null;
      return E.right([
        {
          type: 'ParentOrderResumed',
          occurredAt: command.now,
          ...pauseWhere(command, state),
          reason: command.reason,
          schedule: schedule && { ...schedule, weights: [...schedule.weights] },
        },
      ]);
    }
    default: {
      const never: never = command;
      return never;
    }
  }
};

/**
 * The parent-order decider in the shared shape (@keel/decider): `decide` above, `evolve` and
 * `initialState` (a flat Idle order) from parent-order.state.ts, the config as its context.
 * What a command handler and `DeciderSpecification` take.
 */
export const parentOrderDecider: Decider<
  ParentOrderCommand,
  ParentOrderState,
  ParentOrderEvent,
  ExecutionError,
  ExecutionConfig
> = {
  decide,
  evolve,
  initialState: () => initialState(),
};

/** Apply a command: decide, then fold the events. For shells and tests. */
export const handle = (
  command: ParentOrderCommand,
  state: ParentOrderState,
  cfg: ExecutionConfig,
): E.Either<
  ExecutionError,
  { readonly state: ParentOrderState; readonly events: readonly ParentOrderEvent[] }
> => {
  const r = decide(command, state, cfg);
  if (E.isLeft(r)) return r;
  return E.right({ state: r.right.reduce(evolve, state), events: r.right });
};

/**
 * After a Tick decided at `now`: when the decider next needs a Tick if nothing else happens
 * (no new touch, no venue answer): the deadline, the next slice, the final sweep, the instant
 * the schedule runs far enough ahead to call for a catch-up (or, while one goes on, above its
 * floor; or past the imbalance take's lag), the baseline's next clip. A shell may skip Ticks
 * before it (their outcome would be no events) and still decide exactly as if it ticked every
 * time; null: only a new input can change anything. A value ≤ now means "on the next tick".
 * With the imbalance rule on, the shell must also tick when the touch's sizes change.
 */
export const nextWakeAt = (s: ParentOrderState, now: number, cfg: ExecutionConfig): number | null => {
  if (s.status !== 'Working') return null;
  const p = s.parent;
  const sch = s.schedule;
  const times: number[] = [p.deadline];
  const k = sliceIndexAt(sch, now);
  if (k + 1 < sch.weights.length) times.push(sliceStart(sch, k + 1));
  const inFlight = s.children
    .filter((c) => c.kind === 'taker')
    .reduce((a, c) => a.plus(childOpenQty(c)), ZERO);
  const done = s.progress.filled.plus(inFlight);
  const policy = cfg.policy;
  if (s.paused.length === 0 && p.style === 'maker') {
    times.push(p.deadline - sweepLeadMs(sch, policy));
    const t = firstTimeAbove(sch, catchUpThreshold(p, sch, done, policy), now);
    if (t !== null) times.push(t);
    if (catchUpContinuing(sch, now, s.lastCatchUpAt, policy)) {
      // The catch-up goes on while a whole clip is missing above its floor, until one clip interval has passed.
      const goesOn = catchUpGoesOnAbove(sch, p.instrument, done, policy);
      const above = firstTimeAbove(sch, goesOn, now);
      if (above !== null && above < s.lastCatchUpAt + clipIntervalMs(sch, policy)) times.push(above);
      // It has ended (less than a clip above its floor): the passive side picks up at the next tick.
      if (targetAt(sch, now).lte(goesOn)) times.push(now);
    }
    if (policy.imbalance !== null && policy.imbalance.take !== null) {
      const lagged = firstTimeAbove(
        sch,
        done.plus(meanSliceQty(sch).times(policy.imbalance.takeLagSlices)),
        now,
      );
      if (lagged !== null) times.push(lagged);
    }
  }
  if (s.paused.length === 0 && p.style === 'marketOnly') {
    // A clip due and not done or in flight (a taker closed short, a fill came): the next tick.
    const i = p.instrument;
    if (baselineDueAt(sch, now, i, policy).minus(done).gte(Decimal.max(i.lotSize, i.minQty))) times.push(now);
    const next = nextBaselineClipAfter(sch, now, policy);
    if (next !== null) times.push(next);
  }
  return Math.min(...times);
};
