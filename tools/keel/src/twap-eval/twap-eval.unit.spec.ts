/**
 * The pieces of `keel twap-eval` that decide what the numbers mean: the bootstrap interval
 * (known data, reproducible with its seed), the volume estimated from quotes, the instrument
 * inferred from the data, the windows (tiling, gaps, spreading) and the per-run figures.
 */
import Decimal from 'decimal.js';
import { BINANCE_USDM_BTCUSDT, Fill } from '@keel/venue-domain';
import { DEFAULT_POLICY } from '@keel/execution-domain';
import { MarketEvent, QuoteEvent, TradeEvent } from '@keel/venue-sim';
import { bucketsOf, summarizeRuns } from './twap-eval.aggregate';
import {
  classifyHeader,
  CURVE_VOLUME_PER_MIN,
  depthScaleOf,
  inferInstrument,
  printVolume,
  quoteVolumeEstimate,
} from './twap-eval.market';
import { parsePolicy } from '../commands/twap-eval.command';
import { arrivalOf, costFromFills, markoutBps, midSeries, slicesFor, toLot } from './twap-eval.run';
import { bootstrapMeanCi, mean, median, quantileSorted, seededRandom } from './twap-eval.stats';
import { durationsFor, longestDuration, segmentsOf, spreadEvenly, tileWindows } from './twap-eval.windows';

const d = (x: Decimal.Value) => new Decimal(x);
const quote = (t: number, bid: string, bq: string, ask: string, aq: string): QuoteEvent => ({
  type: 'quote',
  venueAt: t,
  bidPrice: d(bid),
  bidQty: d(bq),
  askPrice: d(ask),
  askQty: d(aq),
});
const trade = (t: number, price: string, qty: string, side: 'buy' | 'sell' = 'buy'): TradeEvent => ({
  type: 'trade',
  venueAt: t,
  tradeId: String(t),
  price: d(price),
  qty: d(qty),
  side,
});
const MIN = 60_000;
const HOUR = 3_600_000;

describe('bootstrap confidence interval of the mean', () => {
  const xs = Array.from({ length: 40 }, (_, i) => (i % 10) - 2); // mean 2.5
  const o = { resamples: 2000, seed: 7, level: 0.95 };

  it('is the same for the same seed and data, and differs with another seed', () => {
    expect(bootstrapMeanCi(xs, o)).toEqual(bootstrapMeanCi(xs, o));
    expect(bootstrapMeanCi(xs, { ...o, seed: 8 })).not.toEqual(bootstrapMeanCi(xs, o));
  });

  it('brackets the mean, about ±1.96 standard errors wide', () => {
    const ci = bootstrapMeanCi(xs, o) as [number, number];
    const m = mean(xs) as number;
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / xs.length);
    const se = sd / Math.sqrt(xs.length);
    expect(ci[0]).toBeLessThan(m);
    expect(ci[1]).toBeGreaterThan(m);
    expect(ci[1] - ci[0]).toBeGreaterThan(2 * 1.96 * se * 0.85);
    expect(ci[1] - ci[0]).toBeLessThan(2 * 1.96 * se * 1.15);
  });

  it('collapses to the value when every value is the same, and is null under 2 values', () => {
    expect(bootstrapMeanCi([3, 3, 3, 3], o)).toEqual([3, 3]);
    expect(bootstrapMeanCi([3], o)).toBeNull();
  });

  it('mean, median and type-7 quantiles on known data', () => {
    expect(mean([1, 2, 3, 10])).toBe(4);
    expect(median([10, 1, 3, 2])).toBe(2.5);
    expect(quantileSorted([0, 10], 0.25)).toBe(2.5);
    expect(mean([])).toBeNull();
  });

  it('the PRNG is uniform-ish in [0, 1) and reproducible', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const draws = Array.from({ length: 10_000 }, () => a());
    expect(draws.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...draws)).toBeLessThan(1);
    expect(mean(draws) as number).toBeCloseTo(0.5, 1);
  });
});

