/**
 * The execution app's pure pieces around the decider: one aggregate per (account,
 * instrument) with what its quality report needs, how a target becomes a command (or a
 * rejection, or a wait), how a venue fact becomes a command, and which pauses the market,
 * the kill switches and the optimizer's risk state call for. The shell (apps/execution) adds
 * only I/O and time.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import {
  decodeEvent,
  deriveId,
  EventData,
  NotFoundError,
  RecordedEvent,
  streamName,
  ValidationError,
  validationError,
} from '@keel/events';
import { contractForCode, marketState } from '@keel/calendar';
import { instrumentFromStored, StoredInstrumentRules } from '@keel/instruments';
import {
  defaultExecutionConfig,
  ExecutionConfig,
  ExecutionError,
  ParentOrderCommand,
} from './parent-order.decide';
import { PolicyConfig } from './child-order.policy';
import type { Urgency } from './parent-order.state';
import {
  evolve as evolveState,
  initialState,
  isParentOrderEventType,
  ParentOrderEvent,
  ParentOrderState,
  PauseReason,
  Touch,
} from './parent-order.state';
import { MarketTotals } from './execution.quality';
import { makeSchedule, Schedule } from './twap.schedule';
import { ExecutionView, isKilled, isRiskHalted, isSessionStopped } from './execution.view';

export interface ExecutionAggregate {
  readonly accountId: string;
  readonly symbol: string;
  readonly stream: string;
  /** The stream's revision the state includes; -1: no stream yet. */
  readonly revision: number;
  readonly state: ParentOrderState;
}

const streamNames = new Map<string, Map<string, string>>();

/** `execution-<account>.<instrument>`, with characters a stream name may not hold replaced by `_`. */
export const executionStream = (accountId: string, symbol: string): string => {
  // A pure function of its two strings, asked for on every tick and every read of an aggregate:
  // the names already made are kept (a name that cannot be made still throws each time).
  const byAccount = streamNames.get(accountId);
  const known = byAccount?.get(symbol);
  if (known !== undefined) return known;
  const safe = (s: string): string => s.replace(/[^A-Za-z0-9_.:@-]/g, '_');
  const s = streamName('execution', `${safe(accountId)}.${safe(symbol)}`.slice(0, 200));
  if (E.isLeft(s)) throw new Error(s.left.message);
  if (byAccount) byAccount.set(symbol, s.right);
  else streamNames.set(accountId, new Map([[symbol, s.right]]));
  return s.right;
};

export const emptyAggregate = (accountId: string, symbol: string): ExecutionAggregate => ({
  accountId,
  symbol,
  stream: executionStream(accountId, symbol),
  revision: -1,
  state: initialState(),
});

/** Fold one event of the aggregate's stream (revision +1). */
export const evolveAggregate = (a: ExecutionAggregate, e: ParentOrderEvent): ExecutionAggregate => ({
  ...a,
  state: evolveState(a.state, e),
  revision: a.revision + 1,
});

/**
 * A stored event of a parent-order stream as the decider's event: decoded by the catalog's
 * codec (no second declaration of its shape). A Left names the field, never a throw.
 */
export const decodeParentOrderEvent = (e: {
  readonly type: string;
  readonly data: unknown;
  readonly occurredAt: string;
}): E.Either<ValidationError, ParentOrderEvent> => {
  const type = e.type;
  if (!isParentOrderEventType(type))
    return E.left(validationError('/type', type, 'is not an event of a parent-order stream'));
  return pipe(decodeEvent({ type, data: e.data, occurredAt: e.occurredAt }), E.chain(checkFolds));
};

// makeSchedule names the domain's fields; name the stored ones instead.
const SCHEDULE_FIELD: Readonly<Record<string, string>> = {
  deadline: 'to',
  slices: 'weights',
  profile: 'weights',
  qty: 'total',
};

