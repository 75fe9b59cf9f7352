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
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as E from 'fp-ts/Either';
import { Registry } from 'prom-client';
import { deriveId, EventData, EventType, newEvent, RecordedEvent } from '@keel/events';
import { EventStore, openSqliteEventStore } from '@keel/event-store';
import { connectNatsBus, Consumer, EventBus } from '@keel/bus';
import { startRelay } from '@keel/relay';
import { createLogger, createMetrics, createRealClock, runEngine, RunningEngine } from '@keel/runtime';
import { createIngestEngine, instrumentUniverse } from '@keel/prediction-engine';
import { startHttpIntake } from '@keel/prediction-intake';
import { OptimizerConfigText, resolveOptimizerConfig } from '@keel/portfolio-domain';
import { createOptimizerEngine } from '@keel/portfolio-engine';
import { createExecutionEngine } from '@keel/execution-engine';
import { createVenueEngine } from '@keel/venue-engine';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket } from '@keel/venue-sim';
import { startNatsServer, tempDir } from '@keel/testing';
import { intFlag, parseFlags, UsageError } from '../cli.io';
import type { Command } from './command';
import { quantile, r2 } from './bench.timing';

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

interface Sent {
  readonly predictionId: string;
  readonly modelId: string;
  readonly sentAt: number;
  readonly answeredAt: number;
  readonly status: number;
}

/** Where one event was seen: received by the bench's consumer (epoch ms) and recorded by the store. */
interface Seen {
  readonly event: RecordedEvent;
  readonly receivedAt: number;
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

const stats = (xs: readonly number[]) => ({
  n: xs.length,
  p50Ms: xs.length ? r2(quantile(xs, 0.5)) : null,
  p90Ms: xs.length ? r2(quantile(xs, 0.9)) : null,
  p99Ms: xs.length ? r2(quantile(xs, 0.99)) : null,
  maxMs: xs.length ? r2(Math.max(...xs)) : null,
});

const waitFor = async (what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> => {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`bench pipeline: timed out waiting for ${what}`);
};

/** Start everything, pace the load, trace every child order back to its prediction. */
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

    // What balance-aggregator would record: each account's equity (it is not part of this path).
    for (const a of accountIds) {
      const data: EventData<'AccountEquityUpdated'> = {
        accountId: a,
        currency: 'USDT',
        equity: '10000',
        asOf: new Date(clock.now()).toISOString(),
        unrealizedPnl: null,
        collateral: null,
        unpriced: [],
        stale: null,
        haircuts: [],
      };
      const e = unwrap(
        'equity',
        newEvent('AccountEquityUpdated', deriveId('bench-pipeline', 'equity', a), data, {
          correlationId: `bench-pipeline-equity-${a}`,
          causationId: null,
          producer: 'balance-aggregator',
          occurredAt: new Date(clock.now()).toISOString(),
        }),
      );
      unwrap('append equity', await store.append(`balances-${a}`, [e], 'any')());
    }

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

