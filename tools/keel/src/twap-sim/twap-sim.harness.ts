/**
 * The `keel twap-sim` harness: the real parent-order decider (@keel/execution-domain) and
 * the simulated venue (@keel/venue-sim) in one process, on recorded data, under a virtual
 * clock. A small shell loop stands in for the execution app and the gateway: every
 * `tickMs` of market time it moves the clock (the venue replays the data up to then),
 * feeds the venue's answers and fills to the decider, passes it the touch, and carries out
 * the events it decides (child orders through `prepareOrder`, as the gateway would; cancels).
 *
 * The same run also executes the baseline: the same schedule with one market order per
 * slice (the decider's 'marketOnly' style) on a second simulated account over the same data.
 */
import { access, constants } from 'node:fs/promises';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createVirtualClock } from '@keel/clock';
import { describeError } from '@keel/events';
import { BINANCE_USDM_BTCUSDT, Fill, Instrument, Side } from '@keel/venue-domain';
import { createSimulatedVenue, MarketEvent, readLines, readQuotes, readTrades, SimulatedVenue } from '@keel/venue-sim';
import {
  addMid,
  addTrade,
  benchmarkOf,
  emptyBenchmark,
  MarketBenchmark,
  DEFAULT_POLICY,
  defaultExecutionConfig,
  executionQuality,
  ExecutionQuality,
  handle,
  initialState,
  lagInSlices,
  nextWakeAt,
  ParentOrderCommand,
  ParentOrderEvent,
  ParentOrderState,
  PolicyConfig,
  Touch,
  Urgency,
} from '@keel/execution-domain';
import { createTracker, sendToVenue } from '../sim/venue-io';

export type Layout = 'trades' | 'bbo';

export interface LoadedMarket {
  readonly layout: Layout;
  readonly events: readonly MarketEvent[];
  readonly firstTs: number;
  readonly lastTs: number;
}

