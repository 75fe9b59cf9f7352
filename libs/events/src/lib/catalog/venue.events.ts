/** Facts of venue accounts, as a gateway reports them: orders, fills, positions, balances, funding, listed instruments, halts. */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument, InstrumentRules } from './define';
import { Decimal, Id, Nullable, PositiveDecimal, Side, Timestamp } from '../schema';

/** The venue models that derive an account's figures from its venue's raw answers (@keel/venue-accounts). */
export const ACCOUNT_MODELS = ['binanceusdm', 'okx', 'hyperliquid', 'sim'] as const;
export type AccountModelName = (typeof ACCOUNT_MODELS)[number];
const AccountModel = Type.Union([
  Type.Literal('binanceusdm'),
  Type.Literal('okx'),
  Type.Literal('hyperliquid'),
  Type.Literal('sim'),
]);

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
  AccountSnapshotReported: define({
    type: 'AccountSnapshotReported',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description:
      "One venue account's whole state, as one read returned it and its venue model (@keel/venue-accounts) derived it: wallet balances per asset, positions, equity, margin, collateral, cash and buying power, with the venue's raw bodies kept beside them so a projection can re-derive the figures later. Each snapshot replaces the previous one (nothing is merged). Recorded when the account's balances or positions changed, and as a heartbeat.",
    schema: Type.Object(
      {
        accountId: Account,
        venue: Id(32),
        /** The venue model that derived the figures from `raw`. */
        model: AccountModel,
        /** The currency the account-level figures (equity, margin, collateral, cash, buying power) are in. */
        currency: Id(16),
        /** The venue's time of the state it reported; null when the venue gives none. */
        venueAt: Nullable(Timestamp()),
        /** When the gateway had the answer (its clock). */
        receivedAt: Timestamp(),
        /** How long the read took, ms (every request of it). */
        latencyMs: Type.Integer({ minimum: 0 }),
        /** Wallet (cash) balances, unrealized PnL excluded: total = free + locked, checked. */
        balances: Type.Array(
          Type.Object(
            { asset: Id(16), total: Decimal(), locked: Decimal(), free: Decimal() },
            { additionalProperties: false },
          ),
        ),
        positions: Type.Array(
          Type.Object(
            {
              /** Keel's symbol; null when Keel does not list the venue's instrument. */
              instrument: Nullable(Instrument),
              venueSymbol: Id(64),
              /** Signed, in base units (contracts × contract size). */
              qty: Decimal(),
              entryPrice: Nullable(PositiveDecimal()),
              /** The venue's mark price; null when it reports none. */
              markPrice: Nullable(PositiveDecimal()),
              /** In `settle`, as the venue reported it. */
              unrealizedPnl: Decimal(),
              settle: Id(16),
              marginMode: Type.Union([Type.Literal('cross'), Type.Literal('isolated')]),
              /** Margin held for the position (isolated: its margin), in `settle`; null when unknown. */
              initialMargin: Nullable(Decimal()),
              maintenanceMargin: Nullable(Decimal()),
              liquidationPrice: Nullable(PositiveDecimal()),
            },
            { additionalProperties: false },
          ),
        ),
        /** Wallet balance plus unrealized PnL, as the venue values it. */
        equity: Decimal(),
        unrealizedPnl: Decimal(),
        initialMargin: Decimal(),
        maintenanceMargin: Decimal(),
        /** Maintenance margin over equity (0 safe, 1 liquidation); null when no margin is used. */
        marginRatio: Nullable(Decimal()),
        /** Equity counted as collateral after the venue's haircuts. */
        collateralValue: Decimal(),
        /** Collateral not tied up as initial margin. */
        freeCollateral: Decimal(),
        /**
         * Cash: wallet balances of the settle currency, unrealized PnL excluded, in `currency`. In a
         * multi-asset account (Binance Multi-Assets, an OKX coin book) the venue's USD value of the wallets.
         */
        cash: Decimal(),
        /** What new positions may still use: free collateral × the account's leverage where the venue says. */
        buyingPower: Decimal(),
        /** The venue's bodies, by endpoint, as received. */
        raw: Type.Record(Type.String(), Type.Unknown()),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  AccountSnapshotRejected: define({
    type: 'AccountSnapshotRejected',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description:
      "Alert: the venue's answer for an account could not be read as a whole, valid state (a non-numeric field, a negative where the venue cannot be negative, total ≠ free + locked). Nothing of it is stored; the last good AccountSnapshotReported stays, and consumers treat the account's figures as stale until a good one arrives.",
    schema: Type.Object(
      {
        accountId: Account,
        venue: Id(32),
        model: AccountModel,
        /** The payload path of the bad field, e.g. `account.assets[0].walletBalance`. */
        path: Type.String({ minLength: 1, maxLength: 512 }),
        /** Its value as received (JSON, cut at 256 characters). */
        value: Type.String({ maxLength: 256 }),
        reason: Type.String({ minLength: 1, maxLength: 512 }),
        receivedAt: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
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
