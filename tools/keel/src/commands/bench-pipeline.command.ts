/**
 * `keel bench pipeline [--rate 1000] [--seconds 30] [--accounts 100] [--json]`: a prediction
 * sent over HTTP to the `ChildOrderRequested` it leads to, through real NATS and the embedded
 * store, at a paced rate (docs/benchmarks.md, "Pipeline").
 *
 * One process hosts what the apps run, built the way their production wiring builds it: a
 * nats-server (@keel/testing), a fresh embedded SQLite store, the relay, and the engines of
 * prediction-ingest (behind its HTTP transport), the optimizer, execution and the gateway (the
 * simulator on the recorded BTCUSDT tape, one simulated account per account), each engine on its
 * own NATS connection and durable consumer, run by `runEngine`. In process, not as processes:
 * cheaper on two cores, and the figures are the same engines' (apps are their settings plus
 * this wiring). The load comes from another process (`bench/pipeline-load.cjs`), open-loop.
 *
 * The world: one model per account (`m-k` → strategy `s-k` → account `acc-k`), each model's
 * signal alternating ±0.5, a deadband and hysteresis of 0, execution sending market-only
 * children with one slice: so a prediction moves one account to a new target whose parent order
 * requests its child on execution's next tick. Nothing here is a special case in the engines.
 *
 * Latency is traced by ids, never guessed: ChildOrderRequested.parentOrderId → that parent's
 * ParentOrderStarted.targetId → the TargetPositionSet with that event id → its causationId, the
 * PredictionReceived → its predictionId → the request's send instant in the load generator.
 * The end instant is when the bench's own durable JetStream consumer receives the child request
 * (what the gateway's consumer sees); the store's recordedAt gives the append instant (ms).
 * Baseline, same run: send → PredictionReceived received the same way (intake + store + relay
 * + NATS, no decision), and `vsBaseline` the ratio of the medians.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { deriveId, EventData, EventType, newEvent, NewEvent } from '@keel/events';
import { EventStore, openSqliteEventStore } from '@keel/event-store';
import { connectNatsBus, Consumer, EventBus } from '@keel/bus';
import { startRelay } from '@keel/relay';
import { Clock, createLogger, createMetrics, createRealClock, runEngine, RunningEngine } from '@keel/runtime';
import { createIngestEngine, instrumentUniverse } from '@keel/prediction-engine';
import { startHttpIntake } from '@keel/prediction-intake';
import { OptimizerConfigText, resolveOptimizerConfig } from '@keel/portfolio-domain';
import { createOptimizerEngine } from '@keel/portfolio-engine';
import { createExecutionEngine } from '@keel/execution-engine';
import { createVenueEngine } from '@keel/venue-engine';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket, SimulatedVenue } from '@keel/venue-sim';
import { startNatsServer, tempDir } from '@keel/testing';
import { intFlag, parseFlags, UsageError } from '../cli.io';
import type { Command } from './command';
import { r2 } from './bench.timing';
import { Seen, Sent, trace } from './bench-pipeline.trace';

const BTC = BINANCE_USDM_BTCUSDT.symbol;
const LOAD_SCRIPT = path.join(__dirname, '../bench/pipeline-load.cjs');
const TRADES = path.resolve(
  __dirname,
  '../../../../libs/venue/sim/test-data/binance-usdm-btcusdt-trades-2024-10-28T1542-5min.csv.gz',
);
const OBSERVED: readonly EventType[] = [
  'PredictionReceived',
  'TargetPositionSet',
  'ParentOrderStarted',
  'ParentOrderSuperseded',
  'ChildOrderRequested',
];

export interface PipelineOptions {
  readonly rate: number;
  readonly seconds: number;
  readonly accounts: number;
  /** Execution's decision tick (ms): a new parent's first child waits for it. */
  readonly tickMs: number;
  readonly progress: (msg: string) => void;
}

const unwrap = <A>(what: string, e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(`${what}: ${JSON.stringify(e.left)}`);
  return e.right;
};
const nowMs = (): number => performance.timeOrigin + performance.now();

const keyOf = (k: number) => ({
  keyId: `bench-key-${k}`,
  modelId: `m-${k}`,
  secret: `bench-secret-${k}-`.padEnd(48, 'x'),
});

/** The optimizer document: account k follows model k alone; every target change is sent. */
export const pipelineOptimizerDocument = (accounts: number): OptimizerConfigText => {
  const ks = Array.from({ length: accounts }, (_, k) => k);
  return {
    models: Object.fromEntries(ks.map((k) => [`m-${k}`, { decay: 'none' as const }])),
    strategies: Object.fromEntries(
      ks.map((k) => [`s-${k}`, { models: { [`m-${k}`]: 1 }, method: 'signal' as const, volTarget: null }]),
    ),
    instruments: { [BTC]: {} },
    accounts: Object.fromEntries(
      ks.map((k) => [`acc-${k}`, { strategies: { [`s-${k}`]: { budget: 1 } }, leverage: 1 }]),
    ),
    risk: { equityMaxAgeSec: 86_400, priceMaxAgeSec: 86_400, deadband: 0, hysteresis: 0 },
    tickMs: 60_000,
  };
};

