/**
 * The `keel twap-sim` harness: loads recorded data, runs the maker-first TWAP and the
 * market-only baseline through the engines that trade (@keel/simulation `runTwap`: the
 * execution and venue engines in the in-process kernel, on simulated venues replaying the
 * data under a virtual clock), and reports both against the market's benchmark. It holds no
 * decision loop of its own: its figures are the apps' figures.
 */
import { access, constants } from 'node:fs/promises';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { BINANCE_USDM_BTCUSDT, Fill, Instrument, Side } from '@keel/venue-domain';
import { MarketEvent, readLines, readQuotes, readTrades } from '@keel/venue-sim';
import {
  addMid,
  addTrade,
  benchmarkOf,
  emptyBenchmark,
  ExecutionQuality,
  MarketBenchmark,
  PolicyConfig,
  Urgency,
} from '@keel/execution-domain';
import { runTwap, Style } from '@keel/simulation';

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
  const layout: Layout | null =
    cols.includes('bid_price') && cols.includes('ask_price')
      ? 'bbo'
      : cols.includes('price') && cols.includes('side')
        ? 'trades'
        : null;
  if (layout === null)
    return E.left(
      `${file}: header ${JSON.stringify(header)} is neither a trade tape (ts_ns,price,qty,side) nor best bid/ask (ts_ns,bid_price,bid_qty,ask_price,ask_qty)`,
    );
  const read = layout === 'bbo' ? await readQuotes(file) : await readTrades(file);
  if (E.isLeft(read)) return E.left(read.left.message);
  const events: MarketEvent[] = [...read.right].sort((a, b) => a.venueAt - b.venueAt);
  if (events.length === 0) return E.left(`${file} has no rows`);
  return E.right({
    layout,
    events,
    firstTs: (events[0] as MarketEvent).venueAt,
    lastTs: (events[events.length - 1] as MarketEvent).venueAt,
  });
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
  /**
   * What is traded (tick, lot, minimums); default Binance USD-M BTCUSDT, which the recorded
   * BTCUSDT data sits on. Its fees are always replaced by makerBps / takerBps.
   */
  readonly instrument?: Instrument;
  /** Sizes × this = sizes on the simulator's depth curve (another instrument's depth); default 1. */
  readonly depthScale?: number;
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

const instrumentFor = (o: TwapSimOptions): Instrument => ({
  ...(o.instrument ?? BINANCE_USDM_BTCUSDT),
  makerFee: new Decimal(o.makerBps).div(10_000),
  takerFee: new Decimal(o.takerBps).div(10_000),
});

/** The events of the window the run needs (warm-up before, a margin after the deadline). */
const windowOf = (m: LoadedMarket, from: number, to: number): MarketEvent[] => {
  const out: MarketEvent[] = [];
  for (const e of m.events) if (e.venueAt >= from && e.venueAt <= to) out.push(e);
  return out;
};

/** The market's benchmark over [from, to]: VWAP of prints, else the time-weighted mid. */
const marketBenchmark = (events: readonly MarketEvent[], from: number, to: number): MarketBenchmark => {
  let acc = emptyBenchmark();
  for (const e of events) {
    if (e.venueAt > to) break;
    if (e.type === 'trade') {
      if (e.venueAt >= from) acc = addTrade(acc, e.qty, e.price);
    } else if (e.type === 'quote')
      acc = addMid(acc, e.bidPrice.plus(e.askPrice).div(2), Math.max(e.venueAt, from));
  }
  // The last mid stands until the end of the interval.
  if (acc.mids.last) acc = addMid(acc, acc.mids.last, to);
  return benchmarkOf(acc);
};

export type RunOutcome = RunResult & { readonly arrivalMid: Decimal | null };

/**
 * The maker TWAP and/or the market-only baseline, each on its own account, executed by the
 * execution and venue engines in the simulation kernel (@keel/simulation `runTwap`): the
 * same code as the apps. Left: the run could not start, or the target was refused.
 */
export const runExecutions = async (
  events: readonly MarketEvent[],
  o: TwapSimOptions,
  styles: readonly Style[],
): Promise<E.Either<string, Readonly<Record<Style, RunOutcome | undefined>>>> => {
  const r = await runTwap(events, { ...o, instrument: instrumentFor(o) }, styles);
  if (E.isLeft(r)) return r;
  const out: Partial<Record<Style, RunOutcome>> = {};
  for (const s of styles) {
    const one = r.right.outcomes[s];
    if (one)
      out[s] = {
        quality: one.quality,
        arrivalMid: one.arrivalMid,
        completed: one.completed,
        reason: one.reason,
        residual: one.residual,
        finishedAt: one.finishedAt,
        fills: one.fills,
      };
  }
  return E.right(out as Record<Style, RunOutcome | undefined>);
};

/** One execution on its own venue (for experiments); `runTwapSim` runs both. */
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
  await runExecutions(
    events,
    { ...o, durationMs: Math.min(o.durationMs, 600_000), slices: Math.min(o.slices, 5) },
    ['maker', 'marketOnly'],
  );
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
      ? Math.round(
          (o.side === 'buy' ? new Decimal(avg).minus(bench.value) : bench.value.minus(avg))
            .div(bench.value)
            .times(1_000_000)
            .toNumber(),
        ) / 100
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
    improvementBps:
      q.costBps !== null && b.quality.costBps !== null
        ? Math.round((b.quality.costBps - q.costBps) * 100) / 100
        : null,
  });
};
