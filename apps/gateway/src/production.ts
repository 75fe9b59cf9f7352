/**
 * Production wiring of the gateway: its settings, one venue adapter per owned account
 * (`venues.ts`: the simulator, a venue over loopback HTTP, or ccxt), and the venue engine of
 * @keel/venue-engine run by the runtime (docs/gateway.md). The in-process simulation runs
 * the same engine.
 */
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { KeelError, ValidationError } from '@keel/events';
import { AppMainSpec, AppPorts, AppProgram, runEngine } from '@keel/runtime';
import { createVenueEngine, GATEWAY_APP, RECENT_HORIZON_MS } from '@keel/venue-engine';
import { LEASE_BUCKET } from '@keel/bus';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import { Instrument } from '@keel/venue-domain';
import { instrumentOf, SimMarketSchema } from '@keel/venue-sim';
import { DEFAULT_SIM_TRADES, SIM_BTCUSDT } from './sim.venue';
import { credentialPrefix, list, openAdapters } from './venues';

export const GatewayConfig = {
  venue: Type.Union(
    [Type.Literal('sim'), Type.Literal('binanceusdm'), Type.Literal('okx'), Type.Literal('hyperliquid')],
    {
      default: 'sim',
      description:
        "venue: 'sim' (the simulator on recorded data) or a ccxt venue: 'binanceusdm', 'okx', 'hyperliquid'",
    },
  ),
  network: Type.Union([Type.Literal('testnet'), Type.Literal('live')], {
    default: 'testnet',
    description:
      "ccxt venues: 'testnet' (Binance demo trading, OKX demo, Hyperliquid testnet) or 'live' (real money: say so explicitly)",
  }),
  accountIds: Type.String({
    default: 'sim-1',
    pattern: '^[A-Za-z0-9_.:@-]+(,[A-Za-z0-9_.:@-]+)*$',
    description: 'owned accounts, comma-separated; ccxt credentials come from VENUE_<ACCOUNT>_* (venues.ts)',
  }),
  simTrades: Type.String({ default: DEFAULT_SIM_TRADES, description: 'sim: trades file (gzip CSV)' }),
  simQuotes: Type.String({ default: '', description: 'sim: quotes file (gzip CSV), empty for none' }),
  simDataStart: Type.String({
    default: '',
    pattern: '^$|^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$',
    description:
      "sim: the clock instant (ISO-8601 UTC) the data's first event lands on, e.g. the accelerated clock's KEEL_CLOCK_START; empty = when the venue starts",
  }),
  simVenue: Type.String({
    default: 'binanceusdm-sim',
    pattern: '^[a-z0-9][a-z0-9-]{0,39}$',
    description: "sim: the simulated venue's name, as its events and instruments carry it",
  }),
  simBalances: Type.String({
    default: 'USDT=1000000',
    description: 'sim: every owned account’s starting balances, ASSET=amount comma-separated',
  }),
  simMarkets: Type.Optional(
    Type.Array(SimMarketSchema, {
      description:
        "sim: the listed instruments with their recorded data and its shift onto the session's clock (keel demo); replaces simTrades/simQuotes/simDataStart",
    }),
  ),
  simMisbehave: Type.Optional(
    Type.Object(
      {
        lateApplyChance: Type.Number({ minimum: 0, maximum: 1 }),
        lateApplyMs: Type.Integer({ minimum: 0 }),
        forgetCancelledAfterMs: Type.Integer({ minimum: 0 }),
        fillDelayMs: Type.Integer({ minimum: 0 }),
        fillDropChance: Type.Number({ minimum: 0, maximum: 0.99 }),
        seed: Type.Integer(),
      },
      {
        additionalProperties: false,
        description:
          'sim in this process: misbehave like a real venue (some sends answered with a timeout and applied lateApplyMs later, cancelled orders forgotten, fills listed late or left out of a read), JSON; for tests and chaos runs',
      },
    ),
  ),
  instance: Type.String({
    default: '',
    pattern: '^$|^[a-z0-9][a-z0-9-]{0,29}$',
    description:
      'names this gateway when several run against one store (one per venue): its durable consumer and snapshot become gateway-<instance>',
  }),
  venueUrl: Type.String({
    default: '',
    description:
      'sim: venue(s) served over loopback HTTP, one URL per account (empty = simulator in process); ccxt: one origin every request goes to (tests against a stand-in server)',
  }),
  venueTimeoutMs: Type.Integer({
    default: 10_000,
    minimum: 100,
    description: 'ccxt: deadline of each venue request',
  }),
  okxBook: Type.Union([Type.Literal('usd'), Type.Literal('coin')], {
    default: 'usd',
    description: "okx: the sub-account's book: 'usd' (linear swaps) or 'coin' (inverse swaps)",
  }),
  cycleMs: Type.Integer({ default: 1000, minimum: 10, description: 'polling cycle' }),
  windowMs: Type.Integer({ default: 250, minimum: 0, description: 'coalescing window for identical reads' }),
  instruments: Type.String({
    default: 'BTC/USDT:USDT',
    description: 'subscribed instruments, comma-separated',
  }),
  reconcileFillsMs: Type.Integer({
    default: 24 * 3_600_000,
    minimum: 0,
    // The gateway remembers recorded fill ids for this long (hot state, recent-window.ts).
    maximum: RECENT_HORIZON_MS,
    description:
      'how far back start-up reconciliation reads fills (at most 48 h: the horizon of fill ids kept)',
  }),
  fillLookbackMs: Type.Integer({
    default: 10 * 60_000,
    minimum: 1000,
    description:
      'how long every instant is read again for fills after the first read over it (each read starts this long before the newest full read at least this old): longer than the venue ever takes to list a fill (an accelerated session scales it with its clock)',
  }),
  fundingPollMs: Type.Integer({
    default: 60_000,
    minimum: 10,
    description: 'how often each account’s funding payments are read and recorded as FundingPaid',
  }),
  leaseTtlMs: Type.Integer({
    default: 0,
    minimum: 0,
    description:
      'one gateway per account: when above 0, each owned account is leased in NATS key-value for this long (at least 500), renewed every third of it; a standby takes over this long after the owner stops. 0: off (the chaos demo still loses a fill with it on; docs/gateway.md)',
  }),
  notFoundHorizonMs: Type.Integer({
    default: 60_000,
    minimum: 0,
    description:
      'an order whose send timed out is believed absent only after look-ups over this long (the venue’s longest receive window); then it is sent again',
  }),
};
type Config = { [K in keyof typeof GatewayConfig]: Static<(typeof GatewayConfig)[K]> };

