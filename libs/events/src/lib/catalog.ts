/**
 * The event catalog: every event type Keel persists and publishes, with its owner app,
 * bounded context, current schema version, payload schema and the upcasters that lift
 * older stored versions to the current one. This is a public, versioned contract: change
 * a payload by adding a version and an upcaster, never by editing a schema in place.
 */
import { Static, TSchema, Type } from '@sinclair/typebox';
import { Context } from './names';
import { Decimal, Id, Nullable, PositiveDecimal, Side, Timestamp } from './schema';

/** Lifts a payload stored at version `from` to version `from + 1`. Pure. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export interface EventDefinition<T extends string = string, S extends TSchema = TSchema> {
  readonly type: T;
  readonly context: Context;
  /** The app that writes this event; no other app may. */
  readonly owner: string;
  readonly version: number;
  readonly schema: S;
  /** `upcasters[n]` lifts version n to n + 1, for every n below `version`. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
  readonly description: string;
  /**
   * Names this type was stored under before it was renamed: versions up to and including
   * `throughVersion` may be stored as `type` (decoding reads them as this type and upcasts).
   */
  readonly formerly?: readonly { readonly type: string; readonly throughVersion: number }[];
}

const define = <T extends string, S extends TSchema>(d: EventDefinition<T, S>): EventDefinition<T, S> => d;

const Account = Id(64);
const Instrument = Id(64);
/** A calendar date in exchange local time, `YYYY-MM-DD`. */
const LocalDateString = () => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

// ---- execution (parent-order decider) building blocks ----
const ChildKind = Type.Union([Type.Literal('passive'), Type.Literal('taker')]);
const ChildReason = Type.Union([
  Type.Literal('post'),
  Type.Literal('reprice'),
  Type.Literal('catchUp'),
  Type.Literal('sweep'),
  Type.Literal('slice'),
]);
const Urgency = Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high')]);
const PauseReason = Type.Union([Type.Literal('market'), Type.Literal('killSwitch')]);
/** A parent order's id; null only for a pause/resume recorded while no parent order exists. */
const ParentOrderId = Id();
/** A TWAP schedule, exactly: the interval, the done/total quantities, one weight per slice, the lot. */
const TwapSchedule = Type.Object(
  {
    from: Timestamp(),
    to: Timestamp(),
    base: Decimal(),
    total: Decimal(),
    /** Slice weights (statistics: plain numbers, ≥ 0); the slice count is the length. */
    weights: Type.Array(Type.Number({ minimum: 0 }), { minItems: 1 }),
    lot: PositiveDecimal(),
  },
  { additionalProperties: false },
);
/**
 * The instrument's rules as they were when the parent order started, so a fold never
 * depends on configuration that may change later (tick, lot, minimums, fees).
 */
const InstrumentRules = Type.Object(
  {
    venue: Id(64),
    venueSymbol: Id(64),
    symbol: Instrument,
    kind: Type.Union([Type.Literal('spot'), Type.Literal('perpetual'), Type.Literal('future')]),
    base: Id(32),
    quote: Id(32),
    settle: Id(32),
    tickSize: PositiveDecimal(),
    lotSize: PositiveDecimal(),
    minQty: Decimal(),
    minNotional: Decimal(),
    contractSize: PositiveDecimal(),
    settlement: Nullable(Type.Union([Type.Literal('cash'), Type.Literal('physical')])),
    expiry: Nullable(Type.String({ minLength: 1, maxLength: 64 })),
    makerFee: Decimal(),
    takerFee: Decimal(),
  },
  { additionalProperties: false },
);
/**
 * Running totals of an instrument's market since a consumer began folding it: public trade
 * quantity and notional, and the time integral of the mid (price × ms) over the ms covered.
 */
