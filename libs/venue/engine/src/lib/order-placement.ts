/**
 * Idempotent order placement: one ChildOrderRequested can never become two venue orders.
 *
 * Binance (and others) reject a duplicate client order id only while the first order is still
 * open, so the id alone does not make a resend safe. The rule here: whenever an earlier attempt
 * *may* have reached the venue (a timeout, a 5xx, a crash, a command reacted to again after a
 * restart), the gateway looks the order up by client order id, and only a look-up that answers
 * "never seen" allows a (re)send. A look-up that fails is retried; it never turns into a send.
 *
 * A pure decider (`decidePlacement`: state + input → state, facts to record, next action) and
 * a small shell (`placeOrder`) that runs the actions against a venue adapter. The shell is
 * per order; the gateway runs one per ChildOrderRequested it reacts to.
 *
 * Not a `Decider` (@keel/decider), by design: it is a workflow in emmett's sense (its
 * `Workflow`: input → outputs, some of them commands to run later). Its state is the in-flight
 * state of one venue request, kept in memory and never folded from what it records: the facts
 * (OrderAccepted/Rejected/Cancelled) do not carry `sends`, `lookups` or the `Sending` step, and
 * the venue's answers are inputs, not events of its own. Its third output, the next action
 * (send or look up, after a delay), has no place in `Either<Err, Event[]>`. Fitting it would
 * mean events that are copies of the next state, which hides the rule rather than shows it.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { deriveId, EventData, EventMeta, newEvent, NewEvent, ValidationError } from '@keel/events';
import {
  Fill,
  Instrument,
  OrderRequest,
  prepareOrder,
  VenueAdapter,
  VenueError,
  VenueOrder,
} from '@keel/venue-domain';

export type ChildOrder = EventData<'ChildOrderRequested'>;

export type PlacementState =
  | { readonly status: 'Idle' }
  /** Ready to send: nothing of ours can be at the venue. */
  | { readonly status: 'Ready'; readonly order: OrderRequest; readonly sends: number }
  /** A send is under way: from here on the venue may hold the order. */
  | { readonly status: 'Sending'; readonly order: OrderRequest; readonly sends: number }
  /** The outcome of an earlier send is unknown: look the order up before anything else. */
  | {
      readonly status: 'InDoubt';
      readonly order: OrderRequest;
      readonly sends: number;
      readonly lookups: number;
      /**
       * How long the doubt has lasted (the look-up delays scheduled so far): "not found" is
       * trusted only once this reaches `notFoundHorizonMs`.
       */
      readonly waitedMs: number;
      /** Set when the command fails validation: if the venue never saw it, it is rejected, not sent. */
      readonly invalid: { readonly code: string; readonly reason: string } | null;
    }
  | { readonly status: 'Accepted'; readonly order: OrderRequest; readonly venueOrder: VenueOrder }
  | { readonly status: 'Rejected'; readonly code: string; readonly reason: string };

export const initialPlacement: PlacementState = { status: 'Idle' };

export type PlacementInput =
  /**
   * The command. `inDoubt`: an earlier process may already have sent it (it was recorded
   * before this process started, or is being reacted to again): look up before sending.
   */
  | {
      readonly type: 'Requested';
      readonly command: ChildOrder;
      readonly instrument: Instrument | null;
      readonly inDoubt: boolean;
      readonly referencePrice?: Decimal | null;
      /** Set when new orders are not allowed (kill switch, halted account): never send; an in-doubt order is still looked up. */
      readonly blocked?: { readonly code: string; readonly reason: string } | null;
    }
  /** The shell is about to call `placeOrder`. */
  | { readonly type: 'SendStarted' }
  | { readonly type: 'SendAnswered'; readonly result: E.Either<VenueError, VenueOrder> }
  | { readonly type: 'LookupAnswered'; readonly result: E.Either<VenueError, VenueOrder | null> };

/** The catalog's events a placement (or a cancel) can end in. */
type PlacementFactType = 'OrderAccepted' | 'OrderRejected' | 'OrderCancelled';

/** What the gateway records: the event's catalog payload, less the fields the order reference (`OrderRef`) supplies. */
export type PlacementFact = {
  [K in PlacementFactType]: { readonly type: K } & Omit<EventData<K>, keyof OrderRef>;
}[PlacementFactType];

export type PlacementAction =
  | { readonly _tag: 'send'; readonly afterMs: number }
  | { readonly _tag: 'lookUp'; readonly afterMs: number }
  | { readonly _tag: 'none' };

