/**
 * The simulated venue as the gateway runs it: the Binance USD-M BTCUSDT perpetual replaying
 * recorded data (libs/venue/sim/test-data by default), shifted so the data's first event is
 * "now" on the app's clock.
 */
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { Clock } from '@keel/runtime';
import { BINANCE_USDM_BTCUSDT, Instrument } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket, SimulatedVenue } from '@keel/venue-sim';
export { loadSimMarkets, parseBalances, startSimVenueOn } from '@keel/venue-sim';

export const SIM_TEST_DATA = path.resolve(__dirname, '../../../libs/venue/sim/test-data');
export const DEFAULT_SIM_TRADES = path.join(
  SIM_TEST_DATA,
  'binance-usdm-btcusdt-trades-2024-10-28T1542-5min.csv.gz',
);

/** The simulated venue lists Binance USD-M BTCUSDT (the recorded data's instrument). */
export const SIM_BTCUSDT: Instrument = BINANCE_USDM_BTCUSDT;

export interface SimVenueOptions {
  readonly venue: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly trades: string;
  readonly quotes: string;
  readonly balances?: Readonly<Record<string, string>>;
  readonly latencyMs?: number;
  /** The clock instant the data's first event lands on (epoch ms); default: now. */
  readonly dataStart?: number;
}

/** Load the data and start the simulator; the data's first event lands at `dataStart` (default `clock.now()`). */
export const startSimVenue = async (o: SimVenueOptions): Promise<E.Either<string, SimulatedVenue>> => {
  const events = await loadMarket({
    ...(o.trades ? { trades: o.trades } : {}),
    ...(o.quotes ? { quotes: o.quotes } : {}),
  });
  if (E.isLeft(events)) return E.left(`sim market data: ${JSON.stringify(events.left)}`);
  const first = events.right[0]?.venueAt ?? o.clock.now();
  return E.right(
    createSimulatedVenue({
      venue: o.venue,
      accountId: o.accountId,
      clock: o.clock,
      markets: [{ instrument: SIM_BTCUSDT, events: events.right }],
      balances: o.balances ?? { USDT: '1000000' },
      latencyMs: o.latencyMs ?? 20,
      timeOffsetMs: (o.dataStart ?? o.clock.now()) - first,
    }),
  );
};
