/**
 * Throttled market data for the instruments apps subscribe to. The gateway polls the top of
 * book and public trades (through the coalescer, so one call per instrument however many
 * apps listen) and records:
 * - QuoteUpdated when the book changed, at most once per `minIntervalMs` per instrument, and
 *   at least once per `heartbeatMs` even if it did not (so a silent feed is visible);
 * - TradePrinted once per venue trade id, in venue order, at most `maxTradesPerPoll` per poll
 *   (the newest; the cursor still moves past the skipped ones, which are counted).
 * Pure: state + venue data + `now` → state and events. Event ids derive from the data, so
 * recording the same quote or trade twice is a no-op in the store.
 */
import * as E from 'fp-ts/Either';
import { deriveId, EventMeta, newEvent, NewEvent, ValidationError } from '@keel/events';
import { TopOfBook, TradePrint } from '@keel/venue-domain';

export interface ThrottleSettings {
  readonly minIntervalMs: number;
  readonly heartbeatMs: number;
  readonly maxTradesPerPoll: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = {
  minIntervalMs: 250,
  heartbeatMs: 10_000,
  maxTradesPerPoll: 100,
};

interface LastQuote {
  readonly at: number;
  readonly key: string;
}

/** Per instrument: the last quote recorded and the trade cursor (plain JSON). */
export interface MarketDataState {
  readonly quotes: Readonly<Record<string, LastQuote>>;
  readonly tradeCursor: Readonly<Record<string, string>>;
}

export const initialMarketData: MarketDataState = { quotes: {}, tradeCursor: {} };

const quoteKey = (q: TopOfBook): string =>
  [q.bidPrice, q.bidQty, q.askPrice, q.askQty].map((d) => d.toFixed()).join('|');

const iso = (ts: number): string => new Date(ts).toISOString();

/** Record a polled top of book, or not. */
export const throttleQuote = (
  state: MarketDataState,
  venue: string,
  q: TopOfBook,
  now: number,
  meta: EventMeta,
  settings: ThrottleSettings = DEFAULT_THROTTLE,
): E.Either<ValidationError, { readonly state: MarketDataState; readonly events: readonly NewEvent[] }> => {
  const key = quoteKey(q);
  const last = state.quotes[q.symbol];
  const due =
    !last ||
    (last.key !== key ? now - last.at >= settings.minIntervalMs : now - last.at >= settings.heartbeatMs);
  // An empty side (price 0) is not a quote (QuoteUpdated prices are positive): skip it.
  if (!due || q.bidPrice.lte(0) || q.askPrice.lte(0)) return E.right({ state, events: [] });
  return E.map((e: NewEvent) => ({
    state: { ...state, quotes: { ...state.quotes, [q.symbol]: { at: now, key } } },
    events: [e],
  }))(
    newEvent(
      'QuoteUpdated',
      deriveId('QuoteUpdated', venue, q.symbol, q.venueAt, key, now),
      {
        venue,
        instrument: q.symbol,
        bidPrice: q.bidPrice.toFixed(),
        bidQty: q.bidQty.toFixed(),
        askPrice: q.askPrice.toFixed(),
        askQty: q.askQty.toFixed(),
        venueAt: iso(q.venueAt),
      },
      meta,
    ),
  );
};

/** The cursor to poll trades of `instrument` after (`fetchTrades(symbol, since)`). */
export const tradeCursor = (state: MarketDataState, instrument: string): string | null =>
  state.tradeCursor[instrument] ?? null;

/** Record polled public trades (oldest first, as the port returns them) once each. */
export const throttleTrades = (
  state: MarketDataState,
  venue: string,
  instrument: string,
  trades: readonly TradePrint[],
  meta: EventMeta,
  settings: ThrottleSettings = DEFAULT_THROTTLE,
): E.Either<
  ValidationError,
  { readonly state: MarketDataState; readonly events: readonly NewEvent[]; readonly skipped: number }
> => {
  const seen = new Set<string>();
  const fresh = trades.filter((t) => !seen.has(t.tradeId) && (seen.add(t.tradeId), true));
  if (fresh.length === 0) return E.right({ state, events: [], skipped: 0 });
  const kept = fresh.slice(-settings.maxTradesPerPoll);
  const cursor = fresh[fresh.length - 1]!.tradeId;
  return E.map((events: readonly NewEvent[]) => ({
    state: { ...state, tradeCursor: { ...state.tradeCursor, [instrument]: cursor } },
    events,
    skipped: fresh.length - kept.length,
  }))(
    E.sequenceArray(
      kept.map((t) =>
        newEvent(
          'TradePrinted',
          deriveId('TradePrinted', venue, instrument, t.tradeId),
          {
            venue,
            instrument,
            tradeId: t.tradeId,
            price: t.price.toFixed(),
            qty: t.qty.toFixed(),
            side: t.side,
            venueAt: iso(t.venueAt),
          },
          meta,
        ),
      ),
    ),
  );
};
