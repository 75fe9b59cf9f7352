/** Execution's facts: parent orders (one TWAP per target change) and their child orders, as the execution engine decides them. The parent-order decider's event types are derived from these schemas (decoded: decimals, epoch ms). */
import { Type } from '@sinclair/typebox';
import { define, Account, Instrument, ClientOrderId, InstrumentRules } from './define';
import { Decimal, Id, Nullable, PositiveDecimal, Side, Timestamp } from '../schema';

const ChildKind = Type.Union([Type.Literal('passive'), Type.Literal('taker')]);
const ChildReason = Type.Union([
  Type.Literal('post'),
  Type.Literal('reprice'),
  Type.Literal('catchUp'),
  Type.Literal('sweep'),
  Type.Literal('slice'),
]);
const Urgency = Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high')]);
/**
 * market: the CME market not open; killSwitch: a kill switch the optimizer has not answered
 * by flattening; riskHalted: the optimizer's risk state HALTED; sessionStopped: the operator
 * stopped the account's trading (TradingSessionStopped) (docs/execution.md). `sessionStopped`
 * was added after catalog 0.2.0: a wider union at the same version reads every stored pause.
 */
const PauseReason = Type.Union([
  Type.Literal('market'),
  Type.Literal('killSwitch'),
  Type.Literal('riskHalted'),
  Type.Literal('sessionStopped'),
]);
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

/** Which child order of which parent order, of which (account, instrument). */
const CHILD_ORDER_REF = {
  accountId: Account,
  instrument: Instrument,
  parentOrderId: ParentOrderId,
  clientOrderId: ClientOrderId,
};
/** A fact about one child order that says nothing more than which it is. */
const ChildOrderRef = Type.Object(CHILD_ORDER_REF, { additionalProperties: false });

