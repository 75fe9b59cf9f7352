/**
 * What the execution app knows besides its own parent-order streams: a fold of other apps'
 * facts (plain JSON, snapshotted by the runtime kit). Pure.
 *
 * - instruments: the rules each account's gateway listed (`InstrumentsListed`), by symbol;
 * - positions: each account's venue position per instrument: the last `PositionReported`
 *   plus the `OrderFilled` recorded after it. `settled` says the last two snapshots agreed
 *   and no fill came between them: the figure is then the venue's, with nothing in flight;
 * - touches and market totals per (venue, instrument), from `QuoteUpdated`/`TradePrinted`,
 *   in venue time (the interval VWAP of a parent order is a difference of totals);
 * - targets: the latest `TargetPositionSet` / `ContractTargetSet` per (account, instrument)
 *   (which of them an aggregate has taken up, its own stream says);
 * - kill switches, global and per account, each with whether the optimizer answered it by
 *   flattening (then execution carries out the 0 targets instead of pausing);
 * - the optimizer's risk state (`RiskStateChanged`), global and per account: the latest state
 *   and its cause;
 * - trading sessions (`TradingSessionStopped` / `TradingSessionStarted`, the operator's
 *   `keel sessions stop-all|trade-all`), global and per account: the latest one covering an
 *   account decides, so a global event clears every account's own. None recorded: trading.
 *
 * The risk rules (docs/execution.md, "Kill switch and risk state"): HALTED (global, or of the
 * account) pauses the account's parent orders, as a kill switch does. A kill switch of a scope
 * pauses until the optimizer answers it, for the same scope, with `RiskStateChanged` to
 * REDUCING caused by `killSwitchFlatten` (it has set every target of the scope to 0, so orders
 * only reduce); a kill switch set to freeze, or not answered yet, keeps pausing. A later
 * `KillSwitchEngaged` of the scope pauses again until the next flatten answer.
 *
 * A stopped session (docs/operating.md): the account starts no parent order (its targets wait)
 * and its working parent orders pause with reason `sessionStopped` (their child orders are
 * cancelled); a started session lifts that pause and takes the latest targets up.
 */
import Decimal from 'decimal.js';
import { MarketTotals } from './execution.quality';
import { Touch } from './parent-order.state';
import { EventData, EventType, RecordedEvent } from '@keel/events';
import { StoredInstrumentRules } from '@keel/instruments';

export interface ViewPosition {
  /** Signed decimal string. */
  readonly qty: string;
  readonly fillsSinceSnapshot: number;
  /** The last two snapshots agreed with no fill between them. */
  readonly settled: boolean;
}

export interface ViewTouch {
  readonly bid: string;
  readonly ask: string;
  /**
   * The sizes at the bid and the ask (decimal strings), for the policy's queue imbalance.
   * Optional: a snapshot taken before they were kept has none until the next quote replaces
   * its touch (seconds), so the projection's version is unchanged.
   */
  readonly bidQty?: string;
  readonly askQty?: string;
  /** Venue time, epoch ms. */
  readonly at: number;
}

/** Market totals as the view keeps them (JSON: the view is snapshotted); see `marketTotalsAt`. */
export type ViewTotals = NonNullable<EventData<'ParentOrderStarted'>['marketAtStart']>;

export interface ViewMarket {
  readonly totals: ViewTotals;
  /** The last mid and its venue time, for the mid's time integral. */
  readonly lastMid: string | null;
  readonly lastAt: number | null;
}

export interface ViewTarget {
  readonly targetId: string;
  readonly targetQty: string;
  readonly horizonSec: number;
  /** The target event's time, epoch ms: the parent order's start and the horizon's origin. */
  readonly at: number;
  readonly reason: string;
}

/** A kill switch engaged for a scope. */
export interface ViewKill {
  /**
   * The optimizer answered this engagement by flattening (RiskStateChanged of the same scope to
   * REDUCING, cause killSwitchFlatten, recorded after it): execution no longer pauses for it.
   */
  readonly flattening: boolean;
}

/** The optimizer's latest risk state of a scope, and why. */
export interface ViewRisk {
  readonly state: EventData<'RiskStateChanged'>['to'];
  readonly cause: EventData<'RiskStateChanged'>['cause'];
}

/** An operator's trading session of a scope: stopped (no new orders) or trading. */
export interface ViewSession {
  readonly state: 'trading' | 'stopped';
}

