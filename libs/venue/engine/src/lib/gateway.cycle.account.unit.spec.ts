/**
 * The account whole through `runCycle`, with the simulator underneath on recorded Binance USD-M
 * BTCUSDT quotes and trades (2024-07-18 23:58 UTC): AccountSnapshotReported on a change of the
 * account's structure or at the heartbeat, never on a mark move alone; AccountSnapshotRejected
 * (path, value, reason) once per run of the same refusal, again on a different one or at the
 * heartbeat; the first good read after a refusal is recorded; a failed read is an error only.
 */
import * as path from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { EventMeta, NewEvent } from '@keel/events';
import { createVirtualClock, VirtualClock } from '@keel/runtime';
import { AccountRead } from '@keel/venue-accounts';
import { BINANCE_USDM_BTCUSDT, VenueError } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket, SimulatedVenue } from '@keel/venue-sim';
import { CoalescingAdapter, createRequestCoalescer } from './request-coalescer';
import { CycleState, DEFAULT_CYCLE_SETTINGS, runCycle } from './gateway.cycle';
import { initialMarketData } from './market-data.throttle';
import { emptyAccountLog } from './reconciliation';
import { accountSnapshotRejectedId, accountSnapshotReportedId } from './whole-account.snapshot';

const SIM_TEST_DATA = path.resolve(__dirname, '../../../sim/test-data');
const ACCOUNT = 'acct-whole';
const HEARTBEAT = 30_000;
const settings = { ...DEFAULT_CYCLE_SETTINGS, snapshotHeartbeatMs: HEARTBEAT };
const instruments = [BINANCE_USDM_BTCUSDT];

const ok = <A>(r: E.Either<unknown, A>): A => {
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return r.right;
};

type Spoil = ((read: AccountRead) => AccountRead) | 'unavailable' | null;

