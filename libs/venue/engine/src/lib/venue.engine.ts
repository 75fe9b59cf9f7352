/**
 * The venue engine: the gateway's application layer, written against ports (store, clock,
 * logger, metrics registry, one venue adapter per owned account) so the same object runs in
 * the gateway process and inside the in-process simulation (`libs/simulation`).
 *
 * Per account: venue adapter → rate budget → request coalescer. Start-up (`prepare`): list
 * the venue's instruments (`InstrumentsListed`, for execution's rounding), replay each
 * account's log, reconcile it with the venue and store the difference; only then does the
 * folding app (`gateway.app.ts`: placements, cancels) consume. A ticker runs `runCycle`
 * every `cycleMs` and stores what it found (snapshots, fills, closed orders, funding, quotes,
 * trades).
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Registry } from 'prom-client';
import {
  appSnapshotKey,
  EventMeta,
  InfrastructureError,
  KeelError,
  NewEvent,
  streamName,
  ValidationError,
} from '@keel/events';
import { appendIgnoringDuplicates, EventStore, foldLog } from '@keel/event-store';
import { acquireLease, HeldLease, Leases } from '@keel/bus';
import { Clock, Engine, Logger } from '@keel/runtime';
import { Instrument, VenueAdapter } from '@keel/venue-domain';
import {
  ACCOUNT_LOG_EVENT_TYPES,
  AccountLog,
  emptyAccountLog,
  evolveAccountLog,
  knownOrders,
  loggedOrder,
  reconcile,
  reconcileLookups,
} from './reconciliation';
import { AccountPhase } from './command-gate';
import { CoalescingAdapter, createRequestCoalescer } from './request-coalescer';
import { createVenueBudgets, RateBudget, VENUE_LIMITS } from './rate-budget';
import { instrumentsListed } from './instruments-listed';
import {
  CycleOutput,
  CycleState,
  DEFAULT_CYCLE_SETTINGS,
  orderInstrumentsOf,
  runCycle,
} from './gateway.cycle';
import { initialMarketData } from './market-data.throttle';
import { gatewayApp, gatewayProjection, GatewayState, snapshotLogs, venueStream } from './gateway.app';
import { GatewayMetrics, registerGatewayMetrics } from './gateway.metrics';
import { DEFAULT_PLACEMENT_SETTINGS } from './order-placement';

export const GATEWAY_APP = 'gateway';

export interface VenueEngineSettings {
  /** The app's name: its durable consumer and snapshot (default `gateway`; `gateway-<instance>` when several run). */
  readonly name?: string;
  /** Whose rate limits apply. */
  readonly venue: keyof typeof VENUE_LIMITS;
  /** Subscribed instruments (quotes and trades recorded each cycle). */
  readonly instruments: readonly string[];
  /** Instruments known before the venue lists any (the simulator's). */
  readonly knownInstruments?: readonly Instrument[];
  /** Instruments whose public trades are read (default: every subscribed one). */
  readonly tradeInstruments?: readonly string[];
  readonly cycleMs: number;
  readonly windowMs: number;
  /** How far back start-up reconciliation reads fills. */
  readonly reconcileFillsMs: number;
  readonly fundingPollMs: number;
  /**
   * How far back each cycle reads fills from its last full read (default 10 min): longer than
   * the venue ever takes to list a fill, or a late-listed fill is never read while running.
   */
  readonly fillLookbackMs?: number;
  /** OKX: the book (sub-account) the accounts trade, for their account model. */
  readonly okxBook?: 'usd' | 'coin';
  /** Where an account's credentials are configured (named when the venue refuses them). */
  readonly credentialsPath?: (accountId: string) => string;
  /** How long an order in doubt must stay "not found" before that is believed (default 60 s; order-placement.ts). */
  readonly notFoundHorizonMs?: number;
}

export interface VenuePorts {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * One owner per account (a lease per account, `account.<id>`, e.g. in NATS key-value): start-up
   * waits for each owned account's lease (a standby waits here), and nothing is sent for an
   * account whose lease is not held. Without it this process is the only owner by construction
   * (the simulation, tests).
   */
  readonly leases?: Leases;
}

