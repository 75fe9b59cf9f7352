/**
 * ccxt exceptions → the port's VenueError union. ccxt's class tree matters for the order of
 * checks: OrderNotFound and OrderImmediatelyFillable extend InvalidOrder; RateLimitExceeded
 * and DDoSProtection are siblings under NetworkError (as are RequestTimeout and
 * ExchangeNotAvailable), so rate limits must be tested before NetworkError; InsufficientFunds
 * and AuthenticationError extend ExchangeError. ccxt's OKX maps a bare HTTP 429 to
 * ExchangeNotAvailable (ccxt issue 9612), so the status in the message is checked as well.
 *
 * The RejectCode is refined from the venue's own error code when ccxt's message carries it
 * (ccxt puts the raw response body in the message: `binanceusdm {"code":-2019,...}`).
 */
import * as ccxt from 'ccxt';
import type { RejectCode, VenueError } from '@keel/venue-domain';

/** Venue error codes that name a RejectCode more precisely than ccxt's class does. */
const REJECT_CODES: Readonly<Record<string, RejectCode>> = {
  // Binance USD-M, https://developers.binance.com/docs/derivatives/usds-margined-futures/error-code
  '-2019': 'InsufficientBalance', // Margin is insufficient.
  '-2018': 'InsufficientBalance', // Balance is insufficient.
  '-1111': 'InvalidOrder', // Precision (price or qty) is over the maximum defined for this asset.
  '-4014': 'PriceOffTick', // Price not increased by tick size.
  '-4023': 'QtyOffLot', // Qty not increased by step size.
  '-4003': 'QtyBelowMinimum', // Quantity less than or equal to zero / below min.
  '-4164': 'NotionalBelowMinimum', // Order's notional must be no smaller than ...
  '-5022': 'PostOnlyWouldCross', // Due to the order could not be executed as maker, the Post Only order will be rejected.
  '-2022': 'ReduceOnlyWouldIncrease', // ReduceOnly Order is rejected.
  '-4116': 'DuplicateClientOrderId', // ClientOrderId is duplicated.
  '-2013': 'OrderNotFound', // Order does not exist.
  '-2011': 'OrderNotFound', // Unknown order sent.
  '-1121': 'UnknownInstrument', // Invalid symbol.
  // OKX, https://www.okx.com/docs-v5/en/#error-code-rest-api-trade
  '51008': 'InsufficientBalance', // Order failed. Insufficient balance / margin.
  '51020': 'QtyBelowMinimum', // Your order should meet or exceed the minimum order amount.
  '51121': 'QtyOffLot', // Order quantity must be a multiple of the lot size.
  '51006': 'PriceOffTick', // Order price is not within the price limit / tick.
  '51016': 'DuplicateClientOrderId', // Duplicated clOrdId.
  '51603': 'OrderNotFound', // Order does not exist.
  '51001': 'UnknownInstrument', // Instrument ID does not exist.
  '51169': 'ReduceOnlyWouldIncrease', // No position in this direction to reduce/close.
};

/** Venues that answer with text only (Hyperliquid): phrases that name a RejectCode. */
const REJECT_PHRASES: ReadonlyArray<readonly [RegExp, RejectCode]> = [
  [/Post only order would have immediately matched/i, 'PostOnlyWouldCross'],
  [/Reduce only order would increase position/i, 'ReduceOnlyWouldIncrease'],
  [/Price must be divisible by tick size/i, 'PriceOffTick'],
  [/Order must have minimum value/i, 'NotionalBelowMinimum'],
  [/Insufficient margin/i, 'InsufficientBalance'],
  [/Order has invalid size/i, 'QtyOffLot'],
  [/Order was never placed, already canceled, or filled/i, 'OrderNotFound'],
];

const codeIn = (message: string): RejectCode | undefined => {
  const phrase = REJECT_PHRASES.find(([re]) => re.test(message));
  if (phrase !== undefined) return phrase[1];
  const m = /"(?:code|sCode)"\s*:\s*"?(-?\d+)"?/g;
  let found: RejectCode | undefined;
  for (let hit = m.exec(message); hit !== null; hit = m.exec(message)) {
    const code = hit[1];
    const mapped = code === undefined ? undefined : REJECT_CODES[code];
    if (mapped !== undefined) found = mapped;
  }
  return found;
};

export interface ErrorContext {
  readonly venue: string;
  readonly op: string;
  readonly timeoutMs: number;
  /** Response headers of the failed call, when ccxt kept them (for Retry-After). */
  readonly headers: () => Readonly<Record<string, unknown>> | undefined;
}

