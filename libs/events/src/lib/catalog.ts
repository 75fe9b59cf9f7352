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
}

const define = <T extends string, S extends TSchema>(d: EventDefinition<T, S>): EventDefinition<T, S> => d;

const Account = Id(64);
const Instrument = Id(64);
/** A calendar date in exchange local time, `YYYY-MM-DD`. */
const LocalDateString = () => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });

export const EVENT_DEFINITIONS = {
  PredictionReceived: define({
    type: 'PredictionReceived',
    context: 'prediction',
    owner: 'prediction-ingest',
    version: 2,
    description: 'A model published a prediction for a symbol.',
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
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1 called the signal `signal` and its time `asOf`, and had no horizon.
      1: ({ signal, asOf, ...rest }) => ({ ...rest, value: signal, generatedAt: asOf, horizonSec: null }),
    },
  }),
  TargetPositionSet: define({
    type: 'TargetPositionSet',
    context: 'portfolio',
    owner: 'optimizer',
    version: 1,
    description: 'The optimizer set the position an account should hold in an instrument.',
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
      { accountId: Account, instrument: Instrument, clientOrderId: Id(64), code: Id(64), reason: Type.String() },
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
      { accountId: Account, instrument: Instrument, clientOrderId: Id(64), filledQty: Decimal(), reason: Type.String() },
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
      { accountId: Account, instrument: Instrument, clientOrderId: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$' }), reason: Type.String({ maxLength: 500 }) },
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
      { venue: Id(32), instrument: Instrument, tradeId: Id(), price: PositiveDecimal(), qty: PositiveDecimal(), side: Side(), venueTs: Timestamp() },
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
          Type.Object({ instrument: Instrument, qty: Decimal(), entryPrice: Nullable(PositiveDecimal()) }, { additionalProperties: false }),
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
    description: "The balances of one venue account, as the venue reported them.",
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
      { root: Id(8), fromContract: Id(16), toContract: Id(16), rollStart: Timestamp(), forcedRollBy: Timestamp() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
  RollCompleted: define({
    type: 'RollCompleted',
    context: 'calendar',
    owner: 'cme-rollover',
    version: 1,
    description: "An account's exposure in a root has left the expiring contract: it was observed flat and the next contract carries the exposure.",
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
    description: 'Alert: a position in a physically settled contract is still open close to its first notice date (once per account and contract).',
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
  AccountHalted: define({
    type: 'AccountHalted',
    context: 'venue',
    owner: 'gateway',
    version: 1,
    description:
      'Alert: the gateway stopped sending new orders for an account (e.g. the venue refused its credentials); cancels still run. It lasts until the gateway restarts with the cause fixed.',
    schema: Type.Object(
      { accountId: Account, venue: Id(64), code: Id(64), reason: Type.String(), clientOrderId: Nullable(Id(64)) },
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
      { scope: Type.Union([Type.Literal('global'), Type.Literal('account')]), accountId: Nullable(Account), reason: Type.String() },
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
      { scope: Type.Union([Type.Literal('global'), Type.Literal('account')]), accountId: Nullable(Account), reason: Type.String() },
      { additionalProperties: false },
    ),
    upcasters: {},
  }),
} as const;

export type EventDefinitions = typeof EVENT_DEFINITIONS;
export type EventType = keyof EventDefinitions;
export type EventData<T extends EventType> = Static<EventDefinitions[T]['schema']>;

export const EVENT_TYPES = Object.keys(EVENT_DEFINITIONS) as readonly EventType[];

export const isEventType = (s: string): s is EventType => Object.prototype.hasOwnProperty.call(EVENT_DEFINITIONS, s);
