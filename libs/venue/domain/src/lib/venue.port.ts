/**
 * The venue port: everything Keel asks of an exchange account. Adapters: ccxt (live and
 * testnet: Binance USD-M, OKX, Hyperliquid) and the simulator on recorded market data.
 * Only the gateway app calls it; one gateway process owns each account.
 *
 * Quantities and prices are exact decimals (decimal.js). An adapter receives orders that the
 * gateway has already validated and rounded to the instrument's precision (instrument.rules.ts):
 * it sends them as given and never rounds again.
 */
import Decimal from 'decimal.js';
import * as TE from 'fp-ts/TaskEither';
import { Instrument, Side } from '@keel/instruments';
import type { AccountRead } from '@keel/venue-accounts';

export interface TopOfBook {
  readonly symbol: string;
  readonly bidPrice: Decimal;
  readonly bidQty: Decimal;
  readonly askPrice: Decimal;
  readonly askQty: Decimal;
  /** Epoch ms, the venue's time of the quote (`QuoteUpdated.venueAt`). */
  readonly venueAt: number;
}

export interface TradePrint {
  readonly symbol: string;
  readonly tradeId: string;
  readonly price: Decimal;
  readonly qty: Decimal;
  /** The aggressor's side. */
  readonly side: Side;
  /** Epoch ms, the venue's time of the trade (`TradePrinted.venueAt`). */
  readonly venueAt: number;
}

export interface Balance {
  readonly asset: string;
  readonly total: Decimal;
  readonly free: Decimal;
}

export interface Position {
  readonly symbol: string;
  /** Signed: positive long, negative short; in base units. */
  readonly qty: Decimal;
  readonly entryPrice: Decimal | null;
}

export type OrderType = 'limit' | 'market';
/** GTC rests; IOC fills what it can at once; PO (post-only) is rejected if it would take. */
export type TimeInForce = 'GTC' | 'IOC' | 'PO';

/** An order as the gateway sends it: validated and rounded already. */
export interface OrderRequest {
  readonly symbol: string;
  /** ≤ 32 alphanumeric characters, derived from the requesting event. */
  readonly clientOrderId: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly qty: Decimal;
  /** Required for limit orders; null for market. */
  readonly price: Decimal | null;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
}

export type OrderStatus = 'open' | 'partiallyFilled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

export interface VenueOrder {
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly side: Side;
  readonly type: OrderType;
  readonly qty: Decimal;
  readonly price: Decimal | null;
  readonly filledQty: Decimal;
  readonly avgFillPrice: Decimal | null;
  readonly status: OrderStatus;
  readonly ts: number;
}

export interface Fill {
  readonly symbol: string;
  /** The venue's trade id: a fill is recorded once per trade id. */
  readonly tradeId: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly side: Side;
  readonly qty: Decimal;
  readonly price: Decimal;
  /** Positive: paid; negative: rebate. */
  readonly fee: Decimal;
  readonly feeAsset: string;
  readonly liquidity: 'maker' | 'taker';
  readonly ts: number;
}

/**
 * One perpetual funding payment of the account, as the venue settled it.
 * Venues: Binance USD-M income (`incomeType=FUNDING_FEE`), OKX bills (type 8), Hyperliquid
 * `userFunding`; the simulator settles its own at 00:00, 08:00 and 16:00 UTC.
 */
export interface FundingPayment {
  readonly symbol: string;
  /**
   * The venue's own id of the payment (Binance `tranId`, OKX `billId`, the simulator's
   * `sim-funding-…`): the gateway records a payment once per (account, symbol, id), so
   * asking again, or after a restart, never records it twice.
   */
  readonly fundingId: string;
  /** Signed from the account: positive received, negative paid; exact, as the venue wrote it. */
  readonly amount: Decimal;
  readonly asset: string;
  /** Epoch ms, the venue's time of the settlement (`FundingPaid.venueAt`). */
  readonly venueAt: number;
}

/**
 * What can go wrong at a venue, and what the gateway does about it.
 * - VenueRejected: the venue refused the request (bad order, insufficient balance, post-only
 *   would cross, unknown order…). Reject; never retry the same request.
 * - VenueRateLimited: 429/418 or the venue's own limit message. Back off `retryAfterMs`, spend
 *   no budget meanwhile; the request did not take effect.
 * - VenueTimeout / VenueUnavailable: no answer or a 5xx. The outcome is UNKNOWN: look the order
 *   up by client order id before any resend; never resend blindly.
 * - VenueAuthFailed: credentials refused. Halt orders for the account and alert.
 * - VenueMalformed: the venue answered, but a field of the answer cannot be read as what it
 *   must be (an amount that is not a decimal, a missing id or time). Nothing of that answer
 *   is used or recorded; the error names the field and the value. A read is asked again on
 *   the next cycle; for an order the outcome is UNKNOWN, as after a timeout.
 */
