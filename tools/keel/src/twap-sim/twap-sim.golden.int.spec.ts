/**
 * Golden runs of the twap-sim harness on the small real slices committed for the simulator
 * (libs/venue/sim/test-data, see its README): the 1-hour 1-second BBO of 2026-01-01 and the
 * 5-minute trade tape of 2024-10-28. The pinned figures were produced by this implementation
 * (decider + simulated venue) when it was written and checked against the invariants asserted
 * beside them; a change in the policy, the decider or the venue model that moves them fails.
 */
import { join } from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { loadMarketFile, LoadedMarket, runTwapSim, TwapSimOptions, TwapSimReport } from './twap-sim.harness';

const DATA = join(__dirname, '..', '..', '..', '..', 'libs', 'venue', 'sim', 'test-data');
const BBO = join(DATA, 'binance-usdm-btcusdt-bbo1s-2026-01-01T00-1h.csv.gz');
const TRADES = join(DATA, 'binance-usdm-btcusdt-trades-2024-10-28T1542-5min.csv.gz');

const load = async (file: string): Promise<LoadedMarket> => {
  const m = await loadMarketFile(file);
  if (E.isLeft(m)) throw new Error(m.left);
  return m.right;
};

const opts = (over: Partial<TwapSimOptions>): TwapSimOptions => ({
  side: 'buy',
  qty: new Decimal('2'),
  start: Date.parse('2026-01-01T00:05:00Z'),
  durationMs: 30 * 60_000,
  slices: 6,
  makerBps: 2,
  takerBps: 5,
  latencyMs: 50,
  tickMs: 1000,
  urgency: 'normal',
  ...over,
});

