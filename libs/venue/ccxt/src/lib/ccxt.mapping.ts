/**
 * ccxt unified structures → the port's types. Numbers leave ccxt as JS numbers (or strings
 * in `info`); they become decimals through their shortest string form, never through
 * arithmetic. Quantities of orders and fills stay in the instrument's lot units (contracts
 * on OKX swaps, as ccxt reports them); positions are converted to base units
 * (contracts × contractSize), as the port asks.
 */
import Decimal from 'decimal.js';
import type * as ccxt from 'ccxt';
import type {
  Balance,
  Fill,
  Instrument,
  OrderStatus,
  Position,
  Side,
  TopOfBook,
  TradePrint,
  VenueOrder,
} from '@keel/venue-domain';

export const dec = (x: unknown): Decimal => new Decimal(String(x));
export const decOr = (x: unknown, fallback: Decimal): Decimal =>
  x === undefined || x === null || x === '' || Number.isNaN(Number(x)) ? fallback : dec(x);
const decOrNull = (x: unknown): Decimal | null => (x === undefined || x === null || x === '' ? null : dec(x));

const ZERO = new Decimal(0);
const ONE = new Decimal(1);

export const toInstrument = (venue: string, m: ccxt.MarketInterface): Instrument => ({
  venue,
  venueSymbol: m.id ?? m.symbol,
  symbol: m.symbol ?? m.id,
  kind: m.swap ? 'perpetual' : m.future ? 'future' : 'spot',
  base: m.base,
  quote: m.quote,
  settle: m.settle ?? m.quote,
  tickSize: decOr(m.precision.price, ZERO),
  lotSize: decOr(m.precision.amount, ZERO),
  minQty: decOr(m.limits.amount?.min, decOr(m.precision.amount, ZERO)),
  minNotional: decOr(m.limits.cost?.min, ZERO),
  contractSize: decOr(m.contractSize, ONE),
  settlement: m.future ? 'cash' : null,
  expiry: m.expiryDatetime ?? null,
  makerFee: decOr(m.maker, ZERO),
  takerFee: decOr(m.taker, ZERO),
});

export const toStatus = (o: ccxt.Order, fallback: OrderStatus): OrderStatus => {
  const filled = decOr(o.filled, ZERO);
  switch (o.status) {
    case 'open':
      return filled.gt(0) ? 'partiallyFilled' : 'open';
    case 'closed':
      return 'filled';
    case 'canceled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    case undefined:
      return fallback;
    default:
      return fallback;
  }
};

export interface OrderDefaults {
  readonly symbol: string;
  readonly clientOrderId: string;
  readonly side?: Side;
  readonly type?: 'limit' | 'market';
  readonly qty?: Decimal;
  readonly price?: Decimal | null;
  readonly status: OrderStatus;
  readonly now: number;
}

/** Place/cancel answers are often partial (OKX returns only ids): fill gaps from the request. */
export const toVenueOrder = (o: ccxt.Order, d: OrderDefaults): VenueOrder => ({
  symbol: o.symbol ?? d.symbol,
  clientOrderId: d.clientOrderId,
  venueOrderId: String(o.id),
  side: (o.side as Side | undefined) ?? d.side ?? 'buy',
  type: o.type === 'market' ? 'market' : o.type === 'limit' ? 'limit' : (d.type ?? 'limit'),
  qty: decOr(o.amount, d.qty ?? ZERO),
  price: o.price === undefined || o.price === null || o.type === 'market' ? (d.price ?? null) : dec(o.price),
  filledQty: decOr(o.filled, ZERO),
  avgFillPrice:
    o.average === undefined || o.average === null || Number(o.average) === 0 ? null : dec(o.average),
  status: toStatus(o, d.status),
  ts: o.timestamp ?? o.lastUpdateTimestamp ?? d.now,
});

export const toBalances = (b: ccxt.Balances): readonly Balance[] => {
  const free = (b.free ?? {}) as unknown as Record<string, unknown>;
  return Object.entries((b.total ?? {}) as unknown as Record<string, unknown>)
    .filter(([, total]) => total !== undefined && total !== null)
    .map(([asset, total]) => ({ asset, total: dec(total), free: decOr(free[asset], ZERO) }));
};

export const toPosition = (p: ccxt.Position, contractSize: Decimal): Position | null => {
  const contracts = decOr(p.contracts, ZERO);
  if (contracts.isZero()) return null;
  const base = contracts.abs().mul(decOr(p.contractSize, contractSize));
  return {
    symbol: p.symbol ?? '',
    qty: p.side === 'short' ? base.neg() : base,
    entryPrice: decOrNull(p.entryPrice),
  };
};

export const toTopOfBook = (symbol: string, ob: ccxt.OrderBook, now: number): TopOfBook => {
  const bid = ob.bids[0];
  const ask = ob.asks[0];
  return {
    symbol,
    bidPrice: decOr(bid?.[0], ZERO),
    bidQty: decOr(bid?.[1], ZERO),
    askPrice: decOr(ask?.[0], ZERO),
    askQty: decOr(ask?.[1], ZERO),
    venueAt: ob.timestamp ?? now,
  };
};

export const toTradePrint = (t: ccxt.Trade): TradePrint => ({
  symbol: t.symbol ?? '',
  tradeId: String(t.id),
  price: dec(t.price),
  qty: dec(t.amount),
  side: t.side === 'sell' ? 'sell' : 'buy',
  venueAt: t.timestamp ?? 0,
});

export const toFill = (t: ccxt.Trade, clientOrderIdOf: (t: ccxt.Trade) => string): Fill => ({
  symbol: t.symbol ?? '',
  tradeId: String(t.id),
  clientOrderId: clientOrderIdOf(t),
  venueOrderId: String(t.order ?? ''),
  side: t.side === 'sell' ? 'sell' : 'buy',
  qty: dec(t.amount),
  price: dec(t.price),
  fee: decOr(t.fee?.cost, ZERO),
  feeAsset: t.fee?.currency ?? '',
  liquidity: t.takerOrMaker === 'maker' ? 'maker' : 'taker',
  ts: t.timestamp ?? 0,
});
