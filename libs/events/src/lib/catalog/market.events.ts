/** Public market data a gateway publishes: top of book and trades. */
import { Type } from '@sinclair/typebox';
import { define, Instrument } from './define';
import { Decimal, Id, PositiveDecimal, Side, Timestamp } from '../schema';

export const MARKET_EVENTS = {
  QuoteUpdated: define({
    type: 'QuoteUpdated',
    context: 'market',
    owner: 'gateway',
    version: 1,
    description: 'Top of book of an instrument at a venue (throttled).',
    schema: Type.Object(
      {
        venue: Id(32),
        instrument: Instrument,
        bidPrice: PositiveDecimal(),
        bidQty: Decimal(),
        askPrice: PositiveDecimal(),
        askQty: Decimal(),
        venueTs: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  TradePrinted: define({
    type: 'TradePrinted',
    context: 'market',
    owner: 'gateway',
    version: 1,
    description: 'A public trade at a venue (throttled/aggregated by the gateway).',
    schema: Type.Object(
      {
        venue: Id(32),
        instrument: Instrument,
        tradeId: Id(),
        price: PositiveDecimal(),
        qty: PositiveDecimal(),
        side: Side(),
        venueTs: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;