/** v1 repeated the event's time as `at`; since v2 it is the envelope's `occurredAt` only. */
const dropAt = ({ at: _at, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;

export const EXECUTION_EVENTS = {
  ChildOrderRequested: define({
    type: 'ChildOrderRequested',
    context: 'execution',
    owner: 'execution',
    version: 3,
    description:
      'Execution asks the gateway to place one child order, until `validUntil`: a request the gateway sees after that (a backlog after an outage, at prices long gone) is recorded as rejected (`Expired`) and never sent.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: Id(),
        clientOrderId: ClientOrderId,
        side: Side(),
        qty: PositiveDecimal(),
        orderType: Type.Union([Type.Literal('limit'), Type.Literal('market')]),
        limitPrice: Nullable(PositiveDecimal()),
        postOnly: Type.Boolean(),
        reduceOnly: Type.Boolean(),
        /** Child sequence number within the parent order (the client order id derives from it). */
        seq: Type.Integer({ minimum: 0 }),
        kind: ChildKind,
        /** Why the policy sent it: post, reprice, catchUp, sweep, slice. */
        reason: ChildReason,
        /** The gateway sends it only until then; null: no limit (requests recorded before v3). */
        validUntil: Nullable(Timestamp()),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      // v1's seq/kind/reason were optional (only execution's own writes had them, and folds
      // required them): a v1 request without them came from another writer, so they are filled
      // from what the request itself says.
      1: ({ requestedAt: _requestedAt, ...rest }) => ({
        ...rest,
        seq: rest['seq'] ?? 0,
        kind: rest['kind'] ?? (rest['orderType'] === 'market' ? 'taker' : 'passive'),
        reason: rest['reason'] ?? (rest['orderType'] === 'market' ? 'slice' : 'post'),
      }),
      // v2 requests had no expiry.
      2: (data) => ({ ...data, validUntil: null }),
    },
  }),
  ParentOrderStarted: define({
    type: 'ParentOrderStarted',
    context: 'execution',
    owner: 'execution',
    version: 2,
    description:
      'A parent order started: a target position change for (account, instrument) to be traded by the deadline over a TWAP schedule; carries the instrument rules it was planned with.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        parentOrderId: ParentOrderId,
        /** The target (TargetPositionSet event id) it executes, when the writer knows it. */
        targetId: Nullable(Id()),
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
         * The instrument's running market totals when the order started: the interval VWAP at
         * completion is (totals then − totals now). Null when unknown.
         */
        marketAtStart: Nullable(MarketTotals),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      1: ({ at: _at, targetId = null, marketAtStart = null, ...rest }) => ({
        ...rest,
        targetId,
        marketAtStart,
      }),
    },
  }),
  ParentOrderRejected: define({
    type: 'ParentOrderRejected',
    context: 'execution',
    owner: 'execution',
    version: 2,
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
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: dropAt },
  }),
  ChildOrderAccepted: define({
    type: 'ChildOrderAccepted',
    context: 'execution',
    owner: 'execution',
    version: 2,
    description: "Execution recorded that a parent order's child is on the venue's book.",
    schema: ChildOrderRef,
    upcasters: { 1: dropAt },
  }),
  ChildOrderRejected: define({
    type: 'ChildOrderRejected',
    context: 'execution',
    owner: 'execution',
    version: 2,
    description: "Execution recorded that a parent order's child was rejected (it leaves the working set).",
    schema: Type.Object(
      {
        ...CHILD_ORDER_REF,
        code: Type.String({ maxLength: 500 }),
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: dropAt },
  }),
  ChildOrderFilled: define({
    type: 'ChildOrderFilled',
    context: 'execution',
    owner: 'execution',
    version: 2,
    description: "Execution counted one fill of a parent order's child (once per venue trade id).",
    schema: Type.Object(
      {
        ...CHILD_ORDER_REF,
        tradeId: Id(),
        qty: PositiveDecimal(),
        price: PositiveDecimal(),
        /** Positive paid, negative rebate. */
        fee: Decimal(),
        liquidity: Type.Union([Type.Literal('maker'), Type.Literal('taker')]),
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: dropAt },
  }),
  ChildOrderCancelled: define({
    type: 'ChildOrderCancelled',
    context: 'execution',
    owner: 'execution',
    version: 2,
    description:
      "Execution recorded that a parent order's child left the book without filling further (cancelled by execution or the venue, or expired); it leaves the working set.",
    schema: ChildOrderRef,
    upcasters: { 1: dropAt },
    formerly: [{ type: 'ChildOrderClosed', throughVersion: 1 }],
  }),
  ParentOrderPaused: define({
    type: 'ParentOrderPaused',
    context: 'execution',
    owner: 'execution',
    version: 2,
    description:
      "Execution of (account, instrument) paused (market closed, a kill switch, the risk state HALTED, or the operator's stopped trading session); its children are cancelled.",
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        /** null when no parent order existed yet (the pause still holds for the next one). */
        parentOrderId: Nullable(ParentOrderId),
        reason: PauseReason,
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: dropAt },
  }),
  ParentOrderResumed: define({
    type: 'ParentOrderResumed',
    context: 'execution',
    owner: 'execution',
    version: 2,
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
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: dropAt },
  }),
  ParentOrderProgressReported: define({
    type: 'ParentOrderProgressReported',
    context: 'execution',
    owner: 'execution',
    version: 2,
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
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: dropAt },
    formerly: [{ type: 'ParentOrderProgress', throughVersion: 1 }],
  }),
  ParentOrderSuperseded: define({
    type: 'ParentOrderSuperseded',
    context: 'execution',
    owner: 'execution',
    version: 2,
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
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: dropAt },
  }),
  ParentOrderCompleted: define({
    type: 'ParentOrderCompleted',
    context: 'execution',
    owner: 'execution',
    version: 2,
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
        /** Execution quality; null when it could not be computed (nothing filled, no market data). */
        quality: Nullable(ExecutionQualityFigures),
      },
      { additionalProperties: false },
    ),
    upcasters: { 1: ({ at: _at, quality = null, ...rest }) => ({ ...rest, quality }) },
  }),
  ChildOrderCancelRequested: define({
    type: 'ChildOrderCancelRequested',
    context: 'execution',
    owner: 'execution',
    version: 2,
    description: 'Execution asks the gateway to cancel one child order.',
    schema: Type.Object(
      {
        accountId: Account,
        instrument: Instrument,
        clientOrderId: ClientOrderId,
        reason: Type.String({ maxLength: 500 }),
        /** Null only in a v1 request that did not say (written by another writer than execution). */
        parentOrderId: Nullable(ParentOrderId),
      },
      { additionalProperties: false },
    ),
    upcasters: {
      1: ({ requestedAt: _requestedAt, parentOrderId = null, ...rest }) => ({ ...rest, parentOrderId }),
    },
    formerly: [{ type: 'CancelRequested', throughVersion: 1 }],
  }),
} as const;
