/**
 * One polling cycle of the gateway: everything the apps need from the venue, each asked once.
 * - Per account (through its coalescer): balances and positions (once per cycle), the account
 *   whole (once per cycle: AccountSnapshotReported / Rejected, whole-account.snapshot.ts), open orders
 *   of all symbols (once), fills of the instruments with orders not closed in the log (accepted
 *   or still in flight) or open at the venue, a look-up of every order the log thinks is live
 *   but the venue no longer lists, and every `fundingPollMs` the funding payments since the
 *   log's cursor (funding.record.ts).
 * - Per subscribed instrument (through the market-data coalescer): top of book and trades.
 * Returns the events to record (per account, and market data) and the new throttle state;
 * the app appends them and folds them back into its `AccountLog`s. A failed read skips its
 * part of the cycle (reported in `errors`); the next cycle asks again.
 */
import * as E from 'fp-ts/Either';
import { EventMeta, NewEvent, ValidationError } from '@keel/events';
import { AccountContext } from '@keel/venue-accounts';
import { VenueError } from '@keel/venue-domain';
import { initialSnapshots, snapshotEvents, SnapshotState } from './account-snapshot';
import { accountSnapshotEvents } from './whole-account.snapshot';
import {
  DEFAULT_THROTTLE,
  MarketDataState,
  ThrottleSettings,
  throttleQuote,
  throttleTrades,
  tradeCursor,
} from './market-data.throttle';
import { attributeFill, fillEvents } from './order-placement';
import { fundingEvents, fundingSince } from './funding.record';
import { AccountLog, LoggedOrder, reconcileLookups, recordedFills } from './reconciliation';
import { recentValues } from './recent-window';
import { CoalescingAdapter } from './request-coalescer';

export interface CycleState {
  readonly marketData: MarketDataState;
  readonly snapshots: Readonly<Record<string, SnapshotState>>;
  /**
   * When each account's funding was last read (epoch ms). Only a polling pace: what was
   * recorded, and from where to ask, comes from the log. Missing: ask in the next cycle.
   */
  readonly fundingPolledAt?: Readonly<Record<string, number>>;
  /**
   * When each account's fills were read in full lately (epoch ms, ascending; see `fillsSince`):
   * where the next read starts. Missing: from now.
   */
  readonly fillsReadAt?: Readonly<Record<string, readonly number[]>>;
}

/**
 * Where the next read of an account's fills starts, from the times of its recent full reads.
 * A venue may list a fill late, or leave it out of one read and list it in the next, so every
 * instant is read again for `lookbackMs` after the first read that covered it: the read starts
 * a look-back before the newest full read at least a look-back old (the oldest one known, if
 * none is). Reading on from the last read alone would not do: after a gap between reads longer
 * than the look-back (a restart's replay, a busy loop, an outage) a fill the first read after
 * it missed would never be asked for again.
 */
export const fillsSince = (reads: readonly number[] | undefined, now: number, lookbackMs: number): number => {
  if (reads === undefined || reads.length === 0) return now - lookbackMs;
  let from = reads[0] as number;
  for (const r of reads) {
    if (r > now - lookbackMs) break;
    from = r;
  }
  return Math.min(from, now) - lookbackMs;
};

/**
 * The recent full reads after one at `at`: only what `fillsSince` can still pick (the newest at
 * least a look-back old, and those after it), thinned to one per 1/16 look-back, which can only
 * move a start earlier; a time from a clock since stepped back is dropped.
 */
export const withFillsRead = (
  reads: readonly number[] | undefined,
  at: number,
  lookbackMs: number,
): number[] => {
  const kept = (reads ?? []).filter((r) => r <= at);
  const last = kept[kept.length - 1];
  if (last === undefined || at - last >= lookbackMs / 16) kept.push(at);
  let i = 0;
  while (i + 1 < kept.length && (kept[i + 1] as number) <= at - lookbackMs) i++;
  return kept.slice(i);
};

export interface CycleSettings {
  readonly throttle: ThrottleSettings;
  readonly snapshotHeartbeatMs: number;
  /** How far back each cycle asks for fills; trade-id dedupe makes the overlap harmless. */
  readonly fillLookbackMs: number;
  /** How often funding payments are read (they settle every 1–8 h). */
  readonly fundingPollMs: number;
  /** How far back the first read of an account's funding goes (nothing recorded yet). */
  readonly fundingHorizonMs: number;
}

export const DEFAULT_CYCLE_SETTINGS: CycleSettings = {
  throttle: DEFAULT_THROTTLE,
  snapshotHeartbeatMs: 60_000,
  fillLookbackMs: 10 * 60_000,
  fundingPollMs: 60_000,
  fundingHorizonMs: 24 * 3_600_000,
};