export interface PlacementSettings {
  /** Wait before looking up after a timeout: the venue may still be processing the send. */
  readonly lookupDelayMs: number;
  /** Back-off between failed look-ups (doubled each time, capped at 16×). */
  readonly lookupRetryMs: number;
  /**
   * How long an order in doubt must go on being "not found" before that is believed and the
   * order is sent (or rejected). A venue can apply a send after answering it with a timeout
   * or a 5xx (Binance: -1007 "status unknown", 503), and only within its receive window
   * (Binance's recvWindow is at most 60 s): past that the send can no longer take effect, so
   * a look-up that still does not find it is proof.
   */
  readonly notFoundHorizonMs: number;
}

export const DEFAULT_PLACEMENT_SETTINGS: PlacementSettings = {
  lookupDelayMs: 1_000,
  lookupRetryMs: 1_000,
  notFoundHorizonMs: 60_000,
};

export interface PlacementStep {
  readonly state: PlacementState;
  readonly facts: readonly PlacementFact[];
  readonly next: PlacementAction;
}

const NONE: PlacementAction = { _tag: 'none' };
const step = (
  state: PlacementState,
  next: PlacementAction,
  facts: readonly PlacementFact[] = [],
): PlacementStep => ({ state, facts, next });

/** What a venue order says once the venue has it: accepted, and possibly already closed. */
const acceptedFacts = (o: VenueOrder): readonly PlacementFact[] => {
  const accepted: PlacementFact = { type: 'OrderAccepted', venueOrderId: o.venueOrderId };
  switch (o.status) {
    case 'open':
    case 'partiallyFilled':
    case 'filled':
      return [accepted];
    case 'cancelled':
    case 'expired':
      return [
        accepted,
        {
          type: 'OrderCancelled',
          filledQty: o.filledQty.toFixed(),
          reason: `venue reports the order ${o.status}`,
        },
      ];
    case 'rejected':
      return [{ type: 'OrderRejected', code: 'InvalidOrder', reason: 'venue reports the order rejected' }];
    default: {
      const never: never = o.status;
      return never;
    }
  }
};

/** The command as a venue request, before rounding and checks. */
export const rawOrderRequest = (c: ChildOrder): OrderRequest => ({
  symbol: c.instrument,
  clientOrderId: c.clientOrderId,
  side: c.side,
  type: c.orderType,
  qty: new Decimal(c.qty),
  price: c.limitPrice === null ? null : new Decimal(c.limitPrice),
  timeInForce: c.postOnly ? 'PO' : c.orderType === 'market' ? 'IOC' : 'GTC',
  reduceOnly: c.reduceOnly,
});

/** The venue request for a command, rounded and checked against the instrument when known. */
export const toOrderRequest = (
  c: ChildOrder,
  instrument: Instrument | null,
  referencePrice: Decimal | null = null,
): E.Either<{ readonly code: string; readonly reason: string }, OrderRequest> => {
  const order = rawOrderRequest(c);
  if (order.type === 'limit' && order.price === null)
    return E.left({ code: 'InvalidOrder', reason: 'limitPrice: a limit order needs a price' });
  if (instrument === null) return E.right(order);
  return pipe(
    prepareOrder(instrument, order, { referencePrice }),
    E.mapLeft((r) => ({ code: r.code, reason: r.message })),
  );
};

const backoff = (s: PlacementSettings, lookups: number): number =>
  s.lookupRetryMs * 2 ** Math.min(lookups, 4);