/** What the schema cannot say but a fold relies on: a schedule that is one, rules of this instrument. */
const checkFolds = (e: ParentOrderEvent): E.Either<ValidationError, ParentOrderEvent> => {
  const schedule = (s: Schedule | null): E.Either<ValidationError, ParentOrderEvent> =>
    s === null
      ? E.right(e)
      : pipe(
          makeSchedule(s),
          E.bimap(
            (p) => {
              const field = SCHEDULE_FIELD[p.field] ?? p.field;
              return validationError(
                `/data/schedule/${field}`,
                (s as unknown as Record<string, unknown>)[field],
                p.message,
              );
            },
            () => e,
          ),
        );
  if (e.type === 'ParentOrderStarted') {
    if (e.instrumentRules.symbol !== e.instrument)
      return E.left(
        validationError(
          '/data/instrumentRules/symbol',
          e.instrumentRules.symbol,
          `must be the event's instrument ${e.instrument}`,
        ),
      );
    return schedule(e.schedule);
  }
  return e.type === 'ParentOrderResumed' ? schedule(e.schedule) : E.right(e);
};

/**
 * The event's id, derived from its causes (stream, type, parent order and what makes the
 * event unique within it), so the same decision re-made or re-written after a crash is the
 * same event and the store de-duplicates it. Distinct events of one stream get distinct ids
 * (a pause/resume of the same reason twice in the same ms would not: the decider never does
 * that within one Pause/Resume pair, and the engine folds before it decides again).
 */
export const eventIdFor = (e: ParentOrderEvent): string => {
  const id = (...cause: readonly (string | number)[]): string =>
    deriveId('execution', e.type, e.accountId, e.instrument, ...cause);
  switch (e.type) {
    case 'ParentOrderStarted':
    case 'ParentOrderCompleted':
      return id(e.parentOrderId);
    case 'ChildOrderRequested':
    case 'ChildOrderAccepted':
    case 'ChildOrderRejected':
    case 'ChildOrderCancelled':
      return id(e.parentOrderId, e.clientOrderId);
    case 'ChildOrderCancelRequested':
      // Once per child: a Cancelling child is never asked again (cancelAll skips it).
      return id(e.parentOrderId ?? '', e.clientOrderId, 'cancel');
    case 'ChildOrderFilled':
      return id(e.parentOrderId, e.clientOrderId, e.tradeId);
    case 'ParentOrderPaused':
    case 'ParentOrderResumed':
      return id(e.parentOrderId ?? '', e.reason, e.occurredAt);
    case 'ParentOrderProgressReported':
      return id(e.parentOrderId, e.slice);
    case 'ParentOrderSuperseded':
      return id(e.parentOrderId, e.next.targetId, e.occurredAt);
    default: {
      const never: never = e;
      return never;
    }
  }
};

// ---- targets --------------------------------------------------------------------------------

export interface TargetSettings {
  /** The accounts this instance executes for. */
  readonly accounts: readonly string[];
  /** Length of a TWAP slice; a horizon gets round(horizon / slice) slices, within [1, maxSlices]. */
  readonly sliceMs: number;
  readonly maxSlices: number;
  /** The child-order policy (default DEFAULT_POLICY). */
  readonly policy?: PolicyConfig;
  /** Urgency of every parent order (default the decider's, 'normal'). */
  readonly urgency?: Urgency;
  /** Per account: 'marketOnly' executes each slice with one market order (a benchmark account). */
  readonly styles?: Readonly<Record<string, 'maker' | 'marketOnly'>>;
  /**
   * A target whose parent order ended at its deadline short of it (once that parent's late
   * children are closed) gets a follow-up parent order over `horizonMs` from then, up to
   * `attempts` of them; absent: none (the target stays missed until the next one).
   */
  readonly followUp?: { readonly attempts: number; readonly horizonMs: number };
}