const runLoad = (url: string, rate: number, seconds: number, accounts: number) =>
  new Promise<{ startedAt: number; endedAt: number; sent: Sent[] }>((resolve, reject) => {
    const keys = Array.from({ length: accounts }, (_, k) => keyOf(k));
    const child = spawn(process.execPath, [LOAD_SCRIPT, url, String(rate), String(seconds)], {
      env: { ...process.env, KEEL_BENCH_KEYS: JSON.stringify(keys) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(
            JSON.parse(Buffer.concat(chunks).toString()) as {
              startedAt: number;
              endedAt: number;
              sent: Sent[];
            },
          )
        : reject(new Error(`pipeline load generator exited ${code}`)),
    );
  });

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bench pipeline: timed out waiting for ${what}`);
};

/** What balance-aggregator would record of an account: its equity (it is not on this path). */
const equityOf = (accountId: string, now: number): NewEvent => {
  const data: EventData<'AccountEquityUpdated'> = {
    accountId,
    currency: 'USDT',
    equity: '10000',
    asOf: new Date(now).toISOString(),
    unrealizedPnl: null,
    collateral: null,
    unpriced: [],
    stale: null,
    haircuts: [],
  };
  return unwrap(
    'equity',
    newEvent('AccountEquityUpdated', deriveId('bench-pipeline', 'equity', accountId), data, {
      correlationId: `bench-pipeline-equity-${accountId}`,
      causationId: null,
      producer: 'balance-aggregator',
      occurredAt: new Date(now).toISOString(),
    }),
  );
};

/** The gateway's venues: the simulator on the recorded tape (loaded once), one account each. */
const simulatedAccounts = async (accountIds: readonly string[], clock: Clock): Promise<SimulatedVenue[]> => {
  const market = unwrap('sim market', await loadMarket({ trades: TRADES }));
  const first = market[0]?.venueAt ?? clock.now();
  return accountIds.map((accountId) =>
    createSimulatedVenue({
      venue: 'binanceusdm-sim',
      accountId,
      clock,
      markets: [{ instrument: BINANCE_USDM_BTCUSDT, events: market }],
      balances: { USDT: '1000000' },
      latencyMs: 20,
      timeOffsetMs: clock.now() - first,
    }),
  );
};

/** Drained: no new observed event for 2 s (60 s at most, then a rejection). */
const drained = (seen: ReadonlyMap<string, unknown>): Promise<void> => {
  let last = seen.size;
  let quietSince = Date.now();
  return waitFor(
    'the pipeline to drain',
    () => {
      if (seen.size !== last) {
        last = seen.size;
        quietSince = Date.now();
      }
      return Date.now() - quietSince > 2000;
    },
    60_000,
  );
};

/**
 * Start everything, pace the load, trace every child order back to its prediction. One function
 * (longer than most) so that its `finally` stops whatever it started, in reverse order.
 */
export const benchPipeline = async (o: PipelineOptions) => {
  const dir = await tempDir('bench-pipeline');
  const nats = await startNatsServer();
  const clock = createRealClock();
  const logger = createLogger({ name: 'bench-pipeline', level: 'silent' });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const store: EventStore = unwrap(
    'store',
    openSqliteEventStore({ path: path.join(dir.path, 'keel.sqlite'), now: () => clock.now() }),
  );
  const buses: EventBus[] = [];
  const bus = async (name: string): Promise<EventBus> => {
    const b = unwrap(name, await connectNatsBus({ servers: nats.url, name })());
    buses.push(b);
    return b;
  };
  const running: RunningEngine<unknown>[] = [];
  const stops: (() => Promise<void>)[] = [];
  const accountIds = Array.from({ length: o.accounts }, (_, k) => `acc-${k}`);
  try {
    const relay = unwrap('relay', await startRelay({ store, bus: await bus('relay'), logger: quiet }));
    stops.push(() => relay.stop());

    for (const a of accountIds)
      unwrap('append equity', await store.append(`balances-${a}`, [equityOf(a, clock.now())], 'any')());

    // The bench's own durable consumer: what a consumer such as the gateway sees, and when.
    const seen = new Map<string, Seen>();
    const byType = new Map<EventType, Seen[]>(OBSERVED.map((t) => [t, []]));
    const observer: Consumer = unwrap(
      'observer',
      await (
        await bus('bench-pipeline')
      ).consume({ app: 'bench-pipeline', eventTypes: OBSERVED }, (event) => {
        const s = { event, receivedAt: nowMs() };
        seen.set(event.eventId, s);
        byType.get(event.type)?.push(s);
      })(),
    );
    stops.push(() => observer.stop());

    const adapters = await simulatedAccounts(accountIds, clock);
    const venue = unwrap(
      'gateway',
      createVenueEngine(
        { store, clock, logger, registry: new Registry() },
        {
          venue: 'sim',
          instruments: [BTC],
          knownInstruments: [BINANCE_USDM_BTCUSDT],
          cycleMs: 1000,
          windowMs: 250,
          reconcileFillsMs: 3_600_000,
          fundingPollMs: 60_000,
        },
        adapters,
      ),
    );
    const start = async <S>(name: string, engine: Parameters<typeof runEngine<S>>[0]) => {
      const r = unwrap(
        name,
        await runEngine(engine, { store, bus: await bus(name), clock, logger }, { snapshotEvery: 1000 })(),
      );
      running.push(r as RunningEngine<unknown>);
    };
    o.progress(`  gateway: ${o.accounts} simulated accounts on the recorded BTCUSDT tape`);
    await start('gateway', venue.engine);

    const execution = createExecutionEngine(
      { store, clock, logger, registry: new Registry() },
      {
        accounts: accountIds,
        sliceMs: 60_000,
        maxSlices: 1,
        tickMs: o.tickMs,
        quoteMaxAgeMs: 60_000,
        styles: Object.fromEntries(accountIds.map((a) => [a, 'marketOnly' as const])),
      },
    );
    await start('execution', execution.engine);

    const config = unwrap(
      'optimizer document',
      resolveOptimizerConfig(pipelineOptimizerDocument(o.accounts), 'optimizer'),
    );
    const optimizer = createOptimizerEngine(
      { store, clock, logger, metrics: createMetrics('optimizer') },
      config,
    );
    // The gateway reads each account within its venue budget (Binance's 2,400 weight a minute
    // for the simulator too): about 25 accounts a second, so many accounts take a while.
    const startupMs = Math.max(120_000, o.accounts * 200);
    o.progress(
      `  waiting for the gateway to list the instrument, report every account and quote (at most ${startupMs / 1000} s)`,
    );
    await waitFor(
      `the gateway's first PositionReported of each of ${o.accounts} accounts and a quote`,
      () => {
        const v = execution.view();
        return accountIds.every((a) => v.snapshotted[a] === true) && Object.keys(v.touches).length > 0;
      },
      startupMs,
    );
    await start('optimizer', optimizer.engine);

    const keys = Array.from({ length: o.accounts }, (_, k) => keyOf(k));
    const ingest = createIngestEngine(
      { store, clock, logger, registry: new Registry() },
      { keys, knownInstrument: instrumentUniverse([BTC]), rateLimit: { ratePerSec: 1e9, burst: 1e9 } },
    );
    const http = unwrap(
      'http intake',
      await startHttpIntake({ host: '127.0.0.1', port: 0, submit: ingest.submit, version: 'bench' }),
    );
    stops.push(async () => {
      await http.close();
      await ingest.stop();
    });

    o.progress(`  load: ${o.rate} predictions/s for ${o.seconds} s over ${o.accounts} models/accounts`);
    // How long the one event loop every engine shares was held up while the load ran.
    const loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
    const load = await runLoad(http.url, o.rate, o.seconds, o.accounts);
    loopDelay.disable();
    const accepted = load.sent.filter((s) => s.status === 201);
    o.progress(`  sent ${load.sent.length}, ${accepted.length} accepted; waiting for the pipeline to drain`);
    await drained(seen).catch(() => o.progress('  (still busy after 60 s: reporting what arrived)'));

    return {
      ...trace(load, seen, byType, o),
      eventLoopDelayMs: {
        p50: r2(loopDelay.percentile(50) / 1e6),
        p99: r2(loopDelay.percentile(99) / 1e6),
        max: r2(loopDelay.max / 1e6),
      },
    };
  } finally {
    for (const r of running.reverse()) await r.stop();
    for (const s of stops.reverse()) await s();
    for (const b of buses) await b.close();
    await store.close();
    await nats.dispose();
    await dir.cleanup();
  }
};

