/**
 * One window of `keel twap-eval`: for each size (a percentage of the window's volume) and
 * each side, the maker-first TWAP and the market-only baseline through the engines that trade
 * (`runExecutions`, as `keel twap-sim` runs them), and the per-run figures: both costs, their
 * difference, the fee-neutral difference, maker share, completion, schedule lag and the
 * markouts of the TWAP's passive fills. Money (quantities, prices, fees) stays exact decimals;
 * bps are statistics.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { costBps, DEFAULT_POLICY, PolicyConfig } from '@keel/execution-domain';
import { Fill, Instrument, Side } from '@keel/venue-domain';
import { MarketEvent } from '@keel/venue-sim';
import { RunOutcome, runExecutions } from '../twap-sim/twap-sim.harness';
import { EvalMarket, eventsBetween, lowerBound, VolumeSource, windowVolume } from './twap-eval.market';
import { durationLabel, Window } from './twap-eval.windows';

export interface EvalSettings {
  readonly sizesPct: readonly number[];
  readonly makerBps: number;
  readonly takerBps: number;
  readonly latencyMs: number;
  readonly tickMs: number;
  readonly leadInMs: number;
  /** Child-order policy settings over the default (`--policy`); none: the default policy. */
  readonly policy?: Partial<PolicyConfig>;
}

/** Markout horizons, ms, and their labels in the output. */
export const MARKOUTS: readonly (readonly [string, number])[] = [
  ['1s', 1_000],
  ['10s', 10_000],
  ['60s', 60_000],
];

export interface StyleFigures {
  readonly costBps: number | null;
  /** The cost recomputed from the fills with every fill charged the taker fee. */
  readonly feeNeutralCostBps: number | null;
  readonly filledQty: string;
  readonly avgPrice: string | null;
  readonly fees: string;
  readonly makerShare: number;
  readonly completed: boolean;
  readonly completion: string;
  readonly maxLagSlices: number;
  readonly childOrders: number;
}

export interface RunRecord {
  readonly market: string;
  readonly duration: string;
  readonly durationMs: number;
  readonly windowStart: string;
  readonly sizePct: number;
  readonly side: Side;
  readonly qty: string;
  /** What sizePct is a percentage of. */
  readonly volume: string;
  readonly volumeSource: VolumeSource;
  readonly slices: number;
  readonly hybrid: StyleFigures;
  readonly baseline: StyleFigures;
  /** baseline cost − hybrid cost, bps: positive when the maker-first TWAP was cheaper. */
  readonly diffBps: number | null;
  /** The same with the maker fee set equal to the taker fee for both. */
  readonly feeNeutralDiffBps: number | null;
  /** Qty-weighted markouts of the hybrid's maker fills, bps, positive = good for us; null without maker fills. */
  readonly markoutsBps: Readonly<Record<string, number | null>>;
  readonly makerFills: number;
}

export interface SkippedRun {
  readonly market: string;
  readonly duration: string;
  readonly windowStart: string;
  readonly sizePct: number;
  readonly side?: Side;
  readonly reason: string;
}

export interface WindowResult {
  readonly records: RunRecord[];
  readonly skipped: SkippedRun[];
  readonly wallMs: number;
}

const ZERO = new Decimal(0);
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Slices as `keel twap-sim` sizes them: one per 5 minutes, at least 2, each at least one tick long. */
export const slicesFor = (durationMs: number, tickMs: number): number =>
  Math.max(2, Math.min(Math.round(durationMs / 300_000), Math.floor(durationMs / tickMs)));

/**
 * A cost recomputed from fills, bps: shortfall of the average price vs the arrival mid plus
 * fees over notional, each fill's fee being `feeOf(fill)`. With `feeOf = f => f.fee` it is the
 * execution quality's cost; with the taker rate on every fill it is the fee-neutral cost.
 */
export const costFromFills = (
  side: Side,
  fills: readonly Fill[],
  arrivalMid: Decimal | null,
  feeOf: (f: Fill) => Decimal,
): { readonly costBps: number | null; readonly fees: Decimal } => {
  let qty = ZERO;
  let notional = ZERO;
  let fees = ZERO;
  for (const f of fills) {
    qty = qty.plus(f.qty);
    notional = notional.plus(f.qty.times(f.price));
    fees = fees.plus(feeOf(f));
  }
  if (qty.isZero() || arrivalMid === null) return { costBps: null, fees };
  const shortfall = costBps(side, notional.div(qty), arrivalMid);
  return { costBps: round2(shortfall + fees.div(notional).times(10_000).toNumber()), fees };
};

