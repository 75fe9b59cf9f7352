/**
 * Start-up reconciliation of one venue account: compare what the venue says (open orders,
 * recent fills, positions, balances) with what the event log says, and produce the events
 * that are missing — including orders the gateway did not place (placed by hand, by another
 * system, or placed by us just before a crash that lost the OrderAccepted). The gateway takes
 * no new command for the account until these events are stored.
 *
 * Two pure steps: `reconcile` diffs the snapshot against the log and names the orders whose
 * fate only a look-up can tell (accepted and not closed in the log, no longer open at the
 * venue); `reconcileLookups` turns those look-ups into events. The log view (`AccountLog`)
 * is a fold of the gateway's own events and plain JSON, so it can live in the app's snapshot.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { EventMeta, newEvent, NewEvent, RecordedEvent, ValidationError } from '@keel/events';
import { Balance, Fill, Position, VenueOrder } from '@keel/venue-domain';
import { balanceReportedId, positionReportedId } from './account-snapshot';
import { acceptedEventId, cancelledEventId, fillEventId, fillEvents } from './order-placement';
import { emptyFundingLog, evolveFundingLog, fundingEventId, FundingLog } from './funding.record';
import {
  crossesBucket,
  emptyRecent,
  findRecent,
  hasRecent,
  pruneRecent,
  putRecent,
  RecentWindow,
  recentValues,
} from './recent-window';

export interface LoggedOrder {
  readonly instrument: string;
  readonly clientOrderId: string;
  readonly requested: boolean;
  /** The requested quantity; null for orders the gateway did not place (adopted). */
  readonly qty: string | null;
  readonly venueOrderId: string | null;
  /** 'filled' once the recorded fills reach the requested quantity. */
  readonly closed: 'rejected' | 'cancelled' | 'filled' | null;
  readonly filledQty: string;
  /** The log's time when the order entered it (epoch ms): its trades are read from there if the venue forgets it. */
  readonly since?: number;
}

/**
 * What the log says about one account (plain JSON). Hot state only: the orders still live,
 * and what the horizon needs of the rest (closed orders and recorded fill ids of the last
 * `RECENT_HORIZON_MS` of the log's time, recent-window.ts), so a fold step and a snapshot
 * cost the same however long the account has traded.
 */
export interface AccountLog {
  readonly accountId: string;
  /** Orders not closed yet (requested, accepted, partly filled): client order id → order. */
  readonly orders: Readonly<Record<string, LoggedOrder>>;
  /** Orders closed within the horizon (a late fill, or one without a client id, still finds its order). */
  readonly closed: RecentWindow<LoggedOrder>;
  /** Event ids of the fills recorded within the horizon (see `fillEventId`). */
  readonly fills: RecentWindow<true>;
  /** The log's time: the latest `occurredAt` of the account's events folded (epoch ms), the horizon's clock. */
  readonly at: number;
  /** The last PositionReported: instrument → signed qty. */
  readonly positions: Readonly<Record<string, string>> | null;
  /** Recorded funding payments: the poll cursor and the ids near it (funding.record.ts). */
  readonly funding: FundingLog;
}

export const emptyAccountLog = (accountId: string): AccountLog => ({
  accountId,
  orders: {},
  closed: emptyRecent,
  fills: emptyRecent,
  at: 0,
  positions: null,
  funding: emptyFundingLog,
});

/** The event types the log view folds. */
export const ACCOUNT_LOG_EVENT_TYPES = [
  'ChildOrderRequested',
  'OrderAccepted',
  'OrderRejected',
  'OrderFilled',
  'OrderCancelled',
  'PositionReported',
  'FundingPaid',
] as const;

/** The order as the log knows it: live, or closed within the horizon. */
export const loggedOrder = (log: AccountLog, clientOrderId: string): LoggedOrder | undefined =>
  log.orders[clientOrderId] ?? findRecent(log.closed, clientOrderId);

/** The recorded fill ids, as `fillEvents` asks of them. */
export const recordedFills = (log: AccountLog): { has(fillEventId: string): boolean } => ({
  has: (id) => hasRecent(log.fills, id),
});

/** Live and recently closed orders (what start-up reconciliation and fill attribution look through). */
export const knownOrders = (log: AccountLog): LoggedOrder[] => [
  ...Object.values(log.orders),
  ...recentValues(log.closed),
];

