/** PnL checkpoints (balance-aggregator). */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument } from './define';
import { Decimal, Nullable, PositiveDecimal, Timestamp } from '../schema';

/**
 * Amounts by asset (asset codes as the venue names them, as `feeAsset` / `asset`). Keys are
 * any string: the contract tool's sample generator takes records of any name only.
 */
const AssetAmounts = Type.Record(Type.String(), Decimal());

export const PNL_EVENTS = {
  PnlUpdated: define({
    type: 'PnlUpdated',
    context: 'pnl',
    owner: 'balance-aggregator',
    version: 2,
    description:
      "Checkpoint of one account's PnL in one instrument (average cost, marked at the mid of the last quote of the account's own venue), after the event at `asOfPosition`: on every fill, every funding payment, and when that venue's quotes of the instrument cross into a new minute. Money is in the instrument's settle asset: quantities are the fills' (contracts on OKX swaps, lots on CME) and every price move is times `contractSize` (InstrumentsListed); fees and funding paid in another asset are converted at that asset's mark on the same venue, or, with no mark known, kept apart per asset (`unconvertedFees`, `unconvertedFunding`) and left out of `netPnl`. A replay of the log up to `asOfPosition` gives the same figures exactly (docs/replay.md).",
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
        /** Mid of the last quote of the account's venue; null before its first quote of the instrument. */
        mark: Nullable(PositiveDecimal()),
        /** Settle-asset value of one unit of `position` per unit of price (OKX ctVal, CME multiplier); 1 when the log lists none. */
        contractSize: PositiveDecimal(),
        realizedPnl: Decimal(),
        unrealizedPnl: Decimal(),
        /** Fees paid (positive = paid, negative = rebates received), in the settle asset. */
        fees: Decimal(),
        /** Funding received (positive) or paid (negative), in the settle asset. */
        funding: Decimal(),
        /** Fees paid in an asset with no mark known at the time, by asset (not in `fees` nor `netPnl`). */
        unconvertedFees: AssetAmounts,
        /** Funding in an asset with no mark known at the time, by asset (not in `funding` nor `netPnl`). */
        unconvertedFunding: AssetAmounts,
        /** realizedPnl + unrealizedPnl − fees + funding (the unconverted amounts are not in it). */
        netPnl: Decimal(),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 ignored contract sizes and summed fees and funding as if in the settle asset: its
      // figures are right, and stay as they are, where the contract size is 1 and nothing
      // was paid in another asset, which is what a v1 checkpoint is read as.
      1: (data) => ({ ...data, contractSize: '1', unconvertedFees: {}, unconvertedFunding: {} }),
    },
  }),
} as const;
