/**
 * Production wiring of the gateway: config → ports → program (libs/venue/gateway README,
 * "How apps/gateway composes them").
 *
 * Per account: venue adapter (simulator in process, or a venue served over loopback HTTP) →
 * rate budget → request coalescer. Start-up: replay each account's log, reconcile it with the
 * venue and store the difference; only then the folding app `gateway` starts consuming
 * (/readyz is false until start-up is done). A timer runs `runCycle` every `cycleMs` and
 * stores what it found (snapshots, fills, closed orders, funding payments, quotes, trades).
 */
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { EventMeta, InfrastructureError, KeelError, streamName } from '@keel/events';
import { AppPorts, AppProgram, AppMainSpec, startFoldingApp } from '@keel/runtime';
import { Instrument } from '@keel/venue-domain';
import {
  ACCOUNT_LOG_EVENT_TYPES,
  AccountLog,
  AccountPhase,
  CoalescingAdapter,
  createRequestCoalescer,
  createVenueBudgets,
  RateBudget,
  CycleState,
  DEFAULT_CYCLE_SETTINGS,
  emptyAccountLog,
  evolveAccountLog,
  initialMarketData,
  instrumentsListed,
  reconcile,
  reconcileLookups,
  runCycle,
  VENUE_LIMITS,
} from '@keel/venue-gateway';
import { appendIdempotent, gatewayApp, venueStream } from './gateway.app';
import { registerGatewayMetrics } from './gateway.metrics';
import { DEFAULT_SIM_TRADES, SIM_BTCUSDT } from './sim.venue';
import { credentialPrefix, list, openAdapters } from './venues';

export const GatewayConfig = {
  venue: Type.Union([Type.Literal('sim'), Type.Literal('binanceusdm'), Type.Literal('okx'), Type.Literal('hyperliquid')], {
    default: 'sim',
    description: "venue: 'sim' (the simulator on recorded data) or a ccxt venue: 'binanceusdm', 'okx', 'hyperliquid'",
  }),
  network: Type.Union([Type.Literal('testnet'), Type.Literal('live')], {
    default: 'testnet',
    description: "ccxt venues: 'testnet' (Binance demo trading, OKX demo, Hyperliquid testnet) or 'live' (real money: say so explicitly)",
  }),
  accountIds: Type.String({ default: 'sim-1', pattern: '^[A-Za-z0-9_.:@-]+(,[A-Za-z0-9_.:@-]+)*$', description: 'owned accounts, comma-separated; ccxt credentials come from VENUE_<ACCOUNT>_* (venues.ts)' }),
  simTrades: Type.String({ default: DEFAULT_SIM_TRADES, description: 'sim: trades file (gzip CSV)' }),
  simQuotes: Type.String({ default: '', description: 'sim: quotes file (gzip CSV), empty for none' }),
  venueUrl: Type.String({
    default: '',
    description: 'sim: venue(s) served over loopback HTTP, one URL per account (empty = simulator in process); ccxt: one origin every request goes to (tests against a stand-in server)',
  }),
  venueTimeoutMs: Type.Integer({ default: 10_000, minimum: 100, description: 'ccxt: deadline of each venue request' }),
  okxBook: Type.Union([Type.Literal('usd'), Type.Literal('coin')], { default: 'usd', description: "okx: the sub-account's book: 'usd' (linear swaps) or 'coin' (inverse swaps)" }),
  cycleMs: Type.Integer({ default: 1000, minimum: 10, description: 'polling cycle' }),
  windowMs: Type.Integer({ default: 250, minimum: 0, description: 'coalescing window for identical reads' }),
  instruments: Type.String({ default: 'BTC/USDT:USDT', description: 'subscribed instruments, comma-separated' }),
  reconcileFillsMs: Type.Integer({ default: 24 * 3_600_000, minimum: 0, description: 'how far back start-up reconciliation reads fills' }),
  fundingPollMs: Type.Integer({ default: 60_000, minimum: 10, description: 'how often each account’s funding payments are read and recorded as FundingPaid' }),
};
type Config = { [K in keyof typeof GatewayConfig]: Static<(typeof GatewayConfig)[K]> };

