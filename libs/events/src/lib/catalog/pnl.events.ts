/** PnL checkpoints (balance-aggregator). */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument } from './define';
import { Decimal, Nullable, PositiveDecimal, Timestamp } from '../schema';

export const PNL_EVENTS = {
  PnlUpdated: define({
    type: 'PnlUpdated',
    context: 'pnl',
    owner: 'balance-aggregator',
    version: 1,
    description:
      "Checkpoint of one account's PnL in one instrument (average cost, marked at the mid of the last recorded quote), after the event at `asOfPosition`: on every fill, every funding payment, and when an instrument's quotes cross into a new minute. A replay of the log up to `asOfPosition` gives the same figures exactly (docs/replay.md).",
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        trigger: Type.Union([Type.Literal('fill'), Type.Literal('funding'), Type.Literal('interval')]),
        /** Global position of the event this checkpoint follows. */
        asOfPosition: Type.Integer({ minimum: 1 }),
        /** Event time (`occurredAt`) of that event. */
        asOf: Timestamp(),
        position: Decimal(),
        /** Average cost of the open position; 0 when flat. */
        avgCost: Decimal(),
        /** Mid of the last quote; null before the first quote of the instrument. */
        mark: Nullable(PositiveDecimal()),
        realizedPnl: Decimal(),
        unrealizedPnl: Decimal(),
        /** Fees paid (positive = paid, negative = rebates received). */
        fees: Decimal(),
        /** Funding received (positive) or paid (negative). */
        funding: Decimal(),
        /** realizedPnl + unrealizedPnl − fees + funding. */
        netPnl: Decimal(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;
