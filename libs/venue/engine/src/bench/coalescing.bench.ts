/**
 * The coalescing benchmark: one polling cycle of (symbols × accounts) consumers, each of
 * which needs the top of book of its symbol and the balances, positions and open orders of
 * its account.
 *
 * - Baseline: one independent engine per symbol per account, each polling the venue on its
 *   own (what a system without a gateway does).
 * - Keel: the same consumers, all at once, through the gateway: one market-data coalescer for
 *   the venue's public data and one coalescer per account for its private data (balances and
 *   positions once per cycle, open orders of all symbols once and filtered locally), plus what
 *   the gateway's cycle reads for itself: each account whole once (AccountSnapshotReported).
 *   The consumers do not ask for that read, so the baseline does not make it: it is counted
 *   as the gateway's cost, never as a saving.
 *
 * Both run in the same process against in-memory counting adapters (they count the REST
 * calls that would reach the venue; they are not a venue simulator), on a virtual clock.
 */
import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';
import { VenueAdapter } from '@keel/venue-domain';
import { CountingAdapter, createCountingAdapter } from '../testing/counting.adapter';
import { CoalescingAdapter, createRequestCoalescer } from '../lib/request-coalescer';

export interface CoalescingBenchOptions {
  readonly symbols: number;
  readonly accounts: number;
  /** Cycles measured; the figures are per cycle. */
  readonly cycles?: number;
  readonly cycleMs?: number;
  readonly windowMs?: number;
}

export interface CoalescingBenchResult {
  readonly restCallsPerCycle: number;
  readonly baselineRestCallsPerCycle: number;
  /** baseline ÷ Keel. */
  readonly reduction: number;
  /** The same in Binance-like request weight (what the account's budget is charged). */
  readonly restWeightPerCycle: number;
  readonly baselineRestWeightPerCycle: number;
  readonly weightReduction: number;
  readonly consumers: number;
  readonly symbols: number;
  readonly accounts: number;
  readonly cycles: number;
}

const T0 = Date.UTC(2024, 0, 1);
const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
const must = async <A>(p: Promise<E.Either<unknown, A>>): Promise<A> => {
  const r = await p;
  if (E.isLeft(r)) throw new Error(`bench call failed: ${JSON.stringify(r.left)}`);
  return r.right;
};

/** What one consumer needs each cycle, asked of the adapters it is given. */
const consume = async (
  symbol: string,
  marketData: VenueAdapter,
  account: VenueAdapter,
  openOrdersOfAllSymbols: boolean,
): Promise<void> => {
  await Promise.all([
    must(marketData.fetchTopOfBook(symbol)()),
    must(account.fetchBalances()()),
    must(account.fetchPositions()()),
    openOrdersOfAllSymbols
      ? must(account.fetchOpenOrders(null)()).then((os) => os.filter((o) => o.symbol === symbol))
      : must(account.fetchOpenOrders(symbol)()),
  ]);
};

const totals = (adapters: readonly CountingAdapter[]) => ({
  calls: adapters.reduce((n, a) => n + a.total(), 0),
  weight: adapters.reduce((n, a) => n + a.weightSpent(), 0),
});

const round = (x: number): number => Math.round(x * 100) / 100;

export const benchCoalescing = async (opts: CoalescingBenchOptions): Promise<CoalescingBenchResult> => {
  const { symbols, accounts } = opts;
  const cycles = opts.cycles ?? 3;
  const cycleMs = opts.cycleMs ?? 1_000;
  const windowMs = opts.windowMs ?? 250;
  const symbolNames = Array.from({ length: symbols }, (_, i) => `S${i}/USDT:USDT`);
  const accountIds = Array.from({ length: accounts }, (_, i) => `acc${i}`);

  // Baseline: every (symbol, account) engine polls its account's connection on its own.
  const baseAccounts = accountIds.map((accountId) => createCountingAdapter({ accountId, latency: tick }));
  for (let c = 0; c < cycles; c++)
    await Promise.all(baseAccounts.flatMap((acc) => symbolNames.map((s) => consume(s, acc, acc, false))));
  const base = totals(baseAccounts);

  // Keel: the gateway's coalescers in front of the same kind of connections.
  const clock = createVirtualClock(T0);
  const publicConn = createCountingAdapter({ accountId: 'public', latency: tick });
  const keelAccounts = accountIds.map((accountId) => createCountingAdapter({ accountId, latency: tick }));
  const marketData = createRequestCoalescer(publicConn, { windowMs, clock });
  const gateways: CoalescingAdapter[] = keelAccounts.map((a) =>
    createRequestCoalescer(a, { windowMs, clock }),
  );
  for (let c = 0; c < cycles; c++) {
    gateways.forEach((g) => g.beginCycle());
    await Promise.all([
      ...gateways.map((g) => must(g.fetchAccount()())),
      ...gateways.flatMap((g) => symbolNames.map((s) => consume(s, marketData, g, true))),
    ]);
    clock.advanceBy(cycleMs);
  }
  const keel = totals([publicConn, ...keelAccounts]);

  const restCallsPerCycle = keel.calls / cycles;
  const baselineRestCallsPerCycle = base.calls / cycles;
  const restWeightPerCycle = keel.weight / cycles;
  const baselineRestWeightPerCycle = base.weight / cycles;
  return {
    restCallsPerCycle,
    baselineRestCallsPerCycle,
    reduction: round(baselineRestCallsPerCycle / restCallsPerCycle),
    restWeightPerCycle,
    baselineRestWeightPerCycle,
    weightReduction: round(baselineRestWeightPerCycle / restWeightPerCycle),
    consumers: symbols * accounts,
    symbols,
    accounts,
    cycles,
  };
};
