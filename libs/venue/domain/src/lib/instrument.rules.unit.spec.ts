import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import fc from 'fast-check';
import { BINANCE_USDM_BTCUSDT, Instrument, isOnGrid } from '@keel/instruments';
import { findInstrument, OrderIntent, prepareOrder, toVenueRejected } from './instrument.rules';

const d = (v: Decimal.Value): Decimal => new Decimal(v);

// Binance USD-M BTCUSDT as listed: tick 0.1, lot 0.001, min notional 100 USDT, 2/5 bps.
const BTCUSDT: Instrument = BINANCE_USDM_BTCUSDT;

const intent = (over: Partial<OrderIntent> = {}): OrderIntent => ({
  symbol: 'BTC/USDT:USDT',
  clientOrderId: 'abc123',
  side: 'buy',
  type: 'limit',
  qty: d('0.0105'),
  price: d('68613.95'),
  timeInForce: 'GTC',
  reduceOnly: false,
  ...over,
});

const codeOf = (r: E.Either<{ code: string }, unknown>): string => (E.isLeft(r) ? r.left.code : 'ok');

describe('prepareOrder', () => {
  it('floors qty to the lot and rounds a buy price down to the tick', () => {
    const r = prepareOrder(BTCUSDT, intent());
    expect(E.isRight(r) && { qty: r.right.qty.toString(), price: r.right.price?.toString() }).toEqual({
      qty: '0.01',
      price: '68613.9',
    });
  });

  it('returns ordinary Decimals, so callers can compare with toEqual', () => {
    const r = prepareOrder(BTCUSDT, intent());
    expect(E.isRight(r) && [r.right.qty, r.right.price]).toEqual([d('0.01'), d('68613.9')]);
  });

  it('rounds a sell price up to the tick (passive direction)', () => {
    const r = prepareOrder(BTCUSDT, intent({ side: 'sell' }));
    expect(E.isRight(r) && r.right.price?.toString()).toBe('68614');
  });

  it('rejects an off-tick price in strict mode, naming field and value', () => {
    const r = prepareOrder(BTCUSDT, intent(), { priceMode: 'strict' });
    expect(r).toEqual(
      E.left({
        _tag: 'OrderRejection',
        code: 'PriceOffTick',
        field: 'price',
        value: '68613.95',
        message: 'price=68613.95: not a multiple of the tick size 0.1',
      }),
    );
  });

  it('rejects an off-lot qty in strict qty mode', () => {
    expect(codeOf(prepareOrder(BTCUSDT, intent(), { qtyMode: 'strict' }))).toBe('QtyOffLot');
  });

  it('rejects qty that rounds under the minimum', () => {
    const r = prepareOrder(BTCUSDT, intent({ qty: d('0.0009') }));
    expect(codeOf(r)).toBe('QtyBelowMinimum');
    expect(E.isLeft(r) && r.left.message).toBe('qty=0.0009: rounds to 0, under the minimum 0.001');
  });

  it('checks min notional exactly: 100 passes, a hair under fails', () => {
    expect(codeOf(prepareOrder(BTCUSDT, intent({ qty: d('0.002'), price: d('50000') })))).toBe('ok');
    expect(codeOf(prepareOrder(BTCUSDT, intent({ qty: d('0.002'), price: d('49999.9') })))).toBe(
      'NotionalBelowMinimum',
    );
  });

  it('checks a market order notional at the reference price, and needs no price', () => {
    const m = intent({ type: 'market', price: null, qty: d('0.001') });
    expect(codeOf(prepareOrder(BTCUSDT, m, { referencePrice: d('68000') }))).toBe('NotionalBelowMinimum');
    expect(codeOf(prepareOrder(BTCUSDT, { ...m, qty: d('0.002') }, { referencePrice: d('68000') }))).toBe(
      'ok',
    );
    expect(codeOf(prepareOrder(BTCUSDT, { ...m, price: d('1') }))).toBe('InvalidOrder');
    expect(codeOf(prepareOrder(BTCUSDT, { ...m, timeInForce: 'PO' }))).toBe('InvalidOrder');
  });

  it('rejects the wrong symbol, a missing limit price, bad ids and non-positive qty', () => {
    expect(codeOf(prepareOrder(BTCUSDT, intent({ symbol: 'ETH/USDT:USDT' })))).toBe('UnknownInstrument');
    expect(codeOf(prepareOrder(BTCUSDT, intent({ price: null })))).toBe('InvalidOrder');
    expect(codeOf(prepareOrder(BTCUSDT, intent({ clientOrderId: 'has-dash' })))).toBe('InvalidOrder');
    expect(codeOf(prepareOrder(BTCUSDT, intent({ clientOrderId: 'x'.repeat(33) })))).toBe('InvalidOrder');
    expect(codeOf(prepareOrder(BTCUSDT, intent({ qty: d('-1') })))).toBe('InvalidOrder');
    expect(codeOf(prepareOrder(BTCUSDT, intent({ qty: d('NaN') })))).toBe('InvalidOrder');
  });

  it('accepts the venue symbol too and maps a rejection to VenueRejected', () => {
    expect(codeOf(prepareOrder(BTCUSDT, intent({ symbol: 'BTCUSDT' })))).toBe('ok');
    const r = findInstrument([BTCUSDT], 'DOGEUSDT');
    expect(E.isLeft(r) && toVenueRejected('sim', 'placeOrder', r.left)).toEqual({
      _tag: 'VenueRejected',
      venue: 'sim',
      op: 'placeOrder',
      code: 'UnknownInstrument',
      message: 'symbol=DOGEUSDT: no such instrument at this venue',
    });
  });
});

describe('rounding properties', () => {
  // Decimals built from integer mantissas and scales, so they are exact by construction.
  const decimal = (maxScale: number) =>
    fc
      .tuple(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 0, max: maxScale }))
      .map(([m, s]) => new Decimal(m.toString()).div(new Decimal(10).pow(s)));

  it('prepareOrder output is always on the grid, never larger, and its notional passes exactly', () => {
    fc.assert(
      fc.property(
        decimal(6),
        decimal(3),
        fc.constantFrom('buy' as const, 'sell' as const),
        (qty, price, side) => {
          const r = prepareOrder(BTCUSDT, intent({ qty, price, side }));
          if (E.isLeft(r))
            return ['QtyBelowMinimum', 'NotionalBelowMinimum', 'InvalidOrder'].includes(r.left.code);
          const o = r.right;
          const p = o.price as Decimal;
          return (
            o.qty.lte(qty) &&
            isOnGrid(o.qty, BTCUSDT.lotSize) &&
            isOnGrid(p, BTCUSDT.tickSize) &&
            (side === 'buy' ? p.lte(price) : p.gte(price)) &&
            p.times(o.qty).gte(BTCUSDT.minNotional)
          );
        },
      ),
    );
  });
});