export type VenueError =
  | {
      readonly _tag: 'VenueRejected';
      readonly venue: string;
      readonly op: string;
      readonly code: RejectCode;
      readonly message: string;
    }
  | {
      readonly _tag: 'VenueRateLimited';
      readonly venue: string;
      readonly op: string;
      readonly retryAfterMs: number;
      readonly message: string;
    }
  | { readonly _tag: 'VenueTimeout'; readonly venue: string; readonly op: string; readonly ms: number }
  | {
      readonly _tag: 'VenueUnavailable';
      readonly venue: string;
      readonly op: string;
      readonly message: string;
    }
  | {
      readonly _tag: 'VenueAuthFailed';
      readonly venue: string;
      readonly op: string;
      readonly message: string;
    }
  | {
      readonly _tag: 'VenueMalformed';
      readonly venue: string;
      readonly op: string;
      /** The field of the venue's answer that could not be read, e.g. `income[2].income`. */
      readonly path: string;
      /** Its value as received (JSON), for the operator. */
      readonly value: string;
      readonly message: string;
    };

export type RejectCode =
  | 'UnknownInstrument'
  | 'QtyBelowMinimum'
  | 'NotionalBelowMinimum'
  | 'PriceOffTick'
  | 'QtyOffLot'
  | 'PostOnlyWouldCross'
  | 'InsufficientBalance'
  | 'ReduceOnlyWouldIncrease'
  | 'DuplicateClientOrderId'
  | 'OrderNotFound'
  | 'InvalidOrder';

/** Request kinds, for the rate budget (each venue maps them to its request weights). */
export const VENUE_OPS = [
  'loadInstruments',
  'fetchTopOfBook',
  'fetchTrades',
  'fetchBalances',
  'fetchPositions',
  'fetchOpenOrders',
  'placeOrder',
  'cancelOrder',
  'fetchOrder',
  'fetchFills',
  'fetchFunding',
  'fetchAccount',
] as const;
export type VenueOp = (typeof VENUE_OPS)[number];

export interface VenueAdapter {
  readonly venue: string;
  readonly accountId: string;
  /** Request weight of one call, in the venue's own units, for the account's token bucket. */
  weight(op: VenueOp): number;
  loadInstruments(): TE.TaskEither<VenueError, readonly Instrument[]>;
  fetchTopOfBook(symbol: string): TE.TaskEither<VenueError, TopOfBook>;
  /** Public trades after `sinceTradeId` (exclusive), oldest first. */
  fetchTrades(symbol: string, sinceTradeId: string | null): TE.TaskEither<VenueError, readonly TradePrint[]>;
  fetchBalances(): TE.TaskEither<VenueError, readonly Balance[]>;
  fetchPositions(): TE.TaskEither<VenueError, readonly Position[]>;
  /** Open orders of the account; all symbols when `symbol` is null. */
  fetchOpenOrders(symbol: string | null): TE.TaskEither<VenueError, readonly VenueOrder[]>;
  placeOrder(order: OrderRequest): TE.TaskEither<VenueError, VenueOrder>;
  cancelOrder(symbol: string, clientOrderId: string): TE.TaskEither<VenueError, VenueOrder>;
  /** The order with this client order id, or null if the venue never saw it. */
  fetchOrderByClientId(symbol: string, clientOrderId: string): TE.TaskEither<VenueError, VenueOrder | null>;
  /** The account's fills on a symbol since an epoch-ms time (inclusive), oldest first. */
  fetchFills(symbol: string, sinceTs: number): TE.TaskEither<VenueError, readonly Fill[]>;
  /**
   * The account's funding payments on every perpetual since an epoch-ms time (inclusive),
   * oldest first. One answer may be capped by the venue (Binance 1,000 entries): the gateway
   * asks again from the newest payment it recorded.
   */
  fetchFunding(sinceTs: number): TE.TaskEither<VenueError, readonly FundingPayment[]>;
  /**
   * The account's whole state as the venue answered it: its raw bodies, by endpoint, for the
   * venue's account model (@keel/venue-accounts) to derive an AccountSnapshotReported from.
   * The adapter does not read the bodies (a body the model cannot read is the model's
   * rejection, with its path, not a VenueMalformed); it only names them and times the read.
   * The gateway reads it once per account per cycle.
   */
  fetchAccount(): TE.TaskEither<VenueError, AccountRead>;
  close(): Promise<void>;
}