/** The lease key of one venue account. */
export const accountLeaseKey = (accountId: string): string => `account.${accountId}`;

export interface VenueEngine {
  readonly engine: Engine<GatewayState>;
}

const infra = (op: string, message: string): InfrastructureError => ({
  _tag: 'InfrastructureError',
  component: GATEWAY_APP,
  op,
  message,
});

export const createVenueEngine = (
  ports: VenuePorts,
  settings: VenueEngineSettings,
  adapters: readonly VenueAdapter[],
): E.Either<KeelError, VenueEngine> => {
  const { store, clock, logger } = ports;
  const first = adapters[0];
  if (!first)
    return E.left({
      _tag: 'ValidationError',
      path: 'KEEL_ACCOUNT_IDS',
      value: '',
      message: 'no account',
    } satisfies ValidationError);
  const accountIds = adapters.map((a) => a.accountId);
  let stopped = false;
  const { leases } = ports;
  const held: HeldLease[] = [];
  /** Whether this process may act for the account now (it holds the lease; always, without leases). */
  const owns = (accountId: string): boolean => !leases || leases.holds(accountLeaseKey(accountId));
  /** Wait for the account's lease (as a standby while another process holds it), then keep it. */
  const acquire = async (accountId: string): Promise<E.Either<KeelError, void>> => {
    if (!leases) return E.right(undefined);
    const lease = await acquireLease(leases, accountLeaseKey(accountId), {
      waiting: (owner) =>
        logger.warn(
          { accountId, owner, ttlMs: leases.ttlMs },
          owner === null
            ? 'account lease: the lease store does not answer; waiting'
            : 'account lease held by another gateway: waiting as a standby',
        ),
      lost: (owner) =>
        logger.error(
          { accountId, owner },
          'account lease lost to another gateway: nothing more is sent for the account (restart to run as a standby)',
        ),
      stopped: () => stopped,
    });
    if (lease === null) return E.left(infra(`lease ${accountId}`, 'stopped before the lease was held'));
    held.push(lease);
    logger.info({ accountId, owner: leases.owner }, 'account lease held');
    return E.right(undefined);
  };

  // One budget for what the venue counts per IP, one per account for what it counts per account.
  const budgets = createVenueBudgets(VENUE_LIMITS[settings.venue], clock, (op) => first.weight(op));
  const venues = new Map<string, CoalescingAdapter>();
  const accountBudgets = new Map<string, RateBudget>();
  for (const adapter of adapters) {
    const budget = budgets.forAccount();
    accountBudgets.set(adapter.accountId, budget);
    venues.set(
      adapter.accountId,
      createRequestCoalescer(adapter, { windowMs: settings.windowMs, clock, budget }),
    );
  }
  const instruments = new Map<string, Instrument>(
    (settings.knownInstruments ?? []).map((i) => [i.symbol, i]),
  );
  const phases: Record<string, { phase: AccountPhase; reason: string | null }> = Object.fromEntries(
    accountIds.map((a) => [a, { phase: 'Reconciling' as AccountPhase, reason: null }]),
  );
  const metrics: GatewayMetrics = registerGatewayMetrics(ports.registry, {
    venues,
    budgets: accountBudgets,
    phases,
    now: () => clock.now(),
  });
  let startPosition = 0;

  /** Keep asking until the venue answers (start-up must not proceed on a guess); refused credentials end it. */
  const untilRight =
    <A>(what: string, f: () => Promise<E.Either<unknown, A>>, accountId = ''): TE.TaskEither<KeelError, A> =>
    async () => {
      for (let attempt = 1; !stopped; attempt++) {
        const r = await f();
        if (E.isRight(r)) return r;
        const err = r.left as { readonly _tag?: string; readonly message?: string };
        if (err._tag === 'VenueAuthFailed')
          return E.left({
            _tag: 'ValidationError',
            path: settings.credentialsPath?.(accountId) ?? `credentials/${accountId}`,
            value: '',
            message: `the venue refused the credentials of account ${accountId}: ${err.message ?? ''}`,
          } satisfies ValidationError);
        logger.warn({ err: JSON.stringify(r.left), attempt }, `${what} failed; retrying`);
        await clock.sleep(Math.min(5000, 200 * 2 ** attempt));
      }
      return E.left(infra(what, 'stopped'));
    };
  const append = (stream: string, events: readonly NewEvent[]): TE.TaskEither<KeelError, void> =>
    pipe(
      appendIgnoringDuplicates(store, stream, events),
      TE.map(() => undefined),
    );
  const meta = (correlationId: string, now: number): EventMeta => ({
    correlationId,
    causationId: null,
    producer: GATEWAY_APP,
    occurredAt: new Date(now).toISOString(),
  });

  /** The owned accounts' logs as of the app's snapshot (when taken by this projection version), and its position. */
  interface Folded {
    readonly logs: GatewayState['logs'];
    readonly position: number;
  }
  const appName = settings.name ?? GATEWAY_APP;
  const fromSnapshot = (): TE.TaskEither<KeelError, Folded> =>
    pipe(
      store.loadSnapshot(appSnapshotKey(appName)),
      TE.map((snap) => {
        const p = gatewayProjection(accountIds);
        const logs =
          snap && snap.version === p.version && (p.resumesFrom?.(snap.state) ?? true)
            ? snapshotLogs(snap.state)
            : undefined;
        return logs && snap ? { logs, position: snap.position } : { logs: {}, position: 0 };
      }),
    );

  /**
   * Each owned account's log once start-up reconciliation has stored what it found, for the
   * replay that follows (`logAtStart` in gateway.app.ts); dropped once the app has started.
   */
  const logsAtStart = new Map<string, AccountLog>();
  /** When start-up reconciliation read each account's fills: the first cycle reads on from there. */
  const fillsReadAtStart: Record<string, readonly number[]> = {};
  /** Start-up reconciliation of one account, its log folded on from the snapshot: store what the venue knows and the log does not. */
  const reconcileAccount =
    (venue: CoalescingAdapter, from: Folded): TE.TaskEither<KeelError, void> =>
    async () => {
      // An account the snapshot does not hold (newly given to this gateway) is folded from the start.
      const base = from.logs[venue.accountId];
      const log = await foldLog(store, base ?? emptyAccountLog(venue.accountId), evolveAccountLog, {
        after: base ? from.position : 0,
        filter: { eventTypes: ACCOUNT_LOG_EVENT_TYPES },
      })();
      if (E.isLeft(log)) return log;
      const logged = log.right.state;
      const now = clock.now();
      const read = <A>(what: string, f: () => Promise<E.Either<unknown, A>>) =>
        untilRight(`${venue.accountId} ${what}`, f, venue.accountId)();
      const open = await read('fetchOpenOrders', () => venue.fetchOpenOrders(null)());
      if (E.isLeft(open)) return open;
      const positions = await read('fetchPositions', () => venue.fetchPositions()());
      if (E.isLeft(positions)) return positions;
      const balances = await read('fetchBalances', () => venue.fetchBalances()());
      if (E.isLeft(balances)) return balances;
      const symbols = [
        ...new Set([...knownOrders(logged).map((o) => o.instrument), ...open.right.map((o) => o.symbol)]),
      ].sort();
      const fills = [];
      for (const s of symbols) {
        const f = await read(`fetchFills ${s}`, () => venue.fetchFills(s, now - settings.reconcileFillsMs)());
        if (E.isLeft(f)) return f;
        fills.push(...f.right);
      }
      const m = meta(`gateway-start-${now}`, now);
      const rec = reconcile(
        logged,
        {
          venue: venue.venue,
          openOrders: open.right,
          fills,
          positions: positions.right,
          balances: balances.right,
        },
        `start-${now}`,
        m,
      );
      if (E.isLeft(rec)) return rec;
      const stream = venueStream(venue.accountId);
      const stored = await append(stream, rec.right.events)();
      if (E.isLeft(stored)) return stored;
      fillsReadAtStart[venue.accountId] = [now];
      const found = [];
      for (const o of rec.right.lookUp) {
        const r = await read(`fetchOrder ${o.clientOrderId}`, () =>
          venue.fetchOrderByClientId(o.instrument, o.clientOrderId)(),
        );
        if (E.isLeft(r)) return r;
        if (r.right !== null) {
          found.push({ ...o, order: r.right });
          continue;
        }
        // The venue no longer knows it (Binance forgets orders): settle it from its trades,
        // read over its life when it began before the fills read above.
        const lo = loggedOrder(logged, o.clientOrderId);
        const windowStart = now - settings.reconcileFillsMs;
        const since = lo?.since !== undefined && lo.since < windowStart ? lo.since - 60_000 : null;
        const more =
          since === null
            ? E.right(fills)
            : await read(`fetchFills ${o.instrument} since the order`, () =>
                venue.fetchFills(o.instrument, since)(),
              );
        if (E.isLeft(more)) return more;
        const ofOrder = more.right.filter(
          (f) =>
            f.clientOrderId === o.clientOrderId ||
            (lo?.venueOrderId != null && f.venueOrderId === lo.venueOrderId),
        );
        found.push({ ...o, order: null, fills: ofOrder });
      }
      const closed = reconcileLookups(logged, found, m);
      if (E.isLeft(closed)) return closed;
      const storedClosed = await append(stream, closed.right)();
      if (E.isLeft(storedClosed)) return storedClosed;
      const settled = await foldLog(store, logged, evolveAccountLog, {
        after: log.right.position,
        filter: { eventTypes: ACCOUNT_LOG_EVENT_TYPES },
      })();
      if (E.isLeft(settled)) return settled;
      logsAtStart.set(venue.accountId, settled.right.state);
      logger.info(
        {
          accountId: venue.accountId,
          stored: rec.right.events.length + closed.right.length,
          adopted: rec.right.adopted,
          inDoubt: rec.right.inDoubt,
          drift: rec.right.positionDrift,
        },
        'account reconciled',
      );
      return E.right(undefined);
    };

  /** Instruments as the venue lists them (rounding rules for every order), published for execution. */
  const listInstruments = (): TE.TaskEither<KeelError, void> => async () => {
    // Every account of a venue lists the same instruments: ask once, through the first.
    const lister = venues.get(first.accountId) ?? first;
    const listed = await untilRight(`${first.accountId} loadInstruments`, () => lister.loadInstruments()())();
    if (E.isLeft(listed)) return listed;
    for (const i of listed.right) instruments.set(i.symbol, i);
    const unknown = settings.instruments.filter((s) => !instruments.has(s));
    if (unknown.length > 0)
      return E.left({
        _tag: 'ValidationError',
        path: 'KEEL_INSTRUMENTS',
        value: settings.instruments.join(','),
        message: `${first.venue} does not list ${unknown.join(', ')}`,
      } satisfies ValidationError);
    // Same rules → same event id.
    const listing = instrumentsListed(
      first.venue,
      accountIds,
      [...instruments.values()],
      meta(`gateway-instruments-${first.venue}`, clock.now()),
    );
    if (E.isLeft(listing)) return listing;
    return untilRight('publish InstrumentsListed', () =>
      append(listing.right.stream, [listing.right.event])(),
    )();
  };

  const app = gatewayApp(accountIds, {
    name: appName,
    store,
    clock,
    logger,
    venues,
    instruments,
    get startPosition() {
      return startPosition;
    },
    phases,
    metrics,
    owns,
    logAtStart: (accountId) => logsAtStart.get(accountId),
    ...(settings.notFoundHorizonMs !== undefined
      ? { placement: { ...DEFAULT_PLACEMENT_SETTINGS, notFoundHorizonMs: settings.notFoundHorizonMs } }
      : {}),
  });

  // ---- the polling cycle ----------------------------------------------------------------------
  let state: (() => GatewayState) | null = null;
  let cycleState: CycleState = {
    marketData: initialMarketData,
    snapshots: {},
    fillsReadAt: fillsReadAtStart,
  };
  // Market data for the configured instruments and for every listed instrument the owned accounts have live orders in.
  const subscribed = (logs: Readonly<Record<string, AccountLog>>): string[] =>
    [
      ...new Set([
        ...settings.instruments,
        ...Object.values(logs).flatMap((l) => orderInstrumentsOf(l.orders)),
      ]),
    ]
      .filter((s) => instruments.has(s))
      .sort();
  const marketData = venues.get(first.accountId) as CoalescingAdapter;
  /** One poll as of its grid instant: the facts it records carry that time, and ids derived from it. */
  const cycle = (now: number): TE.TaskEither<KeelError, void> => {
    const timer = metrics.cycleSeconds.startTimer();
    const name = String(now);
    const logs = state?.().logs ?? {};
    // What the account models need besides the bodies: the instruments listed at start-up.
    const context = {
      instruments: [...instruments.values()],
      ...(settings.okxBook ? { okxBook: settings.okxBook } : {}),
    };
    const read = (): Promise<CycleOutput> =>
      runCycle({
        venue: marketData.venue,
        marketData,
        // Every owned account, lease or not: the cycle only reads and records facts (ids derive
        // from their cause, so another owner recording the same fill is a no-op); only sends
        // need the lease. A lease that lapses for a moment under load must not hold fills back.
        accounts: [...venues.values()].map((adapter) => ({
          adapter,
          log: logs[adapter.accountId] ?? emptyAccountLog(adapter.accountId),
          context,
        })),
        instruments: subscribed(logs),
        ...(settings.tradeInstruments ? { tradeInstruments: settings.tradeInstruments } : {}),
        state: cycleState,
        cycle: name,
        now,
        meta: meta(`gateway-cycle-${name}`, now),
        settings: {
          ...DEFAULT_CYCLE_SETTINGS,
          fundingPollMs: settings.fundingPollMs,
          ...(settings.fillLookbackMs !== undefined ? { fillLookbackMs: settings.fillLookbackMs } : {}),
        },
      });
    const storeAccounts =
      (out: CycleOutput): TE.TaskEither<KeelError, void> =>
      async () => {
        for (const [accountId, events] of Object.entries(out.accountEvents)) {
          const r = await append(venueStream(accountId), events)();
          if (E.isLeft(r)) return r;
        }
        return E.right(undefined);
      };
    return pipe(
      TE.fromEither(streamName('venue', `md.${marketData.venue}`)),
      TE.chain((mdStream) =>
        pipe(
          TE.fromTask(read),
          TE.chainFirst(storeAccounts),
          TE.chainFirst((out) => append(mdStream, out.marketEvents)),
        ),
      ),
      // The cycle's state (quote throttle, trade cursors, funding pace) moves on only once what
      // it found is stored: after a store outage the next cycle finds it again.
      TE.map((out) => {
        cycleState = out.state;
        timer();
        metrics.cycleReadErrors.inc(out.errors.length);
        if (out.errors.length > 0)
          logger.warn(
            { errors: out.errors.map((e) => JSON.stringify(e)).slice(0, 5) },
            'cycle: some reads failed',
          );
      }),
    );
  };

  const engine: Engine<GatewayState> = {
    app,
    prepare: () => async () => {
      const head = await store.headPosition()();
      if (E.isLeft(head)) return head;
      startPosition = head.right;
      const listed = await listInstruments()();
      if (E.isLeft(listed)) return listed;
      // Start-up gate: every account reconciled before any command is taken.
      const from = await fromSnapshot()();
      if (E.isLeft(from)) return from;
      for (const v of venues.values()) {
        const lease = await acquire(v.accountId);
        if (E.isLeft(lease)) return lease;
        const r = await reconcileAccount(v, from.right)();
        if (E.isLeft(r)) return r;
        phases[v.accountId] = { phase: 'Ready', reason: null };
      }
      return E.right(undefined);
    },
    started: (running) => {
      state = () => running.state();
      // The replay is over: what comes now is folded before it is reacted to.
      logsAtStart.clear();
      logger.info({ accounts: accountIds, startPosition }, 'gateway started');
      return TE.right(undefined);
    },
    tickers: [{ name: 'gateway-cycle', everyMs: settings.cycleMs, work: (at) => cycle(at)() }],
    checks: {
      reconciled: async () => Object.values(phases).every((p) => p.phase !== 'Reconciling'),
      leases: async () => accountIds.every(owns),
    },
    stopping: async () => {
      stopped = true;
    },
    stopped: async () => {
      // Given up at a clean stop: a standby takes the accounts without waiting out the ttl.
      for (const lease of held.splice(0)) await lease.release();
      for (const a of adapters) await a.close();
    },
  };
  return E.right({ engine });
};