let n = 0;
const wall = (): number => (n += 1000); // a fake wall clock: these specs pin figures, not speed
const run = async (m: LoadedMarket, o: TwapSimOptions): Promise<TwapSimReport> => {
  const r = await runTwapSim(m, o, wall);
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
/** The report without the timing fields. */
const figures = (r: TwapSimReport) => {
  const { wallSeconds: _w, warmupSeconds: _u, speedup: _s, ...rest } = r;
  return rest;
};

describe('twap-sim on the 2026-01-01 1-second BBO slice', () => {
  it('buys 2 BTC over 30 minutes maker-first, on schedule, and cheaper than market orders', async () => {
    const m = await load(BBO);
    expect(m.layout).toBe('bbo');
    const r = await run(m, opts({}));
    // Invariants first: all of it, by the deadline, never more than a slice behind.
    expect(r.completed).toBe(true);
    expect(r.filledQty).toBe('2');
    expect(Date.parse(r.finishedAt ?? '')).toBeLessThanOrEqual(Date.parse(r.deadline));
    expect(r.maxScheduleLagSlices).toBeLessThanOrEqual(1);
    expect(r.baseline.filledQty).toBe('2');
    // The baseline works each of the 6 slices in 4 clip-sized market orders (clipsPerSlice).
    expect(r.baseline.childOrderCount).toBe(24);
    expect(figures(r)).toMatchInlineSnapshot(`
     {
       "arrivalPrice": "87671.65",
       "avgPrice": "87746.7095",
       "baseline": {
         "avgPrice": "87727.1394",
         "childOrderCount": 24,
         "completed": true,
         "costBps": 11.33,
         "fees": "87.72713935",
         "feesBps": 5,
         "filledQty": "2",
         "shortfallBps": 6.33,
         "vsVwapBps": -0.02,
       },
       "childOrderCount": 96,
       "completed": true,
       "completion": "filled",
       "costBps": 10.56,
       "deadline": "2026-01-01T00:35:00.000Z",
       "fees": "35.0986838",
       "feesBps": 2,
       "filledQty": "2",
       "finishedAt": "2026-01-01T00:30:05.500Z",
       "improvementBps": 0.77,
       "intervalVwap": "87727.314",
       "layout": "bbo",
       "makerShare": 1,
       "maxScheduleLagSlices": 0.35,
       "qty": "2",
       "residualQty": "0",
       "shortfallBps": 8.56,
       "side": "buy",
       "simulatedSeconds": 1800,
       "slices": 6,
       "start": "2026-01-01T00:05:00.000Z",
       "vsVwapBps": 2.21,
       "vwapSource": "mid-twap",
     }
    `);
  });

  it('sells the same way, and the same run twice gives the same figures (the kernel is deterministic)', async () => {
    const m = await load(BBO);
    const a = await run(m, opts({ side: 'sell' }));
    const b = await run(m, opts({ side: 'sell' }));
    expect(figures(b)).toEqual(figures(a));
    expect(a.completed).toBe(true);
    expect(figures(a)).toMatchInlineSnapshot(`
     {
       "arrivalPrice": "87671.65",
       "avgPrice": "87715.4139",
       "baseline": {
         "avgPrice": "87727.0394",
         "childOrderCount": 24,
         "completed": true,
         "costBps": -1.32,
         "fees": "87.72703935",
         "feesBps": 5,
         "filledQty": "2",
         "shortfallBps": -6.32,
         "vsVwapBps": 0.07,
       },
       "childOrderCount": 56,
       "completed": true,
       "completion": "filled",
       "costBps": -2.99,
       "deadline": "2026-01-01T00:35:00.000Z",
       "fees": "35.08616554",
       "feesBps": 2,
       "filledQty": "2",
       "finishedAt": "2026-01-01T00:32:08.500Z",
       "improvementBps": 1.67,
       "intervalVwap": "87727.6743",
       "layout": "bbo",
       "makerShare": 1,
       "maxScheduleLagSlices": 0.42,
       "qty": "2",
       "residualQty": "0",
       "shortfallBps": -4.99,
       "side": "sell",
       "simulatedSeconds": 1800,
       "slices": 6,
       "start": "2026-01-01T00:05:00.000Z",
       "vsVwapBps": 1.4,
       "vwapSource": "mid-twap",
     }
    `);
  });
});

describe('twap-sim on the 2024-10-28 trade tape slice', () => {
  it('buys 1 BTC over 4 minutes with the touch inferred from prints', async () => {
    const m = await load(TRADES);
    expect(m.layout).toBe('trades');
    const r = await run(
      m,
      opts({
        qty: new Decimal('1'),
        start: Date.parse('2024-10-28T15:42:50Z'),
        durationMs: 4 * 60_000,
        slices: 4,
        leadInMs: 30_000,
      }),
    );
    expect(r.completed).toBe(true);
    expect(r.filledQty).toBe('1');
    expect(r.vwapSource).toBe('trades');
    expect(figures(r)).toMatchInlineSnapshot(`
     {
       "arrivalPrice": "68616.35",
       "avgPrice": "68606.5044",
       "baseline": {
         "avgPrice": "68598.9081",
         "childOrderCount": 16,
         "completed": true,
         "costBps": 2.46,
         "fees": "34.29945405",
         "feesBps": 5,
         "filledQty": "1",
         "shortfallBps": -2.54,
         "vsVwapBps": -1.23,
       },
       "childOrderCount": 56,
       "completed": true,
       "completion": "filled",
       "costBps": 0.57,
       "deadline": "2024-10-28T15:46:50.000Z",
       "fees": "13.72130088",
       "feesBps": 2,
       "filledQty": "1",
       "finishedAt": "2024-10-28T15:46:21.500Z",
       "improvementBps": 1.89,
       "intervalVwap": "68607.3686",
       "layout": "trades",
       "makerShare": 1,
       "maxScheduleLagSlices": 0.2,
       "qty": "1",
       "residualQty": "0",
       "shortfallBps": -1.43,
       "side": "buy",
       "simulatedSeconds": 240,
       "slices": 4,
       "start": "2024-10-28T15:42:50.000Z",
       "vsVwapBps": -0.13,
       "vwapSource": "trades",
     }
    `);
  });
});