const infra = (op: string, message: string): InfrastructureError => ({ _tag: 'InfrastructureError', component: 'gateway', op, message });

/** The venue refused the account's credentials at start-up: asking again cannot help. */
class CredentialsRefused extends Error {
  constructor(
    readonly accountId: string,
    readonly venueMessage: string,
  ) {
    super(`the venue refused the credentials of account ${accountId}: ${venueMessage}`);
  }
}

/** Keep asking until the venue answers (start-up must not proceed on a guess); refused credentials end it. */
const untilRight = async <A>(ports: AppPorts, what: string, f: () => Promise<E.Either<unknown, A>>, stopped: () => boolean, accountId = ''): Promise<{ readonly v: A } | null> => {
  for (let attempt = 1; !stopped(); attempt++) {
    const r = await f();
    if (E.isRight(r)) return { v: r.right };
    const err = r.left as { readonly _tag?: string; readonly message?: string };
    if (err._tag === 'VenueAuthFailed') throw new CredentialsRefused(accountId, err.message ?? '');
    ports.logger.warn({ err: JSON.stringify(r.left), attempt }, `${what} failed; retrying`);
    await ports.clock.sleep(Math.min(5000, 200 * 2 ** attempt));
  }
  return null;
};

/** Replay the account's log from the store. */
const replayLog = async (ports: AppPorts, accountId: string): Promise<E.Either<KeelError, AccountLog>> => {
  let log = emptyAccountLog(accountId);
  for (let after = 0; ; ) {
    const page = await ports.store.readAll({ after, maxCount: 4096, filter: { eventTypes: ACCOUNT_LOG_EVENT_TYPES } })();
    if (E.isLeft(page)) return page;
    for (const e of page.right.events) log = evolveAccountLog(log, e);
    after = page.right.lastPosition;
    if (page.right.isEnd) return E.right(log);
  }
};

/** Start-up reconciliation of one account: store what the venue knows and the log does not. */
const reconcileAccount = async (ports: AppPorts, venue: CoalescingAdapter, config: Config, stopped: () => boolean): Promise<E.Either<KeelError, void>> => {
  const log = await replayLog(ports, venue.accountId);
  if (E.isLeft(log)) return log;
  const now = ports.clock.now();
  const read = <A>(what: string, f: () => Promise<E.Either<unknown, A>>) => untilRight(ports, `${venue.accountId} ${what}`, f, stopped, venue.accountId);
  const open = await read('fetchOpenOrders', () => venue.fetchOpenOrders(null)());
  const positions = await read('fetchPositions', () => venue.fetchPositions()());
  const balances = await read('fetchBalances', () => venue.fetchBalances()());
  if (open === null || positions === null || balances === null) return E.left(infra('reconcile', 'stopped'));
  const symbols = [...new Set([...Object.values(log.right.orders).map((o) => o.instrument), ...open.v.map((o) => o.symbol)])].sort();
  const fills = [];
  for (const s of symbols) {
    const f = await read(`fetchFills ${s}`, () => venue.fetchFills(s, now - config.reconcileFillsMs)());
    if (f === null) return E.left(infra('reconcile', 'stopped'));
    fills.push(...f.v);
  }
  const meta: EventMeta = { correlationId: `gateway-start-${now}`, causationId: null, producer: 'gateway', occurredAt: new Date(now).toISOString() };
  const rec = reconcile(log.right, { venue: venue.venue, openOrders: open.v, fills, positions: positions.v, balances: balances.v }, `start-${now}`, meta);
  if (E.isLeft(rec)) return rec;
  const stream = venueStream(venue.accountId);
  await appendIdempotent(ports.store, stream, rec.right.events);
  const found = [];
  for (const o of rec.right.lookUp) {
    const r = await read(`fetchOrder ${o.clientOrderId}`, () => venue.fetchOrderByClientId(o.instrument, o.clientOrderId)());
    if (r === null) return E.left(infra('reconcile', 'stopped'));
    found.push({ ...o, order: r.v });
  }
  const closed = reconcileLookups(log.right, found, meta);
  if (E.isLeft(closed)) return closed;
  await appendIdempotent(ports.store, stream, closed.right);
  ports.logger.info(
    { accountId: venue.accountId, stored: rec.right.events.length + closed.right.length, adopted: rec.right.adopted, inDoubt: rec.right.inDoubt, drift: rec.right.positionDrift },
    'account reconciled',
  );
  return E.right(undefined);
};