/** The placement decider: pure, total, never throws. */
export const decidePlacement = (
  state: PlacementState,
  input: PlacementInput,
  settings: PlacementSettings = DEFAULT_PLACEMENT_SETTINGS,
): PlacementStep => {
  switch (input.type) {
    case 'Requested': {
      // A redelivered command changes nothing: the first one owns the order.
      if (state.status !== 'Idle') return step(state, NONE);
      const checked = toOrderRequest(input.command, input.instrument, input.referencePrice ?? null);
      const req = input.blocked ? E.left(input.blocked) : checked;
      // Validation rejects at once only when nothing can have been sent: an in-doubt command is looked up first.
      if (E.isLeft(req) && !input.inDoubt)
        return step({ status: 'Rejected', ...req.left }, NONE, [{ type: 'OrderRejected', ...req.left }]);
      const order = E.isRight(checked) ? checked.right : rawOrderRequest(input.command);
      return input.inDoubt
        ? step(
            {
              status: 'InDoubt',
              order,
              sends: 0,
              lookups: 0,
              waitedMs: 0,
              invalid: E.isLeft(req) ? req.left : null,
            },
            { _tag: 'lookUp', afterMs: 0 },
          )
        : step({ status: 'Ready', order, sends: 0 }, { _tag: 'send', afterMs: 0 });
    }
    case 'SendStarted':
      return state.status === 'Ready'
        ? step({ status: 'Sending', order: state.order, sends: state.sends + 1 }, NONE)
        : step(state, NONE);
    case 'SendAnswered': {
      if (state.status !== 'Sending') return step(state, NONE);
      const r = input.result;
      if (E.isRight(r))
        return step(
          { status: 'Accepted', order: state.order, venueOrder: r.right },
          NONE,
          acceptedFacts(r.right),
        );
      const e = r.left;
      switch (e._tag) {
        case 'VenueRejected':
          // A duplicate id means the venue has an order with it: find out what it is.
          if (e.code === 'DuplicateClientOrderId')
            return step(
              {
                status: 'InDoubt',
                order: state.order,
                sends: state.sends,
                lookups: 0,
                waitedMs: 0,
                invalid: null,
              },
              { _tag: 'lookUp', afterMs: 0 },
            );
          return step({ status: 'Rejected', code: e.code, reason: e.message }, NONE, [
            { type: 'OrderRejected', code: e.code, reason: e.message },
          ]);
        case 'VenueRateLimited':
          // The request did not take effect (port contract): sending again is safe, after the pause.
          return step(
            { status: 'Ready', order: state.order, sends: state.sends },
            { _tag: 'send', afterMs: e.retryAfterMs },
          );
        case 'VenueTimeout':
        case 'VenueUnavailable':
        case 'VenueMalformed':
          return step(
            {
              status: 'InDoubt',
              order: state.order,
              sends: state.sends,
              lookups: 0,
              waitedMs: settings.lookupDelayMs,
              invalid: null,
            },
            { _tag: 'lookUp', afterMs: settings.lookupDelayMs },
          );
        case 'VenueAuthFailed':
          // Credentials refused: nothing was placed. Reject; the shell halts the account.
          return step({ status: 'Rejected', code: 'VenueAuthFailed', reason: e.message }, NONE, [
            { type: 'OrderRejected', code: 'VenueAuthFailed', reason: e.message },
          ]);
        default: {
          const never: never = e;
          return never;
        }
      }
    }
    case 'LookupAnswered': {
      if (state.status !== 'InDoubt') return step(state, NONE);
      const r = input.result;
      if (E.isLeft(r)) {
        const lookups = state.lookups + 1;
        const afterMs = r.left._tag === 'VenueRateLimited' ? r.left.retryAfterMs : backoff(settings, lookups);
        return step({ ...state, lookups, waitedMs: state.waitedMs + afterMs }, { _tag: 'lookUp', afterMs });
      }
      if (r.right !== null)
        return step(
          { status: 'Accepted', order: state.order, venueOrder: r.right },
          NONE,
          acceptedFacts(r.right),
        );
      // Not found yet: the send may still take effect until the horizon; look again then.
      if (state.waitedMs < settings.notFoundHorizonMs) {
        const afterMs = Math.min(
          settings.notFoundHorizonMs - state.waitedMs,
          Math.max(settings.lookupRetryMs, state.waitedMs),
        );
        return step({ ...state, waitedMs: state.waitedMs + afterMs }, { _tag: 'lookUp', afterMs });
      }
      // Not found over the whole horizon: the venue never took the order, and now cannot.
      // Now, and only now, a send is safe.
      if (state.invalid)
        return step({ status: 'Rejected', ...state.invalid }, NONE, [
          { type: 'OrderRejected', ...state.invalid },
        ]);
      return step({ status: 'Ready', order: state.order, sends: state.sends }, { _tag: 'send', afterMs: 0 });
    }
    default: {
      const never: never = input;
      return never;
    }
  }
};

// ---------------------------------------------------------------------------------------
// Events: ids derive from their cause, so recording the same fact twice is a no-op.

export interface OrderRef {
  readonly accountId: string;
  readonly instrument: string;
  readonly clientOrderId: string;
}

export const acceptedEventId = (r: OrderRef): string =>
  deriveId('OrderAccepted', r.accountId, r.clientOrderId);
export const rejectedEventId = (r: OrderRef): string =>
  deriveId('OrderRejected', r.accountId, r.clientOrderId);
export const cancelledEventId = (r: OrderRef): string =>
  deriveId('OrderCancelled', r.accountId, r.clientOrderId);
/**
 * One OrderFilled per venue trade. The instrument is part of the key because venues number
 * trades per symbol (Binance trade ids are per-symbol sequences).
 */
export const fillEventId = (accountId: string, instrument: string, tradeId: string): string =>
  deriveId('OrderFilled', accountId, instrument, tradeId);

const FACT_EVENT_ID: Readonly<Record<PlacementFactType, (r: OrderRef) => string>> = {
  OrderAccepted: acceptedEventId,
  OrderRejected: rejectedEventId,
  OrderCancelled: cancelledEventId,
};

/** The events for placement facts. */
export const placementEvents = (
  ref: OrderRef,
  facts: readonly PlacementFact[],
  meta: EventMeta,
): E.Either<ValidationError, readonly NewEvent[]> =>
  E.sequenceArray(
    facts.map(({ type, ...payload }): E.Either<ValidationError, NewEvent> =>
      newEvent(type, FACT_EVENT_ID[type](ref), { ...ref, ...payload }, meta),
    ),
  );

