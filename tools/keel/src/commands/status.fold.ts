/**
 * What `keel status` reads from the store, as one pure fold: each account's latest equity, the
 * optimizer's risk state (`RiskStateChanged`, global and per account), the kill switches and the
 * operator's trading sessions (global and per account), and the working parent orders (started,
 * not yet completed) with their pauses and progress. The same rules as the apps' own folds: a
 * global session event overrides every account's own (execution.view.ts), a kill switch is
 * engaged until a release of its scope.
 */
import { EventData, EventType, RecordedEvent } from '@keel/events';

/** The event types the fold reads (the store is asked for these only). */
export const STATUS_EVENT_TYPES = [
  'AccountEquityUpdated',
  'RiskStateChanged',
  'KillSwitchEngaged',
  'KillSwitchReleased',
  'TradingSessionStopped',
  'TradingSessionStarted',
  'ParentOrderStarted',
  'ParentOrderPaused',
  'ParentOrderResumed',
  'ParentOrderProgressReported',
  'ParentOrderCompleted',
] as const satisfies readonly EventType[];

export interface StatusRisk {
  readonly state: EventData<'RiskStateChanged'>['to'];
  readonly cause: EventData<'RiskStateChanged'>['cause'];
  readonly detail: string;
  readonly since: string;
}

/** An operator control of a scope: engaged/stopped or not, by whom, why, when. */
export interface StatusControl {
  readonly on: boolean;
  readonly operator: string | null;
  readonly reason: string;
  readonly since: string;
}

export interface StatusScope {
  readonly risk: StatusRisk | null;
  readonly killSwitch: StatusControl | null;
  /** `on`: trading stopped. Null: never recorded (trading). */
  readonly sessionStopped: StatusControl | null;
}

export interface StatusAccount extends StatusScope {
  readonly accountId: string;
  readonly equity: {
    readonly currency: string;
    readonly equity: string;
    readonly unrealizedPnl: string | null;
    readonly stale: string | null;
    readonly asOf: string;
  } | null;
  /** What applies to the account, own and global together. */
  readonly effective: {
    readonly riskState: StatusRisk['state'];
    readonly killed: boolean;
    readonly trading: boolean;
  };
}

export interface StatusParentOrder {
  readonly parentOrderId: string;
  readonly accountId: string;
  readonly instrument: string;
  readonly side: 'buy' | 'sell';
  readonly qty: string;
  readonly fromPosition: string;
  readonly targetPosition: string;
  readonly startedAt: string;
  readonly deadline: string;
  /** The last progress report: filled vs scheduled by then (null before the first slice ended). */
  readonly progress: { readonly slice: number; readonly filled: string; readonly scheduled: string } | null;
  /** The pauses of its (account, instrument) now. */
  readonly paused: readonly string[];
}

export interface StatusFold {
  readonly global: StatusScope;
  readonly accounts: Readonly<Record<string, Omit<StatusAccount, 'accountId' | 'effective'>>>;
  readonly working: Readonly<Record<string, StatusParentOrder>>;
  /** `<account> <instrument>` → its pause reasons. */
  readonly pauses: Readonly<Record<string, readonly string[]>>;
}

const noScope: StatusScope = { risk: null, killSwitch: null, sessionStopped: null };
const emptyAccount: StatusFold['accounts'][string] = { ...noScope, equity: null };

export const initialStatusFold: StatusFold = { global: noScope, accounts: {}, working: {}, pauses: {} };

