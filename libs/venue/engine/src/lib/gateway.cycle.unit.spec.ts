import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';
import { Fill, VenueError, VenueOrder } from '@keel/venue-domain';
import { createCountingAdapter } from '../testing/counting.adapter';
import { DEFAULT_CYCLE_SETTINGS, runCycle } from './gateway.cycle';
import { initialMarketData } from './market-data.throttle';
import { AccountLog, emptyAccountLog } from './reconciliation';
import { createRequestCoalescer } from './request-coalescer';
import { emptyRecent, putRecent } from './recent-window';

const meta = {
  correlationId: 'c',
  causationId: null,
  producer: 'gateway',
  occurredAt: '2024-01-01T00:00:00.000Z',
};
const T0 = Date.UTC(2024, 0, 1);
const tick = () => new Promise<void>((r) => setImmediate(r));

const setup = () => {
  const clock = createVirtualClock(T0);
  const pub = createCountingAdapter({ accountId: 'public', latency: tick });
  const a1 = createCountingAdapter({ accountId: 'acc1', latency: tick });
  const a2 = createCountingAdapter({ accountId: 'acc2', latency: tick });
  const co = (a: typeof pub) => createRequestCoalescer(a, { windowMs: 250, clock });
  return { clock, pub, a1, a2, marketData: co(pub), g1: co(a1), g2: co(a2) };
};

/** acc1's log with one live order, k9 (venue id V9) of `qty` on A/USDT:USDT. */
const liveK9 = (qty: string): AccountLog => ({
  ...emptyAccountLog('acc1'),
  orders: {
    k9: {
      instrument: 'A/USDT:USDT',
      clientOrderId: 'k9',
      requested: true,
      qty,
      venueOrderId: 'V9',
      closed: null,
      filledQty: '0',
    },
  },
});

/** One cycle of one account on no subscribed instrument, at T0. */
const cycleOf = (
  marketData: Parameters<typeof runCycle>[0]['marketData'],
  account: Parameters<typeof runCycle>[0]['accounts'][number],
  venue = 'b',
) =>
  runCycle({
    venue,
    marketData,
    accounts: [account],
    instruments: [],
    state: { marketData: initialMarketData, snapshots: {} },
    cycle: 'c1',
    now: T0,
    meta,
  });

/** A venue fill of k9 (taker, 1 at 100). */
const takerFillOfK9 = (tradeId: string, ts: number): Fill => ({
  symbol: 'A/USDT:USDT',
  tradeId,
  clientOrderId: 'k9',
  venueOrderId: 'V9',
  side: 'buy',
  qty: new Decimal(1),
  price: new Decimal(100),
  fee: new Decimal('0.01'),
  feeAsset: 'USDT',
  liquidity: 'taker',
  ts,
});

/** A cycle of acc1 (live order k9) at `now`, with its recent fill reads. */
const fillsCycle = (
  marketData: Parameters<typeof runCycle>[0]['marketData'],
  adapter: Parameters<typeof runCycle>[0]['accounts'][number]['adapter'],
  now: number,
  fillsReadAt: Readonly<Record<string, readonly number[]>> | undefined,
) => ({
  venue: 'b',
  marketData,
  accounts: [{ adapter, log: liveK9('1') }],
  instruments: [],
  state: { marketData: initialMarketData, snapshots: {}, ...(fillsReadAt ? { fillsReadAt } : {}) },
  cycle: 'c',
  now,
  meta,
});