export type TargetStep =
  /** Not decidable yet: the account's trading is stopped, its gateway has not listed instruments, or no position is known. */
  | { readonly _tag: 'Wait'; readonly reason: string }
  /** Nothing to trade: the position already is the target. */
  | { readonly _tag: 'Nothing' }
  | { readonly _tag: 'Reject'; readonly error: ExecutionError }
  | {
      readonly _tag: 'Decide';
      readonly command: Extract<ParentOrderCommand, { type: 'SetTarget' }>;
      readonly config: ExecutionConfig;
    };

/** The latest target of (account, symbol), as the view holds it. */
export interface TargetOf {
  readonly targetId: string;
  readonly targetQty: string;
  readonly horizonSec: number;
  readonly at: number;
}

/**
 * What holds back any parent order of (account, symbol), or null: an account this instance does
 * not trade for, a stopped session, no instruments listed yet, an unlisted instrument, and the
 * last parent's children still open at its end (cancels in flight: they may yet fill, and a new
 * parent started now would start from a position about to change and never count those fills;
 * it starts once each of them is cancelled, rejected or filled).
 */
const gated = (
  view: ExecutionView,
  agg: ExecutionAggregate,
  settings: TargetSettings,
): E.Either<TargetStep, StoredInstrumentRules> => {
  const { accountId, symbol } = agg;
  if (!settings.accounts.includes(accountId))
    return E.left({ _tag: 'Reject', error: notFound('account', accountId) });
  // A stopped session starts no parent order (and supersedes none): the target waits for trade-all.
  if (isSessionStopped(view, accountId))
    return E.left({
      _tag: 'Wait',
      reason: `trading of account ${accountId} is stopped (TradingSessionStopped)`,
    });
  const listed = view.instruments[accountId];
  if (!listed) return E.left({ _tag: 'Wait', reason: `no InstrumentsListed names account ${accountId} yet` });
  const rules = listed[symbol];
  if (!rules) return E.left({ _tag: 'Reject', error: notFound('instrument', symbol) });
  const s = agg.state;
  if (s.status === 'Completed' && s.lateChildren.length > 0)
    return E.left({
      _tag: 'Wait',
      reason: `${s.lateChildren.length} child order(s) of parent ${s.parent.parentOrderId} still open (${s.lateChildren.map((c) => c.clientOrderId).join(', ')})`,
    });
  return E.right(rules);
};

/** How a target is traded from `current`: between `start` and `deadline` in slices of `sliceMs`. */
const decide = (
  agg: ExecutionAggregate,
  rules: StoredInstrumentRules,
  settings: TargetSettings,
  o: {
    readonly targetId: string;
    readonly attempt?: number;
    readonly current: string;
    readonly targetQty: string;
    readonly start: number;
    readonly deadline: number;
    readonly now: number;
    readonly touch: Touch | null;
    readonly market: MarketTotals | null;
  },
): TargetStep => {
  const { accountId, symbol } = agg;
  const span = o.deadline - Math.max(o.start, o.now);
  const slices = Math.max(1, Math.min(settings.maxSlices, Math.round(span / settings.sliceMs), span));
  return {
    _tag: 'Decide',
    config: defaultExecutionConfig({
      accounts: [accountId],
      instruments: [instrumentFromStored(rules)],
      ...(settings.policy ? { policy: settings.policy } : {}),
    }),
    command: {
      type: 'SetTarget',
      targetId: o.targetId,
      ...(o.attempt !== undefined && o.attempt > 1 ? { attempt: o.attempt } : {}),
      accountId,
      instrument: symbol,
      currentPosition: o.current,
      targetPosition: o.targetQty,
      start: o.start,
      deadline: o.deadline,
      slices,
      ...(settings.urgency ? { urgency: settings.urgency } : {}),
      ...(settings.styles?.[accountId] ? { style: settings.styles[accountId] } : {}),
      now: o.now,
      touch: o.touch,
      market: o.market,
    },
  };
};

