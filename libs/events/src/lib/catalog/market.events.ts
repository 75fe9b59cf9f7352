/** Public market data a gateway publishes: top of book and trades. */
import { Type } from '@sinclair/typebox';
import { define, Instrument } from './define';
import { Decimal, Id, PositiveDecimal, Side, Timestamp } from '../schema';

export const MARKET_EVENTS = {
  QuoteUpdated: define({
    type: 'QuoteUpdated',
    context: 'market',
    owner: 'gateway',
    version: 2,
    description: 'Top of book of an instrument at a venue (throttled).',
    schema: Type.Object(
      {
        venue: Id(32),
        instrument: Instrument,
        bidPrice: PositiveDecimal(),
        bidQty: Decimal(),
        askPrice: PositiveDecimal(),
        askQty: Decimal(),
        /** The venue's time of the quote. */
        venueAt: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 called the venue's time `venueTs`.
      1: ({ venueTs, ...rest }) => ({ ...rest, venueAt: venueTs }),
    },
  }),
  TradePrinted: define({
    type: 'TradePrinted',
    context: 'market',
    owner: 'gateway',
    version: 2,
    description: 'A public trade at a venue (throttled/aggregated by the gateway).',
    schema: Type.Object(
      {
        venue: Id(32),
        instrument: Instrument,
        tradeId: Id(),
        price: PositiveDecimal(),
        qty: PositiveDecimal(),
        side: Side(),
        /** The venue's time of the trade. */
        venueAt: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 called the venue's time `venueTs`.
      1: ({ venueTs, ...rest }) => ({ ...rest, venueAt: venueTs }),
    },
  }),
} as const;