export interface CycleInput {
  readonly venue: string;
  readonly marketData: CoalescingAdapter;
  /**
   * Each account's coalescer, what the log says about it, and what its account model needs
   * besides the venue's bodies (the listed instruments, OKX's book); default: no instruments.
   */
  readonly accounts: readonly {
    readonly adapter: CoalescingAdapter;
    readonly log: AccountLog;
    readonly context?: AccountContext;
  }[];
  readonly instruments: readonly string[];
  /** Of those, the ones whose public trades are polled (default: all; a venue that serves them only over a websocket: none). */
  readonly tradeInstruments?: readonly string[];
  readonly state: CycleState;
  /** Names the cycle (snapshot ids derive from it). */
  readonly cycle: string;
  readonly now: number;
  readonly meta: EventMeta;
  readonly settings?: CycleSettings;
}

export interface CycleOutput {
  readonly state: CycleState;
  readonly accountEvents: Readonly<Record<string, readonly NewEvent[]>>;
  readonly marketEvents: readonly NewEvent[];
  readonly errors: readonly (VenueError | ValidationError)[];
}

const LIVE = new Set(['open', 'partiallyFilled']);

// The account log is folded immutably (a new `orders` / `closed` object whenever one changes), so
// what a cycle derives from them is derived once per version, not on every cycle.
const liveOrders = new WeakMap<AccountLog['orders'], readonly LoggedOrder[]>();
const liveInLogOf = (orders: AccountLog['orders']): readonly LoggedOrder[] => {
  let live = liveOrders.get(orders);
  if (live === undefined) {
    live = Object.values(orders).filter((o) => o.venueOrderId !== null && o.closed === null);
    liveOrders.set(orders, live);
  }
  return live;
};
const instrumentsOf = new WeakMap<AccountLog['orders'], readonly string[]>();
/**
 * The instruments of the orders the log holds (only orders not closed: requested, accepted or
 * partly filled), derived once per version of `orders`.
 */
export const orderInstrumentsOf = (orders: AccountLog['orders']): readonly string[] => {
  let known = instrumentsOf.get(orders);
  if (known === undefined) {
    known = [...new Set(Object.values(orders).map((o) => o.instrument))];
    instrumentsOf.set(orders, known);
  }
  return known;
};
const venueIds = (orders: Iterable<LoggedOrder>): Map<string, string> => {
  const ids = new Map<string, string>();
  for (const o of orders) if (o.venueOrderId !== null) ids.set(o.venueOrderId, o.clientOrderId);
  return ids;
};
const closedByVenueId = new WeakMap<AccountLog['closed'], ReadonlyMap<string, string>>();
/**
 * Venue order id → client order id of every order the log knows by its venue id (live, or
 * closed within the horizon). Built on the first look-up only: it is asked only for a fill
 * without a client id (Binance's), and `log.closed` is a new window whenever an order closes,
 * so building it every cycle cost a scan of every order closed within the horizon, per cycle
 * (a third of the CPU of a 2-hour, 21,000-child `twap-sim` run).
 */
const clientIdsByVenueId = (log: AccountLog): ((venueOrderId: string) => string | undefined) => {
  let live: ReadonlyMap<string, string> | null = null;
  let closed: ReadonlyMap<string, string> | undefined;
  return (v) => {
    live ??= venueIds(Object.values(log.orders));
    const hit = live.get(v);
    if (hit !== undefined) return hit;
    closed ??= closedByVenueId.get(log.closed);
    if (closed === undefined) {
      closed = venueIds(recentValues(log.closed));
      closedByVenueId.set(log.closed, closed);
    }
    return closed.get(v);
  };
};