describe('volume estimated from quotes', () => {
  it('counts a shrinking touch, a level the price moved away from, and nothing for an improving price', () => {
    const q = [
      quote(0, '100', '5', '101', '4'), // the touch standing at the start
      quote(1000, '100', '3', '101', '4'), // bid shrinks 5 → 3: 2
      quote(2000, '100', '6', '101', '4'), // bid grows: 0
      quote(3000, '99', '7', '101', '1'), // bid level 100 gone (price down): 6; ask shrinks 4 → 1: 3
      quote(4000, '99.5', '2', '101', '1'), // bid improves: 0
      quote(5000, '99.5', '2', '102', '9'), // ask level 101 gone (price up): 1
      quote(6000, '99.5', '2', '100.5', '3'), // ask improves: 0
    ];
    expect(quoteVolumeEstimate(q, 0, 6000).toString()).toBe('12');
    // Only changes inside (from, to]: from 3000 on, the standing touch is the 3000 quote.
    expect(quoteVolumeEstimate(q, 3000, 6000).toString()).toBe('1');
  });

  it('prints are summed as they are', () => {
    const t: MarketEvent[] = [trade(0, '100', '1'), trade(10, '100', '0.5'), trade(20, '100', '2')];
    expect(printVolume(t, 5, 20).toString()).toBe('2.5');
  });
});

describe('instrument inferred from the data', () => {
  it('tick = the smallest gap between distinct prices, lot = 10^-(most quantity decimals)', () => {
    const i = inferInstrument('binance-spot-ethusdt-2024-08-08-trades', [
      trade(0, '2683.80000000', '0.00200000'),
      trade(1, '2683.81000000', '1.5000'),
      trade(2, '2684.00', '0.0123'),
      quote(3, '2683.79', '3.0292', '2683.83', '31.4395'),
    ]);
    expect(i.tickSize.toString()).toBe('0.01');
    expect(i.lotSize.toString()).toBe('0.0001');
    expect(i.minQty.toString()).toBe('0.0001');
    expect(i.minNotional.toString()).toBe('0');
    expect(i.symbol).toBe('ETH/USDT');
    expect(i.base).toBe('ETH');
  });

  it('XRP/ETH aggTrades: 8-decimal prices, whole-XRP quantities', () => {
    const i = inferInstrument('binance-spot-xrpeth-aggtrades-2019-10-11_2019-10-13', [
      trade(0, '0.00141342', '23.00000000'),
      trade(1, '0.00141350', '7'),
      trade(2, '0.00141351', '120.0'),
    ]);
    expect(i.tickSize.toString()).toBe('1e-8');
    expect(i.lotSize.toString()).toBe('1');
    expect(i.symbol).toBe('XRP/ETH');
  });

  it('Binance USD-M BTCUSDT files are that instrument itself', () => {
    expect(inferInstrument('binance-usdm-btcusdt-trades-2024-10-28', [trade(0, '1', '1')])).toBe(
      BINANCE_USDM_BTCUSDT,
    );
  });
});

describe('files by header', () => {
  it.each([
    ['ts_ns,price,qty,side', 'trades'],
    ['ts_ns,recv_ts_ns,trade_id,price,qty,side', 'trades'],
    ['ts_ns,bid_price,bid_qty,ask_price,ask_qty', 'bbo'],
    ['recv_ts_ns,update_id,bid_price,bid_qty,ask_price,ask_qty', 'unusable'],
    ['ts_ns,recv_ts_ns,first_update_id,final_update_id,side,price,qty', 'depth'],
    ['ts_ns,update_id,side,level,price,qty', 'unusable'],
    ['timestamp_utc,open,high,low,close,volume', 'unusable'],
  ])('%s is %s', (header, kind) => {
    expect(classifyHeader('f.csv.gz', header).kind).toBe(kind);
  });
});

