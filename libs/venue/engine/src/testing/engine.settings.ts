import { BINANCE_USDM_BTCUSDT } from '@keel/venue-domain';
import type { VenueEngineSettings } from '../lib/venue.engine';

/** A venue engine on one simulated Binance USD-M BTCUSDT account, for specs that drive its start-up and reactions. */
export const SIM_BTCUSDT_ENGINE: VenueEngineSettings = {
  venue: 'sim',
  instruments: [BINANCE_USDM_BTCUSDT.symbol],
  knownInstruments: [BINANCE_USDM_BTCUSDT],
  cycleMs: 1000,
  windowMs: 0,
  reconcileFillsMs: 60_000,
  fundingPollMs: 8 * 3_600_000,
};