/** Something held globally and per account (JSON: the view is snapshotted). */
export interface ViewScopes<T> {
  readonly global: T | null;
  /** account → its own (absent: none). */
  readonly accounts: Readonly<Record<string, T>>;
}

export interface ExecutionView {
  /** account → venue (from the listing that names the account). */
  readonly venues: Readonly<Record<string, string>>;
  readonly instruments: Readonly<Record<string, Readonly<Record<string, StoredInstrumentRules>>>>;
  readonly positions: Readonly<Record<string, Readonly<Record<string, ViewPosition>>>>;
  /** Accounts with at least one PositionReported. */
  readonly snapshotted: Readonly<Record<string, true>>;
  /** `<venue> <symbol>` → touch / market. */
  readonly touches: Readonly<Record<string, ViewTouch>>;
  readonly markets: Readonly<Record<string, ViewMarket>>;
  /** account → symbol → latest target. */
  readonly targets: Readonly<Record<string, Readonly<Record<string, ViewTarget>>>>;
  /** Engaged kill switches (a released one is absent). */
  readonly kill: ViewScopes<ViewKill>;
  /** The optimizer's risk state; absent: none recorded yet (ACTIVE). */
  readonly risk: ViewScopes<ViewRisk>;
  /** The operator's trading sessions; absent: none recorded (trading). */
  readonly sessions: ViewScopes<ViewSession>;
}

export const initialExecutionView: ExecutionView = {
  venues: {},
  instruments: {},
  positions: {},
  snapshotted: {},
  touches: {},
  markets: {},
  targets: {},
  kill: { global: null, accounts: {} },
  risk: { global: null, accounts: {} },
  sessions: { global: null, accounts: {} },
};

/** The event types the view folds (the app consumes exactly these). */
export const EXECUTION_VIEW_EVENT_TYPES = [
  'InstrumentsListed',
  'PositionReported',
  'OrderAccepted',
  'OrderRejected',
  'OrderFilled',
  'OrderCancelled',
  'QuoteUpdated',
  'TradePrinted',
  'TargetPositionSet',
  'ContractTargetSet',
  'KillSwitchEngaged',
  'KillSwitchReleased',
  'RiskStateChanged',
  'TradingSessionStopped',
  'TradingSessionStarted',
] as const satisfies readonly EventType[];

export const marketKey = (venue: string, symbol: string): string => `${venue} ${symbol}`;

const ZERO_TOTALS: ViewTotals = { tradeQty: '0', tradeNotional: '0', midMs: '0', ms: 0 };
const emptyMarket: ViewMarket = { totals: ZERO_TOTALS, lastMid: null, lastAt: null };

const setIn = <T>(
  m: Readonly<Record<string, Readonly<Record<string, T>>>>,
  a: string,
  b: string,
  v: T,
): Readonly<Record<string, Readonly<Record<string, T>>>> => ({
  ...m,
  [a]: { ...(m[a] ?? {}), [b]: v },
});

/** The mid's integral up to `at` (the last mid holds until then). */
const advanceMid = (m: ViewMarket, at: number): ViewMarket => {
  if (m.lastMid === null || m.lastAt === null || at <= m.lastAt) return m;
  const dt = at - m.lastAt;
  return {
    ...m,
    totals: {
      ...m.totals,
      midMs: new Decimal(m.totals.midMs).plus(new Decimal(m.lastMid).times(dt)).toFixed(),
      ms: m.totals.ms + dt,
    },
    lastAt: at,
  };
};

type ViewEventType = (typeof EXECUTION_VIEW_EVENT_TYPES)[number];
type Handlers = { readonly [K in ViewEventType]: (v: ExecutionView, e: RecordedEvent<K>) => ExecutionView };

/** An account's own entry (an account named `constructor` has none unless recorded). */
const own = <T>(r: Readonly<Record<string, T>>, key: string): T | null =>
  Object.prototype.hasOwnProperty.call(r, key) ? (r[key] as T) : null;

/** Set (or, with null, remove) the scope's entry; an account scope without an account is no scope. */
const setScope = <T>(
  m: ViewScopes<T>,
  d: { readonly scope: 'global' | 'account'; readonly accountId: string | null },
  f: (current: T | null) => T | null,
): ViewScopes<T> => {
  if (d.scope === 'global') return { ...m, global: f(m.global) };
  if (d.accountId === null) return m;
  const { [d.accountId]: _, ...others } = m.accounts;
  const next = f(own(m.accounts, d.accountId));
  return { ...m, accounts: next === null ? others : { ...others, [d.accountId]: next } };
};

