/** Facts of venue accounts, as a gateway reports them: orders, fills, positions, balances, funding, listed instruments, halts. */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument, InstrumentRules } from './define';
import { Decimal, Id, Nullable, PositiveDecimal, Side, Timestamp } from '../schema';

export const VENUE_EVENTS = {
  OrderAccepted: define({
    type: 'OrderAccepted',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description: 'The venue accepted an order.',
    schema: Type.Object(
      { accountId: Account, instrument: Instrument, clientOrderId: Id(64), venueOrderId: Id() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  OrderRejected: define({
    type: 'OrderRejected',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description: 'The venue (or the gateway, before sending) rejected an order.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        clientOrderId: Id(64),
        code: Id(64),
        reason: Type.String(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  OrderFilled: define({
    type: 'OrderFilled',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description: 'One fill of an order, recorded once per venue trade id.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        clientOrderId: Id(64),
        tradeId: Id(),
        side: Side(),
        qty: PositiveDecimal(),
        price: PositiveDecimal(),
        fee: Decimal(),
        feeAsset: Id(16),
        liquidity: Type.Union([Type.Literal('maker'), Type.Literal('taker')]),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  OrderCancelled: define({
    type: 'OrderCancelled',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description: 'An order left the book unfilled (in part or whole).',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        clientOrderId: Id(64),
        filledQty: Decimal(),
        reason: Type.String(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  PositionReported: define({
    type: 'PositionReported',
    context: 'venue',
    owner: 'gateway',
    version: 2,
    description: 'The positions of one venue account, as the venue reported them.',
    schema: Type.Object(
      {
        accountId: Account,
        venue: Id(32),
        positions: Type.Array(
          Type.Object(
            { instrument: Instrument, qty: Decimal(), entryPrice: Nullable(PositiveDecimal()) },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 was stored as `PositionSnapshot` (a noun); the payload is unchanged.
      1: (data) => data,
    },
    formerly: [{ type: 'PositionSnapshot', throughVersion: 1 }],
  }),
  BalanceReported: define({
    type: 'BalanceReported',
    context: 'venue',
    owner: 'gateway',
    version: 2,
    description: 'The balances of one venue account, as the venue reported them.',
    schema: Type.Object(
      {
        accountId: Account,
        venue: Id(32),
        balances: Type.Array(
          Type.Object({ asset: Id(16), total: Decimal(), free: Decimal() }, { additionalProperties: false }),
        ),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 was stored as `BalanceSnapshot` (a noun); the payload is unchanged.
      1: (data) => data,
    },
    formerly: [{ type: 'BalanceSnapshot', throughVersion: 1 }],
  }),
  FundingPaid: define({
    type: 'FundingPaid',
    context: 'venue',
    owner: 'gateway',
    version: 2,
    description:
      'A perpetual funding payment of one account in one instrument, as the venue settled it, recorded once per venue funding id. Signed from the account: positive received, negative paid.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        fundingId: Id(),
        amount: Decimal(),
        asset: Id(16),
        /** The venue's time of the settlement. */
        venueAt: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 called the venue's time `venueTs`.
      1: ({ venueTs, ...rest }) => ({ ...rest, venueAt: venueTs }),
    },
  }),
  InstrumentsListed: define({
    type: 'InstrumentsListed',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description:
      'The instruments a venue lists and their trading rules (tick, lot, minimums, fees), as the gateway loaded them at start-up for the accounts it owns; consumers size and price orders by these, never by their own copy.',
    schema: Type.Object(
      {
        venue: Id(64),
        accountIds: Type.Array(Account, { minItems: 1 }),
        instruments: Type.Array(InstrumentRules),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  AccountHalted: define({
    type: 'AccountHalted',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description:
      'Alert: the gateway stopped sending new orders for an account (e.g. the venue refused its credentials); cancels still run. It lasts until the gateway restarts with the cause fixed.',
    schema: Type.Object(
      {
        accountId: Account,
        venue: Id(64),
        code: Id(64),
        reason: Type.String(),
        clientOrderId: Nullable(Id(64)),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;
