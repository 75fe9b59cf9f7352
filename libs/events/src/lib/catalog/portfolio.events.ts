/** Target positions: what the optimizer (and cme-rollover, per contract month) wants each account to hold. */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument } from './define';
import { Decimal, Id, Nullable } from '../schema';

export const PORTFOLIO_EVENTS = {
  TargetPositionSet: define({
    type: 'TargetPositionSet',
    context: 'portfolio',
    owner: 'optimizer',
    version: 1,
    description:
      'The optimizer set the position an account should hold in an instrument. Its only writer is the optimizer. For a CME root the instrument is `CME:<ROOT>` and the quantity whole contracts of exposure: not a venue instrument, never executed as such; cme-rollover turns it into ContractTargetSet per contract month.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        targetQty: Decimal(),
        horizonSec: Type.Integer({ minimum: 1 }),
        reason: Type.String({ maxLength: 500 }),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ContractTargetSet: define({
    type: 'ContractTargetSet',
    context: 'portfolio',
    owner: 'cme-rollover',
    version: 1,
    description:
      "cme-rollover set the position an account should hold in one CME contract month (whole contracts), from the optimizer's `CME:<ROOT>` exposure, the roll and the exposure policy by market state. Execution acts on it as on TargetPositionSet; `linkId` pairs the two legs of a forced roll.",
    schema: Type.Object(
      {
        accountId: Account,
        /** The Globex contract code, `GCG6`. */
        instrument: Id(16),
        root: Id(8),
        targetQty: Decimal(),
        horizonSec: Type.Integer({ minimum: 1 }),
        reason: Type.String({ maxLength: 500 }),
        linkId: Nullable(Id(64)),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;