/** Read a trade tape or a best bid/ask file (layout told by its header). Left: a readable reason. */
export const loadMarketFile = async (file: string): Promise<E.Either<string, LoadedMarket>> => {
  let header: string | undefined;
  try {
    // A missing file must fail here: a read stream's open error does not reach readline.
    await access(file, constants.R_OK);
    for await (const line of readLines(file)) {
      header = line;
      break;
    }
  } catch (e) {
    return E.left(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (header === undefined) return E.left(`${file} is empty`);
  const cols = header.split(',');
  const layout: Layout | null = cols.includes('bid_price') && cols.includes('ask_price') ? 'bbo' : cols.includes('price') && cols.includes('side') ? 'trades' : null;
  if (layout === null)
    return E.left(`${file}: header ${JSON.stringify(header)} is neither a trade tape (ts_ns,price,qty,side) nor best bid/ask (ts_ns,bid_price,bid_qty,ask_price,ask_qty)`);
  const read = layout === 'bbo' ? await readQuotes(file) : await readTrades(file);
  if (E.isLeft(read)) return E.left(read.left.message);
  const events: MarketEvent[] = [...read.right].sort((a, b) => a.ts - b.ts);
  if (events.length === 0) return E.left(`${file} has no rows`);
  return E.right({ layout, events, firstTs: (events[0] as MarketEvent).ts, lastTs: (events[events.length - 1] as MarketEvent).ts });
};

export interface TwapSimOptions {
  readonly side: Side;
  readonly qty: Decimal;
  readonly start: number;
  readonly durationMs: number;
  readonly slices: number;
  readonly makerBps: number;
  readonly takerBps: number;
  readonly latencyMs: number;
  readonly tickMs: number;
  readonly urgency: Urgency;
  readonly policy?: PolicyConfig;
  /** Data replayed before the start so the touch is known (trade tapes infer it from prints). */
  readonly leadInMs?: number;
  /** Decide on every tick instead of only on change or wake-up (for tests: same outcome). */
  readonly decideEveryTick?: boolean;
}

export interface RunResult {
  readonly quality: ExecutionQuality;
  readonly completed: boolean;
  readonly reason: string;
  readonly residual: string;
  readonly finishedAt: number | null;
  readonly fills: readonly Fill[];
}

export interface TwapSimReport extends ExecutionQuality {
  readonly side: Side;
  readonly qty: string;
  readonly layout: Layout;
  readonly slices: number;
  readonly start: string;
  readonly completed: boolean;
  readonly completion: string;
  readonly residualQty: string;
  readonly finishedAt: string | null;
  readonly deadline: string;
  readonly vwapSource: 'trades' | 'mid-twap';
  readonly simulatedSeconds: number;
  /** Both runs (TWAP and baseline), after loading and an untimed JIT warm-up. */
  readonly wallSeconds: number;
  readonly warmupSeconds: number;
  /** simulatedSeconds / wallSeconds (the baseline's run counted in the wall time too). */
  readonly speedup: number;
  readonly baseline: {
    readonly avgPrice: string | null;
    readonly fees: string;
    readonly feesBps: number | null;
    readonly shortfallBps: number | null;
    readonly vsVwapBps: number | null;
    readonly costBps: number | null;
    readonly filledQty: string;
    readonly completed: boolean;
    readonly childOrderCount: number;
  };
  /** baseline cost − TWAP cost, bps: positive means the maker TWAP was cheaper. */
  readonly improvementBps: number | null;
}

const ACCOUNT = 'sim';

const instrumentFor = (o: TwapSimOptions): Instrument => ({
  ...BINANCE_USDM_BTCUSDT,
  makerFee: new Decimal(o.makerBps).div(10_000),
  takerFee: new Decimal(o.takerBps).div(10_000),
});

/** The events of the window the run needs (warm-up before, a margin after the deadline). */
const windowOf = (m: LoadedMarket, from: number, to: number): MarketEvent[] => {
  const out: MarketEvent[] = [];
  for (const e of m.events) if (e.ts >= from && e.ts <= to) out.push(e);
  return out;
};

/** The market's benchmark over [from, to]: VWAP of prints, else the time-weighted mid. */
const marketBenchmark = (events: readonly MarketEvent[], from: number, to: number): MarketBenchmark => {
  let acc = emptyBenchmark();
  for (const e of events) {
    if (e.ts > to) break;
    if (e.kind === 'trade') {
      if (e.ts >= from) acc = addTrade(acc, e.qty, e.price);
    } else acc = addMid(acc, e.bidPrice.plus(e.askPrice).div(2), Math.max(e.ts, from));
  }
  // The last mid stands until the end of the interval.
  if (acc.mids.last) acc = addMid(acc, acc.mids.last, to);
  return benchmarkOf(acc);
};

const touchOf = async (venue: SimulatedVenue, symbol: string): Promise<Touch | null> => {
  const t = await venue.fetchTopOfBook(symbol)();
  if (E.isLeft(t)) return null;
  // A trade-only tape infers the touch from the last prints; a crossed inference is no touch.
  return t.right.bidPrice.lt(t.right.askPrice) ? { bid: t.right.bidPrice, ask: t.right.askPrice } : null;
};

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

type Style = 'maker' | 'marketOnly';
export type RunOutcome = RunResult & { readonly arrivalMid: Decimal | null };

/** One parent order being worked in the loop: its decider state and its venue traffic. */
interface Strategy {
  readonly style: Style;
  state: ParentOrderState;
  readonly inbox: ParentOrderCommand[];
  readonly own: Set<string>;
  wake: number | null;
  skipped: boolean;
  maxLag: number;
  arrivalMid: Decimal | null;
}

/**
 * Executions (the maker TWAP, the market-only baseline, or both) on ONE simulated venue and
 * clock, so the recorded data is replayed once. They cannot disturb each other there: our
 * orders never change the replayed book, market orders never rest, and each strategy's
 * figures come from its own fills (by client order id). Left: the decider refused the
 * target (bad input), with its reason.
 */
export const runExecutions = async (
  events: readonly MarketEvent[],
  o: TwapSimOptions,
  styles: readonly Style[],
): Promise<E.Either<string, Readonly<Record<Style, RunOutcome | undefined>>>> => {
  const instrument = instrumentFor(o);
  const symbol = instrument.symbol;
  const deadline = o.start + o.durationMs;
  const clock = createVirtualClock(Math.min(o.start, events[0]?.ts ?? o.start));
  const venue = createSimulatedVenue({
    venue: 'twap-sim',
    accountId: ACCOUNT,
    clock,
    markets: [{ instrument, events }],
    balances: { USDT: '1000000000000' },
    latencyMs: o.latencyMs,
    // Public-print history is for fetchTrades, which this loop never calls; a short one keeps
    // the replay of a busy tape cheap (the venue trims it on every print).
    tradeHistory: 2,
  });
  const cfg = defaultExecutionConfig({ accounts: [ACCOUNT], instruments: [instrument], policy: o.policy ?? DEFAULT_POLICY });
  const strategies: Strategy[] = styles.map((style) => ({
    style,
    state: initialState(),
    inbox: [],
    own: new Set<string>(),
    wake: null,
    skipped: false,
    maxLag: 0,
    arrivalMid: null,
  }));
  const byCid = new Map<string, Strategy>();
  let fillCursor = 0;

  const { track, pending } = createTracker();

  const carryOut = (s: Strategy, evs: readonly ParentOrderEvent[], touch: Touch | null): void => {
    for (const ev of evs) {
      if (ev.type === 'ChildOrderRequested') {
        const cid = ev.clientOrderId;
        s.own.add(cid);
        byCid.set(cid, s);
      }
      sendToVenue(ev, { instrument, venue, touch, inbox: s.inbox, now: () => clock.now(), track });
    }
  };

  const apply = (s: Strategy, c: ParentOrderCommand, touch: Touch | null): E.Either<string, void> => {
    const r = handle(c, s.state, cfg);
    if (E.isLeft(r)) return E.left(describeError(r.left));
    s.state = r.right.state;
    carryOut(s, r.right.events, touch);
    return E.right(undefined);
  };

  /** Feed the venue's fills and answers to their deciders; the strategies that had any. */
  const drain = (): Set<Strategy> => {
    const touched = new Set<Strategy>();
    const fills: readonly Fill[] = venue.allFills();
    for (; fillCursor < fills.length; fillCursor++) {
      const f = fills[fillCursor] as Fill;
      const s = byCid.get(f.clientOrderId);
      if (!s) continue;
      touched.add(s);
      apply(s, { type: 'RecordFill', clientOrderId: f.clientOrderId, tradeId: f.tradeId, qty: f.qty, price: f.price, fee: f.fee, liquidity: f.liquidity, now: f.ts }, null);
    }
    for (const s of strategies) {
      if (s.inbox.length > 0) touched.add(s);
      for (let c = s.inbox.shift(); c; c = s.inbox.shift()) apply(s, c, null);
    }
    return touched;
  };

  const done = (): boolean => strategies.every((s) => s.state.status === 'Completed');

  try {
    clock.advanceTo(o.start);
    const touch0 = await touchOf(venue, symbol);
    for (const s of strategies) {
      const started = apply(
        s,
        {
          type: 'SetTarget',
          targetId: `twap-sim-${s.style}`,
          accountId: ACCOUNT,
          symbol,
          currentPosition: '0',
          targetPosition: (o.side === 'buy' ? o.qty : o.qty.neg()).toString(),
          start: o.start,
          deadline,
          slices: o.slices,
          urgency: o.urgency,
          style: s.style,
          now: o.start,
          touch: touch0,
        },
        touch0,
      );
      if (E.isLeft(started)) return started;
      s.arrivalMid = s.state.status === 'Working' ? s.state.arrivalMid : null;
      const first = apply(s, { type: 'Tick', now: o.start, touch: touch0 }, touch0);
      if (E.isLeft(first)) return first;
      s.wake = nextWakeAt(s.state, o.start, cfg);
    }
    const hardStop = deadline + 60_000;
    let last: Touch | null = touch0;
    for (let t = o.start; !done() && t < hardStop; ) {
      t = Math.min(t + o.tickMs, hardStop);
      clock.advanceTo(t);
      if (pending() > 0) await flush();
      const before = new Map(strategies.map((s) => [s, s.state]));
      const answered = drain();
      const touch = await touchOf(venue, symbol);
      const moved = touch === null ? last !== null : last === null || !touch.bid.eq(last.bid) || !touch.ask.eq(last.ask);
      last = touch;
      for (const s of strategies) {
        if (s.state.status === 'Completed') continue;
        // Decide when something changed (an answer, a fill, a new touch) or when the decider
        // asked to be woken (nextWakeAt): the same decisions as deciding on every tick, cheaper.
        if (!o.decideEveryTick && !answered.has(s) && !moved && (s.wake === null || t < s.wake)) {
          s.skipped = true;
          continue;
        }
        // Lag grows while ticks are skipped (nothing filled then): its peak is at the last skipped tick.
        const b = before.get(s);
        if (s.skipped && b && b.status === 'Working') s.maxLag = Math.max(s.maxLag, lagInSlices(b.schedule, t - o.tickMs, b.progress.filled));
        s.skipped = false;
        if (s.state.status === 'Working') s.maxLag = Math.max(s.maxLag, lagInSlices(s.state.schedule, t, s.state.progress.filled));
        const r = apply(s, { type: 'Tick', now: t, touch }, touch);
        if (E.isLeft(r)) return r;
        s.wake = nextWakeAt(s.state, t, cfg);
      }
    }
    // Let the last answers arrive (a cancel or market order sent on the final tick).
    clock.advanceTo(clock.now() + Math.max(1, o.latencyMs) * 2);
    if (pending() > 0) await flush();
    drain();
    const out: Partial<Record<Style, RunOutcome>> = {};
    for (const s of strategies) {
      const fills = venue.allFills().filter((f) => s.own.has(f.clientOrderId));
      const st = s.state;
      const fin = st.status === 'Completed' ? st : null;
      const quality = executionQuality({
        side: o.side,
        fills,
        arrivalMid: s.arrivalMid,
        intervalVwap: null,
        maxScheduleLagSlices: Math.max(0, s.maxLag),
        childOrderCount: st.status === 'Idle' ? 0 : st.progress.childCount,
      });
      out[s.style] = {
        quality,
        arrivalMid: s.arrivalMid,
        completed: fin !== null && fin.reason === 'filled' && fin.finishedAt <= deadline,
        reason: fin ? fin.reason : 'unfinished',
        residual: fin ? fin.residual.toString() : o.qty.minus(quality.filledQty).toString(),
        finishedAt: fin ? fin.finishedAt : null,
        fills,
      };
    }
    return E.right(out as Record<Style, RunOutcome | undefined>);
  } finally {
    await venue.close();
  }
};

/** One execution on its own venue (for experiments); `runTwapSim` runs both on one. */
export const runExecution = async (
  _market: LoadedMarket,
  events: readonly MarketEvent[],
  o: TwapSimOptions,
  style: Style,
): Promise<E.Either<string, RunOutcome>> => {
  const r = await runExecutions(events, o, [style]);
  if (E.isLeft(r)) return r;
  const one = r.right[style];
  return one ? E.right(one) : E.left(`no ${style} run`);
};

/** Both runs (maker TWAP and the market-only baseline) and the report. `wallNow` is ms (performance.now). */
export const runTwapSim = async (
  market: LoadedMarket,
  o: TwapSimOptions,
  wallNow: () => number,
): Promise<E.Either<string, TwapSimReport>> => {
  const deadline = o.start + o.durationMs;
  const events = windowOf(market, o.start - (o.leadInMs ?? 60_000), deadline + 120_000);
  // JIT warm-up, untimed: both styles over the first few minutes of the window (a 30-minute
  // run is otherwise dominated by the first compilation of the hot paths).
  const w0 = wallNow();
  await runExecutions(events, { ...o, durationMs: Math.min(o.durationMs, 600_000), slices: Math.min(o.slices, 5) }, ['maker', 'marketOnly']);
  const t0 = wallNow();
  const both = await runExecutions(events, o, ['maker', 'marketOnly']);
  const wallSeconds = (wallNow() - t0) / 1000;
  if (E.isLeft(both)) return both;
  const t = both.right.maker;
  const b = both.right.marketOnly;
  if (!t || !b) return E.left('internal: a run is missing');
  const bench = marketBenchmark(events, o.start, t.finishedAt ?? deadline);
  const vs = (avg: string | null): number | null =>
    avg && bench.value
      ? Math.round((o.side === 'buy' ? new Decimal(avg).minus(bench.value) : bench.value.minus(avg)).div(bench.value).times(1_000_000).toNumber()) / 100
      : null;
  const simulatedSeconds = o.durationMs / 1000;
  const q = t.quality;
  return E.right({
    side: o.side,
    qty: o.qty.toString(),
    layout: market.layout,
    slices: o.slices,
    start: new Date(o.start).toISOString(),
    ...q,
    intervalVwap: bench.value ? bench.value.toDecimalPlaces(4).toString() : null,
    vsVwapBps: vs(q.avgPrice),
    vwapSource: bench.source,
    completed: t.completed,
    completion: t.reason,
    residualQty: t.residual,
    finishedAt: t.finishedAt === null ? null : new Date(t.finishedAt).toISOString(),
    deadline: new Date(deadline).toISOString(),
    simulatedSeconds,
    wallSeconds: Math.round(wallSeconds * 1000) / 1000,
    warmupSeconds: Math.round(t0 - w0) / 1000,
    speedup: wallSeconds > 0 ? Math.round(simulatedSeconds / wallSeconds) : 0,
    baseline: {
      avgPrice: b.quality.avgPrice,
      fees: b.quality.fees,
      feesBps: b.quality.feesBps,
      shortfallBps: b.quality.shortfallBps,
      vsVwapBps: vs(b.quality.avgPrice),
      costBps: b.quality.costBps,
      filledQty: b.quality.filledQty,
      completed: b.completed,
      childOrderCount: b.quality.childOrderCount,
    },
    improvementBps: q.costBps !== null && b.quality.costBps !== null ? Math.round((b.quality.costBps - q.costBps) * 100) / 100 : null,
  });
};