    // The gateway: the simulator on the recorded tape, one simulated account per account.
    const market = unwrap('sim market', await loadMarket({ trades: TRADES }));
    const first = market[0]?.venueAt ?? clock.now();
    const adapters = accountIds.map((accountId) =>
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
    // Drained: no new observed event for 2 s (or 60 s at most).
    let last = seen.size;
    let quietSince = Date.now();
    await waitFor(
      'the pipeline to drain',
      () => {
        if (seen.size !== last) {
          last = seen.size;
          quietSince = Date.now();
        }
        return Date.now() - quietSince > 2000;
      },
      60_000,
    ).catch(() => o.progress('  (still busy after 60 s: reporting what arrived)'));

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

/** Every child order traced back to its prediction by ids; the figures. */
const trace = (
  load: { startedAt: number; endedAt: number; sent: readonly Sent[] },
  seen: ReadonlyMap<string, Seen>,
  byType: ReadonlyMap<EventType, readonly Seen[]>,
  o: PipelineOptions,
) => {
  const sentById = new Map(load.sent.map((s) => [s.predictionId, s]));
  const predictionOf = new Map<string, { sent: Sent; seen: Seen }>();
  const baseline: number[] = [];
  const answered: number[] = [];
  for (const s of byType.get('PredictionReceived') ?? []) {
    const e = s.event as RecordedEvent<'PredictionReceived'>;
    const sent = sentById.get(e.data.predictionId);
    if (!sent) continue;
    predictionOf.set(e.eventId, { sent, seen: s });
    baseline.push(s.receivedAt - sent.sentAt);
  }
  for (const s of load.sent) if (s.status === 201) answered.push(s.answeredAt - s.sentAt);
  const parentByOrderId = new Map<string, Seen>();
  for (const s of byType.get('ParentOrderStarted') ?? []) {
    const e = s.event as RecordedEvent<'ParentOrderStarted'>;
    parentByOrderId.set(e.data.parentOrderId, s);
  }
  const latency: number[] = [];
  const appended: number[] = [];
  const stages = { toTarget: [] as number[], toParent: [] as number[], toChild: [] as number[] };
  // Each hop split at the store's recording instant (ms): deciding and appending, then the
  // commit, the relay, NATS and the consumer.
  const recorded = (x: Seen): number => Date.parse(x.event.recordedAt);
  const split = { decideAndAppend: [] as number[], commitRelayNats: [] as number[] };
  const traced = new Set<string>();
  let untraced = 0;
  for (const s of byType.get('ChildOrderRequested') ?? []) {
    const child = s.event as RecordedEvent<'ChildOrderRequested'>;
    if (child.data.seq !== 0) continue;
    const parent = parentByOrderId.get(child.data.parentOrderId);
    const targetId = (parent?.event as RecordedEvent<'ParentOrderStarted'> | undefined)?.data.targetId;
    const target = targetId ? seen.get(targetId) : undefined;
    const prediction = target?.event.causationId ? predictionOf.get(target.event.causationId) : undefined;
    if (!parent || !target || !prediction) {
      untraced++;
      continue;
    }
    traced.add(prediction.sent.predictionId);
    latency.push(s.receivedAt - prediction.sent.sentAt);
    appended.push(Date.parse(child.recordedAt) - prediction.sent.sentAt);
    stages.toTarget.push(target.receivedAt - prediction.seen.receivedAt);
    stages.toParent.push(parent.receivedAt - target.receivedAt);
    stages.toChild.push(s.receivedAt - parent.receivedAt);
    split.decideAndAppend.push(
      recorded(prediction.seen) - prediction.sent.sentAt,
      recorded(target) - prediction.seen.receivedAt,
      recorded(parent) - target.receivedAt,
      recorded(s) - parent.receivedAt,
    );
    split.commitRelayNats.push(
      prediction.seen.receivedAt - recorded(prediction.seen),
      target.receivedAt - recorded(target),
      parent.receivedAt - recorded(parent),
      s.receivedAt - recorded(s),
    );
  }
  // Every target execution took up: a new parent (started) or a working one superseded (its
  // children cancelled first; the new parent starts once the gateway confirms).
  const takenUp: number[] = [];
  const takenTargets = new Set<string>();
  const taken = [...(byType.get('ParentOrderStarted') ?? []), ...(byType.get('ParentOrderSuperseded') ?? [])];
  for (const s of taken) {
    const e = s.event;
    const targetId =
      e.type === 'ParentOrderStarted'
        ? e.data.targetId
        : e.type === 'ParentOrderSuperseded'
          ? e.data.next.targetId
          : null;
    if (!targetId || takenTargets.has(targetId)) continue;
    takenTargets.add(targetId);
    const target = seen.get(targetId);
    const prediction = target?.event.causationId ? predictionOf.get(target.event.causationId) : undefined;
    if (prediction) takenUp.push(s.receivedAt - prediction.sent.sentAt);
  }
  const total = stats(latency);
  const base = stats(baseline);
  const accepted = load.sent.filter((s) => s.status === 201).length;
  // The rate the predictions went out at (first send to last send, plus one interval), not
  // counting the wait for the last answers.
  const lastSent = Math.max(load.startedAt, ...load.sent.map((x) => x.sentAt));
  const sendSeconds = (lastSent - load.startedAt) / 1000 + 1 / o.rate;
  return {
    p50Ms: total.p50Ms,
    p99Ms: total.p99Ms,
    predictionsPerSec: Math.round(accepted / sendSeconds),
    p90Ms: total.p90Ms,
    maxMs: total.maxMs,
    latency:
      'from the request being sent (load generator) to the ChildOrderRequested received by a durable JetStream consumer',
    childOrdersTraced: traced.size,
    childOrdersUntraced: untraced,
    predictionsSent: load.sent.length,
    predictionsAccepted: accepted,
    predictionsRefusedOrFailed: load.sent.length - accepted,
    predictionsWithChild: r2(traced.size / Math.max(1, accepted)),
    targetsSet: byType.get('TargetPositionSet')?.length ?? 0,
    parentsStarted: byType.get('ParentOrderStarted')?.length ?? 0,
    parentsSuperseded: byType.get('ParentOrderSuperseded')?.length ?? 0,
    childOrdersRequested: byType.get('ChildOrderRequested')?.length ?? 0,
    targetTakenUp: {
      what: 'send → execution took the target up (ParentOrderStarted, or ParentOrderSuperseded while a parent worked)',
      ...stats(takenUp),
    },
    appendedP50Ms: stats(appended).p50Ms,
    appendedP99Ms: stats(appended).p99Ms,
    stagesP50Ms: {
      sendToPredictionReceived: base.p50Ms,
      predictionToTarget: stats(stages.toTarget).p50Ms,
      targetToParent: stats(stages.toParent).p50Ms,
      parentToChild: stats(stages.toChild).p50Ms,
    },
    perHopP50Ms: {
      what: 'the four hops (intake, optimizer, execution start, execution tick) split at the store recording instant (ms resolution)',
      decideAndAppend: stats(split.decideAndAppend).p50Ms,
      commitRelayNats: stats(split.commitRelayNats).p50Ms,
    },
    baseline: {
      what: 'send → PredictionReceived received the same way (intake, store, relay, NATS)',
      ...base,
    },
    httpAnswer: stats(answered),
    vsBaseline: base.p50Ms && total.p50Ms ? r2(total.p50Ms / base.p50Ms) : null,
    goal: {
      p50Ms: 5,
      p99Ms: 25,
      met: total.p50Ms !== null && total.p50Ms <= 5 && (total.p99Ms ?? Infinity) <= 25,
    },
    rate: o.rate,
    seconds: o.seconds,
    accounts: o.accounts,
    executionTickMs: o.tickMs,
    loadAverage: os.loadavg().map((x) => r2(x)),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
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