const killSwitch = (
  v: ExecutionView,
  e: RecordedEvent<'KillSwitchEngaged' | 'KillSwitchReleased'>,
): ExecutionView => {
  // A new engagement pauses again, even after a flatten answer to an earlier one.
  const kill: ViewKill | null = e.type === 'KillSwitchEngaged' ? { flattening: false } : null;
  return { ...v, kill: setScope(v.kill, e.data, () => kill) };
};

const riskState = (v: ExecutionView, e: RecordedEvent<'RiskStateChanged'>): ExecutionView => {
  const d = e.data;
  const flattens = d.to === 'REDUCING' && d.cause === 'killSwitchFlatten';
  return {
    ...v,
    risk: setScope(v.risk, d, () => ({ state: d.to, cause: d.cause })),
    // The optimizer's answer lifts only the engaged kill switch of the same scope.
    kill: flattens ? setScope(v.kill, d, (k) => (k === null ? null : { flattening: true })) : v.kill,
  };
};

const session = (
  v: ExecutionView,
  e: RecordedEvent<'TradingSessionStopped' | 'TradingSessionStarted'>,
): ExecutionView => {
  const state = e.type === 'TradingSessionStopped' ? 'stopped' : 'trading';
  // The latest event covering an account decides: a global one replaces every account's own.
  if (e.data.scope === 'global') return { ...v, sessions: { global: { state }, accounts: {} } };
  return { ...v, sessions: setScope(v.sessions, e.data, () => ({ state })) };
};

const target = (
  v: ExecutionView,
  e: RecordedEvent<'TargetPositionSet' | 'ContractTargetSet'>,
): ExecutionView => {
  const d = e.data;
  // A CME root (`CME:ES`) is exposure for cme-rollover to map to contracts, never traded as such.
  if (e.type === 'TargetPositionSet' && d.instrument.startsWith('CME:')) return v;
  return {
    ...v,
    targets: setIn(v.targets, d.accountId, d.instrument, {
      targetId: e.eventId,
      targetQty: d.targetQty,
      horizonSec: d.horizonSec,
      at: Date.parse(e.occurredAt),
      reason: d.reason,
    }),
  };
};

const HANDLERS: Handlers = {
  InstrumentsListed: (v, e) => {
    const d = e.data;
    const rules = Object.fromEntries(d.instruments.map((i) => [i.symbol, i]));
    let out = v;
    for (const a of d.accountIds)
      out = {
        ...out,
        venues: { ...out.venues, [a]: d.venue },
        instruments: { ...out.instruments, [a]: rules },
      };
    return out;
  },
  PositionReported: (v, e) => {
    const d = e.data;
    const before = v.positions[d.accountId] ?? {};
    const now: Record<string, ViewPosition> = {};
    const symbols = new Set([...Object.keys(before), ...d.positions.map((p) => p.instrument)]);
    for (const s of symbols) {
      const qty = new Decimal(d.positions.find((p) => p.instrument === s)?.qty ?? '0').toFixed();
      // An instrument absent from an earlier snapshot of the account, with no fill since, was flat.
      const prev =
        before[s] ??
        (v.snapshotted[d.accountId] === true
          ? { qty: '0', fillsSinceSnapshot: 0, settled: true }
          : undefined);
      now[s] = {
        qty,
        fillsSinceSnapshot: 0,
        settled: prev !== undefined && prev.fillsSinceSnapshot === 0 && new Decimal(prev.qty).eq(qty),
      };
    }
    return {
      ...v,
      positions: { ...v.positions, [d.accountId]: now },
      snapshotted: { ...v.snapshotted, [d.accountId]: true },
    };
  },
  OrderFilled: (v, e) => {
    const d = e.data;
    const prev = v.positions[d.accountId]?.[d.instrument] ?? {
      qty: '0',
      fillsSinceSnapshot: 0,
      settled: false,
    };
    const signed = d.side === 'buy' ? new Decimal(d.qty) : new Decimal(d.qty).neg();
    return {
      ...v,
      positions: setIn(v.positions, d.accountId, d.instrument, {
        qty: new Decimal(prev.qty).plus(signed).toFixed(),
        fillsSinceSnapshot: prev.fillsSinceSnapshot + 1,
        settled: false,
      }),
    };
  },
  // The order facts change no view figure; the app routes them to the aggregates.
  OrderAccepted: (v) => v,
  OrderRejected: (v) => v,
  OrderCancelled: (v) => v,
  QuoteUpdated: (v, e) => {
    const d = e.data;
    const key = marketKey(d.venue, d.instrument);
    const at = Date.parse(d.venueAt);
    const prevTouch = v.touches[key];
    if (prevTouch !== undefined && at < prevTouch.at) return v; // out of order: keep the newer
    const mid = new Decimal(d.bidPrice).plus(d.askPrice).div(2).toFixed();
    const m = advanceMid(v.markets[key] ?? emptyMarket, at);
    return {
      ...v,
      touches: {
        ...v.touches,
        [key]: { bid: d.bidPrice, ask: d.askPrice, bidQty: d.bidQty, askQty: d.askQty, at },
      },
      markets: { ...v.markets, [key]: { ...m, lastMid: mid, lastAt: at } },
    };
  },
  TradePrinted: (v, e) => {
    const d = e.data;
    const key = marketKey(d.venue, d.instrument);
    const m = v.markets[key] ?? emptyMarket;
    const totals: ViewTotals = {
      ...m.totals,
      tradeQty: new Decimal(m.totals.tradeQty).plus(d.qty).toFixed(),
      tradeNotional: new Decimal(m.totals.tradeNotional).plus(new Decimal(d.qty).times(d.price)).toFixed(),
    };
    return { ...v, markets: { ...v.markets, [key]: { ...m, totals } } };
  },
  TargetPositionSet: target,
  ContractTargetSet: target,
  KillSwitchEngaged: killSwitch,
  KillSwitchReleased: killSwitch,
  RiskStateChanged: riskState,
  TradingSessionStopped: session,
  TradingSessionStarted: session,
};

