/**
 * Execution-quality figures: signs (positive = cost), maker share, fees, benchmarks.
 */
import Decimal from 'decimal.js';
import {
  addMid,
  addTrade,
  benchmarkOf,
  costBps,
  emptyBenchmark,
  executionQuality,
  vwapOf,
} from './execution.quality';

const d = (x: string) => new Decimal(x);

describe('execution quality', () => {
  it('signs shortfall as a cost for both sides', () => {
    expect(costBps('buy', d('100.1'), d('100'))).toBeCloseTo(10, 9);
    expect(costBps('sell', d('100.1'), d('100'))).toBeCloseTo(-10, 9);
  });

  it('reports average price, shortfall, fees, maker share and the all-in cost', () => {
    const q = executionQuality({
      side: 'buy',
      fills: [
        { qty: d('3'), price: d('100'), fee: d('0.06'), liquidity: 'maker' },
        { qty: d('1'), price: d('104'), fee: d('0.052'), liquidity: 'taker' },
      ],
      arrivalMid: d('100'),
      intervalVwap: d('101'),
      maxScheduleLagSlices: 0.4567,
      childOrderCount: 2,
    });
    expect(q).toEqual({
      filledQty: '4',
      avgPrice: '101',
      arrivalPrice: '100',
      intervalVwap: '101',
      shortfallBps: 100,
      vsVwapBps: 0,
      fees: '0.112',
      feesBps: 2.77, // 0.112 / 404 notional
      costBps: 102.77,
      makerShare: 0.75,
      maxScheduleLagSlices: 0.46,
      childOrderCount: 2,
    });
  });

  it('has no prices and a zero maker share with no fills', () => {
    expect(
      executionQuality({
        side: 'sell',
        fills: [],
        arrivalMid: null,
        intervalVwap: null,
        maxScheduleLagSlices: 0,
        childOrderCount: 0,
      }),
    ).toMatchObject({
      filledQty: '0',
      avgPrice: null,
      shortfallBps: null,
      makerShare: 0,
    });
    expect(vwapOf([])).toBeNull();
  });

  it('benchmarks the market by the VWAP of prints, or the time-weighted mid without them', () => {
    const mids = [
      [d('100'), 0],
      [d('102'), 1000],
      [d('102'), 4000],
    ] as const;
    const byMid = benchmarkOf(mids.reduce((b, [m, at]) => addMid(b, m, at), emptyBenchmark()));
    expect(byMid.source).toBe('mid-twap');
    expect(byMid.value?.toString()).toBe('101.5'); // 100 for 1 s, 102 for 3 s
    const byTrades = benchmarkOf(addTrade(addTrade(emptyBenchmark(), d('1'), d('100')), d('3'), d('104')));
    expect([byTrades.source, byTrades.value?.toString()]).toEqual(['trades', '103']);
  });
});