/** The mid through time: quote mids when the market has quotes, else the last print price. */
export interface MidSeries {
  readonly times: readonly number[];
  readonly mids: readonly Decimal[];
  /** The data ends here: a markout past it has no price. */
  readonly endTs: number;
}

/** The last print's price or quote's bid before `t` (the first event's when none is before it); null: no such event. */
export const priceBefore = (events: readonly MarketEvent[], t: number): Decimal | null => {
  for (let i = lowerBound(events, t) - 1; i >= 0; i--) {
    const e = events[i] as MarketEvent;
    if (e.type === 'trade') return e.price;
    if (e.type === 'quote') return e.bidPrice;
  }
  for (const e of events) {
    if (e.type === 'trade') return e.price;
    if (e.type === 'quote') return e.bidPrice;
  }
  return null;
};

export const midSeries = (events: readonly MarketEvent[], useQuotes: boolean, endTs: number): MidSeries => {
  const times: number[] = [];
  const mids: Decimal[] = [];
  for (const e of events) {
    if (useQuotes && e.type === 'quote') {
      times.push(e.venueAt);
      mids.push(e.bidPrice.plus(e.askPrice).div(2));
    } else if (!useQuotes && e.type === 'trade') {
      times.push(e.venueAt);
      mids.push(e.price);
    }
  }
  return { times, mids, endTs };
};

/** The mid at or before `t`, or null (none yet, or past the end of the data). */
export const midAt = (s: MidSeries, t: number): Decimal | null => {
  if (t > s.endTs) return null;
  let lo = 0;
  let hi = s.times.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if ((s.times[m] as number) <= t) lo = m + 1;
    else hi = m;
  }
  return lo === 0 ? null : (s.mids[lo - 1] as Decimal);
};

/**
 * Qty-weighted markout of fills at horizon h, bps: (mid(t + h) − price) / price for a buy,
 * the negative for a sell, so positive is good for us. Fills with no mid at t + h are left out.
 */
export const markoutBps = (fills: readonly Fill[], series: MidSeries, h: number): number | null => {
  let qty = ZERO;
  let acc = ZERO;
  for (const f of fills) {
    const mid = midAt(series, f.ts + h);
    if (mid === null) continue;
    const move = mid.minus(f.price).div(f.price).times(10_000);
    acc = acc.plus((f.side === 'buy' ? move : move.neg()).times(f.qty));
    qty = qty.plus(f.qty);
  }
  return qty.isZero() ? null : round2(acc.div(qty).toNumber());
};

/**
 * The market's mid at `t` for a cost's arrival price: the last at or before it, else the first
 * after it (a window that opens on the first data after a gap has nothing before it). null:
 * the series is empty.
 */
export const arrivalOf = (s: MidSeries, t: number): Decimal | null =>
  midAt(s, t) ?? (s.mids.length > 0 ? (s.mids[0] as Decimal) : null);

/**
 * A style's figures. Its cost is against its parent order's arrival mid, the touch it started
 * on; a parent that started before the account had seen any touch (a window opening right after
 * a gap in a tape) has none, and then both styles' costs are against `fallbackArrival`, the
 * market's mid at the start (`arrivalOf`), rather than left out.
 */
const figures = (
  o: RunOutcome,
  side: Side,
  takerRate: Decimal,
  fallbackArrival: Decimal | null,
): StyleFigures => ({
  costBps:
    o.arrivalMid !== null
      ? o.quality.costBps
      : costFromFills(side, o.fills, fallbackArrival, (f) => f.fee).costBps,
  feeNeutralCostBps: costFromFills(side, o.fills, o.arrivalMid ?? fallbackArrival, (f) =>
    f.qty.times(f.price).times(takerRate),
  ).costBps,
  filledQty: o.quality.filledQty,
  avgPrice: o.quality.avgPrice,
  fees: o.quality.fees,
  makerShare: o.quality.makerShare,
  completed: o.completed,
  completion: o.reason,
  maxLagSlices: o.quality.maxScheduleLagSlices,
  childOrders: o.quality.childOrderCount,
});

