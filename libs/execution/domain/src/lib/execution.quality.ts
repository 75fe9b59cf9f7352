/**
 * Execution quality of a parent order, from its fills and the market around it: average
 * price, arrival price (mid at the start), the market's VWAP over the interval, shortfall
 * vs arrival and vs VWAP, fees, maker share, schedule lag and child count.
 *
 * Sign convention: every "bps" figure is a COST, positive when the order did worse (a buy
 * paid more / a sell received less than the benchmark). Money sums stay exact decimals;
 * the bps ratios are statistics and are plain numbers (rounded to 0.01 bp for reports).
 */
import Decimal from 'decimal.js';
import { DomainData } from '@keel/events';
import { Side } from '@keel/instruments';

/**
 * Running totals of an instrument's market since a consumer began folding it (public trade
 * quantity and notional, the mid's time integral over the ms covered): a parent order keeps
 * them from its start, and the difference at its end is the interval benchmark.
 */
export type MarketTotals = NonNullable<DomainData<'ParentOrderStarted'>['marketAtStart']>;
/** Execution-quality figures of a finished parent order, as its completion event carries them. */
export type QualityFigures = NonNullable<DomainData<'ParentOrderCompleted'>['quality']>;

/** The interval benchmark between two totals: trade VWAP when trades printed, else the mid's time average. */
export const intervalBenchmark = (from: MarketTotals, to: MarketTotals): Decimal | null => {
  const qty = to.tradeQty.minus(from.tradeQty);
  if (qty.gt(0)) return to.tradeNotional.minus(from.tradeNotional).div(qty);
  const ms = to.ms - from.ms;
  return ms > 0 ? to.midMs.minus(from.midMs).div(ms) : null;
};

export interface QualityFill {
  readonly qty: Decimal;
  readonly price: Decimal;
  /** Positive paid, negative rebate (settle asset = quote for linear contracts). */
  readonly fee: Decimal;
  readonly liquidity: 'maker' | 'taker';
}

export interface ExecutionQuality {
  readonly filledQty: string;
  readonly avgPrice: string | null;
  readonly arrivalPrice: string | null;
  readonly intervalVwap: string | null;
  readonly shortfallBps: number | null;
  readonly vsVwapBps: number | null;
  readonly fees: string;
  readonly feesBps: number | null;
  /** shortfall vs arrival + fees, in bps: the all-in cost. */
  readonly costBps: number | null;
  readonly makerShare: number;
  readonly maxScheduleLagSlices: number;
  readonly childOrderCount: number;
}

const ZERO = new Decimal(0);
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Signed cost of paying `avg` against `benchmark`, in bps (positive = worse). */
export const costBps = (side: Side, avg: Decimal, benchmark: Decimal): number => {
  const d = side === 'buy' ? avg.minus(benchmark) : benchmark.minus(avg);
  return d.div(benchmark).times(10_000).toNumber();
};

/** Σ qty × price / Σ qty, or null with no quantity. */
export const vwapOf = (xs: readonly { readonly qty: Decimal; readonly price: Decimal }[]): Decimal | null => {
  let q = ZERO;
  let n = ZERO;
  for (const x of xs) {
    q = q.plus(x.qty);
    n = n.plus(x.qty.times(x.price));
  }
  return q.isZero() ? null : n.div(q);
};

/**
 * A running benchmark for the market over an interval: the VWAP of public prints when the
 * data has them, otherwise the time-weighted mid (quote-only data has no volume to weight).
 */
export interface MarketBenchmark {
  readonly source: 'trades' | 'mid-twap';
  readonly value: Decimal | null;
}

export interface BenchmarkAccumulator {
  readonly trades: { qty: Decimal; notional: Decimal };
  readonly mids: { weighted: Decimal; ms: number; last: Decimal | null; lastAt: number | null };
}

export const emptyBenchmark = (): BenchmarkAccumulator => ({
  trades: { qty: ZERO, notional: ZERO },
  mids: { weighted: ZERO, ms: 0, last: null, lastAt: null },
});

export const addTrade = (b: BenchmarkAccumulator, qty: Decimal, price: Decimal): BenchmarkAccumulator => ({
  ...b,
  trades: { qty: b.trades.qty.plus(qty), notional: b.trades.notional.plus(qty.times(price)) },
});

