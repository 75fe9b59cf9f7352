/**
 * Request weights per venue, in each venue's own units, for the gateway's token bucket.
 *
 * - Binance USD-M: `binanceUsdmWeight` in @keel/venue-domain (the one table, with its sources).
 * - OKX: each endpoint has its own bucket counted in requests per 2 s (e.g. place order
 *   60/2 s, cancel 60/2 s, order details 60/2 s, pending orders 60/2 s, balance 10/2 s,
 *   positions 10/2 s, instruments 20/2 s, books 40/2 s, trades 100/2 s, fills 60/2 s);
 *   https://www.okx.com/docs-v5/en/#order-book-trading-trade . We express each call as the
 *   fraction of a common 60-per-2-s budget it uses, rounded up: 60 / limit.
 * - Hyperliquid: address/IP weight 1,200 per minute; exchange actions weight 1 (+ floor
 *   (batch/40)); info requests weight 20, except l2Book, allMids, clearinghouseState,
 *   orderStatus, spotClearinghouseState, exchangeStatus weight 2; userRole 60; and the
 *   explorer 40. https://hyperliquid.gitbook.io/hyperliquid-docs/for-developers/api/rate-limits-and-user-limits
 */
import { binanceUsdmWeight, type VenueOp } from '@keel/venue-domain';

export type CcxtVenueId = 'binanceusdm' | 'okx' | 'hyperliquid';

const okx = (op: VenueOp): number => {
  switch (op) {
    case 'loadInstruments':
      return 3; // 20 / 2 s
    case 'fetchTopOfBook':
      return 2; // 40 / 2 s
    case 'fetchTrades':
      return 1; // 100 / 2 s
    case 'fetchBalances':
      return 6; // 10 / 2 s
    case 'fetchPositions':
      return 6; // 10 / 2 s
    case 'fetchOpenOrders':
      return 1; // 60 / 2 s
    case 'placeOrder':
      return 1; // 60 / 2 s
    case 'cancelOrder':
      return 1; // 60 / 2 s
    case 'fetchOrder':
      return 1; // 60 / 2 s
    case 'fetchFills':
      return 1; // 60 / 2 s
    case 'fetchFunding':
      return 6; // bills-archive: 5 / s = 10 / 2 s
    case 'fetchAccount':
      return 12; // account/balance + account/positions: 10 / 2 s each
    default: {
      const _never: never = op;
      return _never;
    }
  }
};

const hyperliquid = (op: VenueOp): number => {
  switch (op) {
    case 'loadInstruments':
      return 20; // info: metaAndAssetCtxs
    case 'fetchTopOfBook':
      return 2; // info: l2Book
    case 'fetchTrades':
      return 20; // no public trades REST; ccxt reads recentTrades/userFills style info
    case 'fetchBalances':
      return 2; // info: clearinghouseState
    case 'fetchPositions':
      return 2; // info: clearinghouseState
    case 'fetchOpenOrders':
      return 20; // info: frontendOpenOrders / openOrders
    case 'placeOrder':
      return 1; // exchange action
    case 'cancelOrder':
      return 1; // exchange action
    case 'fetchOrder':
      return 2; // info: orderStatus
    case 'fetchFills':
      return 20; // info: userFillsByTime
    case 'fetchFunding':
      return 20; // info: userFunding
    case 'fetchAccount':
      return 4; // info: clearinghouseState 2 + spotClearinghouseState 2
    default: {
      const _never: never = op;
      return _never;
    }
  }
};

/** Weight of one call of `op`; `allSymbols` is true for a symbol-less open-orders query. */
export const requestWeight = (venue: CcxtVenueId, op: VenueOp, allSymbols = false): number => {
  switch (venue) {
    case 'binanceusdm':
      return binanceUsdmWeight(op, allSymbols);
    case 'okx':
      return okx(op);
    case 'hyperliquid':
      return hyperliquid(op);
    default: {
      const _never: never = venue;
      return _never;
    }
  }
};