/**
 * A fill's client order id when the venue's fill omits it (Binance's userTrades never carry
 * one): the order this process knows by its venue order id (`known`), else one derived from
 * the venue order id (`venue-<id>`, as reconciliation names an order placed outside Keel), so
 * the fill is recorded at once and position = Σ fills holds; never an empty id.
 */
export const attributeFill = (f: Fill, known: (venueOrderId: string) => string | undefined): Fill => {
  if (f.clientOrderId.trim() !== '') return f;
  const clientOrderId =
    (f.venueOrderId !== '' ? known(f.venueOrderId) : undefined) ??
    (f.venueOrderId !== '' ? `venue-${f.venueOrderId}` : `venue-trade-${f.tradeId}`);
  return { ...f, clientOrderId };
};

export interface FillEvents {
  readonly events: readonly NewEvent[];
  /** Fills that could not be made events (named by trade id): the others are recorded anyway. */
  readonly refused: readonly { readonly tradeId: string; readonly error: ValidationError }[];
}

/**
 * OrderFilled for each fill not yet recorded (by trade id), each once even if the venue repeats
 * it. One fill that cannot be an event never holds back the others.
 */
export const fillEvents = (
  accountId: string,
  fills: readonly Fill[],
  recorded: { has(fillEventId: string): boolean },
  meta: EventMeta,
): FillEvents => {
  // Ids met in this batch; the recorded ones are asked of `recorded` rather than copied each time.
  const seen = new Set<string>();
  const events: NewEvent[] = [];
  const refused: { tradeId: string; error: ValidationError }[] = [];
  for (const f of fills) {
    const id = fillEventId(accountId, f.symbol, f.tradeId);
    if (recorded.has(id) || seen.has(id)) continue;
    seen.add(id);
    const e = newEvent(
      'OrderFilled',
      id,
      {
        accountId,
        instrument: f.symbol,
        clientOrderId: f.clientOrderId,
        tradeId: f.tradeId,
        side: f.side,
        qty: f.qty.toFixed(),
        price: f.price.toFixed(),
        fee: f.fee.toFixed(),
        feeAsset: f.feeAsset,
        liquidity: f.liquidity,
      },
      meta,
    );
    if (E.isRight(e)) events.push(e.right);
    else refused.push({ tradeId: f.tradeId, error: e.left });
  }
  return { events, refused };
};

// ---------------------------------------------------------------------------------------
// The shell

export interface PlacementPorts {
  /** The account's adapter, normally behind its coalescer and rate budget. */
  readonly venue: VenueAdapter;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settings?: PlacementSettings;
  /** Give up looking up after this many failed look-ups (the order stays in doubt; never resent). */
  readonly maxLookups?: number;
  /**
   * Asked right before each send: whether this process may still act for the account (it holds
   * the account's lease). When it may not, the placement stops unsent (`unsent`).
   */
  readonly mayAct?: () => boolean;
}

export interface PlacementOutcome {
  readonly state: PlacementState;
  /** Everything to record, in order. */
  readonly facts: readonly PlacementFact[];
  /** Stopped before a send because this process may no longer act for the account: nothing was sent. */
  readonly unsent?: true;
}

/** Run one placement to its end: accepted, rejected, or still in doubt after `maxLookups`. */
export const runPlacement = async (
  input: Extract<PlacementInput, { type: 'Requested' }>,
  ports: PlacementPorts,
): Promise<PlacementOutcome> => {
  const settings = ports.settings ?? DEFAULT_PLACEMENT_SETTINGS;
  const maxLookups = ports.maxLookups ?? 20;
  const facts: PlacementFact[] = [];
  let s = decidePlacement(initialPlacement, input, settings);
  for (;;) {
    facts.push(...s.facts);
    const { state, next } = s;
    if (next._tag === 'none') return { state, facts };
    if (next.afterMs > 0) await ports.sleep(next.afterMs);
    if (next._tag === 'send') {
      if (ports.mayAct && !ports.mayAct()) return { state, facts, unsent: true };
      const sending = decidePlacement(state, { type: 'SendStarted' }, settings);
      if (sending.state.status !== 'Sending') return { state, facts };
      const result = await ports.venue.placeOrder(sending.state.order)();
      s = decidePlacement(sending.state, { type: 'SendAnswered', result }, settings);
    } else {
      if (state.status === 'InDoubt' && state.lookups >= maxLookups) return { state, facts };
      if (state.status !== 'InDoubt') return { state, facts };
      const result = await ports.venue.fetchOrderByClientId(state.order.symbol, state.order.clientOrderId)();
      s = decidePlacement(state, { type: 'LookupAnswered', result }, settings);
    }
  }
};