export const startGateway = async (
  ports: AppPorts,
  config: Config & { snapshotEvery: number },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<E.Either<KeelError, AppProgram>> => {
  const { store, clock, logger } = ports;
  const accountIds = list(config.accountIds);
  let stopped = false;
  const head = await store.headPosition()();
  if (E.isLeft(head)) return head;
  const startPosition = head.right;

  const adapters = await openAdapters(config, accountIds, clock, env);
  if (E.isLeft(adapters)) return adapters;
  const first = adapters.right[0];
  if (!first) return E.left({ _tag: 'ValidationError', path: 'KEEL_ACCOUNT_IDS', value: config.accountIds, message: 'no account' } as KeelError);
  // One budget for what the venue counts per IP, one per account for what it counts per account.
  const budgets = createVenueBudgets(VENUE_LIMITS[config.venue], clock, (op) => first.weight(op));
  const venues = new Map<string, CoalescingAdapter>();
  const accountBudgets = new Map<string, RateBudget>();
  for (const adapter of adapters.right) {
    const budget = budgets.forAccount();
    accountBudgets.set(adapter.accountId, budget);
    venues.set(adapter.accountId, createRequestCoalescer(adapter, { windowMs: config.windowMs, clock, budget }));
  }
  // Instruments as the venue lists them (rounding rules for every order); asked until it answers.
  const instruments = new Map<string, Instrument>(config.venue === 'sim' ? [[SIM_BTCUSDT.symbol, SIM_BTCUSDT]] : []);
  // Every account of a venue lists the same instruments: ask once, through the first.
  const lister = venues.get(first.accountId) ?? first;
  const listed = await untilRight(ports, `${first.accountId} loadInstruments`, () => lister.loadInstruments()(), () => stopped);
  if (listed === null) return E.left(infra('loadInstruments', 'stopped'));
  for (const i of listed.v) instruments.set(i.symbol, i);
  const unknown = list(config.instruments).filter((s) => !instruments.has(s));
  if (unknown.length > 0) return E.left({ _tag: 'ValidationError', path: 'KEEL_INSTRUMENTS', value: config.instruments, message: `${config.venue} does not list ${unknown.join(', ')}` } as KeelError);

  // Publish the rules loaded, for execution to size and price orders by (same rules → same event id).
  const listing = instrumentsListed(first.venue, accountIds, [...instruments.values()], {
    correlationId: `gateway-instruments-${first.venue}`,
    causationId: null,
    producer: 'gateway',
    occurredAt: new Date(clock.now()).toISOString(),
  });
  if (E.isLeft(listing)) return listing;
  const published = await untilRight(
    ports,
    'publish InstrumentsListed',
    () => appendIdempotent(store, listing.right.stream, [listing.right.event]).then(() => E.right(true), (e: unknown) => E.left(String(e))),
    () => stopped,
  );
  if (published === null) return E.left(infra('publish InstrumentsListed', 'stopped'));

  // Start-up gate: every account reconciled before any command is taken.
  const phases: Record<string, { phase: AccountPhase; reason: string | null }> = Object.fromEntries(accountIds.map((a) => [a, { phase: 'Reconciling' as AccountPhase, reason: null }]));
  for (const v of venues.values()) {
    const r = await reconcileAccount(ports, v, config, () => stopped);
    if (E.isLeft(r)) return r;
    phases[v.accountId] = { phase: 'Ready', reason: null };
  }

  const metrics = registerGatewayMetrics(ports.metrics.registry, { venues, budgets: accountBudgets, phases, now: () => clock.now() });
  const app = gatewayApp(accountIds, { store, clock, logger, venues, instruments, startPosition, phases, metrics });
  const running = await startFoldingApp(app, ports, { snapshotEvery: config.snapshotEvery });
  if (E.isLeft(running)) return running;

  // The polling cycle.
  const marketData = [...venues.values()][0];
  if (!marketData) return E.left({ _tag: 'ValidationError', path: 'KEEL_ACCOUNT_IDS', value: config.accountIds, message: 'no account' } as KeelError);
  const startedAt = clock.now();
  const mdStream = streamName('venue', `md.${marketData.venue}`);
  if (E.isLeft(mdStream)) return mdStream;
  let cycleState: CycleState = { marketData: initialMarketData, snapshots: {} };
  let n = 0;
  let cancelTimer: (() => void) | null = null;
  let inCycle: Promise<void> = Promise.resolve();
  // Market data for the configured instruments and for every listed instrument the owned accounts have orders in.
  const subscribed = (logs: Readonly<Record<string, AccountLog>>): string[] =>
    [...new Set([...list(config.instruments), ...Object.values(logs).flatMap((l) => Object.values(l.orders).map((o) => o.instrument))])].filter((s) => instruments.has(s)).sort();
  const cycle = async (): Promise<void> => {
    const now = clock.now();
    const timer = metrics.cycleSeconds.startTimer();
    const name = `${startedAt}-${n++}`;
    const meta: EventMeta = { correlationId: `gateway-cycle-${name}`, causationId: null, producer: 'gateway', occurredAt: new Date(now).toISOString() };
    const logs = running.right.state().logs;
    const out = await runCycle({
      venue: marketData.venue,
      marketData,
      accounts: [...venues.values()].map((adapter) => ({ adapter, log: logs[adapter.accountId] ?? emptyAccountLog(adapter.accountId) })),
      instruments: subscribed(logs),
      // Hyperliquid serves public trades over its websocket only (ccxt's REST call returns the account's own fills).
      ...(config.venue === 'hyperliquid' ? { tradeInstruments: [] } : {}),
      state: cycleState,
      cycle: name,
      now,
      meta,
      settings: { ...DEFAULT_CYCLE_SETTINGS, fundingPollMs: config.fundingPollMs },
    });
    cycleState = out.state;
    for (const [accountId, events] of Object.entries(out.accountEvents)) await appendIdempotent(store, venueStream(accountId), events);
    await appendIdempotent(store, mdStream.right, out.marketEvents);
    timer();
    metrics.cycleReadErrors.inc(out.errors.length);
    if (out.errors.length > 0) logger.warn({ errors: out.errors.map((e) => JSON.stringify(e)).slice(0, 5) }, 'cycle: some reads failed');
  };
  const schedule = (): void => {
    if (stopped) return;
    cancelTimer = clock.setTimer('gateway-cycle', clock.now() + config.cycleMs, () => {
      inCycle = cycle()
        .catch((e: unknown) => logger.warn({ err: String(e) }, 'cycle failed; the next one asks again'))
        .finally(schedule);
    });
  };
  schedule();
  logger.info({ accounts: accountIds, startPosition }, 'gateway started');

  return E.right({
    checks: { reconciled: async () => Object.values(phases).every((p) => p.phase !== 'Reconciling') },
    stop: async () => {
      stopped = true;
      cancelTimer?.();
      await inCycle;
      await running.right.stop();
      for (const a of adapters.right) await a.close();
    },
  });
};

export const gatewayMain: AppMainSpec<typeof GatewayConfig> = {
  name: 'gateway',
  defaultHttpPort: 8086,
  config: GatewayConfig,
  start: (ports, config) =>
    startGateway(ports, config).catch((e: unknown) =>
      E.left(
        e instanceof CredentialsRefused
          ? ({ _tag: 'ValidationError', path: `${credentialPrefix(e.accountId)}API_KEY`, value: '', message: e.message } as KeelError)
          : infra('start', String(e)),
      ),
    ),
};
