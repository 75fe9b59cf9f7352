/** Target positions: what the optimizer (and cme-rollover, per contract month) wants each account to hold. */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument } from './define';
import { Decimal, Id, Nullable } from '../schema';

/** Why the optimizer sent no target for an account and instrument (docs/optimizer.md). */
export const WithheldCode = Type.Union([
  /** No AccountEquityUpdated for the account yet. */
  Type.Literal('equityMissing'),
  /** The latest equity is older than the configured age. */
  Type.Literal('equityStale'),
  /** Equity zero or below: nothing to size from. */
  Type.Literal('equityNotPositive'),
  /** No quote for the instrument (or, for a CME root, no mapped contract or no quote of it). */
  Type.Literal('priceMissing'),
  /** The latest quote is older than the configured age. */
  Type.Literal('priceStale'),
  /** Volatility targeting or risk parity needs the instrument's volatility, not known yet. */
  Type.Literal('volatilityMissing'),
  /** No trading rules (lot, contract size) for the instrument at the account's venue. */
  Type.Literal('rulesMissing'),
  /** A prediction for an instrument no account trades. */
  Type.Literal('instrumentNotTraded'),
  /** The account's risk state is HALTED (max drawdown, kill switch set to freeze). */
  Type.Literal('riskHalted'),
  /** Pre-trade check: the target's notional is over the configured maximum. */
  Type.Literal('maxTargetNotional'),
  /** Pre-trade check: the change from the current target is over the configured maximum. */
  Type.Literal('maxChangePerRebalance'),
]);

/** A limit that changed a target from what the signal alone asked for. */
export const LimitCode = Type.Union([
  Type.Literal('instrumentPosition'),
  Type.Literal('instrumentNotional'),
  Type.Literal('accountGross'),
  Type.Literal('accountNet'),
  Type.Literal('drawdownScaling'),
  /** REDUCING: a target may only shrink toward 0. */
  Type.Literal('riskReducing'),
  /** A kill switch set to flatten: the target is 0. */
  Type.Literal('killSwitchFlatten'),
  /** Below the venue's minimum quantity: 0. */
  Type.Literal('minQty'),
]);

export const RiskStateName = Type.Union([
  Type.Literal('ACTIVE'),
  Type.Literal('REDUCING'),
  Type.Literal('HALTED'),
]);

export const RiskCause = Type.Union([
  Type.Literal('dailyLossLimit'),
  Type.Literal('maxDrawdown'),
  Type.Literal('killSwitchFreeze'),
  Type.Literal('killSwitchFlatten'),
  /** The condition that caused the previous state no longer holds (a new day, a release). */
  Type.Literal('cleared'),
]);

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
  TargetWithheld: define({
    type: 'TargetWithheld',
    context: 'portfolio',
    owner: 'optimizer',
    version: 1,
    description:
      'The optimizer sent no new target for an account and instrument, and why (equity or price missing or stale, risk state, a pre-trade check). Recorded when the reason starts, not on every pass; the previous target stands.',
    schema: Type.Object(
      {
        /** Null when no account trades the instrument (code `instrumentNotTraded`). */
        accountId: Nullable(Account),
        instrument: Instrument,
        code: WithheldCode,
        /** The target the signal asked for, when it could be computed (venue units). */
        wantedQty: Nullable(Decimal()),
        detail: Type.String({ maxLength: 500 }),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  TargetLimited: define({
    type: 'TargetLimited',
    context: 'portfolio',
    owner: 'optimizer',
    version: 1,
    description:
      'A target the optimizer set differs from what the signal asked for because of a limit (a cap, drawdown scaling, the risk state, a kill switch, the venue minimum). Appended with the TargetPositionSet it explains.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        /** Venue units, before the limits. */
        wantedQty: Decimal(),
        targetQty: Decimal(),
        limits: Type.Array(LimitCode, { minItems: 1 }),
        detail: Type.String({ maxLength: 500 }),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  RiskStateChanged: define({
    type: 'RiskStateChanged',
    context: 'portfolio',
    owner: 'optimizer',
    version: 1,
    description:
      'The risk state of one account or of all accounts changed: ACTIVE, REDUCING (targets may only shrink toward 0) or HALTED (no new targets; execution sends no new orders). With the cause and the figures behind it.',
    schema: Type.Object(
      {
        scope: Type.Union([Type.Literal('global'), Type.Literal('account')]),
        accountId: Nullable(Account),
        from: RiskStateName,
        to: RiskStateName,
        cause: RiskCause,
        detail: Type.String({ maxLength: 500 }),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  OptimizerConfigApplied: define({
    type: 'OptimizerConfigApplied',
    context: 'portfolio',
    owner: 'optimizer',
    version: 1,
    description:
      "The optimizer started with a configuration (KEEL_CONFIG) other than the last one recorded: its SHA-256, the previous one's, the keys that changed and the configuration itself.",
    schema: Type.Object(
      {
        digest: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        previousDigest: Nullable(Type.String({ pattern: '^[0-9a-f]{64}$' })),
        changed: Type.Array(Type.String({ maxLength: 200 })),
        config: Type.Record(Type.String(), Type.Unknown()),
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