const own = <T>(r: Readonly<Record<string, T>>, k: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(r, k) ? r[k] : undefined;

const withScope = (
  f: StatusFold,
  d: { readonly scope: 'global' | 'account'; readonly accountId: string | null },
  change: (s: StatusScope) => Partial<StatusScope>,
): StatusFold => {
  if (d.scope === 'global') return { ...f, global: { ...f.global, ...change(f.global) } };
  if (d.accountId === null) return f;
  const a = own(f.accounts, d.accountId) ?? emptyAccount;
  return { ...f, accounts: { ...f.accounts, [d.accountId]: { ...a, ...change(a) } } };
};

const control = (on: boolean, d: { reason: string; operator?: string }, at: string): StatusControl => ({
  on,
  operator: d.operator ?? null,
  reason: d.reason,
  since: at,
});

const pauseKey = (accountId: string, instrument: string): string => `${accountId} ${instrument}`;

type StatusEventType = (typeof STATUS_EVENT_TYPES)[number];
const isStatusType = (t: string): t is StatusEventType =>
  (STATUS_EVENT_TYPES as readonly string[]).includes(t);

export const evolveStatus = (f: StatusFold, e: RecordedEvent): StatusFold => {
  const type = e.type;
  if (!isStatusType(type)) return f;
  switch (type) {
    case 'AccountEquityUpdated': {
      const d = (e as RecordedEvent<'AccountEquityUpdated'>).data;
      const a = own(f.accounts, d.accountId) ?? emptyAccount;
      const equity = {
        currency: d.currency,
        equity: d.equity,
        unrealizedPnl: d.unrealizedPnl,
        stale: d.stale,
        asOf: d.asOf,
      };
      return { ...f, accounts: { ...f.accounts, [d.accountId]: { ...a, equity } } };
    }
    case 'RiskStateChanged': {
      const d = (e as RecordedEvent<'RiskStateChanged'>).data;
      return withScope(f, d, () => ({
        risk: { state: d.to, cause: d.cause, detail: d.detail, since: e.occurredAt },
      }));
    }
    case 'KillSwitchEngaged':
    case 'KillSwitchReleased': {
      const d = (e as RecordedEvent<'KillSwitchEngaged'>).data;
      return withScope(f, d, () => ({
        killSwitch: control(e.type === 'KillSwitchEngaged', d, e.occurredAt),
      }));
    }
    case 'TradingSessionStopped':
    case 'TradingSessionStarted': {
      const d = (e as RecordedEvent<'TradingSessionStopped'>).data;
      const c = control(e.type === 'TradingSessionStopped', d, e.occurredAt);
      if (d.scope === 'global') {
        // The latest event covering an account decides: a global one clears every account's own.
        const accounts = Object.fromEntries(
          Object.entries(f.accounts).map(([id, a]) => [id, { ...a, sessionStopped: null }]),
        );
        return { ...f, global: { ...f.global, sessionStopped: c }, accounts };
      }
      return withScope(f, d, () => ({ sessionStopped: c }));
    }
    case 'ParentOrderStarted': {
      const d = (e as RecordedEvent<'ParentOrderStarted'>).data;
      const p: StatusParentOrder = {
        parentOrderId: d.parentOrderId,
        accountId: d.accountId,
        instrument: d.instrument,
        side: d.side,
        qty: d.qty,
        fromPosition: d.fromPosition,
        targetPosition: d.targetPosition,
        startedAt: e.occurredAt,
        deadline: d.deadline,
        progress: null,
        paused: [],
      };
      const accounts = own(f.accounts, d.accountId)
        ? f.accounts
        : { ...f.accounts, [d.accountId]: emptyAccount };
      return { ...f, accounts, working: { ...f.working, [d.parentOrderId]: p } };
    }
    case 'ParentOrderProgressReported': {
      const d = (e as RecordedEvent<'ParentOrderProgressReported'>).data;
      const p = own(f.working, d.parentOrderId);
      if (!p) return f;
      const progress = { slice: d.slice, filled: d.filled, scheduled: d.scheduled };
      return { ...f, working: { ...f.working, [d.parentOrderId]: { ...p, progress } } };
    }
    case 'ParentOrderCompleted': {
      const d = (e as RecordedEvent<'ParentOrderCompleted'>).data;
      const { [d.parentOrderId]: _done, ...working } = f.working;
      return { ...f, working };
    }
    case 'ParentOrderPaused':
    case 'ParentOrderResumed': {
      const d = (e as RecordedEvent<'ParentOrderPaused'>).data;
      const key = pauseKey(d.accountId, d.instrument);
      const now = own(f.pauses, key) ?? [];
      const next =
        e.type === 'ParentOrderPaused'
          ? now.includes(d.reason)
            ? now
            : [...now, d.reason]
          : now.filter((r) => r !== d.reason);
      return { ...f, pauses: { ...f.pauses, [key]: next } };
    }
    default: {
      const never: never = type;
      return never;
    }
  }
};

const RISK_ORDER: readonly StatusRisk['state'][] = ['ACTIVE', 'REDUCING', 'HALTED'];
/** The more restrictive of the account's own risk state and the global one. */
const stricter = (a: StatusRisk['state'], b: StatusRisk['state']): StatusRisk['state'] =>
  RISK_ORDER.indexOf(a) >= RISK_ORDER.indexOf(b) ? a : b;

/** The accounts (sorted) with what applies to each, and the working parent orders with their pauses. */
export const statusView = (
  f: StatusFold,
): {
  readonly global: StatusScope;
  readonly accounts: readonly StatusAccount[];
  readonly workingParentOrders: readonly StatusParentOrder[];
} => ({
  global: f.global,
  accounts: Object.keys(f.accounts)
    .sort()
    .map((accountId): StatusAccount => {
      const a = f.accounts[accountId] ?? emptyAccount;
      return {
        accountId,
        ...a,
        effective: {
          riskState: stricter(a.risk?.state ?? 'ACTIVE', f.global.risk?.state ?? 'ACTIVE'),
          killed: f.global.killSwitch?.on === true || a.killSwitch?.on === true,
          trading: !(a.sessionStopped ?? f.global.sessionStopped)?.on,
        },
      };
    }),
  workingParentOrders: Object.values(f.working)
    .map((p) => ({ ...p, paused: own(f.pauses, pauseKey(p.accountId, p.instrument)) ?? [] }))
    .sort((a, b) =>
      a.accountId === b.accountId
        ? a.instrument.localeCompare(b.instrument)
        : a.accountId.localeCompare(b.accountId),
    ),
});
