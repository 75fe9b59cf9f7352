/**
 * One engine, two modes: the same target and the same recorded market data, run
 * (a) through the apps as processes — gateway (venue simulator) and execution as child
 *     processes on a real nats-server, the embedded SQLite store and the relay, every process
 *     on one accelerated clock (a shared origin; factor 1, so a loaded CI machine's delays
 *     stay well inside the margins below), and
 * (b) through `libs/simulation` in one process on a virtual clock,
 * give the same sequence of execution and venue events: ids, quantities, prices, the order of
 * child orders and fills. Times are left out of the comparison: in the processes a reaction
 * lands a few ms after its cause, in the kernel at the same instant.
 *
 * Why it can be exact: decisions are made on tick grids as of the grid instant (the gateway
 * polls every 2 s on the epoch's grid, execution decides a second later), so a decision never
 * depends on when a process happened to run, as long as what a poll records is delivered within
 * that second. The data is the recorded 1-second Binance USD-M BTCUSDT best bid/ask, each quote
 * of a 20-second window held for the window (the first quote of each, at its start), and the
 * target starts 10 s into a window, so orders rest and fill on quote changes that lie seconds
 * away from any decision — the delivery delays between processes cannot move an order across one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, newEvent, RecordedEvent } from '@keel/events';
import { EventStore } from '@keel/event-store';
import {
  AppChild,
  AppHarness,
  isReady,
  readStream,
  spawnApp,
  startAppHarness,
  waitFor,
  workspaceRoot,
} from '@keel/app-testing';
import { createExecutionEngine } from '@keel/execution-engine';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createVenueEngine } from '@keel/venue-engine';
import { createSimulatedVenue, loadMarket } from '@keel/venue-sim';
import { createSimulation } from './simulation.kernel';

const ACCOUNT = 'eq-1';
const INSTRUMENT = BINANCE_USDM_BTCUSDT.symbol;
const BBO_1S = path.join(
  workspaceRoot,
  'libs/venue/sim/test-data/binance-usdm-btcusdt-bbo1s-2026-01-01T00-1h.csv.gz',
);
const FACTOR = 1;
/** Each recorded quote is held this long (the first quote of each window). */
const HOLD_MS = 20_000;
/** Where the data starts on both clocks, the target's start, and its horizon. */
const V0 = Date.parse('2026-01-01T00:00:00Z');
const T = V0 + 50_000;
const HORIZON_SEC = 60;
const TARGET: EventData<'TargetPositionSet'> = {
  accountId: ACCOUNT,
  instrument: INSTRUMENT,
  targetQty: '0.1',
  horizonSec: HORIZON_SEC,
  reason: 'equivalence',
};

/** The recorded quotes, the first of each HOLD_MS window held for the window. */
const heldQuotes = (dir: string): string => {
  const lines = zlib.gunzipSync(fs.readFileSync(BBO_1S)).toString('utf8').trim().split('\n');
  const out = [lines[0] as string];
  let minute = -1;
  for (const line of lines.slice(1)) {
    const [ts, ...rest] = line.split(',');
    const m = Math.floor(Number(BigInt(ts as string) / 1_000_000n) / HOLD_MS);
    if (m === minute) continue;
    minute = m;
    out.push([`${BigInt(m * HOLD_MS) * 1_000_000n}`, ...rest].join(','));
  }
  const file = path.join(dir, 'bbo-held.csv.gz');
  fs.writeFileSync(file, zlib.gzipSync(out.join('\n') + '\n'));
  return file;
};

