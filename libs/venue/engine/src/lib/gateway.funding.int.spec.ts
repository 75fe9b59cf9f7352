/**
 * Funding payments through the gateway's own parts, with real ones underneath: the simulator
 * on recorded Binance USD-M BTCUSDT data (a long held into the 2024-07-19 00:00 and 08:00 UTC
 * funding instants, at the simulator's constant rate: the data has no funding rates), the
 * request coalescer, `runCycle`, `appendIgnoringDuplicates` into the embedded SQLite store, and the
 * app's fold (`evolveGateway`) rebuilt from the store as a restarted process does.
 *
 * Shows: a re-poll (with the fold lagging or not) and a restart (store reopened, log refolded,
 * polling pace forgotten) record each payment once; a payment due later is still recorded.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { EventMeta, RecordedEvent } from '@keel/events';
import { appendIgnoringDuplicates, openSqliteEventStore, TestableEventStore } from '@keel/event-store';
import { createVirtualClock, VirtualClock } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket, SimulatedVenue } from '@keel/venue-sim';
import { createRequestCoalescer } from './request-coalescer';
import { CycleState, DEFAULT_CYCLE_SETTINGS, runCycle } from './gateway.cycle';
import { initialMarketData } from './market-data.throttle';
import {
  evolveGateway,
  GATEWAY_EVENT_TYPES,
  GatewayState,
  initialGatewayState,
  venueStream,
} from './gateway.app';

const SIM_BTCUSDT = BINANCE_USDM_BTCUSDT;
const SIM_TEST_DATA = path.resolve(__dirname, '../../../sim/test-data');

const account = 'fund-1';
const MIDNIGHT = Date.UTC(2024, 6, 19);
const H8 = 8 * 3_600_000;
const settings = { ...DEFAULT_CYCLE_SETTINGS, fundingPollMs: 60_000 };

const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

/** The gateway's state as a (re)started process folds it from the store. */
const fold = async (store: TestableEventStore): Promise<GatewayState> => {
  let s = initialGatewayState([account]);
  for (let after = 0; ;) {
    const page = ok(
      await store.readAll({ after, maxCount: 4096, filter: { eventTypes: GATEWAY_EVENT_TYPES } })(),
    );
    for (const e of page.events) s = evolveGateway(s, e);
    after = page.lastPosition;
    if (page.isEnd) return s;
  }
};

const fundingIn = async (store: TestableEventStore): Promise<RecordedEvent[]> =>
  ok(await store.readStream(venueStream(account))()).filter((e) => e.type === 'FundingPaid');