describe('gateway cycle', () => {
  it('asks each thing once: per account balances, positions, the account whole, open orders; per instrument book and trades', async () => {
    const { pub, a1, a2, marketData, g1, g2 } = setup();
    const out = await runCycle({
      venue: 'binanceusdm',
      marketData,
      accounts: [
        { adapter: g1, log: emptyAccountLog('acc1') },
        { adapter: g2, log: emptyAccountLog('acc2') },
      ],
      instruments: ['A/USDT:USDT', 'B/USDT:USDT'],
      state: { marketData: initialMarketData, snapshots: {} },
      cycle: 'c1',
      now: T0,
      meta,
    });
    expect(out.errors).toEqual([]);
    expect(pub.counts()).toEqual({ fetchTopOfBook: 2, fetchTrades: 2 });
    // Funding is read in the first cycle, then every fundingPollMs.
    const once = {
      fetchBalances: 1,
      fetchPositions: 1,
      fetchAccount: 1,
      fetchOpenOrders: 1,
      fetchFunding: 1,
    };
    expect(a1.counts()).toEqual(once);
    expect(a2.counts()).toEqual(once);
    expect(out.accountEvents['acc1']!.map((e) => e.type)).toEqual([
      'BalanceReported',
      'PositionReported',
      'AccountSnapshotReported',
    ]);
    expect(out.marketEvents.map((e) => e.type)).toEqual(['QuoteUpdated', 'QuoteUpdated']);
  });

  it('polls public trades only of the instruments it is told to (a venue serving them over a websocket only)', async () => {
    const { pub, marketData } = setup();
    const out = await runCycle({
      venue: 'hyperliquid',
      marketData,
      accounts: [],
      instruments: ['A/USDC:USDC', 'B/USDC:USDC'],
      tradeInstruments: [],
      state: { marketData: initialMarketData, snapshots: {} },
      cycle: 'c1',
      now: T0,
      meta,
    });
    expect(out.errors).toEqual([]);
    expect(pub.counts()).toEqual({ fetchTopOfBook: 2 });
  });

  it('polls fills of instruments with live orders and closes orders that vanished from the book', async () => {
    const { a1, marketData, g1 } = setup();
    const vanished: VenueOrder = {
      symbol: 'A/USDT:USDT',
      clientOrderId: 'k9',
      venueOrderId: 'V9',
      side: 'buy',
      type: 'limit',
      qty: new Decimal(1),
      price: new Decimal(1),
      filledQty: new Decimal(0),
      avgFillPrice: null,
      status: 'cancelled',
      ts: 0,
    };
    const log = liveK9('1');
    const adapter = {
      ...g1,
      fetchOrderByClientId: () => () => Promise.resolve(E.right<VenueError, VenueOrder | null>(vanished)),
    };
    const out = await cycleOf(marketData, { adapter, log });
    expect(a1.counts()).toMatchObject({ fetchFills: 1 });
    expect(out.accountEvents['acc1']!.map((e) => e.type)).toEqual([
      'BalanceReported',
      'PositionReported',
      'AccountSnapshotReported',
      'OrderCancelled',
    ]);
  });

  it('records fills without a client id (Binance userTrades) at once, attributed by venue order id, beside the others', async () => {
    const { marketData, g1 } = setup();
    // k4 closed a while ago (venue id V4): a late fill of it is still attributed to it.
    const log: AccountLog = {
      ...liveK9('3'),
      closed: putRecent(emptyRecent, T0, 'k4', {
        ...liveK9('3').orders['k9']!,
        clientOrderId: 'k4',
        venueOrderId: 'V4',
        closed: 'cancelled',
      }),
    };
    const fill = (tradeId: string, clientOrderId: string, venueOrderId: string): Fill => ({
      symbol: 'A/USDT:USDT',
      tradeId,
      clientOrderId,
      venueOrderId,
      side: 'buy',
      qty: new Decimal(1),
      price: new Decimal(100),
      fee: new Decimal('0.01'),
      feeAsset: 'USDT',
      liquidity: 'maker',
      ts: T0,
    });
    const adapter = {
      ...g1,
      fetchFills: () => () =>
        Promise.resolve(
          E.right<VenueError, readonly Fill[]>([
            fill('t1', 'k9', 'V9'),
            fill('t2', '', 'V9'),
            fill('t3', '', 'V5'),
            fill('t4', '', 'V4'),
          ]),
        ),
    };
    const out = await cycleOf(marketData, { adapter, log }, 'binanceusdm');
    expect(out.errors).toEqual([]);
    const fills = out.accountEvents['acc1']!.flatMap((e) =>
      e.type === 'OrderFilled' ? [`${e.data.tradeId}:${e.data.clientOrderId}`] : [],
    );
    expect(fills).toEqual(['t1:k9', 't2:k9', 't3:venue-V5', 't4:k4']);
  });

  it('reads fills of an order still in flight: a market order can fill before its acceptance is folded into the log', async () => {
    const { marketData, g1 } = setup();
    // k9 requested, sent, filled at the venue; its OrderAccepted is not in the log yet.
    const log: AccountLog = {
      ...liveK9('1'),
      orders: { k9: { ...liveK9('1').orders['k9']!, venueOrderId: null } },
    };
    const filled = takerFillOfK9('t1', T0);
    const adapter = {
      ...g1,
      fetchFills: (s: string, since: number) => () => {
        return Promise.resolve(
          E.right<VenueError, readonly Fill[]>(s === filled.symbol && since <= T0 ? [filled] : []),
        );
      },
    };
    const out = await cycleOf(marketData, { adapter, log });
    expect(out.errors).toEqual([]);
    expect(
      out.accountEvents['acc1']!.flatMap((e) => (e.type === 'OrderFilled' ? [e.data.tradeId] : [])),
    ).toEqual(['t1']);
  });

  it('reads fills on from its last full read, however late the cycle comes; a failed read is asked again from there', async () => {
    const { marketData, g1 } = setup();
    const asked: number[] = [];
    let failing = true;
    const adapter = {
      ...g1,
      fetchFills: (_s: string, since: number) => () => {
        asked.push(since);
        return Promise.resolve(
          failing
            ? E.left<VenueError, readonly Fill[]>({
                _tag: 'VenueUnavailable',
                venue: 'b',
                op: 'fetchFills',
                message: 'down',
              })
            : E.right<VenueError, readonly Fill[]>([]),
        );
      },
    };
    const lookback = DEFAULT_CYCLE_SETTINGS.fillLookbackMs;
    const lastRead = T0 - 30 * 60_000; // a restart's reconciliation, half an hour before this late cycle
    const first = await runCycle(fillsCycle(marketData, adapter, T0, { acc1: [lastRead] }));
    expect(asked).toEqual([lastRead - lookback]);
    expect(first.state.fillsReadAt).toEqual({ acc1: [lastRead] });
    failing = false;
    const second = await runCycle(fillsCycle(marketData, adapter, T0 + 1000, first.state.fillsReadAt));
    expect(asked[1]).toBe(lastRead - lookback);
    expect(second.state.fillsReadAt).toEqual({ acc1: [lastRead, T0 + 1000] });
  });

  it('asks again for a fill one late read left out: each instant is read for a whole look-back after the first read over it', async () => {
    const { marketData, g1 } = setup();
    const lookback = DEFAULT_CYCLE_SETTINGS.fillLookbackMs;
    // Reconciled at R0; the next read comes two look-backs later (a restart's replay), and the
    // venue leaves out of that one read a fill made in between, listing it in later reads.
    const R0 = T0 - 2 * lookback;
    const late = takerFillOfK9('t7', R0 + lookback / 2);
    let reads = 0;
    const adapter = {
      ...g1,
      fetchFills: (_s: string, since: number) => () =>
        Promise.resolve(E.right<VenueError, readonly Fill[]>(reads++ > 0 && late.ts >= since ? [late] : [])),
    };
    const first = await runCycle(fillsCycle(marketData, adapter, T0, { acc1: [R0] }));
    expect(first.accountEvents['acc1']!.filter((e) => e.type === 'OrderFilled')).toEqual([]);
    const second = await runCycle(fillsCycle(marketData, adapter, T0 + 1000, first.state.fillsReadAt));
    expect(
      second.accountEvents['acc1']!.flatMap((e) => (e.type === 'OrderFilled' ? [e.data.tradeId] : [])),
    ).toEqual(['t7']);
    // Once a look-back has passed since a read, the window starts a look-back before that read
    // (reads are kept one per 1/16 look-back: T0 + 1 s counts as T0's), and R0 is forgotten.
    expect(second.state.fillsReadAt).toEqual({ acc1: [R0, T0] });
    const later = await runCycle(
      fillsCycle(marketData, adapter, T0 + 1000 + lookback, second.state.fillsReadAt),
    );
    expect(later.state.fillsReadAt).toEqual({ acc1: [T0, T0 + 1000 + lookback] });
  });

  it('a failed read is reported and skips only its part', async () => {
    const { marketData, g1 } = setup();
    const failing = {
      ...g1,
      fetchBalances: () => () =>
        Promise.resolve(
          E.left<VenueError, never>({
            _tag: 'VenueUnavailable',
            venue: 'b',
            op: 'fetchBalances',
            message: '503',
          }),
        ),
    };
    const out = await cycleOf(marketData, { adapter: failing, log: emptyAccountLog('acc1') });
    expect(out.errors).toMatchObject([{ _tag: 'VenueUnavailable' }]);
    expect(out.accountEvents['acc1']!.map((e) => e.type)).toEqual([
      'PositionReported',
      'AccountSnapshotReported',
    ]);
  });

  it('an unreadable funding answer is reported (field and value), records nothing, and is asked again next cycle', async () => {
    const { marketData, g1 } = setup();
    const malformed = {
      ...g1,
      fetchFunding: () => () =>
        Promise.resolve(
          E.left<VenueError, never>({
            _tag: 'VenueMalformed',
            venue: 'b',
            op: 'fetchFunding',
            path: 'funding[0].income',
            value: '"1e-3"',
            message: 'funding[0].income = "1e-3": not a decimal string',
          }),
        ),
    };
    const out = await cycleOf(marketData, { adapter: malformed, log: emptyAccountLog('acc1') });
    expect(out.errors).toMatchObject([
      { _tag: 'VenueMalformed', path: 'funding[0].income', value: '"1e-3"' },
    ]);
    expect((out.accountEvents['acc1'] ?? []).map((e) => e.type)).toEqual([
      'BalanceReported',
      'PositionReported',
      'AccountSnapshotReported',
    ]);
    expect(out.state.fundingPolledAt?.['acc1']).toBeUndefined();
  });
});