const order = (log: AccountLog, instrument: string, clientOrderId: string): LoggedOrder =>
  loggedOrder(log, clientOrderId) ?? {
    instrument,
    clientOrderId,
    requested: false,
    qty: null,
    venueOrderId: null,
    closed: null,
    filledQty: '0',
    since: log.at,
  };

/** The log as of one of its account's events: its clock moves on, and what fell past the horizon goes. */
const tick = (log: AccountLog, event: RecordedEvent): AccountLog => {
  const t = Date.parse(event.occurredAt);
  if (!(t > log.at)) return log;
  if (!crossesBucket(log.at, t)) return { ...log, at: t };
  return { ...log, at: t, closed: pruneRecent(log.closed, t), fills: pruneRecent(log.fills, t) };
};

/** Keep an order where it belongs: live ones in `orders`, closed ones in the horizon window. */
const withOrder = (log: AccountLog, o: LoggedOrder): AccountLog => {
  if (o.closed === null) return { ...log, orders: { ...log.orders, [o.clientOrderId]: o } };
  const { [o.clientOrderId]: _left, ...live } = log.orders;
  return { ...log, orders: live, closed: putRecent(log.closed, log.at, o.clientOrderId, o) };
};

/** Fold one event into the account's log view; events of other accounts are ignored. */
export const evolveAccountLog = (log: AccountLog, event: RecordedEvent): AccountLog => {
  switch (event.type) {
    case 'ChildOrderRequested': {
      const d = event.data;
      if (d.accountId !== log.accountId) return log;
      const l = tick(log, event);
      return withOrder(l, { ...order(l, d.instrument, d.clientOrderId), requested: true, qty: d.qty });
    }
    case 'OrderAccepted': {
      const d = event.data;
      if (d.accountId !== log.accountId) return log;
      const l = tick(log, event);
      return withOrder(l, { ...order(l, d.instrument, d.clientOrderId), venueOrderId: d.venueOrderId });
    }
    case 'OrderRejected': {
      const d = event.data;
      if (d.accountId !== log.accountId) return log;
      const l = tick(log, event);
      return withOrder(l, { ...order(l, d.instrument, d.clientOrderId), closed: 'rejected' });
    }
    case 'OrderCancelled': {
      const d = event.data;
      if (d.accountId !== log.accountId) return log;
      const l = tick(log, event);
      return withOrder(l, { ...order(l, d.instrument, d.clientOrderId), closed: 'cancelled' });
    }
    case 'OrderFilled': {
      const d = event.data;
      if (d.accountId !== log.accountId) return log;
      const l = tick(log, event);
      const o = order(l, d.instrument, d.clientOrderId);
      const filledQty = new Decimal(o.filledQty).plus(d.qty);
      const full = o.closed === null && o.qty !== null && filledQty.gte(o.qty);
      const withFill = withOrder(l, {
        ...o,
        filledQty: filledQty.toFixed(),
        closed: full ? 'filled' : o.closed,
      });
      return {
        ...withFill,
        fills: putRecent(withFill.fills, l.at, fillEventId(d.accountId, d.instrument, d.tradeId), true),
      };
    }
    case 'PositionReported': {
      const d = event.data;
      return d.accountId !== log.accountId
        ? log
        : {
            ...tick(log, event),
            positions: Object.fromEntries(d.positions.map((p) => [p.instrument, p.qty])),
          };
    }
    case 'FundingPaid': {
      const d = event.data;
      return d.accountId !== log.accountId
        ? log
        : {
            ...tick(log, event),
            funding: evolveFundingLog(
              log.funding,
              fundingEventId(d.accountId, d.instrument, d.fundingId),
              Date.parse(d.venueAt),
            ),
          };
    }
    case 'PredictionReceived':
    case 'TargetPositionSet':
    case 'ContractTargetSet':
    case 'ChildOrderCancelRequested':
    case 'ParentOrderStarted':
    case 'ChildOrderAccepted':
    case 'ChildOrderRejected':
    case 'ChildOrderFilled':
    case 'ChildOrderCancelled':
    case 'ParentOrderPaused':
    case 'ParentOrderResumed':
    case 'ParentOrderProgressReported':
    case 'ParentOrderSuperseded':
    case 'ParentOrderCompleted':
    case 'ParentOrderRejected':
    case 'QuoteUpdated':
    case 'TradePrinted':
    case 'BalanceReported':
    case 'AccountHalted':
    case 'InstrumentsListed':
    case 'AccountEquityUpdated':
    case 'AccountSnapshotReported':
    case 'AccountSnapshotRejected':
    case 'PortfolioValued':
    case 'PositionDriftDetected':
    case 'PnlUpdated':
    case 'ContractMapped':
    case 'RollScheduled':
    case 'RollCompleted':
    case 'DeliveryRiskAlert':
    case 'KillSwitchEngaged':
    case 'KillSwitchReleased':
    case 'TradingSessionStopped':
    case 'TradingSessionStarted':
    case 'TargetWithheld':
    case 'TargetLimited':
    case 'RiskStateChanged':
    case 'OptimizerConfigApplied':
      return log;
    default: {
      const never: never = event;
      return never;
    }
  }
};