describe('gateway cycle: the account whole, from the simulator', () => {
  let clock: VirtualClock;
  let sim: SimulatedVenue;
  let venue: CoalescingAdapter;
  let state: CycleState;
  let spoil: Spoil = null;
  let n = 0;

  /** One cycle at the clock's instant; the account's events of it. */
  const cycle = async (): Promise<{ events: readonly NewEvent[]; errors: readonly unknown[] }> => {
    const name = `c${++n}`;
    const now = clock.now();
    const meta: EventMeta = {
      correlationId: `cycle-${name}`,
      causationId: null,
      producer: 'gateway',
      occurredAt: new Date(now).toISOString(),
    };
    const adapter: CoalescingAdapter =
      spoil === null
        ? venue
        : {
            ...venue,
            fetchAccount: () =>
              spoil === 'unavailable'
                ? TE.left<VenueError, AccountRead>({
                    _tag: 'VenueUnavailable',
                    venue: 'sim',
                    op: 'fetchAccount',
                    message: '503',
                  })
                : TE.map(spoil as (r: AccountRead) => AccountRead)(venue.fetchAccount()),
          };
    const out = await runCycle({
      venue: 'binanceusdm-sim',
      marketData: venue,
      accounts: [{ adapter, log: emptyAccountLog(ACCOUNT), context: { instruments } }],
      instruments: [],
      state,
      cycle: name,
      now,
      meta,
      settings,
    });
    state = out.state;
    return {
      events: (out.accountEvents[ACCOUNT] ?? []).filter((e) => e.type.startsWith('AccountSnapshot')),
      errors: out.errors,
    };
  };
  const data = (e: NewEvent | undefined): Record<string, unknown> => {
    if (e === undefined) throw new Error('no event');
    return e.data as Record<string, unknown>;
  };
  const bodyOf = (read: AccountRead) =>
    read.payloads['account'] as {
      balances: { asset: string; total: string; locked: string }[];
      leverage: string;
      positions: { markPrice: string | null }[];
    };

  beforeAll(async () => {
    const events = ok(
      await loadMarket({
        quotes: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-bbo.csv.gz'),
        trades: path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-2024-07-18T2358-1min-trades.csv.gz'),
      }),
    );
    clock = createVirtualClock(events[0]?.venueAt ?? 0);
    sim = createSimulatedVenue({
      venue: 'binanceusdm-sim',
      accountId: ACCOUNT,
      clock,
      markets: [{ instrument: BINANCE_USDM_BTCUSDT, events }],
      balances: { USDT: '10000' },
      fundingRate: null,
    });
    venue = createRequestCoalescer(sim, { windowMs: 250, clock });
    state = { marketData: initialMarketData, snapshots: {} };
    clock.advanceTo(clock.now() + 1_000);
  });
  afterAll(() => sim.close());

  it('the first cycle records the account: its figures, the raw body, when and how long', async () => {
    const { events, errors } = await cycle();
    expect(errors).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['AccountSnapshotReported']);
    const e = events[0] as NewEvent;
    expect(e.eventId).toBe(accountSnapshotReportedId(ACCOUNT, 'c1'));
    expect(data(e)).toMatchObject({
      accountId: ACCOUNT,
      venue: 'binanceusdm-sim',
      model: 'sim',
      currency: 'USDT',
      balances: [{ asset: 'USDT', total: '10000', locked: '0', free: '10000' }],
      positions: [],
      equity: '10000',
      cash: '10000',
      buyingPower: '100000',
      latencyMs: 0,
      raw: {
        account: {
          currency: 'USDT',
          leverage: '10',
          balances: [{ asset: 'USDT', total: '10000', locked: '0' }],
          positions: [],
        },
      },
    });
  });

  it('the same account a moment later records nothing', async () => {
    clock.advanceTo(clock.now() + 1_000);
    expect((await cycle()).events).toEqual([]);
  });

  it('a fill changes the structure: the position is recorded, under its Keel symbol', async () => {
    ok(
      await sim.placeOrder({
        symbol: BINANCE_USDM_BTCUSDT.symbol,
        clientOrderId: 'kwhole1',
        side: 'buy',
        type: 'market',
        qty: new Decimal('0.01'),
        price: null,
        timeInForce: 'GTC',
        reduceOnly: false,
      })(),
    );
    const fill = sim.allFills()[0];
    clock.advanceTo(clock.now() + 1_000);
    const { events } = await cycle();
    expect(events.map((e) => e.type)).toEqual(['AccountSnapshotReported']);
    const positions = data(events[0]).positions as Record<string, unknown>[];
    expect(positions).toMatchObject([
      {
        instrument: 'BTC/USDT:USDT',
        venueSymbol: 'BTCUSDT',
        qty: '0.01',
        entryPrice: fill?.price.toFixed(),
        marginMode: 'cross',
        settle: 'USDT',
      },
    ]);
  });

  it('the mark moves, nothing else: nothing recorded until the heartbeat, which records the new mark', async () => {
    const markAt = async () => bodyOf(ok(await sim.fetchAccount()())).positions[0]?.markPrice;
    const before = await markAt();
    const start = clock.now();
    clock.advanceTo(start + 20_000);
    expect(await markAt()).not.toBe(before);
    expect((await cycle()).events).toEqual([]);
    clock.advanceTo(start + HEARTBEAT);
    const { events } = await cycle();
    expect(events.map((e) => e.type)).toEqual(['AccountSnapshotReported']);
    expect((data(events[0]).positions as { markPrice: string }[])[0]?.markPrice).toBe(await markAt());
  });

  it('an unreadable answer is rejected with path, value and reason, once per run of the same refusal', async () => {
    spoil = (r) => {
      const b = bodyOf(r);
      return { ...r, payloads: { account: { ...b, balances: [{ ...b.balances[0], total: 'NaN' }] } } };
    };
    clock.advanceTo(clock.now() + 1_000);
    const first = await cycle();
    expect(first.events.map((e) => e.type)).toEqual(['AccountSnapshotRejected']);
    expect(first.events[0]?.eventId).toBe(accountSnapshotRejectedId(ACCOUNT, `c${n}`));
    expect(data(first.events[0])).toMatchObject({
      accountId: ACCOUNT,
      venue: 'binanceusdm-sim',
      model: 'sim',
      path: 'account.balances[0].total',
      value: '"NaN"',
      receivedAt: new Date(clock.now()).toISOString(),
    });
    expect(String(data(first.events[0]).reason)).toContain('is not a decimal');
    // Nothing of the bad answer is recorded: no snapshot, and no raw body in the rejection.
    expect(Object.keys(data(first.events[0])).sort()).toEqual(
      ['accountId', 'model', 'path', 'reason', 'receivedAt', 'value', 'venue'].sort(),
    );

    clock.advanceTo(clock.now() + 1_000);
    expect((await cycle()).events).toEqual([]);

    spoil = (r) => ({ ...r, payloads: { account: { ...bodyOf(r), leverage: '-1' } } });
    clock.advanceTo(clock.now() + 1_000);
    const other = await cycle();
    expect(other.events.map((e) => [e.type, data(e).path])).toEqual([
      ['AccountSnapshotRejected', 'account.leverage'],
    ]);

    clock.advanceTo(clock.now() + HEARTBEAT);
    expect((await cycle()).events.map((e) => e.type)).toEqual(['AccountSnapshotRejected']);
  });

  it('the first good read after a rejection is recorded, though the structure is unchanged', async () => {
    spoil = null;
    clock.advanceTo(clock.now() + 1_000);
    expect((await cycle()).events.map((e) => e.type)).toEqual(['AccountSnapshotReported']);
    clock.advanceTo(clock.now() + 1_000);
    expect((await cycle()).events).toEqual([]);
  });

  it('a failed read is reported as an error, records nothing and keeps the state', async () => {
    spoil = 'unavailable';
    const before = state.snapshots[ACCOUNT];
    clock.advanceTo(clock.now() + 1_000);
    const out = await cycle();
    expect(out.events).toEqual([]);
    expect(out.errors).toMatchObject([{ _tag: 'VenueUnavailable', op: 'fetchAccount' }]);
    expect(state.snapshots[ACCOUNT]?.account).toEqual(before?.account);
    spoil = null;
  });
});