describe('windows', () => {
  // Events every 10 s from 0 to 40 min, then an outage of 15 min, then 40 min more.
  const times = [
    ...Array.from({ length: 241 }, (_, i) => i * 10_000),
    ...Array.from({ length: 241 }, (_, i) => 55 * MIN + i * 10_000),
  ];
  const segments = segmentsOf(times, 60_000);

  it('splits the data at holes longer than the gap limit', () => {
    expect(segments).toEqual([
      { from: 0, to: 40 * MIN },
      { from: 55 * MIN, to: 95 * MIN },
    ]);
  });

  it('tiles each segment with disjoint windows after a lead-in, never across the outage', () => {
    const ws = tileWindows(segments, 10 * MIN, MIN);
    expect(ws.map((w) => w.start / MIN)).toEqual([1, 12, 23, 56, 67, 78]);
    for (const w of ws)
      expect(segments.some((s) => w.start - MIN >= s.from && w.start + w.durationMs <= s.to)).toBe(true);
    expect(tileWindows(segments, 45 * MIN, MIN)).toEqual([]);
  });

  it('keeps the durations that fit, plus the longest round one', () => {
    expect(longestDuration(segments, MIN)).toBe(30 * MIN);
    expect(durationsFor(segments, [10 * MIN, 2 * HOUR], true, MIN)).toEqual([10 * MIN, 30 * MIN]);
    expect(longestDuration([{ from: 0, to: 8 * MIN }], MIN)).toBe(7 * MIN);
    expect(longestDuration([{ from: 0, to: 50 * HOUR }], MIN)).toBe(24 * HOUR);
    expect(longestDuration([{ from: 0, to: 2.5 * MIN }], MIN)).toBeNull();
  });

  it('spreads a capped number of windows evenly and deterministically', () => {
    const xs = Array.from({ length: 10 }, (_, i) => i);
    expect(spreadEvenly(xs, 3)).toEqual([1, 5, 8]);
    expect(spreadEvenly(xs, 12)).toEqual(xs);
  });
});

describe('per-run figures', () => {
  const fill = (over: Partial<Fill>): Fill => ({
    symbol: 'BTC/USDT:USDT',
    tradeId: 't',
    clientOrderId: 'c',
    venueOrderId: 'v',
    side: 'buy',
    qty: d(1),
    price: d(100),
    fee: d(0),
    feeAsset: 'USDT',
    liquidity: 'maker',
    ts: 0,
    ...over,
  });

  it('recomputes the cost from the fills; fee-neutral charges every fill the taker rate', () => {
    const fills = [
      fill({ qty: d(1), price: d(100), fee: d('0.02'), liquidity: 'maker' }),
      fill({ qty: d(1), price: d(102), fee: d('0.051'), liquidity: 'taker' }),
    ];
    // avg 101 vs arrival 100: 100 bps shortfall; fees 0.071 / 202 = 3.51 bps.
    expect(costFromFills('buy', fills, d(100), (f) => f.fee).costBps).toBe(103.51);
    const neutral = costFromFills('buy', fills, d(100), (f) => f.qty.times(f.price).times('0.0005'));
    expect(neutral.costBps).toBe(105);
    expect(neutral.fees.toString()).toBe('0.101');
  });

  it('markouts are signed so that a favourable move is positive, qty-weighted', () => {
    const series = midSeries(
      [
        quote(0, '99', '1', '101', '1'),
        quote(1000, '101', '1', '103', '1'),
        quote(60_000, '98', '1', '100', '1'),
      ],
      true,
      100_000,
    );
    const buy = fill({ side: 'buy', price: d(100), qty: d(3), ts: 0 });
    const sell = fill({ side: 'sell', price: d(100), qty: d(1), ts: 0 });
    // +1 s: mid 102, +200 bps for the buy, −200 for the sell: (3·200 − 200) / 4 = 100.
    expect(markoutBps([buy, sell], series, 1000)).toBe(100);
    // +60 s: mid 99: buy −100, sell +100.
    expect(markoutBps([buy], series, 60_000)).toBe(-100);
    expect(markoutBps([sell], series, 60_000)).toBe(100);
    expect(markoutBps([fill({ ts: 50_000 })], series, 60_000)).toBeNull();
  });

  it('a cost with no parent arrival is against the market’s mid at the start: the last before it, else the first after', () => {
    const series = midSeries(
      [quote(10_000, '99', '1', '101', '1'), quote(20_000, '103', '1', '105', '1')],
      true,
      30_000,
    );
    // A window opening after a gap: nothing before its start, so the first mid after it.
    expect(arrivalOf(series, 5_000)?.toString()).toBe('100');
    expect(arrivalOf(series, 15_000)?.toString()).toBe('100');
    expect(arrivalOf(series, 25_000)?.toString()).toBe('104');
    expect(arrivalOf(midSeries([], true, 0), 0)).toBeNull();
  });

  it('sizes round down to the lot; one slice per 5 minutes, at least 2', () => {
    expect(toLot(d('4.18484'), d('0.001')).toString()).toBe('4.184');
    expect([slicesFor(2 * MIN, 1000), slicesFor(30 * MIN, 1000), slicesFor(24 * HOUR, 1000)]).toEqual([
      2, 6, 288,
    ]);
  });

  it('buckets: each size, then ≤1% and 10–20%', () => {
    expect(bucketsOf([20, 0.1, 1, 5, 10, 0.5]).map((b) => b.name)).toEqual([
      '0.1%',
      '0.5%',
      '1%',
      '5%',
      '10%',
      '20%',
      '≤1%',
      '10–20%',
    ]);
    expect(summarizeRuns([], 'x', { resamples: 100, seed: 1 }).diffBps).toEqual({
      n: 0,
      mean: null,
      median: null,
      ci95: null,
      min: null,
      max: null,
    });
  });
});