const targetEvent = () => {
  const e = newEvent('TargetPositionSet', deriveId('equivalence-target', ACCOUNT, INSTRUMENT), TARGET, {
    correlationId: 'equivalence',
    causationId: null,
    producer: 'optimizer',
    occurredAt: new Date(T).toISOString(),
  });
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  return e.right;
};
const appendTarget = async (store: EventStore): Promise<void> => {
  const r = await store.append(`portfolio-${ACCOUNT}`, [targetEvent()], 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
};

/** What the comparison looks at: ids, kinds, quantities and prices, never times. */
const FIELDS = [
  'clientOrderId',
  'side',
  'qty',
  'orderType',
  'limitPrice',
  'postOnly',
  'price',
  'kind',
  'tradeId',
  'filled',
  'reason',
  'fromPosition',
  'targetPosition',
] as const;
const shape = (e: RecordedEvent): Record<string, unknown> => {
  const d = e.data as Record<string, unknown>;
  return {
    type: e.type,
    eventId: e.eventId,
    ...Object.fromEntries(FIELDS.filter((f) => d[f] !== undefined).map((f) => [f, d[f]])),
  };
};
const EXEC_STREAM = `execution-${ACCOUNT}.BTC_USDT:USDT`;
const ORDER_FACTS = new Set(['OrderAccepted', 'OrderRejected', 'OrderFilled', 'OrderCancelled']);
const outcome = async (store: EventStore) => ({
  execution: (await readStream(store, EXEC_STREAM)).map(shape),
  venue: (await readStream(store, `venue-${ACCOUNT}`)).filter((e) => ORDER_FACTS.has(e.type)).map(shape),
});
type Outcome = Awaited<ReturnType<typeof outcome>>;

const settings = {
  gateway: { cycleMs: 2000, windowMs: 250, reconcileFillsMs: 24 * 3_600_000, fundingPollMs: 60_000 },
  execution: { tickMs: 2000, sliceSec: 20, maxSlices: 240, quoteMaxAgeMs: 30_000 },
};

/** (b) The engines in the in-process kernel. */
const inKernel = async (quotes: string): Promise<Outcome> => {
  const events = await loadMarket({ quotes });
  if (E.isLeft(events)) throw new Error(JSON.stringify(events.left));
  const first = events.right[0]?.venueAt ?? V0;
  const sim = createSimulation({ startAt: V0 - 10_000 });
  const venue = createSimulatedVenue({
    venue: 'binanceusdm-sim',
    accountId: ACCOUNT,
    clock: sim.ports.clock,
    markets: [{ instrument: BINANCE_USDM_BTCUSDT, events: events.right }],
    balances: { USDT: '1000000' },
    latencyMs: 20,
    timeOffsetMs: V0 - first,
  });
  const gw = createVenueEngine(
    sim.ports,
    {
      venue: 'sim',
      instruments: [INSTRUMENT],
      knownInstruments: [BINANCE_USDM_BTCUSDT],
      ...settings.gateway,
    },
    [venue],
  );
  if (E.isLeft(gw)) throw new Error(JSON.stringify(gw.left));
  const x = settings.execution;
  const ex = createExecutionEngine(sim.ports, {
    accounts: [ACCOUNT],
    sliceMs: x.sliceSec * 1000,
    maxSlices: x.maxSlices,
    tickMs: x.tickMs,
    quoteMaxAgeMs: x.quoteMaxAgeMs,
  });
  for (const engine of [gw.right.engine, ex.engine] as const) {
    const hosted = await sim.host(engine as never);
    if (E.isLeft(hosted)) throw new Error(JSON.stringify(hosted.left));
  }
  await sim.runUntil(T - 5000);
  await appendTarget(sim.ports.store);
  await sim.runUntil(T + HORIZON_SEC * 1000 + 20_000);
  const out = await outcome(sim.ports.store);
  await sim.stop();
  return out;
};

describe('the same engines in the app processes and in the in-process simulation', () => {
  let h: AppHarness;
  const children: AppChild[] = [];
  let quotes: string;
  const logs = (): string => children.map((c) => c.stderr().slice(-3000)).join('\n---\n');

  beforeAll(async () => {
    h = await startAppHarness('keel-equivalence');
    quotes = heldQuotes(h.dir.path);
  });

  afterAll(async () => {
    for (const c of children.reverse())
      if (c.proc.exitCode === null) {
        c.proc.kill('SIGTERM');
        await c.exited;
      }
    await h?.dispose();
  });

  it('give the same execution and venue events (ids, quantities, prices, order)', async () => {
    // (a) Every process on one accelerated clock: virtual V0 − 10 s at wall `realStart`.
    const realStart = Date.now() + 2000;
    const virtualNow = (): number => V0 - 10_000 + (Date.now() - realStart) * FACTOR;
    const clock = {
      KEEL_CLOCK: 'accelerated',
      KEEL_CLOCK_FACTOR: String(FACTOR),
      KEEL_CLOCK_START: new Date(V0 - 10_000).toISOString(),
      KEEL_CLOCK_REAL_START: new Date(realStart).toISOString(),
    };
    const g = settings.gateway;
    children.push(
      await spawnApp(h, 'gateway', {
        ...clock,
        KEEL_ACCOUNT_IDS: ACCOUNT,
        KEEL_SIM_TRADES: '',
        KEEL_SIM_QUOTES: quotes,
        KEEL_SIM_DATA_START: new Date(V0).toISOString(),
        KEEL_CYCLE_MS: String(g.cycleMs),
        KEEL_WINDOW_MS: String(g.windowMs),
      }),
    );
    const x = settings.execution;
    children.push(
      await spawnApp(h, 'execution', {
        ...clock,
        KEEL_ACCOUNT_IDS: ACCOUNT,
        KEEL_TICK_MS: String(x.tickMs),
        KEEL_SLICE_SEC: String(x.sliceSec),
        KEEL_MAX_SLICES: String(x.maxSlices),
        KEEL_QUOTE_MAX_AGE_MS: String(x.quoteMaxAgeMs),
      }),
    );
    for (const c of children) await waitFor('apps ready', () => isReady(c), 60_000, logs);
    const wallUntil = (virtual: number): Promise<void> =>
      new Promise((r) => setTimeout(r, Math.max(0, (virtual - virtualNow()) / FACTOR)));
    expect(virtualNow()).toBeLessThan(T - 5000);
    await wallUntil(T - 5000);
    await appendTarget(h.store);
    await wallUntil(T + HORIZON_SEC * 1000 + 20_000);
    await waitFor(
      'the parent order completes',
      async () => (await readStream(h.store, EXEC_STREAM)).some((e) => e.type === 'ParentOrderCompleted'),
      30_000,
      logs,
    );
    const processes = await outcome(h.store);

    // (b) The same engines in one process.
    const kernel = await inKernel(quotes);

    // The run did something worth comparing: a parent order with several children and fills.
    expect(kernel.execution.filter((e) => e.type === 'ChildOrderRequested').length).toBeGreaterThan(2);
    expect(kernel.venue.filter((e) => e.type === 'OrderFilled').length).toBeGreaterThan(0);
    expect(kernel.execution.find((e) => e.type === 'ParentOrderCompleted')).toMatchObject({
      reason: 'filled',
    });
    if (process.env['KEEL_EQ_DUMP'])
      fs.writeFileSync(process.env['KEEL_EQ_DUMP'], JSON.stringify({ processes, kernel }, null, 1));
    expect(processes).toEqual(kernel);
  }, 300_000);
});