export const runCycle = async (input: CycleInput): Promise<CycleOutput> => {
  const settings = input.settings ?? DEFAULT_CYCLE_SETTINGS;
  const errors: (VenueError | ValidationError)[] = [];
  const ok = <A>(r: E.Either<VenueError | ValidationError, A>): A | null => {
    if (E.isRight(r)) return r.right;
    errors.push(r.left);
    return null;
  };

  const accountRuns = input.accounts.map(async ({ adapter, log, context }) => {
    adapter.beginCycle();
    const [balances, positions, open, whole] = await Promise.all([
      adapter.fetchBalances()(),
      adapter.fetchPositions()(),
      adapter.fetchOpenOrders(null)(),
      adapter.fetchAccount()(),
    ]);
    const events: NewEvent[] = [];
    const prev = input.state.snapshots[log.accountId] ?? initialSnapshots;
    const accountCycle = {
      accountId: log.accountId,
      venue: input.venue,
      cycle: input.cycle,
      now: input.now,
      heartbeatMs: settings.snapshotHeartbeatMs,
    };
    const snap = ok(
      snapshotEvents(prev, accountCycle, { balances: ok(balances), positions: ok(positions) }, input.meta),
    );
    if (snap) events.push(...snap.events);
    let snapshots = snap?.state ?? prev;
    const read = ok(whole);
    const account = read
      ? ok(accountSnapshotEvents(snapshots, accountCycle, read, context ?? { instruments: [] }, input.meta))
      : null;
    if (account) {
      events.push(...account.events);
      snapshots = account.state;
    }

    const openOrders = ok(open);
    const liveInLog = liveInLogOf(log.orders);
    // Fills are read for every instrument with an order not closed in the log, accepted or still
    // on its way: an order can fill before its acceptance is folded (a market order fills on
    // arrival), and the read window moves on for the whole account each cycle, so an instrument
    // left out while its only order was in flight would never be read over that fill.
    const instruments = new Set([
      ...orderInstrumentsOf(log.orders),
      ...(openOrders ?? []).map((o) => o.symbol),
    ]);
    const reads = input.state.fillsReadAt?.[log.accountId];
    const since = fillsSince(reads, input.now, settings.fillLookbackMs);
    const fills = await Promise.all([...instruments].sort().map((s) => adapter.fetchFills(s, since)()));
    // A failed read moves nothing on: the next asks from the same place.
    const fillsReadAt = fills.every(E.isRight)
      ? withFillsRead(reads, input.now, settings.fillLookbackMs)
      : (reads ?? [input.now]);
    // A fill without a client id (Binance's) is attributed by its venue order id, never held back.
    const known = clientIdsByVenueId(log);
    const fresh = fillEvents(
      log.accountId,
      fills.flatMap((f) => ok(f) ?? []).map((f) => attributeFill(f, known)),
      recordedFills(log),
      input.meta,
    );
    events.push(...fresh.events);
    for (const r of fresh.refused) errors.push(r.error);

    if (openOrders) {
      const listed = new Set(openOrders.filter((o) => LIVE.has(o.status)).map((o) => o.clientOrderId));
      const vanished = liveInLog.filter((o) => !listed.has(o.clientOrderId));
      const found = await Promise.all(
        vanished.map(async (o) => ({
          o,
          r: await adapter.fetchOrderByClientId(o.instrument, o.clientOrderId)(),
        })),
      );
      const closed = ok(
        reconcileLookups(
          log,
          found.flatMap(({ o, r }) => {
            const order = ok(r);
            return E.isRight(r) ? [{ instrument: o.instrument, clientOrderId: o.clientOrderId, order }] : [];
          }),
          input.meta,
        ),
      );
      if (closed) events.push(...closed);
    }

    let fundingPolledAt = input.state.fundingPolledAt?.[log.accountId];
    if (fundingPolledAt === undefined || input.now - fundingPolledAt >= settings.fundingPollMs) {
      const since = fundingSince(log.funding, input.now, settings.fundingHorizonMs);
      const paid = ok(await adapter.fetchFunding(since)());
      if (paid) {
        const recorded = fundingEvents(log.accountId, paid, log.funding, since, input.meta);
        events.push(...recorded.events);
        errors.push(...recorded.errors);
        fundingPolledAt = input.now;
      }
    }
    return { accountId: log.accountId, events, snapshots, fundingPolledAt, fillsReadAt };
  });

  let marketData = input.state.marketData;
  const marketEvents: NewEvent[] = [];
  const polled = new Set(input.tradeInstruments ?? input.instruments);
  const reads = await Promise.all(
    input.instruments.map(async (s) => ({
      s,
      book: await input.marketData.fetchTopOfBook(s)(),
      trades: polled.has(s)
        ? await input.marketData.fetchTrades(s, tradeCursor(marketData, s))()
        : E.right([]),
    })),
  );
  for (const { s, book, trades } of reads) {
    const b = ok(book);
    const q = b
      ? ok(throttleQuote(marketData, input.venue, b, input.now, input.meta, settings.throttle))
      : null;
    if (q) {
      marketData = q.state;
      marketEvents.push(...q.events);
    }
    const ts = ok(trades);
    const t = ts ? ok(throttleTrades(marketData, input.venue, s, ts, input.meta, settings.throttle)) : null;
    if (t) {
      marketData = t.state;
      marketEvents.push(...t.events);
    }
  }

  const accounts = await Promise.all(accountRuns);
  return {
    state: {
      marketData,
      snapshots: {
        ...input.state.snapshots,
        ...Object.fromEntries(accounts.map((a) => [a.accountId, a.snapshots])),
      },
      fillsReadAt: {
        ...input.state.fillsReadAt,
        ...Object.fromEntries(accounts.map((a) => [a.accountId, a.fillsReadAt])),
      },
      fundingPolledAt: {
        ...input.state.fundingPolledAt,
        ...Object.fromEntries(
          accounts.flatMap((a) =>
            a.fundingPolledAt === undefined ? [] : [[a.accountId, a.fundingPolledAt]],
          ),
        ),
      },
    },
    accountEvents: Object.fromEntries(accounts.map((a) => [a.accountId, a.events])),
    marketEvents,
    errors,
  };
};
