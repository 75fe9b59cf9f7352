/**
 * A seeded synthetic market for tests: a one-tick-spread book whose mid walks on the tick
 * grid, quotes every `stepMs`, and trades printing at the touch (buys at the ask, sells at
 * the bid) with random lot-multiple sizes. The same seed gives the same events, always
 * (mulberry32; no Math.random).
 */
import Decimal from 'decimal.js';
import { MarketEvent } from './market.events';

export interface SyntheticMarketOptions {
  readonly seed: number;
  readonly startTs: number;
  readonly steps: number;
  readonly stepMs?: number;
  readonly startBid?: Decimal.Value;
  readonly tickSize?: Decimal.Value;
  readonly lotSize?: Decimal.Value;
  /** Probability per step that the touch moves one tick (up or down, equally likely). */
  readonly moveProb?: number;
  /** Probability per step of a trade print. */
  readonly tradeProb?: number;
  /** Touch sizes and trade sizes are 1..maxLots lots. */
  readonly maxTouchLots?: number;
  readonly maxTradeLots?: number;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough for test data. */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

export const syntheticMarket = (o: SyntheticMarketOptions): MarketEvent[] => {
  const rnd = mulberry32(o.seed);
  const tick = new Decimal(o.tickSize ?? '0.1');
  const lot = new Decimal(o.lotSize ?? '0.001');
  const stepMs = o.stepMs ?? 100;
  const moveProb = o.moveProb ?? 0.2;
  const tradeProb = o.tradeProb ?? 0.6;
  const lots = (max: number) => lot.times(1 + Math.floor(rnd() * max));
  let bid = new Decimal(o.startBid ?? '50000');
  const out: MarketEvent[] = [];
  let tradeId = 0;
  for (let k = 0; k < o.steps; k++) {
    const ts = o.startTs + k * stepMs;
    if (rnd() < moveProb) bid = rnd() < 0.5 ? bid.plus(tick) : Decimal.max(tick, bid.minus(tick));
    const ask = bid.plus(tick);
    out.push({
      type: 'quote',
      venueAt: ts,
      bidPrice: bid,
      bidQty: lots(o.maxTouchLots ?? 2000),
      askPrice: ask,
      askQty: lots(o.maxTouchLots ?? 2000),
    });
    if (rnd() < tradeProb) {
      const buy = rnd() < 0.5;
      out.push({
        type: 'trade',
        venueAt: ts,
        tradeId: String(++tradeId),
        price: buy ? ask : bid,
        qty: lots(o.maxTradeLots ?? 500),
        side: buy ? 'buy' : 'sell',
      });
    }
  }
  return out;
};