/** The position a new parent order starts from (see targetStep); null: none known yet. */
const startingPosition = (view: ExecutionView, agg: ExecutionAggregate): string | null => {
  const s = agg.state;
  const venue = view.positions[agg.accountId]?.[agg.symbol];
  if (s.status === 'Idle') return view.snapshotted[agg.accountId] ? (venue?.qty ?? '0') : null;
  if (s.status === 'Completed' && venue?.settled) return venue.qty;
  return s.position.toFixed();
};

/**
 * How the latest target of (account, symbol) is to be taken up. The position it starts
 * from: the venue's (snapshot + later fills) for an aggregate that never traded, or one whose
 * venue figure is settled (two snapshots agree, nothing in flight: this picks up a position
 * changed outside Keel); otherwise the aggregate's own (start + its fills, exact).
 */
export const targetStep = (
  view: ExecutionView,
  agg: ExecutionAggregate,
  target: TargetOf,
  now: number,
  touch: Touch | null,
  market: MarketTotals | null,
  settings: TargetSettings,
): TargetStep => {
  const gate = gated(view, agg, settings);
  if (E.isLeft(gate)) return gate.left;
  const s = agg.state;
  const current = startingPosition(view, agg);
  if (current === null)
    return { _tag: 'Wait', reason: `no PositionReported of account ${agg.accountId} yet` };
  if (
    s.status !== 'Working' &&
    s.status !== 'Superseding' &&
    isDecimal(target.targetQty) &&
    new Decimal(target.targetQty).eq(current)
  )
    return { _tag: 'Nothing' };
  return decide(agg, gate.right, settings, {
    targetId: target.targetId,
    current,
    targetQty: target.targetQty,
    start: target.at,
    deadline: target.at + target.horizonSec * 1000,
    now,
    touch,
    market,
  });
};

/**
 * A target already taken up by `started` parent orders: whether it gets one more. Only when the
 * last of them ended at its deadline (not filled, not superseded), each of its children is
 * closed, the account is still short of the target and `settings.followUp` allows another: then
 * a follow-up parent order trades the rest from now over `followUp.horizonMs`, maker-first like
 * any other, its id derived from the target and the attempt. It waits while anything would pause
 * it (`pauses`: a kill switch, the risk state, a stopped session, a closed market), so its short
 * horizon is not spent paused. `Nothing` when there is nothing left to do for this target.
 *
 * Also a target taken up that never got a parent (`started` 0): it superseded a working parent
 * whose children closed only after its deadline, so the old parent ended and it did not start.
 * It is owed its first parent, whether or not follow-ups are on: from now over the follow-up
 * horizon, else over its own.
 */
export const followUpStep = (
  view: ExecutionView,
  agg: ExecutionAggregate,
  target: TargetOf,
  started: number,
  now: number,
  touch: Touch | null,
  market: MarketTotals | null,
  settings: TargetSettings,
  pauses: readonly PauseReason[] = [],
): TargetStep => {
  const s = agg.state;
  if (s.status === 'Working' || s.status === 'Superseding')
    return { _tag: 'Wait', reason: `parent order ${s.parent.parentOrderId} is working` };
  const f = settings.followUp;
  const owed =
    started === 0 &&
    s.status === 'Completed' &&
    s.reason === 'superseded' &&
    s.supersededBy === target.targetId;
  const missed =
    f !== undefined &&
    started >= 1 &&
    started <= f.attempts &&
    s.status === 'Completed' &&
    s.reason === 'deadline' &&
    s.targetId === target.targetId;
  if (!owed && !missed) return { _tag: 'Nothing' };
  const gate = gated(view, agg, settings);
  if (E.isLeft(gate)) return gate.left._tag === 'Reject' ? { _tag: 'Nothing' } : gate.left;
  const current = startingPosition(view, agg);
  if (current === null || new Decimal(target.targetQty).eq(current)) return { _tag: 'Nothing' };
  if (pauses.length > 0)
    return { _tag: 'Wait', reason: `a follow-up of target ${target.targetId} waits: ${pauses.join(', ')}` };
  return decide(agg, gate.right, settings, {
    targetId: target.targetId,
    attempt: started + 1,
    current,
    targetQty: target.targetQty,
    start: now,
    deadline: now + (f?.horizonMs ?? target.horizonSec * 1000),
    now,
    touch,
    market,
  });
};

