/** Account valuation (balance-aggregator). */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument } from './define';
import { Decimal, Id, Nullable, Timestamp } from '../schema';

export const BALANCES_EVENTS = {
  AccountEquityUpdated: define({
    type: 'AccountEquityUpdated',
    context: 'balances',
    owner: 'balance-aggregator',
    version: 2,
    description:
      "An account's equity, valued in the reporting currency at live marks from its latest AccountSnapshotReported: wallet balances and unrealized PnL of its positions, each at its own venue's price. Recorded when equity moves by more than the deadband, when it turns stale or fresh, and as a heartbeat. An asset or position with no price is left out of `equity` and named in `unpriced`, and the equity is then `stale` (never valued at zero): the optimizer sizes no target from stale equity.",
    schema: Type.Object(
      {
        accountId: Account,
        currency: Id(16),
        equity: Decimal(),
        asOf: Timestamp(),
        /** Unrealized PnL of the account's positions at the marks used, in `currency`; null before v2. */
        unrealizedPnl: Nullable(Decimal()),
        /** Collateral value after haircuts (the venue's, then the account's own ratios), in `currency`; null before v2. */
        collateral: Nullable(Decimal()),
        /** Assets and positions that could not be priced (left out of equity). */
        unpriced: Type.Array(Id(64)),
        /** Why the figure cannot be trusted (unpriced assets, a rejected or overdue snapshot); null when it can. */
        stale: Nullable(Type.String({ minLength: 1, maxLength: 512 })),
        /** The haircut table versions used, e.g. `okx@2026-11-20`; empty before v2. */
        haircuts: Type.Array(Id(64)),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 had the equity only, always taken as fresh.
      1: (data) => ({
        ...data,
        unrealizedPnl: null,
        collateral: null,
        unpriced: [],
        stale: null,
        haircuts: [],
      }),
    },
  }),
  PortfolioValued: define({
    type: 'PortfolioValued',
    context: 'balances',
    owner: 'balance-aggregator',
    version: 1,
    description:
      'The total equity of every account, in the reporting currency, with a breakdown per account and per venue. Stale accounts count with their last figure and are named. Recorded when the total moves by more than the deadband, and as a heartbeat.',
    schema: Type.Object(
      {
        currency: Id(16),
        total: Decimal(),
        asOf: Timestamp(),
        accounts: Type.Array(
          Type.Object(
            { accountId: Account, venue: Id(32), equity: Decimal(), stale: Type.Boolean() },
            { additionalProperties: false },
          ),
        ),
        venues: Type.Array(
          Type.Object({ venue: Id(32), equity: Decimal() }, { additionalProperties: false }),
        ),
        /** Accounts whose figure is stale (left in `total` at their last value). */
        staleAccounts: Type.Array(Account),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  PositionDriftDetected: define({
    type: 'PositionDriftDetected',
    context: 'balances',
    owner: 'balance-aggregator',
    version: 1,
    description:
      'Alert: the position a venue reports differs from the position implied by the fills Keel recorded (from the first report on), for longer than the grace period. Both figures, and since when; recorded again when either changes, and with `resolved` when they agree again.',
    schema: Type.Object(
      {
        accountId: Account,
        venue: Id(32),
        instrument: Instrument,
        /** Signed, base units, as the venue reported it. */
        venueQty: Decimal(),
        /** Signed, base units: the first report plus every recorded fill since. */
        impliedQty: Decimal(),
        /** When the two first disagreed. */
        since: Timestamp(),
        resolved: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;
