/**
 * An instrument's rules in their stored (catalog) form and back: decimals as decimal
 * strings, exactly. Used wherever rules travel in an event (`InstrumentsListed` from the
 * gateway, `ParentOrderStarted` from execution), so there is one mapping, not one per event.
 */
import Decimal from 'decimal.js';
import { EventData } from '@keel/events';
import { Instrument } from './instrument';

export type StoredInstrumentRules = EventData<'InstrumentsListed'>['instruments'][number];

export const instrumentToStored = (i: Instrument): StoredInstrumentRules => ({
  venue: i.venue,
  venueSymbol: i.venueSymbol,
  symbol: i.symbol,
  kind: i.kind,
  base: i.base,
  quote: i.quote,
  settle: i.settle,
  tickSize: i.tickSize.toFixed(),
  lotSize: i.lotSize.toFixed(),
  minQty: i.minQty.toFixed(),
  minNotional: i.minNotional.toFixed(),
  contractSize: i.contractSize.toFixed(),
  settlement: i.settlement,
  expiry: i.expiry,
  makerFee: i.makerFee.toFixed(),
  takerFee: i.takerFee.toFixed(),
});

export const instrumentFromStored = (r: StoredInstrumentRules): Instrument => ({
  venue: r.venue,
  venueSymbol: r.venueSymbol,
  symbol: r.symbol,
  kind: r.kind,
  base: r.base,
  quote: r.quote,
  settle: r.settle,
  tickSize: new Decimal(r.tickSize),
  lotSize: new Decimal(r.lotSize),
  minQty: new Decimal(r.minQty),
  minNotional: new Decimal(r.minNotional),
  contractSize: new Decimal(r.contractSize),
  settlement: r.settlement,
  expiry: r.expiry,
  makerFee: new Decimal(r.makerFee),
  takerFee: new Decimal(r.takerFee),
});