const isDecimal = (s: string): boolean => /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(s);

const notFound = (what: 'account' | 'instrument', id: string): NotFoundError => ({
  _tag: 'NotFoundError',
  what,
  id,
});

/**
 * A refused target in its catalog form. Its time is the envelope's `occurredAt` (since v2 the
 * payload has no `at`: writing one made `newEvent` refuse every rejection with `/data/at`).
 */
export const rejectionData = (
  agg: Pick<ExecutionAggregate, 'accountId' | 'symbol'>,
  targetId: string,
  error: ExecutionError,
): EventData<'ParentOrderRejected'> => {
  const base = {
    accountId: agg.accountId,
    instrument: agg.symbol,
    targetId,
  };
  switch (error._tag) {
    case 'ValidationError':
      return {
        ...base,
        code: error._tag,
        field: error.path,
        value: clip(error.value),
        reason: `${error.path} ${error.message}`.slice(0, 2000),
      };
    case 'NotFoundError':
      return {
        ...base,
        code: error._tag,
        field: error.what,
        value: error.id,
        reason:
          error.what === 'account'
            ? `account ${error.id} is not one this execution instance trades for (KEEL_ACCOUNT_IDS)`
            : `${error.what} ${error.id} is not listed by the account's gateway`,
      };
    case 'IllegalStateError':
      return { ...base, code: error._tag, field: null, value: null, reason: error.message.slice(0, 2000) };
    default: {
      const never: never = error;
      return never;
    }
  }
};

/** A rejection's id derives from the target it refuses. */
export const rejectionEventId = (accountId: string, symbol: string, targetId: string): string =>
  deriveId('execution', 'ParentOrderRejected', accountId, symbol, targetId);

const clip = (v: unknown): string =>
  (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v))).slice(0, 500);

// ---- venue facts ----------------------------------------------------------------------------

/** The decider's command for a gateway fact about an order, or null when the event is not one. */
export const venueCommand = (e: RecordedEvent, now: number): ParentOrderCommand | null => {
  if (e.type === 'OrderAccepted') return { type: 'RecordAccepted', clientOrderId: e.data.clientOrderId, now };
  if (e.type === 'OrderRejected')
    return { type: 'RecordRejected', clientOrderId: e.data.clientOrderId, code: e.data.code, now };
  if (e.type === 'OrderCancelled')
    return { type: 'RecordCancelled', clientOrderId: e.data.clientOrderId, now };
  if (e.type === 'OrderFilled')
    return {
      type: 'RecordFill',
      clientOrderId: e.data.clientOrderId,
      tradeId: e.data.tradeId,
      qty: new Decimal(e.data.qty),
      price: new Decimal(e.data.price),
      fee: new Decimal(e.data.fee),
      liquidity: e.data.liquidity,
      now,
    };
  return null;
};

// ---- pauses ---------------------------------------------------------------------------------

/**
 * The pauses (account, symbol) calls for at `now`: the kill switch (global or the account's)
 * unless the optimizer answered it by flattening, the optimizer's risk state HALTED (global or
 * the account's), the operator's stopped trading session (global or the account's), and for a
 * CME contract the market being anything but open (daily halt, weekend, holiday, after an early
 * close). A CME instant outside the calendar's years does not pause (the
 * delivery guard at the gateway still refuses what it cannot place safely).
 */
