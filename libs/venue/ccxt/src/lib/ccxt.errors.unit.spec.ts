/** ccxt's exception tree → VenueError: the order of the checks is what matters. */
import * as ccxt from 'ccxt';
import {
  DeadlineExceeded,
  MAX_VENUE_MESSAGE,
  toVenueError,
  venueMessage,
  type ErrorContext,
} from './ccxt.errors';

const ctx = (headers?: Record<string, string>): ErrorContext => ({
  venue: 'v',
  op: 'placeOrder',
  timeoutMs: 1234,
  headers: () => headers,
});
const map = (e: unknown, headers?: Record<string, string>) => toVenueError(ctx(headers))(e);

describe('toVenueError', () => {
  it.each([
    ['DDoSProtection', new ccxt.DDoSProtection('binanceusdm 429 Too Many Requests'), 'VenueRateLimited'],
    [
      'RateLimitExceeded (a NetworkError sibling, not a DDoSProtection)',
      new ccxt.RateLimitExceeded('x'),
      'VenueRateLimited',
    ],
    [
      'ExchangeNotAvailable for an HTTP 429 (ccxt OKX)',
      new ccxt.ExchangeNotAvailable('okx POST https://www.okx.com/api/v5/trade/order 429 Too Many Requests'),
      'VenueRateLimited',
    ],
    ['RequestTimeout', new ccxt.RequestTimeout('x'), 'VenueTimeout'],
    ['our own deadline', new DeadlineExceeded(5000), 'VenueTimeout'],
    ['ExchangeNotAvailable', new ccxt.ExchangeNotAvailable('okx 503'), 'VenueUnavailable'],
    ['OnMaintenance', new ccxt.OnMaintenance('x'), 'VenueUnavailable'],
    ['NetworkError', new ccxt.NetworkError('socket hang up'), 'VenueUnavailable'],
    ['AuthenticationError', new ccxt.AuthenticationError('x'), 'VenueAuthFailed'],
    ['PermissionDenied', new ccxt.PermissionDenied('x'), 'VenueAuthFailed'],
    ['InsufficientFunds', new ccxt.InsufficientFunds('x'), 'VenueRejected'],
    [
      'an unclassified ExchangeError',
      new ccxt.ExchangeError('binanceusdm {"code":-9999}'),
      'VenueUnavailable',
    ],
    ['a plain Error', new Error('boom'), 'VenueUnavailable'],
    ['a non-Error', 'boom', 'VenueUnavailable'],
  ])('%s → %s', (_name, e, tag) => {
    expect(map(e)._tag).toBe(tag);
  });

  it('refines reject codes from venue codes and texts', () => {
    const code = (e: unknown) => {
      const r = map(e);
      return r._tag === 'VenueRejected' ? r.code : r._tag;
    };
    expect(
      code(new ccxt.InsufficientFunds('binanceusdm {"code":-2019,"msg":"Margin is insufficient."}')),
    ).toBe('InsufficientBalance');
    expect(code(new ccxt.InvalidOrder('binanceusdm {"code":-4164,"msg":"..."}'))).toBe(
      'NotionalBelowMinimum',
    );
    expect(code(new ccxt.InvalidOrder('binanceusdm {"code":-5022,"msg":"..."}'))).toBe('PostOnlyWouldCross');
    expect(code(new ccxt.OrderImmediatelyFillable('x'))).toBe('PostOnlyWouldCross');
    expect(code(new ccxt.InvalidOrder('okx {"code":"1","data":[{"sCode":"51121"}]}'))).toBe('QtyOffLot');
    expect(
      code(new ccxt.InvalidOrder('hyperliquid Reduce only order would increase position. asset=0')),
    ).toBe('ReduceOnlyWouldIncrease');
    expect(code(new ccxt.OrderNotFound('x'))).toBe('OrderNotFound');
    expect(code(new ccxt.BadSymbol('x'))).toBe('UnknownInstrument');
    expect(code(new ccxt.InvalidOrder('x'))).toBe('InvalidOrder');
  });

  it('reads Retry-After in seconds, case-insensitively, with defaults', () => {
    const after = (e: unknown, h?: Record<string, string>) => {
      const r = map(e, h);
      return r._tag === 'VenueRateLimited' ? r.retryAfterMs : -1;
    };
    expect(after(new ccxt.DDoSProtection('429'), { 'retry-after': '4' })).toBe(4000);
    expect(after(new ccxt.DDoSProtection('429'), { 'Retry-After': '0.5' })).toBe(500);
    expect(after(new ccxt.DDoSProtection('binanceusdm 429'))).toBe(1000);
    expect(after(new ccxt.DDoSProtection('binanceusdm 418 IP banned'))).toBe(120_000);
  });

  it('reports our timeout budget on a ccxt timeout', () => {
    expect(map(new ccxt.RequestTimeout('x'))).toEqual({
      _tag: 'VenueTimeout',
      venue: 'v',
      op: 'placeOrder',
      ms: 1234,
    });
  });

  it('never keeps a request signature or key: ccxt puts the signed URL in its messages', () => {
    const signed =
      'binanceusdm GET https://fapi.binance.com/fapi/v1/order?symbol=BTCUSDT&origClientOrderId=k-1&timestamp=1733300000000&recvWindow=5000&signature=9f2c1e0b7a6d5c4b3a29180f7e6d5c4b3a2918 503 Service Unavailable';
    const e = map(new ccxt.ExchangeNotAvailable(signed));
    const message = e._tag === 'VenueUnavailable' ? e.message : '';
    expect(message).not.toContain('9f2c1e0b7a6d5c4b3a29180f7e6d5c4b3a2918');
    expect(message).toContain('&signature=<redacted> 503');
    expect(message).toContain('symbol=BTCUSDT&origClientOrderId=k-1');
    expect(venueMessage('okx GET https://www.okx.com/x?apiKey=abc&sign=def&x=1')).toBe(
      'okx GET https://www.okx.com/x?apiKey=<redacted>&sign=<redacted>&x=1',
    );
  });

  it('cuts a venue body past the limit with a marker, classifying on the whole text', () => {
    const body = `binanceusdm ${'x'.repeat(5_000)} {"code":-2019,"msg":"Margin is insufficient."}`;
    const e = map(new ccxt.ExchangeError(body));
    expect(e).toMatchObject({ _tag: 'VenueRejected', code: 'InsufficientBalance' });
    const message = e._tag === 'VenueRejected' ? e.message : '';
    expect(message.length).toBeLessThan(MAX_VENUE_MESSAGE + 60);
    expect(message).toMatch(/… \[cut: \d+ more characters\]$/);
    expect(venueMessage('short')).toBe('short');
  });
});