const MarketTotals = Type.Object(
  { tradeQty: Decimal(), tradeNotional: Decimal(), midMs: Decimal(), ms: Type.Integer({ minimum: 0 }) },
  { additionalProperties: false },
);
/** Execution-quality figures of a finished parent order (see execution.quality.ts); bps are costs. */
const ExecutionQualityFigures = Type.Object(
  {
    filledQty: Decimal(),
    avgPrice: Nullable(Decimal()),
    arrivalPrice: Nullable(Decimal()),
    intervalVwap: Nullable(Decimal()),
    shortfallBps: Nullable(Type.Number()),
    vsVwapBps: Nullable(Type.Number()),
    fees: Decimal(),
    feesBps: Nullable(Type.Number()),
    costBps: Nullable(Type.Number()),
    makerShare: Type.Number({ minimum: 0, maximum: 1 }),
    maxScheduleLagSlices: Type.Number(),
    childOrderCount: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
const ClientOrderId = Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' });

export const EVENT_DEFINITIONS = {
  PredictionReceived: define({
    type: 'PredictionReceived',
    context: 'prediction',
    owner: 'prediction-ingest',
    version: 3,
    description:
      'A model published a prediction for a symbol. For an instrument with an exchange calendar (CME roots, `CME:<ROOT>`), `market` says whether it came while that market was closed and from when it applies (the next open): cme-rollover holds what follows from it until then (docs/cme.md).',
    schema: Type.Object(
      {
        predictionId: Id(),
        modelId: Id(64),
        symbol: Instrument,
        /** The model's signal; a statistic, so a float is fine. */
        value: Type.Number(),
        /** How far ahead the prediction looks, in seconds; null when the model does not say. */
        horizonSec: Nullable(Type.Integer({ minimum: 0 })),
        generatedAt: Timestamp(),
        /**
         * Null or absent when the symbol trades around the clock (crypto) or the writer did not
         * know (v2 and older are upcast to null). Optional so writers of 24/7 symbols need not say.
         */
        market: Type.Optional(
          Nullable(
            Type.Object(
              {
                state: Type.Union([
                  Type.Literal('open'),
                  Type.Literal('dailyHalt'),
                  Type.Literal('weekend'),
                  Type.Literal('holiday'),
                  Type.Literal('earlyClose'),
                ]),
                receivedWhileClosed: Type.Boolean(),
                receivedAt: Timestamp(),
                /** When it may be acted on: `receivedAt` if open, else the next open. */
                effectiveAt: Timestamp(),
              },
              { additionalProperties: false },
            ),
          ),
        ),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 called the signal `signal` and its time `asOf`, and had no horizon.
      1: ({ signal, asOf, ...rest }) => ({ ...rest, value: signal, generatedAt: asOf, horizonSec: null }),
      // v2 had no market marking: unknown when it was stored.
      2: (data) => ({ ...data, market: null }),
    },
  }),
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
  ChildOrderRequested: define({
    type: 'ChildOrderRequested',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description: 'Execution asks the gateway to place one child order.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: Id(),
        clientOrderId: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' }),
        side: Side(),
        qty: PositiveDecimal(),
        orderType: Type.Union([Type.Literal('limit'), Type.Literal('market')]),
        limitPrice: Nullable(PositiveDecimal()),
        postOnly: Type.Boolean(),
        reduceOnly: Type.Boolean(),
        // Optional (added compatibly, still v1): what the execution decider needs to rebuild
        // its state from its own stream. The gateway ignores them.
        /** Child sequence number within the parent order (the client order id derives from it). */
        seq: Type.Optional(Type.Integer({ minimum: 0 })),
        kind: Type.Optional(ChildKind),
        /** Why the policy sent it: post, reprice, catchUp, sweep, slice. */
        reason: Type.Optional(ChildReason),
        requestedAt: Type.Optional(Timestamp()),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ParentOrderStarted: define({
    type: 'ParentOrderStarted',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      'A parent order started: a target position change for (account, instrument) to be traded by the deadline over a TWAP schedule; carries the instrument rules it was planned with.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        /** The target (TargetPositionSet event id) it executes, when the writer knows it. */
        targetId: Type.Optional(Nullable(Id())),
        side: Side(),
        /** |target − position at start|, not rounded to the lot. */
        qty: PositiveDecimal(),
        fromPosition: Decimal(),
        targetPosition: Decimal(),
        start: Timestamp(),
        deadline: Timestamp(),
        urgency: Urgency,
        /** Worst price allowed (buy: ceiling, sell: floor); null for none. */
        limitPrice: Nullable(PositiveDecimal()),
        style: Type.Union([Type.Literal('maker'), Type.Literal('marketOnly')]),
        schedule: TwapSchedule,
        /** Mid at the start (the arrival benchmark); null without a touch. */
        arrivalMid: Nullable(PositiveDecimal()),
        instrumentRules: InstrumentRules,
        /**
         * The instrument's running market totals when the order started (added compatibly, still
         * v1): the interval VWAP at completion is (totals then − totals now). Absent when unknown.
         */
        marketAtStart: Type.Optional(MarketTotals),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ParentOrderRejected: define({
    type: 'ParentOrderRejected',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      'Execution refused a target (unknown account or instrument, a quantity that is not a decimal, a deadline in the past, a change below the smallest tradable size): nothing was sent to a venue.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        /** The TargetPositionSet event id refused. */
        targetId: Id(),
        code: Type.Union([
          Type.Literal('ValidationError'),
          Type.Literal('NotFoundError'),
          Type.Literal('IllegalStateError'),
        ]),
        /** The offending field (`/targetPosition`, `/deadline`, `account`, …) and its value. */
        field: Nullable(Type.String({ maxLength: 200 })),
        value: Nullable(Type.String({ maxLength: 500 })),
        reason: Type.String({ maxLength: 2000 }),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ChildOrderAccepted: define({
    type: 'ChildOrderAccepted',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description: "Execution recorded that a parent order's child is on the venue's book.",
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        clientOrderId: ClientOrderId,
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ChildOrderRejected: define({
    type: 'ChildOrderRejected',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description: "Execution recorded that a parent order's child was rejected (it leaves the working set).",
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        clientOrderId: ClientOrderId,
        code: Type.String({ maxLength: 500 }),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ChildOrderFilled: define({
    type: 'ChildOrderFilled',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description: "Execution counted one fill of a parent order's child (once per venue trade id).",
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        clientOrderId: ClientOrderId,
        tradeId: Id(),
        qty: PositiveDecimal(),
        price: PositiveDecimal(),
        /** Positive paid, negative rebate. */
        fee: Decimal(),
        liquidity: Type.Union([Type.Literal('maker'), Type.Literal('taker')]),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ChildOrderClosed: define({
    type: 'ChildOrderClosed',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      "Execution recorded that a parent order's child left the book (cancelled or done); it leaves the working set.",
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        clientOrderId: ClientOrderId,
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ParentOrderPaused: define({
    type: 'ParentOrderPaused',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      'Execution of (account, instrument) paused (market closed or kill switch); its children are cancelled.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        /** null when no parent order existed yet (the pause still holds for the next one). */
        parentOrderId: Nullable(ParentOrderId),
        reason: PauseReason,
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ParentOrderResumed: define({
    type: 'ParentOrderResumed',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      'A pause reason of (account, instrument) ended; with a schedule when what is left was re-planned over the time left.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: Nullable(ParentOrderId),
        reason: PauseReason,
        /** The re-planned schedule; null when still paused for another reason (or none to re-plan). */
        schedule: Nullable(TwapSchedule),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ParentOrderProgress: define({
    type: 'ParentOrderProgress',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      'A schedule slice of a parent order ended: what was filled against what was scheduled by then.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        slice: Type.Integer({ minimum: 0 }),
        filled: Decimal(),
        scheduled: Decimal(),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ParentOrderSuperseded: define({
    type: 'ParentOrderSuperseded',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      'A new target arrived while a parent order worked: its children are cancelled and the next target starts once they are closed.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        next: Type.Object(
          {
            targetId: Id(),
            targetPosition: Decimal(),
            deadline: Timestamp(),
            slices: Type.Integer({ minimum: 1 }),
            urgency: Urgency,
            limitPrice: Nullable(PositiveDecimal()),
          },
          { additionalProperties: false },
        ),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ParentOrderCompleted: define({
    type: 'ParentOrderCompleted',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description:
      'A parent order ended (filled, deadline, superseded, nothing to do): what was filled and what was left.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        reason: Type.Union([
          Type.Literal('filled'),
          Type.Literal('deadline'),
          Type.Literal('superseded'),
          Type.Literal('nothingToDo'),
        ]),
        filled: Decimal(),
        /** The lot/min-notional remainder, or the unfinished part at a deadline. */
        residual: Decimal(),
        /** Execution quality, when the writer computed it (it needs market data the decider does not hold). */
        quality: Type.Optional(ExecutionQualityFigures),
        at: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
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
  CancelRequested: define({
    type: 'CancelRequested',
    context: 'execution',
    owner: 'execution',
    version: 1,
    description: 'Execution asks the gateway to cancel one child order.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        clientOrderId: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' }),
        reason: Type.String({ maxLength: 500 }),
        // Optional (added compatibly, still v1), for the execution decider's own stream.
        parentOrderId: Type.Optional(Id()),
        requestedAt: Type.Optional(Timestamp()),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  QuoteUpdated: define({
    type: 'QuoteUpdated',
    context: 'venue',
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
    context: 'venue',
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
  PositionSnapshot: define({
    type: 'PositionSnapshot',
    context: 'venue',
    owner: 'gateway',
    version: 1,
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
    upcasters: {},
  }),
  BalanceSnapshot: define({
    type: 'BalanceSnapshot',
    context: 'venue',
    owner: 'gateway',
    version: 1,
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
    upcasters: {},
  }),
  AccountEquityUpdated: define({
    type: 'AccountEquityUpdated',
    context: 'balances',
    owner: 'balance-aggregator',
    version: 1,
    description: "An account's equity, valued in its reporting currency.",
    schema: Type.Object(
      { accountId: Account, currency: Id(16), equity: Decimal(), asOf: Timestamp() },
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
  FundingPaid: define({
    type: 'FundingPaid',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description:
      'A perpetual funding payment of one account in one instrument, as the venue settled it, recorded once per venue funding id. Signed from the account: positive received, negative paid.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        fundingId: Id(),
        amount: Decimal(),
        asset: Id(16),
        venueTs: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  ContractMapped: define({
    type: 'ContractMapped',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description: 'A continuous futures symbol now trades through a given contract.',
    schema: Type.Object(
      { root: Id(8), symbol: Instrument, contract: Id(16), effectiveFrom: Timestamp() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  RollScheduled: define({
    type: 'RollScheduled',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description: 'Exposure will move from one contract to the next.',
    schema: Type.Object(
      {
        root: Id(8),
        fromContract: Id(16),
        toContract: Id(16),
        rollStart: Timestamp(),
        forcedRollBy: Timestamp(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  RollCompleted: define({
    type: 'RollCompleted',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description:
      "An account's exposure in a root has left the expiring contract: it was observed flat and the next contract carries the exposure.",
    schema: Type.Object(
      { accountId: Account, root: Id(8), fromContract: Id(16), toContract: Id(16), completedAt: Timestamp() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  DeliveryRiskAlert: define({
    type: 'DeliveryRiskAlert',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description:
      'Alert: a position in a physically settled contract is still open close to its first notice date (once per account and contract).',
    schema: Type.Object(
      {
        accountId: Account,
        root: Id(8),
        contract: Id(16),
        qty: Decimal(),
        firstNoticeDate: LocalDateString(),
        reason: Type.String(),
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
  KillSwitchEngaged: define({
    type: 'KillSwitchEngaged',
    context: 'control',
    owner: 'cli',
    version: 1,
    description: 'Stop all new orders, globally or for one account.',
    schema: Type.Object(
      {
        scope: Type.Union([Type.Literal('global'), Type.Literal('account')]),
        accountId: Nullable(Account),
        reason: Type.String(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  KillSwitchReleased: define({
    type: 'KillSwitchReleased',
    context: 'control',
    owner: 'cli',
    version: 1,
    description: 'Allow new orders again, globally or for one account.',
    schema: Type.Object(
      {
        scope: Type.Union([Type.Literal('global'), Type.Literal('account')]),
        accountId: Nullable(Account),
        reason: Type.String(),
      },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;

export type EventDefinitions = typeof EVENT_DEFINITIONS;
export type EventType = keyof EventDefinitions;
export type EventData<T extends EventType> = Static<EventDefinitions[T]['schema']>;

export const EVENT_TYPES = Object.keys(EVENT_DEFINITIONS) as readonly EventType[];

export const isEventType = (s: string): s is EventType =>
  Object.prototype.hasOwnProperty.call(EVENT_DEFINITIONS, s);