/** What the venue says about the account at start-up. */
export interface VenueSnapshot {
  readonly venue: string;
  readonly openOrders: readonly VenueOrder[];
  /** Fills since the reconciliation horizon (e.g. the last recorded fill, or 24 h). */
  readonly fills: readonly Fill[];
  readonly positions: readonly Position[];
  readonly balances: readonly Balance[];
}

export interface PositionDrift {
  readonly instrument: string;
  readonly logged: string;
  readonly venue: string;
}

export interface Reconciliation {
  /** The events to store before taking any command, in order. */
  readonly events: readonly NewEvent[];
  /** Accepted, not closed in the log, no longer open at the venue: look each up by client id. */
  readonly lookUp: readonly { readonly instrument: string; readonly clientOrderId: string }[];
  /** Requested, with no outcome in the log and not open at the venue: the placement workflow looks them up (in doubt). */
  readonly inDoubt: readonly string[];
  /** Orders open at the venue that the log did not know (placed outside the gateway or lost in a crash). */
  readonly adopted: readonly string[];
  /** Positions that differ from the last recorded snapshot (for the log; the new snapshot records the venue's). */
  readonly positionDrift: readonly PositionDrift[];
}

/** A client order id for an order placed outside Keel without one. */
const clientIdOf = (o: { readonly clientOrderId: string; readonly venueOrderId: string }): string =>
  o.clientOrderId.trim() !== '' ? o.clientOrderId : `venue-${o.venueOrderId}`;

/**
 * Diff the venue against the log. `runId` names this reconciliation (e.g. the start-up
 * instant): snapshot event ids derive from it, so a retried write of the same run is a no-op.
 */
export const reconcile = (
  log: AccountLog,
  venue: VenueSnapshot,
  runId: string,
  meta: EventMeta,
): E.Either<ValidationError, Reconciliation> => {
  const accountId = log.accountId;
  const out: E.Either<ValidationError, NewEvent>[] = [];
  const adopted: string[] = [];
  const known = new Set<string>();
  const accept = (instrument: string, clientOrderId: string, venueOrderId: string): void => {
    if (known.has(clientOrderId)) return;
    known.add(clientOrderId);
    const ref = { accountId, instrument, clientOrderId };
    out.push(newEvent('OrderAccepted', acceptedEventId(ref), { ...ref, venueOrderId }, meta));
  };
  for (const o of knownOrders(log)) if (o.venueOrderId !== null) known.add(o.clientOrderId);

  const openIds = new Set<string>();
  for (const v of venue.openOrders) {
    const id = clientIdOf(v);
    openIds.add(id);
    if (!known.has(id)) {
      if (!loggedOrder(log, id)?.requested) adopted.push(id);
      accept(v.symbol, id, v.venueOrderId);
    }
  }
  // A fill of an order the log never saw accepted: record the acceptance first.
  for (const f of venue.fills) accept(f.symbol, clientIdOf(f), f.venueOrderId);
  const fills = fillEvents(
    accountId,
    venue.fills.map((f) => ({ ...f, clientOrderId: clientIdOf(f) })),
    recordedFills(log),
    meta,
  );
  const refusedFill = fills.refused[0];
  if (refusedFill) return E.left(refusedFill.error);

  const lookUp: { instrument: string; clientOrderId: string }[] = [];
  const inDoubt: string[] = [];
  const filledAtVenue = new Set(venue.fills.map(clientIdOf));
  for (const o of Object.values(log.orders)) {
    if (o.closed !== null || openIds.has(o.clientOrderId)) continue;
    if (o.venueOrderId !== null) lookUp.push({ instrument: o.instrument, clientOrderId: o.clientOrderId });
    else if (o.requested && !filledAtVenue.has(o.clientOrderId)) inDoubt.push(o.clientOrderId);
  }

  const positionsData = {
    accountId,
    venue: venue.venue,
    positions: venue.positions.map((p) => ({
      instrument: p.symbol,
      qty: p.qty.toFixed(),
      entryPrice: p.entryPrice === null ? null : p.entryPrice.toFixed(),
    })),
  };
  const balancesData = {
    accountId,
    venue: venue.venue,
    balances: venue.balances.map((b) => ({
      asset: b.asset,
      total: b.total.toFixed(),
      free: b.free.toFixed(),
    })),
  };
  const snapshots = [
    newEvent('PositionReported', positionReportedId(accountId, runId), positionsData, meta),
    newEvent('BalanceReported', balanceReportedId(accountId, runId), balancesData, meta),
  ];

  return E.map((events: readonly NewEvent[]) => ({
    events: [...events.slice(0, out.length), ...fills.events, ...events.slice(out.length)],
    lookUp,
    inDoubt,
    adopted,
    positionDrift: positionDrift(log.positions, venue.positions),
  }))(E.sequenceArray([...out, ...snapshots]));
};