/** Record the mid seen at `at`; the previous mid is weighted by how long it stood. */
export const addMid = (b: BenchmarkAccumulator, mid: Decimal, at: number): BenchmarkAccumulator => {
  const m = b.mids;
  const dt = m.last !== null && m.lastAt !== null ? Math.max(0, at - m.lastAt) : 0;
  return {
    ...b,
    mids: {
      weighted: m.last ? m.weighted.plus(m.last.times(dt)) : m.weighted,
      ms: m.ms + dt,
      last: mid,
      lastAt: at,
    },
  };
};

export const benchmarkOf = (b: BenchmarkAccumulator): MarketBenchmark =>
  b.trades.qty.gt(0)
    ? { source: 'trades', value: b.trades.notional.div(b.trades.qty) }
    : { source: 'mid-twap', value: b.mids.ms > 0 ? b.mids.weighted.div(b.mids.ms) : b.mids.last };

/** What the quality of a parent order is computed from: its fill totals and benchmarks. */
export interface QualityInputs {
  readonly side: Side;
  readonly filled: Decimal;
  /** Σ qty × price of its fills. */
  readonly notional: Decimal;
  readonly fees: Decimal;
  readonly makerQty: Decimal;
  readonly arrivalMid: Decimal | null;
  readonly intervalVwap: Decimal | null;
  readonly maxScheduleLagSlices: number;
  readonly childOrderCount: number;
  /** Decimal places for reported prices. */
  readonly priceDp?: number;
}

/** Decimal places for an instrument's reported prices: two more than its tick's (at least 2). */
export const reportPriceDp = (tickSize: Decimal): number => Math.max(tickSize.decimalPlaces(), 2) + 2;

/** The quality figures of a parent order (exact decimals; bps and shares as statistics). */
export const qualityFigures = (args: QualityInputs): QualityFigures => {
  const dp = args.priceDp ?? 4;
  const { filled, notional, fees } = args;
  const avg = filled.isZero() ? null : notional.div(filled);
  const shortfall = avg && args.arrivalMid ? costBps(args.side, avg, args.arrivalMid) : null;
  const feesBps = notional.gt(0) ? fees.div(notional).times(10_000).toNumber() : null;
  return {
    filledQty: filled,
    avgPrice: avg ? avg.toDecimalPlaces(dp) : null,
    arrivalPrice: args.arrivalMid,
    intervalVwap: args.intervalVwap ? args.intervalVwap.toDecimalPlaces(dp) : null,
    shortfallBps: shortfall === null ? null : round2(shortfall),
    vsVwapBps: avg && args.intervalVwap ? round2(costBps(args.side, avg, args.intervalVwap)) : null,
    fees: fees.toDecimalPlaces(8),
    feesBps: feesBps === null ? null : round2(feesBps),
    costBps: shortfall === null || feesBps === null ? null : round2(shortfall + feesBps),
    // 4 decimals, rounded once (x × 100 / 100 would print 0.9165000000000001).
    makerShare: filled.gt(0) ? Math.round(args.makerQty.div(filled).toNumber() * 10_000) / 10_000 : 0,
    maxScheduleLagSlices: round2(args.maxScheduleLagSlices),
    childOrderCount: args.childOrderCount,
  };
};

const str = (d: Decimal): string => (d.isZero() ? '0' : d.toFixed());

/** The quality of a list of fills, as a report prints it (decimal strings). */
export const executionQuality = (args: {
  readonly side: Side;
  readonly fills: readonly QualityFill[];
  readonly arrivalMid: Decimal | null;
  readonly intervalVwap: Decimal | null;
  readonly maxScheduleLagSlices: number;
  readonly childOrderCount: number;
  /** Decimal places for reported prices. */
  readonly priceDp?: number;
}): ExecutionQuality => {
  const q = qualityFigures({
    ...args,
    filled: args.fills.reduce((a, f) => a.plus(f.qty), ZERO),
    notional: args.fills.reduce((a, f) => a.plus(f.qty.times(f.price)), ZERO),
    fees: args.fills.reduce((a, f) => a.plus(f.fee), ZERO),
    makerQty: args.fills.filter((f) => f.liquidity === 'maker').reduce((a, f) => a.plus(f.qty), ZERO),
  });
  return {
    ...q,
    filledQty: str(q.filledQty),
    avgPrice: q.avgPrice && str(q.avgPrice),
    arrivalPrice: q.arrivalPrice && str(q.arrivalPrice),
    intervalVwap: q.intervalVwap && str(q.intervalVwap),
    fees: str(q.fees),
  };
};
