/**
 * What a simulated venue replays, as settings can say it (JSON: decimals as strings): one
 * entry per listed instrument, with its recorded data and the shift that puts that data on the
 * session's clock. `keel demo` builds these for its gateways; the gateway's `simMarkets`
 * setting reads them (apps/gateway/src/sim.venue.ts).
 */

/** An instrument as JSON: every decimal a string (see `Instrument` in @keel/instruments). */
export interface InstrumentJson {
  readonly venue: string;
  readonly venueSymbol: string;
  readonly symbol: string;
  readonly kind: 'spot' | 'perpetual' | 'future';
  readonly base: string;
  readonly quote: string;
  readonly settle: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minQty: string;
  readonly minNotional: string;
  readonly contractSize: string;
  readonly settlement: 'cash' | 'physical' | null;
  readonly expiry: string | null;
  readonly makerFee: string;
  readonly takerFee: string;
}

/** Recorded data of one instrument. */
export type SimMarketSource =
  /** Trade prints and/or top-of-book quotes (the README's trades / bbo layouts). */
  | { readonly kind: 'ticks'; readonly trades?: string; readonly quotes?: string }
  /**
   * 1-minute bars replayed as a synthetic path (open → low/high → close, one-tick spread; see
   * `barEvents`). `contract` picks one expiry of a multi-contract file (AlgoSeek ES, GC).
   */
  | { readonly kind: 'bars'; readonly file: string; readonly contract?: string };

export interface SimMarketSpec {
  readonly instrument: InstrumentJson;
  readonly source: SimMarketSource;
  /** Added to every recorded timestamp (ms) to put the data on the session's clock. */
  readonly shiftMs: number;
  /** Replay only data at or after this session-clock instant (ms); default: all. */
  readonly from?: number;
}