const positionDrift = (logged: AccountLog['positions'], venue: readonly Position[]): PositionDrift[] => {
  if (logged === null) return [];
  const atVenue = new Map(venue.map((p) => [p.symbol, p.qty]));
  const instruments = new Set([...Object.keys(logged), ...atVenue.keys()]);
  const drift: PositionDrift[] = [];
  for (const i of [...instruments].sort()) {
    const l = new Decimal(logged[i] ?? 0);
    const v = atVenue.get(i) ?? new Decimal(0);
    if (!l.eq(v)) drift.push({ instrument: i, logged: l.toFixed(), venue: v.toFixed() });
  }
  return drift;
};

/**
 * Events for the orders `reconcile` asked to look up: those the venue closed while we were away.
 * An order the venue no longer knows (Binance forgets unfilled cancelled orders after 3 days,
 * every order after 90) is settled from its trades: `fills` are the venue's fills read for it
 * (by client or venue order id, over its life); those the log lacks are recorded, and the order
 * is recorded as cancelled with what they add up to, unless they fill it.
 */
export const reconcileLookups = (
  log: AccountLog,
  found: readonly {
    readonly instrument: string;
    readonly clientOrderId: string;
    readonly order: VenueOrder | null;
    readonly fills?: readonly Fill[];
  }[],
  meta: EventMeta,
): E.Either<ValidationError, readonly NewEvent[]> => {
  const out: E.Either<ValidationError, NewEvent>[] = [];
  for (const { instrument, clientOrderId, order: o, fills } of found) {
    const ref = { accountId: log.accountId, instrument, clientOrderId };
    if (o && (o.status === 'open' || o.status === 'partiallyFilled' || o.status === 'filled')) continue;
    const logged = log.orders[clientOrderId];
    let filledQty = new Decimal(o ? o.filledQty : (logged?.filledQty ?? '0'));
    if (!o && fills && fills.length > 0) {
      const recorded = fillEvents(
        log.accountId,
        fills.map((f) => ({ ...f, clientOrderId })),
        recordedFills(log),
        meta,
      );
      const refused = recorded.refused[0];
      if (refused) return E.left(refused.error);
      out.push(...recorded.events.map((e) => E.right(e)));
      for (const e of recorded.events) if (e.type === 'OrderFilled') filledQty = filledQty.plus(e.data.qty);
      // Its trades fill it: the fold closes it as filled, nothing was cancelled.
      if (logged?.qty != null && filledQty.gte(logged.qty)) continue;
    }
    const reason = o
      ? `venue reports the order ${o.status} (found at reconciliation)`
      : 'the venue no longer knows the order (found at reconciliation)';
    out.push(
      newEvent(
        'OrderCancelled',
        cancelledEventId(ref),
        { ...ref, filledQty: filledQty.toFixed(), reason },
        meta,
      ),
    );
  }
  return E.sequenceArray(out);
};
