/**
 * Binance USD-M request weights (REQUEST_WEIGHT per minute, 2,400/min per IP), from the
 * endpoint pages of https://developers.binance.com/docs/derivatives/usds-margined-futures:
 * New Order 1 (0 on IP weight, 1 on order count), Cancel 1, Query Order 1, Current Open Orders
 * 1 with a symbol / 40 without, Account Information V3 5, Position Information V3 5, Exchange
 * Information 1, Order Book 2 (limit 5..50), Aggregate Trades 20, Account Trade List 5, Get
 * Income History 30.
 * fetchAccount reads Account Information V3 (5) and Position Information V3 (5): the account
 * body has no entry, mark or liquidation price per position, positionRisk has them.
 * One table for the ccxt adapter and the in-memory counting adapter.
 */
import type { VenueOp } from './venue.port';

/** Weight of one call of `op`; `allSymbols` is true for a symbol-less open-orders query. */
export const binanceUsdmWeight = (op: VenueOp, allSymbols = false): number => {
  switch (op) {
    case 'loadInstruments':
      return 1;
    case 'fetchTopOfBook':
      return 2;
    case 'fetchTrades':
      return 20;
    case 'fetchBalances':
    case 'fetchPositions':
      return 5;
    case 'fetchOpenOrders':
      return allSymbols ? 40 : 1;
    case 'placeOrder':
    case 'cancelOrder':
    case 'fetchOrder':
      return 1;
    case 'fetchFills':
      return 5;
    case 'fetchFunding':
      return 30;
    case 'fetchAccount':
      // /fapi/v3/account 5 + /fapi/v3/positionRisk 5, and /fapi/v1/multiAssetsMargin 30 once a
      // minute (about 1 a read at one read a second, counted whole).
      return 11;
    default: {
      const never: never = op;
      return never;
    }
  }
};
