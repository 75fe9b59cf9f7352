/**
 * The first half of the pipeline with real parts: a real nats-server (JetStream), the embedded
 * SQLite store, the real relay between them, the optimizer engine and the execution engine as
 * the runtime runs them, on one virtual clock. Two models predict the same symbol; two accounts
 * with different equity and limits follow them:
 *  - both models count (the second does not overwrite the first): each account's target is the
 *    weighted mean of the two signals × its equity × its leverage, capped by its own limit;
 *  - each target starts a parent order in execution (ParentOrderStarted);
 *  - a restart of the optimizer on the same store records nothing twice.
 */
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { deriveId, EventData, EventType, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { openSqliteEventStore, EventStore } from '@keel/event-store';
import { connectNatsBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import {
  createLogger,
  createMetrics,
  createVirtualClock,
  runEngine,
  RunningEngine,
  VirtualClock,
} from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT, instrumentToStored } from '@keel/instruments';
import { createExecutionEngine } from '@keel/execution-engine';
import { ExecutionView } from '@keel/execution-domain';
import { OptimizerState, resolveOptimizerConfig } from '@keel/portfolio-domain';
import { createOptimizerEngine, OptimizerEngine } from '@keel/portfolio-engine';
import { equity } from '@keel/portfolio-domain/testing';
import { NatsServer, startNatsServer, TempDir, tempDir } from '@keel/testing';

const T0 = Date.parse('2026-03-02T12:00:00Z');
const BTC = BINANCE_USDM_BTCUSDT.symbol;
const logger = createLogger({ name: 'spec', level: 'silent' });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

const CONFIG = unwrap(
  resolveOptimizerConfig({
    models: { fast: { decay: 'none' }, slow: { decay: 'none' } },
    strategies: { blend: { models: { fast: 1, slow: 3 } } },
    instruments: { [BTC]: {} },
    accounts: {
      // 100k at leverage 2: 0.25 × 2 × 100000 = 50000 of BTC at 50000 = 1 BTC.
      'acc-1': { strategies: { blend: { budget: 1 } }, leverage: 2 },
      // 40k at leverage 1, capped at 0.15 BTC: 0.25 × 40000 / 50000 = 0.2, cut to 0.15.
      'acc-2': { strategies: { blend: { budget: 1 } }, leverage: 1, limits: { [BTC]: { maxQty: '0.15' } } },
    },
    risk: { equityMaxAgeSec: 3600, priceMaxAgeSec: 3600 },
    tickMs: 60_000,
  }),
);

let server: NatsServer;
let dir: TempDir;
let store: EventStore;
let bus: EventBus;
let relay: Relay;
let clock: VirtualClock;
let optimizer: OptimizerEngine;
let runningOptimizer: RunningEngine<OptimizerState>;
let runningExecution: RunningEngine<ExecutionView>;

let n = 0;
const fact = <T extends EventType>(type: T, data: EventData<T>, producer: string): NewEvent => {
  n++;
  return unwrap(
    newEvent(type, deriveId('pipeline-spec', type, n), data, {
      correlationId: `pipeline-${n}`,
      causationId: null,
      producer,
      occurredAt: new Date(clock.now()).toISOString(),
    }),
  ) as NewEvent;
};
const append = async (stream: string, e: NewEvent): Promise<void> => {
  unwrap(await store.append(stream, [e], 'any')());
};
const all = async (): Promise<RecordedEvent[]> =>
  [...unwrap(await store.readAll({ after: 0, maxCount: 10_000 })()).events] as RecordedEvent[];
const eventually = async (what: string, cond: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 1500; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
};
const ofType = <T extends EventType>(es: readonly RecordedEvent[], t: T): RecordedEvent<T>[] =>
  es.filter((e) => e.type === t) as unknown as RecordedEvent<T>[];

const startOptimizer = async (): Promise<void> => {
  optimizer = createOptimizerEngine({ store, clock, logger, metrics: createMetrics('optimizer') }, CONFIG);
  runningOptimizer = unwrap(
    await runEngine(optimizer.engine, { store, bus, clock, logger }, { snapshotEvery: 1000 })(),
  );
};

const prediction = (modelId: string, value: number): NewEvent =>
  fact(
    'PredictionReceived',
    {
      predictionId: `${modelId}-1`,
      modelId,
      instrument: BTC,
      kind: 'signal',
      value,
      confidence: null,
      horizonSec: 3600,
      generatedAt: new Date(clock.now()).toISOString(),
      ttlSec: 3600,
      market: null,
    },
    'prediction-ingest',
  );

beforeAll(async () => {
  server = await startNatsServer();
  dir = await tempDir('optimizer-pipeline');
  clock = createVirtualClock(T0);
  store = unwrap(openSqliteEventStore({ path: `${dir.path}/events.db`, now: () => clock.now() }));
  bus = unwrap(await connectNatsBus({ servers: server.url, name: 'optimizer-pipeline', retryDelayMs: 50 })());
  relay = unwrap(await startRelay({ store, bus, logger: quiet }));
  // What the gateway and balance-aggregator record: rules, positions, a quote, equity.
  await append(
    'venue-sim',
    fact(
      'InstrumentsListed',
      {
        venue: 'sim',
        accountIds: ['acc-1', 'acc-2'],
        instruments: [instrumentToStored(BINANCE_USDM_BTCUSDT)],
      },
      'gateway',
    ),
  );
  for (const a of ['acc-1', 'acc-2'])
    await append(
      `venue-${a}`,
      fact('PositionReported', { accountId: a, venue: 'sim', positions: [] }, 'gateway'),
    );
  await append(
    'venue-md.sim',
    fact(
      'QuoteUpdated',
      {
        venue: 'sim',
        instrument: BTC,
        bidPrice: '49999.9',
        bidQty: '2',
        askPrice: '50000.1',
        askQty: '2',
        venueAt: new Date(T0).toISOString(),
      },
      'gateway',
    ),
  );
  await append(
    'balances-acc-1',
    fact('AccountEquityUpdated', equity('acc-1', '100000', T0), 'balance-aggregator'),
  );
  await append(
    'balances-acc-2',
    fact('AccountEquityUpdated', equity('acc-2', '40000', T0), 'balance-aggregator'),
  );
  const execution = createExecutionEngine(
    { store, clock, logger, registry: new Registry() },
    { accounts: ['acc-1', 'acc-2'], sliceMs: 10_000, maxSlices: 10, tickMs: 1000, quoteMaxAgeMs: 3_600_000 },
  );
  runningExecution = unwrap(
    await runEngine(execution.engine, { store, bus, clock, logger }, { snapshotEvery: 1000 })(),
  );
  await startOptimizer();
}, 60_000);

afterAll(async () => {
  await runningOptimizer?.stop();
  await runningExecution?.stop();
  await relay?.stop();
  await bus?.close();
  await store?.close();
  await server?.dispose();
  await dir?.cleanup();
});

describe('predictions → optimizer → execution, on real NATS and the embedded store', () => {
  it('records the configuration it runs with', async () => {
    await eventually(
      'the configuration',
      async () => ofType(await all(), 'OptimizerConfigApplied').length === 1,
    );
    const [applied] = ofType(await all(), 'OptimizerConfigApplied');
    expect(applied?.data.previousDigest).toBeNull();
    expect(applied?.data.config).toMatchObject({ accounts: { 'acc-1': { leverage: 2 } } });
  });

  it('combines two models on one symbol (the second does not overwrite the first) and sizes two accounts', async () => {
    await append('prediction-fast', prediction('fast', 1));
    await eventually(
      'targets from the first model',
      async () => ofType(await all(), 'TargetPositionSet').length === 2,
    );
    // fast alone: signal 1 → acc-1 100000 × 2 / 50000 = 4 BTC; acc-2 40000 / 50000 = 0.8 → capped 0.15.
    const first = ofType(await all(), 'TargetPositionSet').map((e) => [e.data.accountId, e.data.targetQty]);
    expect(first).toEqual(
      expect.arrayContaining([
        ['acc-1', '4'],
        ['acc-2', '0.15'],
      ]),
    );

    await append('prediction-slow', prediction('slow', 0));
    // slow says 0 with weight 3: (1 × 1 + 3 × 0) / 4 = 0.25 → acc-1 1 BTC; acc-2 0.2 → still capped.
    await eventually('acc-1 resized by both models', async () =>
      ofType(await all(), 'TargetPositionSet').some(
        (e) => e.data.accountId === 'acc-1' && e.data.targetQty === '1',
      ),
    );
    const limited = ofType(await all(), 'TargetLimited');
    expect(limited.map((e) => [e.data.accountId, e.data.limits])).toContainEqual([
      'acc-2',
      ['instrumentPosition'],
    ]);
  });

  it('hands every target to execution, which starts a parent order for it', async () => {
    await eventually('parent orders for both accounts', async () => {
      const started = ofType(await all(), 'ParentOrderStarted');
      return ['acc-1', 'acc-2'].every((a) => started.some((e) => e.data.accountId === a));
    });
    const started = ofType(await all(), 'ParentOrderStarted');
    expect(started.every((e) => e.data.instrument === BTC)).toBe(true);
  });

  it('a restart on the same store replays to the same state and records nothing twice', async () => {
    const before = (await all()).filter((e) => e.producer === 'optimizer').length;
    const targetsBefore = optimizer.state().targets;
    await runningOptimizer.stop();
    await startOptimizer();
    unwrap(await optimizer.tick());
    expect(optimizer.state().targets).toEqual(targetsBefore);
    expect((await all()).filter((e) => e.producer === 'optimizer').length).toBe(before);
  });
});
