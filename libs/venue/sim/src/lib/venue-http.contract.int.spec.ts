/**
 * The venue port's contract through the gateway's loopback HTTP shim (what the SIGKILL test
 * puts between the gateway and a simulator living in the test process): the shim must not
 * change any answer the port promises.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { createRealClock } from '@keel/clock';
import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import { venueAdapterContract } from '@keel/venue-domain/testing';
import { createSimulatedVenue } from './simulated.venue';
import { syntheticMarket } from './synthetic.market';
import { httpVenueAdapter, serveVenue } from './venue-http';

venueAdapterContract('simulator behind the loopback HTTP shim', async () => {
  const clock = createRealClock();
  const startTs = 1_700_000_000_000;
  const sim = createSimulatedVenue({
    venue: 'binanceusdm-sim',
    accountId: 'contract-http',
    clock,
    markets: [
      { instrument: BINANCE_USDM_BTCUSDT, events: syntheticMarket({ seed: 11, startTs, steps: 20_000 }) },
    ],
    balances: { USDT: '1000000' },
    latencyMs: 1,
    timeOffsetMs: clock.now() - startTs,
  });
  await clock.sleep(50);
  const server = await serveVenue(sim);
  const venue = await httpVenueAdapter(server.url);
  if (E.isLeft(venue)) throw new Error(JSON.stringify(venue.left));
  return {
    venue: venue.right,
    symbol: BINANCE_USDM_BTCUSDT.symbol,
    restingBuyPrice: new Decimal('40000'),
    qty: new Decimal('0.01'),
    takerFeeRate: new Decimal('0.0005'),
    close: async () => {
      await venue.right.close();
      await server.close();
      await sim.close();
    },
  };
});
