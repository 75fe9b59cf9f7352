/** The venue port's contract on the simulator: a seeded synthetic market replayed from "now" on the real clock. */
import Decimal from 'decimal.js';
import { createRealClock } from '@keel/clock';
import { venueAdapterContract } from '@keel/venue-domain/testing';
import { createSimulatedVenue } from './simulated.venue';
import { syntheticMarket } from './synthetic.market';
import { BINANCE_USDM_BTCUSDT } from '../testing/sim.fixtures';

venueAdapterContract('simulator (synthetic market, real clock)', async () => {
  const clock = createRealClock();
  const startTs = 1_700_000_000_000;
  const venue = createSimulatedVenue({
    venue: 'binanceusdm-sim',
    accountId: 'contract',
    clock,
    markets: [
      { instrument: BINANCE_USDM_BTCUSDT, events: syntheticMarket({ seed: 7, startTs, steps: 20_000 }) },
    ],
    balances: { USDT: '1000000' },
    latencyMs: 1,
    timeOffsetMs: clock.now() - startTs,
  });
  // Let the first quotes replay.
  await clock.sleep(50);
  return {
    venue,
    symbol: BINANCE_USDM_BTCUSDT.symbol,
    restingBuyPrice: new Decimal('40000'),
    qty: new Decimal('0.01'),
    takerFeeRate: new Decimal('0.0005'),
    close: () => venue.close(),
  };
});
