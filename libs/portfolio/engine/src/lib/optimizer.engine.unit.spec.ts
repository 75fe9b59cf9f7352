/**
 * The optimizer engine as the runtime runs it (replay, consume, started, ticks) on the in-memory
 * store, bus and relay under a virtual clock. Shows: a prediction sets a target at once; the
 * tick takes it to 0 when the prediction expires; a kill switch (freeze) halts the account at
 * once and a release resumes it; a restart with a changed configuration records the change
 * (with the keys that changed) and one with the same configuration records nothing.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import { createMemoryBus, EventBus } from '@keel/bus';
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
import {
  evolveOptimizer,
  OptimizerConfigText,
  OptimizerState,
  resolveOptimizerConfig,
} from '@keel/portfolio-domain';
import { equity } from '@keel/portfolio-domain/testing';
import { createOptimizerEngine, OptimizerEngine } from './optimizer.engine';

const T0 = Date.parse('2026-03-02T12:00:00Z');
const BTC = BINANCE_USDM_BTCUSDT.symbol;
const logger = createLogger({ name: 'spec', level: 'silent' });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};

const DOC: OptimizerConfigText = {
  models: { m1: { decay: 'none' } },
  strategies: { s: { models: { m1: 1 } } },
  instruments: { [BTC]: {} },
  accounts: { 'acc-1': { strategies: { s: { budget: 1 } } } },
  risk: { equityMaxAgeSec: 86_400, priceMaxAgeSec: 86_400, killSwitch: 'freeze' },
  tickMs: 1000,
};

let clock: VirtualClock;
let store: EventStore;
let bus: EventBus;
let relay: Relay;
let optimizer: OptimizerEngine;
let running: RunningEngine<OptimizerState> | null = null;
let n = 0;

const fact = <T extends EventType>(type: T, data: EventData<T>, producer: string): NewEvent => {
  n++;
  return unwrap(
    newEvent(type, deriveId('optimizer-engine-spec', type, n), data, {
      correlationId: `c-${n}`,
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
const ofType = <T extends EventType>(es: readonly RecordedEvent[], t: T): RecordedEvent<T>[] =>
  es.filter((e) => e.type === t) as unknown as RecordedEvent<T>[];
const settle = async (): Promise<void> => {
  const head = unwrap(await store.headPosition()());
  for (let i = 0; i < 2000 && optimizer.position() < head; i++) await new Promise((r) => setTimeout(r, 2));
  // A reaction appends after the fold reached the head: wait for those too.
  await new Promise((r) => setTimeout(r, 20));
  const after = unwrap(await store.headPosition()());
  for (let i = 0; i < 2000 && optimizer.position() < after; i++) await new Promise((r) => setTimeout(r, 2));
};
const start = async (doc: OptimizerConfigText): Promise<void> => {
  optimizer = createOptimizerEngine(
    { store, clock, logger, metrics: createMetrics('optimizer') },
    unwrap(resolveOptimizerConfig(doc)),
  );
  running = unwrap(
    await runEngine(optimizer.engine, { store, bus, clock, logger }, { snapshotEvery: 1000 })(),
  );
};
const targetsOf = async (): Promise<string[]> =>
  ofType(await all(), 'TargetPositionSet').map((e) => `${e.data.accountId} ${e.data.targetQty}`);

beforeEach(async () => {
  clock = createVirtualClock(T0);
  store = createMemoryEventStore({ now: () => clock.now() });
  bus = createMemoryBus();
  relay = unwrap(await startRelay({ store, bus, logger: quiet }));
  await append(
    'venue-sim',
    fact(
      'InstrumentsListed',
      { venue: 'sim', accountIds: ['acc-1'], instruments: [instrumentToStored(BINANCE_USDM_BTCUSDT)] },
      'gateway',
    ),
  );
  await append(
    'venue-md.sim',
    fact(
      'QuoteUpdated',
      {
        venue: 'sim',
        instrument: BTC,
        bidPrice: '49999.5',
        bidQty: '1',
        askPrice: '50000.5',
        askQty: '1',
        venueAt: new Date(T0).toISOString(),
      },
      'gateway',
    ),
  );
  await append(
    'balances-acc-1',
    fact('AccountEquityUpdated', equity('acc-1', '10000', T0), 'balance-aggregator'),
  );
  await start(DOC);
});

afterEach(async () => {
  await running?.stop();
  await relay.stop();
  await bus.close();
  await store.close();
});

const predict = (value: number, ttlSec: number | null): NewEvent =>
  fact(
    'PredictionReceived',
    {
      predictionId: `p-${n}`,
      modelId: 'm1',
      instrument: BTC,
      kind: 'signal',
      value,
      confidence: null,
      horizonSec: null,
      generatedAt: new Date(clock.now()).toISOString(),
      ttlSec,
      market: null,
    },
    'prediction-ingest',
  );

describe('the optimizer engine on the runtime', () => {
  it('sets a target on a prediction at once, and the tick takes it to 0 when the prediction expires', async () => {
    await append('prediction-a', predict(0.5, 60));
    await settle();
    // 0.5 × 10000 / 50000 = 0.1 BTC.
    expect(await targetsOf()).toEqual(['acc-1 0.1']);
    unwrap(await clock.runUntil(T0 + 59_000));
    await settle();
    expect(await targetsOf()).toEqual(['acc-1 0.1']);
    unwrap(await clock.runUntil(T0 + 61_000));
    await settle();
    expect(await targetsOf()).toEqual(['acc-1 0.1', 'acc-1 0']);
  });

  it('halts the account at once on a kill switch (freeze) and resumes on release', async () => {
    await append('prediction-a', predict(0.5, null));
    await settle();
    await append(
      'control-global',
      fact('KillSwitchEngaged', { scope: 'account', accountId: 'acc-1', reason: 'spec' }, 'cli'),
    );
    await settle();
    const risk = ofType(await all(), 'RiskStateChanged');
    expect(risk.map((e) => [e.data.accountId, e.data.to, e.data.cause])).toEqual([
      ['acc-1', 'HALTED', 'killSwitchFreeze'],
    ]);
    await append('prediction-b', predict(1, null));
    await settle();
    expect(await targetsOf()).toEqual(['acc-1 0.1']);
    expect(ofType(await all(), 'TargetWithheld').map((e) => e.data.code)).toEqual(['riskHalted']);
    await append(
      'control-global',
      fact('KillSwitchReleased', { scope: 'account', accountId: 'acc-1', reason: 'spec' }, 'cli'),
    );
    await settle();
    expect(ofType(await all(), 'RiskStateChanged').map((e) => e.data.to)).toEqual(['HALTED', 'ACTIVE']);
    expect(await targetsOf()).toEqual(['acc-1 0.1', 'acc-1 0.2']);
  });

  it('names in each target the prediction that moved it when one pass decides a burst', async () => {
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
    await append(
      'balances-acc-2',
      fact('AccountEquityUpdated', equity('acc-2', '10000', T0), 'balance-aggregator'),
    );
    await running?.stop();
    await start({
      ...DOC,
      models: { m1: { decay: 'none' }, m2: { decay: 'none' } },
      strategies: { s: { models: { m1: 1 } }, s2: { models: { m2: 1 } } },
      accounts: {
        'acc-1': { strategies: { s: { budget: 1 } } },
        'acc-2': { strategies: { s2: { budget: 1 } } },
      },
    });
    await settle();
    // m1 (acc-1's model) then m2 (acc-2's), handed to the reaction back to back, as the consumer
    // does with a burst: the first queues a pass, the second joins it (one pass decides both).
    const head = unwrap(await store.headPosition()());
    const recorded = (e: NewEvent, k: number): RecordedEvent =>
      ({
        ...e,
        stream: `prediction-${e.eventId}`,
        streamRevision: 0,
        globalPosition: head + k,
        recordedAt: new Date(clock.now()).toISOString(),
      }) as RecordedEvent;
    const p1 = predict(0.5, null);
    const p2raw = predict(-0.5, null);
    const first = recorded(p1, 1);
    const second = recorded({ ...p2raw, data: { ...p2raw.data, modelId: 'm2' } } as NewEvent, 2);
    const s1 = evolveOptimizer(optimizer.state(), first);
    const s2 = evolveOptimizer(s1, second);
    const react = optimizer.engine.app.react;
    if (!react) throw new Error('the optimizer reacts to predictions');
    const ctx = { app: 'optimizer', now: clock.now(), again: false };
    await Promise.all([react(first, s1, ctx), react(second, s2, ctx)]);
    await settle();
    const causes = ofType(await all(), 'TargetPositionSet').map((e) => [e.data.accountId, e.causationId]);
    expect(causes).toEqual(
      expect.arrayContaining([
        ['acc-1', first.eventId],
        ['acc-2', second.eventId],
      ]),
    );
    expect(causes).toHaveLength(2);
  });

  it('records a changed configuration at restart with the keys that changed, and an unchanged one not again', async () => {
    await settle();
    expect(ofType(await all(), 'OptimizerConfigApplied')).toHaveLength(1);
    await running?.stop();
    await start(DOC);
    await settle();
    expect(ofType(await all(), 'OptimizerConfigApplied')).toHaveLength(1);
    await running?.stop();
    await start({ ...DOC, accounts: { 'acc-1': { strategies: { s: { budget: 0.5 } } } } });
    await settle();
    const applied = ofType(await all(), 'OptimizerConfigApplied');
    expect(applied).toHaveLength(2);
    expect(applied[1]?.data.previousDigest).toBe(applied[0]?.data.digest);
    expect(applied[1]?.data.changed).toEqual(['/accounts/acc-1/strategies']);
  });
});