export const benchPipelineCommand: Command = {
  summary:
    'prediction over HTTP → ChildOrderRequested through real NATS and the store: p50/p99 at a paced rate',
  run: async (args, io) => {
    const flags = parseFlags(args, {
      rate: { type: 'string' },
      seconds: { type: 'string' },
      accounts: { type: 'string' },
      'tick-ms': { type: 'string' },
    });
    const rate = intFlag('rate', flags.rate, 1000);
    const seconds = intFlag('seconds', flags.seconds, 30);
    const accounts = intFlag('accounts', flags.accounts, 100);
    const tickMs = intFlag('tick-ms', flags['tick-ms'], 10, 10);
    if (accounts > 5000) throw new UsageError(`--accounts must be at most 5000 (got "${accounts}")`);
    io.progress(
      `bench pipeline: ${rate}/s for ${seconds} s, ${accounts} accounts, execution tick ${tickMs} ms`,
    );
    const result = await benchPipeline({ rate, seconds, accounts, tickMs, progress: (m) => io.progress(m) });
    io.result(
      result,
      () =>
        `p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms at ${result.predictionsPerSec} predictions/s; ${result.childOrdersTraced} of ${result.predictionsAccepted} predictions led to a child order (baseline HTTP → PredictionReceived p50 ${result.baseline.p50Ms} ms, ${result.vsBaseline}×)`,
    );
    return result.childOrdersTraced > 0 ? 0 : 1;
  },
};