export const wantedPauses = (
  view: ExecutionView,
  accountId: string,
  symbol: string,
  now: number,
  hours: MarketOpen = calendarMarketOpen,
): readonly PauseReason[] => {
  const out: PauseReason[] = [];
  if (isKilled(view, accountId)) out.push('killSwitch');
  if (isRiskHalted(view, accountId)) out.push('riskHalted');
  if (isSessionStopped(view, accountId)) out.push('sessionStopped');
  if (hours(symbol, now) === false) out.push('market');
  return out;
};

/**
 * Whether the market of `symbol` is open at `now`; null: it has no hours here (trades around
 * the clock, or an instant the hours do not cover). Pure: the hours are data.
 */
export type MarketOpen = (symbol: string, now: number) => boolean | null;

/** The @keel/calendar hours of CME contracts (2024–2027); everything else has none. */
export const calendarMarketOpen: MarketOpen = (symbol, now) => {
  const c = contractForCode(symbol);
  if (c._tag !== 'Contract') return null;
  const m = marketState(c.contract.root, now);
  return E.isRight(m) ? m.right.state === 'open' : null;
};

/** Pause/Resume commands that bring the aggregate's pauses to the wanted ones. */
export const pauseCommands = (
  a: Pick<ExecutionAggregate, 'accountId' | 'symbol' | 'state'>,
  wanted: readonly PauseReason[],
  now: number,
): readonly ParentOrderCommand[] => {
  const of = { accountId: a.accountId, instrument: a.symbol, now };
  return [
    ...wanted
      .filter((r) => !a.state.paused.includes(r))
      .map((reason): ParentOrderCommand => ({ type: 'Pause', reason, ...of })),
    ...a.state.paused
      .filter((r) => !wanted.includes(r))
      .map((reason): ParentOrderCommand => ({ type: 'Resume', reason, ...of })),
  ];
};

// ---- rules of the engine's loop ---------------------------------------------------------------

/**
 * The last target an aggregate took up (started, superseded to, or rejected) and how many parent
 * orders have started for it (more than one: follow-ups after a missed deadline). Only the latest
 * target of an (account, instrument) is ever taken up, so the engine keeps the last one taken,
 * not a set that grows with history.
 */
export interface Taken {
  readonly lastTaken: string | null;
  readonly started: number;
}

export const NOTHING_TAKEN: Taken = { lastTaken: null, started: 0 };

const took = (t: Taken, targetId: string | null, started: boolean): Taken => {
  if (targetId === null) return { lastTaken: t.lastTaken, started: t.started };
  if (!started) return { lastTaken: targetId, started: 0 };
  return { lastTaken: targetId, started: t.lastTaken === targetId ? t.started + 1 : 1 };
};

/** `t` after a stored event of the aggregate's stream (only the two fields: `t` may be more). */
export const takenAfterStored = (t: Taken, e: RecordedEvent): Taken => {
  if (e.type === 'ParentOrderStarted') return took(t, e.data.targetId, true);
  if (e.type === 'ParentOrderRejected') return took(t, e.data.targetId, false);
  if (e.type === 'ParentOrderSuperseded') return took(t, e.data.next.targetId, false);
  return took(t, null, false);
};

/** `t` after an event the decider just decided (only the two fields: `t` may be more). */
export const takenAfterDecided = (t: Taken, e: ParentOrderEvent): Taken => {
  if (e.type === 'ParentOrderStarted') return took(t, e.targetId, true);
  if (e.type === 'ParentOrderSuperseded') return took(t, e.next.targetId, false);
  return took(t, null, false);
};

/**
 * Whether a working aggregate gets a Tick now: always while superseding; otherwise when the
 * decider asked to be woken by now or the touch moved since its last Tick.
 */
export const tickDue = (o: {
  readonly status: ParentOrderState['status'];
  readonly touchKey: string;
  readonly lastTouchKey: string;
  readonly wakeAt: number | null;
  readonly now: number;
}): boolean =>
  o.status !== 'Working' || o.touchKey !== o.lastTouchKey || (o.wakeAt !== null && o.wakeAt <= o.now);