describe('depth scale and policy settings', () => {
  const print = (t: number, qty: string): MarketEvent => ({
    type: 'trade',
    venueAt: t,
    tradeId: String(t),
    price: new Decimal('0.0014'),
    qty: new Decimal(qty),
    side: 'buy',
  });

  it('maps another instrument onto the depth curve by traded volume; the calibrated one is 1', () => {
    // 10 minutes, 3,380 units traded: 338 a minute, twice the curve's 169, so a size counts half.
    const events = [print(0, '1690'), print(600_000, '1690')];
    const m = { events, hasTrades: true, firstTs: 0, lastTs: 600_000 };
    expect(depthScaleOf(m, false)).toBeCloseTo(CURVE_VOLUME_PER_MIN / 338, 10);
    expect(depthScaleOf(m, true)).toBe(1);
  });

  it('--policy takes known settings over the default and names what it refuses', () => {
    expect(parsePolicy('{"clipsPerSlice":2}')).toEqual({ ...DEFAULT_POLICY, clipsPerSlice: 2 });
    // A nested object changes only what it names; null turns the imbalance rules off.
    expect(parsePolicy('{"imbalance":{"withdraw":0.2}}').imbalance).toEqual({
      take: null,
      hold: null,
      withdraw: 0.2,
      takeLagSlices: 0,
    });
    expect(
      parsePolicy('{"imbalance":{"take":0.8,"takeLagSlices":0.1}}', {
        ...DEFAULT_POLICY,
        imbalance: { take: null, hold: null, withdraw: 0.3, takeLagSlices: 0 },
      }).imbalance,
    ).toEqual({ take: 0.8, hold: null, withdraw: 0.3, takeLagSlices: 0.1 });
    expect(parsePolicy('{"imbalance":null}').imbalance).toBeNull();
    expect(parsePolicy('{"catchUpTolerance":{"normal":1}}').catchUpTolerance).toEqual({
      ...DEFAULT_POLICY.catchUpTolerance,
      normal: 1,
    });
    expect(() => parsePolicy('{"clipz":2}')).toThrow(/clipz/);
    // A misspelt or mistyped nested field is named with its value, not left undefined.
    expect(() => parsePolicy('{"imbalance":{"takeLag":0.1}}')).toThrow(/\/imbalance\/takeLag = 0\.1/);
    expect(() => parsePolicy('{"imbalance":{"withdraw":"0.3"}}')).toThrow(/\/imbalance\/withdraw = "0\.3"/);
    expect(() => parsePolicy('{"clipsPerSlice":0}')).toThrow(/\/clipsPerSlice = 0/);
    expect(() => parsePolicy('[1]')).toThrow(/--policy must be a JSON object/);
    expect(() => parsePolicy('{')).toThrow(/--policy must be a JSON object/);
  });
});
