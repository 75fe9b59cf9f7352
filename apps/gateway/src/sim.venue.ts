/**
 * The simulated venue as the gateway runs it: the Binance USD-M BTCUSDT perpetual replaying
 * recorded data (libs/venue/sim/test-data by default), shifted so the data's first event is
 * "now" on the app's clock.
 */
import * as path from 'node:path';
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { Clock } from '@keel/runtime';
import { Instrument } from '@keel/venue-domain';
import { createSimulatedVenue, loadMarket, SimulatedVenue } from '@keel/venue-sim';

export const SIM_TEST_DATA = path.resolve(__dirname, '../../../libs/venue/sim/test-data');
export const DEFAULT_SIM_TRADES = path.join(SIM_TEST_DATA, 'binance-usdm-btcusdt-trades-2024-10-28T1542-5min.csv.gz');

/** Binance USD-M BTCUSDT as listed (tick 0.1, lot 0.001, min notional 100 USDT, 2 / 5 bps). */
export const SIM_BTCUSDT: Instrument = {
  venue: 'binanceusdm',
  venueSymbol: 'BTCUSDT',
  symbol: 'BTC/USDT:USDT',
  kind: 'perpetual',
  base: 'BTC',
  quote: 'USDT',
  settle: 'USDT',
  tickSize: new Decimal('0.1'),
  lotSize: new Decimal('0.001'),
  minQty: new Decimal('0.001'),
  minNotional: new Decimal('100'),
  contractSize: new Decimal('1'),
  settlement: null,
  expiry: null,
  makerFee: new Decimal('0.0002'),
  takerFee: new Decimal('0.0005'),
};

export interface SimVenueOptions {
  readonly venue: string;
  readonly accountId: string;
  readonly clock: Clock;
  readonly trades: string;
  readonly quotes: string;
  readonly balances?: Readonly<Record<string, string>>;
  readonly latencyMs?: number;
}

/** Load the data and start the simulator; the data's first event lands at `clock.now()`. */
export const startSimVenue = async (o: SimVenueOptions): Promise<E.Either<string, SimulatedVenue>> => {
  const events = await loadMarket({ ...(o.trades ? { trades: o.trades } : {}), ...(o.quotes ? { quotes: o.quotes } : {}) });
  if (E.isLeft(events)) return E.left(`sim market data: ${JSON.stringify(events.left)}`);
  const first = events.right[0]?.ts ?? o.clock.now();
  return E.right(
    createSimulatedVenue({
      venue: o.venue,
      accountId: o.accountId,
      clock: o.clock,
      markets: [{ instrument: SIM_BTCUSDT, events: events.right }],
      balances: o.balances ?? { USDT: '1000000' },
      latencyMs: o.latencyMs ?? 20,
      timeOffsetMs: o.clock.now() - first,
    }),
  );
};