const isViewType = (t: string): t is ViewEventType => Object.prototype.hasOwnProperty.call(HANDLERS, t);

export const evolveExecutionView = (v: ExecutionView, e: RecordedEvent): ExecutionView =>
  isViewType(e.type) ? (HANDLERS[e.type] as (v: ExecutionView, e: RecordedEvent) => ExecutionView)(v, e) : v;

/**
 * A touch for deciding: null when none, or older than `maxAgeMs` at `now` (never post at a
 * stale price). It carries the sizes at the touch when the quote had them.
 */
export const freshTouch = (
  v: ExecutionView,
  venue: string,
  symbol: string,
  now: number,
  maxAgeMs: number,
): Touch | null => {
  const t = v.touches[marketKey(venue, symbol)];
  if (!t || now - t.at > maxAgeMs) return null;
  const bid = new Decimal(t.bid);
  const ask = new Decimal(t.ask);
  if (!bid.gt(0) || !ask.gt(bid)) return null;
  return t.bidQty !== undefined && t.askQty !== undefined
    ? { bid, ask, bidQty: new Decimal(t.bidQty), askQty: new Decimal(t.askQty) }
    : { bid, ask };
};

/** The market totals of (venue, symbol) brought up to `now` (the last mid holds until then). */
export const marketTotalsAt = (
  v: ExecutionView,
  venue: string,
  symbol: string,
  now: number,
): MarketTotals => {
  const m = v.markets[marketKey(venue, symbol)];
  const t = m ? advanceMid(m, now).totals : ZERO_TOTALS;
  return {
    tradeQty: new Decimal(t.tradeQty),
    tradeNotional: new Decimal(t.tradeNotional),
    midMs: new Decimal(t.midMs),
    ms: t.ms,
  };
};

const pausesFor = (k: ViewKill | null): boolean => k !== null && !k.flattening;

/** A kill switch (global or the account's) engaged and not answered by a flatten: no new orders. */
export const isKilled = (v: ExecutionView, account: string): boolean =>
  pausesFor(v.kill.global) || pausesFor(own(v.kill.accounts, account));

/** The optimizer's risk state is HALTED, globally or for the account: no new orders. */
export const isRiskHalted = (v: ExecutionView, account: string): boolean =>
  v.risk.global?.state === 'HALTED' || own(v.risk.accounts, account)?.state === 'HALTED';

/**
 * The operator stopped the account's trading: its own latest session event, else the global
 * one, is TradingSessionStopped. None recorded: trading (sessions before this rule behave as before).
 */
export const isSessionStopped = (v: ExecutionView, account: string): boolean =>
  (own(v.sessions.accounts, account) ?? v.sessions.global)?.state === 'stopped';