/** Round `qty` down to the lot. */
export const toLot = (qty: Decimal, lot: Decimal): Decimal => qty.div(lot).floor().times(lot);

/** Every size × side of one window; runs the engine refuses are reported as skipped with the reason. */
export const evaluateWindow = async (
  m: EvalMarket,
  instrument: Instrument,
  w: Window,
  s: EvalSettings,
  wallNow: () => number,
  depthScale = 1,
): Promise<WindowResult> => {
  const t0 = wallNow();
  const deadline = w.start + w.durationMs;
  const events = eventsBetween(m.events, w.start - s.leadInMs, deadline + 120_000);
  const { volume, source } = windowVolume(m, w.start, deadline);
  const series = midSeries(events, m.hasQuotes, m.lastTs);
  const refPrice = priceBefore(m.events, w.start);
  const fallbackArrival = arrivalOf(series, w.start);
  const slices = slicesFor(w.durationMs, s.tickMs);
  const where = {
    market: m.name,
    duration: durationLabel(w.durationMs),
    windowStart: new Date(w.start).toISOString(),
  };
  const records: RunRecord[] = [];
  const skipped: SkippedRun[] = [];
  const takerRate = new Decimal(s.takerBps).div(10_000);
  for (const sizePct of s.sizesPct) {
    const qty = toLot(volume.times(sizePct).div(100), instrument.lotSize);
    if (qty.lt(instrument.minQty) || qty.isZero()) {
      skipped.push({
        ...where,
        sizePct,
        reason: `${sizePct} % of ${volume.toString()} is ${qty.toString()}, below the minimum quantity ${instrument.minQty.toString()}`,
      });
      continue;
    }
    if (instrument.minNotional.gt(0) && refPrice && qty.times(refPrice).lt(instrument.minNotional)) {
      skipped.push({
        ...where,
        sizePct,
        reason: `${qty.toString()} at ${refPrice.toString()} is below the minimum notional ${instrument.minNotional.toString()}`,
      });
      continue;
    }
    for (const side of ['buy', 'sell'] as const) {
      const r = await runExecutions(
        events,
        {
          side,
          qty,
          start: w.start,
          durationMs: w.durationMs,
          slices,
          makerBps: s.makerBps,
          takerBps: s.takerBps,
          latencyMs: s.latencyMs,
          tickMs: s.tickMs,
          urgency: 'normal',
          leadInMs: s.leadInMs,
          instrument,
          depthScale,
          ...(s.policy ? { policy: { ...DEFAULT_POLICY, ...s.policy } } : {}),
        },
        ['maker', 'marketOnly'],
      );
      if (E.isLeft(r)) {
        skipped.push({ ...where, sizePct, side, reason: r.left });
        continue;
      }
      const h = r.right.maker;
      const b = r.right.marketOnly;
      if (!h || !b) {
        skipped.push({ ...where, sizePct, side, reason: 'internal: a run is missing' });
        continue;
      }
      const hybrid = figures(h, side, takerRate, fallbackArrival);
      const baseline = figures(b, side, takerRate, fallbackArrival);
      const makerFills = h.fills.filter((f) => f.liquidity === 'maker');
      records.push({
        ...where,
        durationMs: w.durationMs,
        sizePct,
        side,
        qty: qty.toString(),
        volume: volume.toString(),
        volumeSource: source,
        slices,
        hybrid,
        baseline,
        diffBps:
          hybrid.costBps === null || baseline.costBps === null
            ? null
            : round2(baseline.costBps - hybrid.costBps),
        feeNeutralDiffBps:
          hybrid.feeNeutralCostBps === null || baseline.feeNeutralCostBps === null
            ? null
            : round2(baseline.feeNeutralCostBps - hybrid.feeNeutralCostBps),
        markoutsBps: Object.fromEntries(
          MARKOUTS.map(([label, ms]) => [label, markoutBps(makerFills, series, ms)]),
        ),
        makerFills: makerFills.length,
      });
    }
  }
  return { records, skipped, wallMs: Math.round(wallNow() - t0) };
};
