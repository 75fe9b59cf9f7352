/**
 * An in-memory `VenueAdapter` that counts the calls that reach it, per op, with Binance
 * USD-M-like request weights. It exists to *count* requests (the coalescing benchmark and the
 * coalescer's tests); it is not a venue simulator (that is `@keel/venue-sim`): it answers
 * reads with fixed data and records orders without matching them.
 */
import Decimal from 'decimal.js';
import * as TE from 'fp-ts/TaskEither';
import {
  binanceUsdmWeight,
  Instrument,
  VenueAdapter,
  VenueError,
  VenueOp,
  VenueOrder,
} from '@keel/venue-domain';

export interface CountingAdapter extends VenueAdapter {
  /** Calls that reached the adapter, per op. */
  counts(): Readonly<Record<string, number>>;
  /** All calls that reached the adapter. */
  total(): number;
  /** Request weight spent (open orders of all symbols weigh 40, as on Binance). */
  weightSpent(): number;
  reset(): void;
}

export interface CountingAdapterOptions {
  readonly venue?: string;
  readonly accountId?: string;
  /** Simulated round trip before each answer (e.g. `() => new Promise(setImmediate)`). */
  readonly latency?: () => Promise<void>;
}

export const createCountingAdapter = (opts: CountingAdapterOptions = {}): CountingAdapter => {
  const venue = opts.venue ?? 'count';
  const accountId = opts.accountId ?? 'acc';
  let counts: Record<string, number> = {};
  let weight = 0;
  const orders = new Map<string, VenueOrder>();

  const answer =
    <A>(op: VenueOp, value: () => A, w = binanceUsdmWeight(op)): TE.TaskEither<VenueError, A> =>
    async () => {
      counts[op] = (counts[op] ?? 0) + 1;
      weight += w;
      if (opts.latency) await opts.latency();
      return { _tag: 'Right', right: value() };
    };

  const instrument = (symbol: string): Instrument => ({
    venue,
    venueSymbol: symbol.replace(/[^A-Za-z0-9]/g, ''),
    symbol,
    kind: 'perpetual',
    base: symbol.split('/')[0] ?? symbol,
    quote: 'USDT',
    settle: 'USDT',
    tickSize: new Decimal('0.1'),
    lotSize: new Decimal('0.001'),
    minQty: new Decimal('0.001'),
    minNotional: new Decimal(5),
    contractSize: new Decimal(1),
    settlement: null,
    expiry: null,
    makerFee: new Decimal('0.0002'),
    takerFee: new Decimal('0.0005'),
  });

  return {
    venue,
    accountId,
    weight: (op) => binanceUsdmWeight(op),
    loadInstruments: () => answer('loadInstruments', () => [instrument('BTC/USDT:USDT')]),
    fetchTopOfBook: (symbol) =>
      answer('fetchTopOfBook', () => ({
        symbol,
        bidPrice: new Decimal(100),
        bidQty: new Decimal(1),
        askPrice: new Decimal('100.1'),
        askQty: new Decimal(1),
        venueAt: 0,
      })),
    fetchTrades: () => answer('fetchTrades', () => []),
    fetchBalances: () =>
      answer('fetchBalances', () => [{ asset: 'USDT', total: new Decimal(1000), free: new Decimal(1000) }]),
    fetchPositions: () => answer('fetchPositions', () => []),
    fetchOpenOrders: (symbol) =>
      answer(
        'fetchOpenOrders',
        () =>
          [...orders.values()].filter(
            (o) =>
              (o.status === 'open' || o.status === 'partiallyFilled') &&
              (symbol === null || o.symbol === symbol),
          ),
        binanceUsdmWeight('fetchOpenOrders', symbol === null),
      ),
    placeOrder: (o) =>
      answer('placeOrder', () => {
        const placed: VenueOrder = {
          symbol: o.symbol,
          clientOrderId: o.clientOrderId,
          venueOrderId: `v${orders.size + 1}`,
          side: o.side,
          type: o.type,
          qty: o.qty,
          price: o.price,
          filledQty: new Decimal(0),
          avgFillPrice: null,
          status: 'open',
          ts: 0,
        };
        orders.set(o.clientOrderId, placed);
        return placed;
      }),
    cancelOrder: (symbol, clientOrderId) =>
      answer('cancelOrder', () => {
        const o = orders.get(clientOrderId);
        const cancelled: VenueOrder = o
          ? { ...o, status: 'cancelled' }
          : {
              symbol,
              clientOrderId,
              venueOrderId: '?',
              side: 'buy',
              type: 'limit',
              qty: new Decimal(0),
              price: null,
              filledQty: new Decimal(0),
              avgFillPrice: null,
              status: 'cancelled',
              ts: 0,
            };
        orders.set(clientOrderId, cancelled);
        return cancelled;
      }),
    fetchOrderByClientId: (_symbol, clientOrderId) =>
      answer('fetchOrder', () => orders.get(clientOrderId) ?? null),
    fetchFills: () => answer('fetchFills', () => []),
    fetchFunding: () => answer('fetchFunding', () => []),
    // The simulator's account model: the cash of fetchBalances, no positions.
    fetchAccount: () =>
      answer('fetchAccount', () => ({
        model: 'sim' as const,
        payloads: {
          account: {
            currency: 'USDT',
            at: 0,
            leverage: '10',
            balances: [{ asset: 'USDT', total: '1000', locked: '0' }],
            positions: [],
          },
        },
        sentAt: 0,
        receivedAt: 0,
      })),
    close: async () => undefined,
    counts: () => counts,
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    weightSpent: () => weight,
    reset: () => {
      counts = {};
      weight = 0;
    },
  };
};