/** The simulator's listed instruments: the `simMarkets` ones (already checked by the schema), else BTCUSDT. */
const simInstruments = (config: Config): Instrument[] =>
  config.simMarkets === undefined
    ? [SIM_BTCUSDT]
    : config.simMarkets.flatMap((m) => {
        const i = instrumentOf(m.instrument);
        return E.isRight(i) ? [i.right] : [];
      });

export const startGateway = async (
  ports: AppPorts,
  config: Config & { snapshotEvery: number },
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<E.Either<KeelError, AppProgram>> => {
  // One owner per account: a lease per account in NATS key-value (docs/gateway.md).
  const leases =
    config.leaseTtlMs > 0 && ports.bus.leases
      ? await ports.bus.leases({
          bucket: LEASE_BUCKET,
          ttlMs: config.leaseTtlMs,
          owner: `${os.hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`,
        })()
      : undefined;
  if (leases && E.isLeft(leases)) return leases;
  const adapters = await openAdapters(config, list(config.accountIds), ports.clock, env);
  if (E.isLeft(adapters)) return adapters;
  const venue = createVenueEngine(
    {
      store: ports.store,
      clock: ports.clock,
      logger: ports.logger,
      registry: ports.metrics.registry,
      ...(leases ? { leases: leases.right } : {}),
    },
    {
      venue: config.venue,
      instruments: list(config.instruments),
      // A simulator in this process is known at once; one served over HTTP lists its own.
      ...(config.venue === 'sim' && !config.venueUrl ? { knownInstruments: simInstruments(config) } : {}),
      ...(config.instance ? { name: `${GATEWAY_APP}-${config.instance}` } : {}),
      // Hyperliquid serves public trades over its websocket only (ccxt's REST call returns the account's own fills).
      ...(config.venue === 'hyperliquid' ? { tradeInstruments: [] } : {}),
      ...(config.venue === 'okx' ? { okxBook: config.okxBook } : {}),
      cycleMs: config.cycleMs,
      windowMs: config.windowMs,
      reconcileFillsMs: config.reconcileFillsMs,
      fundingPollMs: config.fundingPollMs,
      fillLookbackMs: config.fillLookbackMs,
      notFoundHorizonMs: config.notFoundHorizonMs,
      credentialsPath: (accountId) => `${credentialPrefix(accountId)}API_KEY`,
    },
    adapters.right,
  );
  if (E.isLeft(venue)) {
    for (const a of adapters.right) await a.close();
    return venue;
  }
  return runEngine(venue.right.engine, ports, { snapshotEvery: config.snapshotEvery })();
};

export const gatewayMain: AppMainSpec<typeof GatewayConfig> = {
  name: GATEWAY_APP,
  defaultHttpPort: 8086,
  config: GatewayConfig,
  // A send the venue applies after the not-found horizon would be sent twice.
  validate: (config) =>
    config.leaseTtlMs > 0 && config.leaseTtlMs < 500
      ? E.left({
          _tag: 'ValidationError',
          path: 'KEEL_LEASE_TTL_MS',
          value: String(config.leaseTtlMs),
          message: 'must be 0 (off) or at least 500',
        } satisfies ValidationError)
      : config.simMisbehave && config.simMisbehave.lateApplyMs >= config.notFoundHorizonMs
        ? E.left({
            _tag: 'ValidationError',
            path: 'KEEL_SIM_MISBEHAVE',
            value: JSON.stringify(config.simMisbehave),
            message: `lateApplyMs must be under KEEL_NOT_FOUND_HORIZON_MS (${config.notFoundHorizonMs}): a send applied after the horizon is sent again`,
          } satisfies ValidationError)
        : E.right(undefined),
  start: (ports, config) => startGateway(ports, config),
};