describe('gateway: FundingPaid from the simulator, each payment once', () => {
  let dir: string;
  let clock: VirtualClock;
  let sim: SimulatedVenue;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'keel-gw-funding-'));
    const events = ok(
      await loadMarket({
        quotes: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-bbo.csv.gz'),
        trades: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-trades.csv.gz'),
      }),
    );
    const t0 = events[0]?.venueAt ?? 0;
    clock = createVirtualClock(t0);
    sim = createSimulatedVenue({
      venue: 'binanceusdm-sim',
      accountId: account,
      clock,
      markets: [{ instrument: SIM_BTCUSDT, events }],
      balances: { USDT: '10000' },
    });
    clock.advanceTo(t0 + 1000);
    const placed = sim.placeOrder({
      symbol: SIM_BTCUSDT.symbol,
      clientOrderId: 'fund1long',
      side: 'buy',
      type: 'market',
      qty: new Decimal('0.01'),
      price: null,
      timeInForce: 'IOC',
      reduceOnly: false,
    })();
    clock.advanceTo(t0 + 2000);
    ok(await placed);
  });

  afterAll(async () => {
    await sim.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('records the 00:00 and 08:00 payments once across re-polls and a restart; the 16:00 one when it comes', async () => {
    const venue = createRequestCoalescer(sim, { windowMs: 250, clock });
    const file = path.join(dir, 'keel.sqlite');
    const cycle = async (store: TestableEventStore, state: GatewayState, cs: CycleState, name: string) => {
      const now = clock.now();
      const meta: EventMeta = {
        correlationId: `cycle-${name}`,
        causationId: null,
        producer: 'gateway',
        occurredAt: new Date(now).toISOString(),
      };
      const log = state.logs[account];
      if (!log) throw new Error('no log');
      const out = await runCycle({
        venue: 'binanceusdm-sim',
        marketData: venue,
        accounts: [{ adapter: venue, log }],
        instruments: [],
        state: cs,
        cycle: name,
        now,
        meta,
        settings,
      });
      expect(out.errors).toEqual([]);
      const events = out.accountEvents[account] ?? [];
      ok(await appendIgnoringDuplicates(store, venueStream(account), events)());
      return { out, funding: events.filter((e) => e.type === 'FundingPaid') };
    };

    // Process 1, after both instants: the first poll records two payments.
    let store = ok(openSqliteEventStore({ path: file, now: () => clock.now() }));
    clock.advanceTo(MIDNIGHT + H8 + 5_000);
    let cs: CycleState = { marketData: initialMarketData, snapshots: {} };
    const stale = await fold(store);
    const first = await cycle(store, stale, cs, 'p1-1');
    expect(first.funding.map((e) => (e.data as { fundingId: string }).fundingId)).toEqual([
      `sim-funding-BTCUSDT-${MIDNIGHT}`,
      `sim-funding-BTCUSDT-${MIDNIGHT + H8}`,
    ]);
    // −0.01 × mid of the last recorded quote (63947.95) × 0.0001 each time.
    expect(first.funding.map((e) => (e.data as { amount: string }).amount)).toEqual([
      '-0.06394795',
      '-0.06394795',
    ]);
    expect(first.funding[0]?.data).toMatchObject({
      accountId: account,
      instrument: 'BTC/USDT:USDT',
      asset: 'USDT',
      venueAt: '2024-07-19T00:00:00.000Z',
    });
    cs = first.out.state;

    // Re-poll before the fold has caught up (same stale log): the same events, stored once.
    clock.advanceTo(clock.now() + 60_000);
    const again = await cycle(store, stale, cs, 'p1-2');
    expect(again.funding).toHaveLength(2);
    cs = again.out.state;
    expect(await fundingIn(store)).toHaveLength(2);

    // Re-poll once folded: the cursor is in the log, nothing new is even produced.
    clock.advanceTo(clock.now() + 60_000);
    const folded = await fold(store);
    expect(folded.logs[account]?.funding.cursor).toBe(MIDNIGHT + H8);
    const third = await cycle(store, folded, cs, 'p1-3');
    expect(third.funding).toEqual([]);

    // Restart: the store reopened, the log refolded from it, the polling pace forgotten.
    await store.close();
    store = ok(openSqliteEventStore({ path: file, now: () => clock.now() }));
    clock.advanceTo(clock.now() + 60_000);
    const restarted = await fold(store);
    expect(restarted.logs[account]?.funding).toEqual(folded.logs[account]?.funding);
    const afterRestart = await cycle(
      store,
      restarted,
      { marketData: initialMarketData, snapshots: {} },
      'p2-1',
    );
    expect(afterRestart.funding).toEqual([]);
    expect(await fundingIn(store)).toHaveLength(2);

    // The 16:00 instant: one new payment, recorded once even if asked twice.
    clock.advanceTo(MIDNIGHT + 2 * H8 + 1_000);
    const later = await cycle(store, await fold(store), afterRestart.out.state, 'p2-2');
    expect(later.funding.map((e) => (e.data as { fundingId: string }).fundingId)).toEqual([
      `sim-funding-BTCUSDT-${MIDNIGHT + 2 * H8}`,
    ]);
    clock.advanceTo(clock.now() + 60_000);
    await cycle(store, restarted, later.out.state, 'p2-3'); // a stale log again: re-produced, not re-stored
    const stored = await fundingIn(store);
    expect(stored.map((e) => (e.data as { fundingId: string }).fundingId)).toEqual([
      `sim-funding-BTCUSDT-${MIDNIGHT}`,
      `sim-funding-BTCUSDT-${MIDNIGHT + H8}`,
      `sim-funding-BTCUSDT-${MIDNIGHT + 2 * H8}`,
    ]);
    expect(new Set(stored.map((e) => e.eventId)).size).toBe(3);
    await store.close();
  });

  it('polls funding at its own pace, not every cycle', async () => {
    const venue = createRequestCoalescer(sim, { windowMs: 0, clock });
    const log = initialGatewayState([account]).logs[account];
    if (!log) throw new Error('no log');
    const meta: EventMeta = {
      correlationId: 'pace',
      causationId: null,
      producer: 'gateway',
      occurredAt: new Date(clock.now()).toISOString(),
    };
    const run = (state: CycleState) =>
      runCycle({
        venue: 'binanceusdm-sim',
        marketData: venue,
        accounts: [{ adapter: venue, log }],
        instruments: [],
        state,
        cycle: 'pace',
        now: clock.now(),
        meta,
        settings,
      });
    const a = await run({ marketData: initialMarketData, snapshots: {} });
    expect((a.accountEvents[account] ?? []).filter((e) => e.type === 'FundingPaid').length).toBeGreaterThan(
      0,
    );
    const b = await run(a.state);
    expect((b.accountEvents[account] ?? []).filter((e) => e.type === 'FundingPaid')).toEqual([]);
    expect(b.state.fundingPolledAt?.[account]).toBe(a.state.fundingPolledAt?.[account]);
  });
});
