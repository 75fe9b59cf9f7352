/**
 * `keel status` against a real embedded SQLite store and real health servers: the execution
 * engine runs on the store (memory bus and relay) and serves its /readyz and /metrics (its
 * consumer gauges) over HTTP; a second app answers not ready; a third port has nothing behind
 * it. The operator's own commands (`sessions stop-all`, `kill-switch on`) write to the store as
 * the CLI does. The report must say each of these, and nothing may be appended by status.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, EventType, newEvent, NewEvent, RecordedEvent } from '@keel/events';
import { EventStore, openSqliteEventStore } from '@keel/event-store';
import { createMemoryBus, EventBus } from '@keel/bus';
import { Relay, startRelay } from '@keel/relay';
import {
  createLogger,
  createMetrics,
  createVirtualClock,
  HealthServer,
  runEngine,
  RunningEngine,
  startHealthServer,
  VirtualClock,
} from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT, instrumentToStored } from '@keel/instruments';
import { executionStream, ExecutionView } from '@keel/execution-domain';
import { createExecutionEngine } from '@keel/execution-engine';
import { freePort, TempDir, tempDir } from '@keel/testing';
import { Io, UsageError } from '../cli.io';
import { killCommands } from './kill.command';
import { sessionsCommands } from './sessions.command';
import { collectStatus, parseAppsFlag, StatusReport, statusCommand } from './status.command';

const T0 = Date.parse('2026-03-02T10:00:00.000Z');
const SYMBOL = BINANCE_USDM_BTCUSDT.symbol;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const logger = createLogger({ name: 'spec', level: 'silent' });

const capture = (json = true): Io & { results: unknown[]; progressed: string[]; human: string[] } => {
  const results: unknown[] = [];
  const progressed: string[] = [];
  const human: string[] = [];
  return {
    json,
    results,
    progressed,
    human,
    progress: (m) => progressed.push(m),
    result: (v, h) => {
      results.push(v);
      if (h) human.push(h(v));
    },
  };
};

let dir: TempDir;
let file: string;
let uri: string;
let clock: VirtualClock;
let store: EventStore;
let bus: EventBus;
let relay: Relay;
let running: RunningEngine<ExecutionView>;
let executionHealth: HealthServer;
let optimizerHealth: HealthServer;
let deadUrl: string;
let apps: { name: string; url: string }[];

const fact = <T extends EventType>(
  type: T,
  stream: string,
  tag: string,
  data: EventData<T>,
  producer: string,
) => {
  const e = newEvent(type, deriveId('status-spec', type, tag), data, {
    correlationId: tag,
    causationId: null,
    producer,
    occurredAt: new Date(clock.now()).toISOString(),
  });
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return { stream, event: e.right as NewEvent };
};
const append = async (...facts: { stream: string; event: NewEvent }[]): Promise<void> => {
  for (const f of facts) {
    const r = await store.append(f.stream, [f.event], 'any')();
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  }
};
const streamOf = async (stream: string): Promise<RecordedEvent[]> => {
  const r = await store.readStream(stream)();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return [...r.right];
};
const eventually = async (what: string, cond: () => Promise<boolean>): Promise<void> => {
  for (let i = 0; i < 1000; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never: ${what}`);
};
const head = async (): Promise<number> => {
  const h = await store.headPosition()();
  if (E.isLeft(h)) throw new Error(JSON.stringify(h.left));
  return h.right;
};
const report = async (): Promise<StatusReport> => {
  const r = await collectStatus({ store: uri, apps, env: {}, timeoutMs: 2000, now: () => T0 });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

beforeAll(async () => {
  dir = await tempDir('keel-status-cli');
  file = path.join(dir.path, 'session.sqlite');
  uri = `sqlite:${file}`;
  clock = createVirtualClock(T0);
  const opened = openSqliteEventStore({ path: file, pollIntervalMs: 5 });
  if (E.isLeft(opened)) throw new Error(JSON.stringify(opened.left));
  store = opened.right;
  bus = createMemoryBus();
  const r = await startRelay({ store, bus, logger: quiet });
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  relay = r.right;

  const metrics = createMetrics('execution');
  const execution = createExecutionEngine(
    { store, clock, logger, registry: metrics.registry },
    { accounts: ['acc-1'], sliceMs: 10_000, maxSlices: 10, tickMs: 1000, quoteMaxAgeMs: 10_000 },
  );
  const started = await runEngine(
    execution.engine,
    { store, bus, clock, logger, metrics },
    { snapshotEvery: 1000 },
  )();
  if (E.isLeft(started)) throw new Error(JSON.stringify(started.left));
  running = started.right;
  const h1 = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    checks: running.checks,
    metrics: metrics.registry,
    logger,
  })();
  if (E.isLeft(h1)) throw new Error(JSON.stringify(h1.left));
  executionHealth = h1.right;
  const h2 = await startHealthServer({
    host: '127.0.0.1',
    port: 0,
    checks: { store: async () => false },
    metrics: createMetrics('optimizer').registry,
    logger,
  })();
  if (E.isLeft(h2)) throw new Error(JSON.stringify(h2.left));
  optimizerHealth = h2.right;
  deadUrl = `http://127.0.0.1:${await freePort()}`;
  apps = [
    { name: 'execution', url: executionHealth.url },
    { name: 'optimizer', url: optimizerHealth.url },
    { name: 'relay', url: deadUrl },
  ];

  // What the other apps record: rules, positions, a quote, equity, a risk state, a target.
  await append(
    fact(
      'InstrumentsListed',
      'venue-sim',
      'rules',
      { venue: 'sim', accountIds: ['acc-1'], instruments: [instrumentToStored(BINANCE_USDM_BTCUSDT)] },
      'gateway',
    ),
    fact(
      'PositionReported',
      'venue-acc-1',
      'pos',
      { accountId: 'acc-1', venue: 'sim', positions: [] },
      'gateway',
    ),
    fact(
      'QuoteUpdated',
      'venue-md.sim',
      'quote',
      {
        venue: 'sim',
        instrument: SYMBOL,
        bidPrice: '90000',
        bidQty: '1',
        askPrice: '90000.1',
        askQty: '1',
        venueAt: new Date(T0).toISOString(),
      },
      'gateway',
    ),
    fact(
      'AccountEquityUpdated',
      'balances-acc-1',
      'equity',
      {
        accountId: 'acc-1',
        currency: 'USDT',
        equity: '10250.5',
        asOf: new Date(T0).toISOString(),
        unrealizedPnl: '12.5',
        collateral: null,
        unpriced: [],
        stale: null,
        haircuts: [],
      },
      'balance-aggregator',
    ),
    fact(
      'RiskStateChanged',
      'portfolio-acc-1',
      'risk',
      {
        scope: 'account',
        accountId: 'acc-1',
        from: 'ACTIVE',
        to: 'REDUCING',
        cause: 'dailyLossLimit',
        detail: 'spec',
      },
      'optimizer',
    ),
    fact(
      'TargetPositionSet',
      'portfolio-acc-1',
      't1',
      { accountId: 'acc-1', instrument: SYMBOL, targetQty: '0.05', horizonSec: 60, reason: 'spec' },
      'optimizer',
    ),
  );
  const stream = executionStream('acc-1', SYMBOL);
  await eventually('a parent order', async () =>
    (await streamOf(stream)).some((e) => e.type === 'ParentOrderStarted'),
  );
  if (E.isLeft(await execution.tick(T0 + 500))) throw new Error('tick failed');
  // The operator, through the CLI: stop every account, then the kill switch of acc-2.
  const cli = { env: {}, osUser: () => 'ops-spec' };
  expect(
    await sessionsCommands({ ...cli, now: () => T0 + 600 }).stopAll.run(
      ['--reason', 'maintenance', '--store', uri],
      capture(),
    ),
  ).toBe(0);
  expect(
    await killCommands({ ...cli, now: () => T0 + 700 }).on.run(
      ['--account', 'acc-2', '--reason', 'review', '--operator', 'alice', '--store', uri],
      capture(),
    ),
  ).toBe(0);
  await eventually('paused by the session', async () =>
    (await streamOf(stream)).some((e) => e.type === 'ParentOrderPaused'),
  );
  // Execution folds the kill switch (the last event of its types): its lag is then 0, though
  // the head is further on (its own pause and cancel events are not among the types it folds).
  await eventually(
    'execution folded the kill switch',
    async () => execution.view().kill.accounts['acc-2'] !== undefined,
  );
}, 60_000);

afterAll(async () => {
  await executionHealth?.close();
  await optimizerHealth?.close();
  await running?.stop();
  await relay?.stop();
  await bus?.close();
  await store?.close();
  await dir?.cleanup();
});

describe('collectStatus', () => {
  it("reports each app: ready with its consumer's lag, not ready with its checks, unreachable with why", async () => {
    const r = await report();
    const [execution, optimizer, relayApp] = r.apps;
    expect(execution).toMatchObject({
      name: 'execution',
      url: executionHealth.url,
      reachable: true,
      ready: true,
    });
    expect(execution?.consumer).toEqual({ position: running.running.position(), head: await head(), lag: 0 });
    expect(running.running.position()).toBeLessThan(await head());
    expect(execution?.checks).toHaveProperty('reconciled', expect.objectContaining({ ok: true }));
    expect(optimizer).toMatchObject({ name: 'optimizer', reachable: true, ready: false, consumer: null });
    expect(optimizer?.checks).toEqual({
      store: expect.objectContaining({ ok: false, error: 'returned false' }),
    });
    expect(relayApp).toMatchObject({
      name: 'relay',
      url: deadUrl,
      reachable: false,
      ready: null,
      consumer: null,
    });
    expect(relayApp?.error).toMatch(/^GET http:\/\/127\.0\.0\.1:\d+\/readyz: ECONNREFUSED$/);
    expect(r.store).toEqual({ uri, head: await head() });
  });

  it("reports each account's equity, risk state, kill switch and trading session (operator, reason)", async () => {
    const r = await report();
    expect(r.global.sessionStopped).toEqual({
      on: true,
      operator: 'ops-spec',
      reason: 'maintenance',
      since: new Date(T0 + 600).toISOString(),
    });
    expect(r.global.killSwitch).toBeNull();
    expect(r.accounts.map((a) => a.accountId)).toEqual(['acc-1', 'acc-2']);
    const [acc1, acc2] = r.accounts;
    expect(acc1).toMatchObject({
      equity: { currency: 'USDT', equity: '10250.5', unrealizedPnl: '12.5', stale: null },
      risk: { state: 'REDUCING', cause: 'dailyLossLimit', detail: 'spec' },
      killSwitch: null,
      effective: { riskState: 'REDUCING', killed: false, trading: false },
    });
    expect(acc2).toMatchObject({
      equity: null,
      killSwitch: { on: true, operator: 'alice', reason: 'review' },
      effective: { riskState: 'ACTIVE', killed: true, trading: false },
    });
  });

  it('reports the working parent orders with their pauses', async () => {
    const r = await report();
    expect(r.workingParentOrders).toHaveLength(1);
    expect(r.workingParentOrders[0]).toMatchObject({
      accountId: 'acc-1',
      instrument: SYMBOL,
      side: 'buy',
      qty: '0.05',
      fromPosition: '0',
      targetPosition: '0.05',
      paused: ['sessionStopped'],
    });
  });

  it('only reads the store: nothing is appended', async () => {
    const before = await head();
    await report();
    expect(await head()).toBe(before);
  });

  it('a store that does not exist is a usage error, and no file is created', async () => {
    const missing = path.join(dir.path, 'missing.sqlite');
    const r = await collectStatus({ store: `sqlite:${missing}`, apps: [], env: {} });
    expect(r).toEqual(
      E.left({
        _tag: 'UsageError',
        message: `--store names no existing store: ${missing} does not exist (got "sqlite:${missing}")`,
      }),
    );
    expect(fs.existsSync(missing)).toBe(false);
  });
});

describe('keel status (the command)', () => {
  it('--apps and --json: the report as one JSON document', async () => {
    const io = capture();
    const port = new URL(executionHealth.url).port;
    expect(
      await statusCommand.run(['--store', uri, '--apps', `execution=127.0.0.1:${port}`, '--json'], io),
    ).toBe(0);
    const r = io.results[0] as StatusReport;
    expect(r.apps).toEqual([
      expect.objectContaining({ name: 'execution', url: `http://127.0.0.1:${port}`, ready: true }),
    ]);
    expect(r.workingParentOrders).toHaveLength(1);
  });

  it('prints a readable table', async () => {
    const io = capture(false);
    const port = new URL(optimizerHealth.url).port;
    expect(await statusCommand.run(['--store', uri, '--apps', `optimizer=127.0.0.1:${port}`], io)).toBe(0);
    const text = io.human.join('\n');
    expect(text).toMatch(/optimizer +http:\/\/127\.0\.0\.1:\d+ +NOT READY/);
    expect(text).toMatch(/trading STOPPED \(ops-spec: "maintenance"\)/);
    expect(text).toMatch(/acc-2 +no equity yet; risk ACTIVE; KILLED; STOPPED/);
    expect(text).toMatch(/acc-1 BTC\S* buy 0\.05 \(0 → 0\.05\).*paused: sessionStopped/);
  });

  it.each<readonly [string, readonly string[], RegExp]>([
    [
      'a malformed --apps entry',
      ['--apps', 'execution'],
      /--apps wants name=url entries .*\(got "execution"\)/,
    ],
    [
      'an --apps URL that is none',
      ['--apps', 'execution=http://'],
      /--apps execution has no valid URL \(got "http:\/\/"\)/,
    ],
    [
      'a negative --port-offset',
      ['--port-offset', '-1'],
      /--port-offset must be an integer ≥ 0 \(got "-1"\)/,
    ],
    ['an unknown flag', ['--health', 'x'], /--health/],
  ])('rejects %s', async (_what, args, message) => {
    await expect(statusCommand.run(['--store', uri, ...args], capture())).rejects.toThrow(UsageError);
    await expect(statusCommand.run(['--store', uri, ...args], capture())).rejects.toThrow(message);
  });

  it('parses --apps entries, adding http:// to host:port', () => {
    expect(parseAppsFlag('relay=127.0.0.1:9087, execution=http://10.0.0.2:9083/')).toEqual([
      { name: 'relay', url: 'http://127.0.0.1:9087' },
      { name: 'execution', url: 'http://10.0.0.2:9083' },
    ]);
  });
});