/** Default back-off when a 429/418 carries no Retry-After: Binance bans for ≥ 2 min on 418. */
const defaultBackoffMs = (message: string): number => (/\b418\b|banned/i.test(message) ? 120_000 : 1_000);

const retryAfterMs = (ctx: ErrorContext, message: string): number => {
  const headers = ctx.headers() ?? {};
  const raw = Object.entries(headers).find(([k]) => k.toLowerCase() === 'retry-after')?.[1];
  const seconds = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : defaultBackoffMs(message);
};

/** Thrown by our own deadline around a ccxt call. */
export class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** The longest venue message Keel keeps (logs, `OrderRejected.reason`, alerts). */
export const MAX_VENUE_MESSAGE = 1_000;

/** Query parameters that authenticate a request: never logged or recorded. */
const SECRET_PARAMS =
  /([?&](?:signature|sign|apiKey|api_key|apikey|secret|passphrase|access_token|token|X-MBX-APIKEY)=)[^&\s"']*/gi;

/**
 * A venue message as Keel keeps it. ccxt puts the request URL (with its signature) and the raw
 * response body in its errors' messages; the signature and key parameters are redacted, and a
 * long body is cut with a marker, so nothing secret reaches a log or an event and no event is
 * sized by what a venue chose to answer.
 */
export const venueMessage = (raw: string): string => {
  const scrubbed = raw.replace(SECRET_PARAMS, '$1<redacted>');
  return scrubbed.length > MAX_VENUE_MESSAGE
    ? `${scrubbed.slice(0, MAX_VENUE_MESSAGE)}… [cut: ${scrubbed.length - MAX_VENUE_MESSAGE} more characters]`
    : scrubbed;
};

export const toVenueError =
  (ctx: ErrorContext) =>
  (e: unknown): VenueError => {
    const { venue, op } = ctx;
    // Classified on the venue's whole text; kept redacted and cut.
    const full = e instanceof Error ? e.message : String(e);
    const message = venueMessage(full);
    const rejected = (fallback: RejectCode): VenueError => ({
      _tag: 'VenueRejected',
      venue,
      op,
      code: codeIn(full) ?? fallback,
      message,
    });
    if (e instanceof DeadlineExceeded) return { _tag: 'VenueTimeout', venue, op, ms: e.ms };
    // Rate limits first: they are NetworkErrors too, but the request did not take effect.
    const httpRateLimited = e instanceof ccxt.ExchangeNotAvailable && /\b(429|418)\b/.test(full);
    if (e instanceof ccxt.DDoSProtection || e instanceof ccxt.RateLimitExceeded || httpRateLimited) {
      return { _tag: 'VenueRateLimited', venue, op, retryAfterMs: retryAfterMs(ctx, full), message };
    }
    if (e instanceof ccxt.RequestTimeout) return { _tag: 'VenueTimeout', venue, op, ms: ctx.timeoutMs };
    if (e instanceof ccxt.NetworkError) return { _tag: 'VenueUnavailable', venue, op, message };
    // Hyperliquid answers an unknown signer (wrong or revoked API wallet) with this text, which
    // ccxt files under InvalidOrder; it is a credentials problem, not a bad order.
    const unknownSigner = /User or API Wallet \S+ does not exist/i.test(full);
    if (
      e instanceof ccxt.AuthenticationError ||
      e instanceof ccxt.PermissionDenied ||
      e instanceof ccxt.AccountSuspended ||
      unknownSigner
    ) {
      return { _tag: 'VenueAuthFailed', venue, op, message };
    }
    if (e instanceof ccxt.OrderNotFound) return rejected('OrderNotFound');
    if (e instanceof ccxt.OrderImmediatelyFillable) return rejected('PostOnlyWouldCross');
    if (e instanceof ccxt.InsufficientFunds) return rejected('InsufficientBalance');
    if (e instanceof ccxt.BadSymbol) return rejected('UnknownInstrument');
    if (e instanceof ccxt.DuplicateOrderId) return rejected('DuplicateClientOrderId');
    if (
      e instanceof ccxt.InvalidOrder ||
      e instanceof ccxt.BadRequest ||
      e instanceof ccxt.ArgumentsRequired
    ) {
      return rejected('InvalidOrder');
    }
    if (e instanceof ccxt.ExchangeError) {
      // An error body ccxt could not classify: the venue answered, so the request is settled,
      // but we cannot say it was refused for a known reason — treat as an unknown outcome.
      const code = codeIn(full);
      return code !== undefined ? rejected(code) : { _tag: 'VenueUnavailable', venue, op, message };
    }
    return { _tag: 'VenueUnavailable', venue, op, message };
  };
