/**
 * Binance USD-M through real ccxt against a local stand-in serving recorded payloads
 * (test-data/binanceusdm). The server checks every signed request's HMAC and API key.
 */
import Decimal from 'decimal.js';
import * as ccxt from 'ccxt';
import type { OrderRequest, VenueAdapter } from '@keel/venue-domain';
import { createCcxtVenue } from './ccxt.adapter';
import {
  recorded,
  recordedError,
  startFakeVenue,
  type FakeVenue,
  type Reply,
  type SeenRequest,
} from '../testing/fake-venue.server';
import { binanceVerifier } from '../testing/signatures';
import { left, right } from '../testing/either.expect';

const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const V = 'binanceusdm';
const ORDER = '/fapi/v1/order';

const paramsOf = (r: SeenRequest): URLSearchParams =>
  new URLSearchParams(r.method === 'POST' ? r.body : r.rawQuery);

/** Recorded order answer with the request's own identifiers put in. */
const templated =
  (name: string) =>
  (r: SeenRequest): Reply => {
    const p = paramsOf(r);
    const body = recorded<Record<string, unknown>>(V, name);
    body['clientOrderId'] = p.get('newClientOrderId') ?? p.get('origClientOrderId');
    body['symbol'] = p.get('symbol');
    if (p.has('side')) body['side'] = p.get('side');
    if (p.has('quantity')) body['origQty'] = p.get('quantity');
    if (p.has('price')) body['price'] = p.get('price');
    return { body };
  };

const errorReply = (name: string, headers?: Record<string, string>): Reply => recordedError(V, name, headers);

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'BTC/USDT:USDT',
  clientOrderId: 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a',
  side: 'buy',
  type: 'limit',
  qty: new Decimal('0.010'),
  price: new Decimal('51900.0'),
  timeInForce: 'GTC',
  reduceOnly: false,
  ...over,
});

describe('ccxt adapter — Binance USD-M', () => {
  let server: FakeVenue;
  let venue: VenueAdapter;
  const TIMEOUT_MS = 800;

  beforeAll(async () => {
    server = await startFakeVenue(binanceVerifier(API_KEY, SECRET));
    server.on('GET', '/fapi/v1/exchangeInfo', () => ({ body: recorded(V, 'exchange-info') }));
    server.on('POST', ORDER, templated('order-new'));
    server.on('GET', ORDER, templated('order-query'));
    server.on('DELETE', ORDER, templated('order-cancel'));
    server.on('GET', '/fapi/v1/openOrders', () => ({ body: recorded(V, 'open-orders') }));
    server.on('GET', '/fapi/v3/account', () => ({ body: recorded(V, 'account-v3') }));
    server.on('GET', '/fapi/v3/positionRisk', () => ({ body: recorded(V, 'position-risk-v3') }));
    server.on('GET', '/fapi/v1/leverageBracket', () => ({ body: recorded(V, 'leverage-bracket') }));
    server.on('GET', '/fapi/v1/depth', () => ({ body: recorded(V, 'depth') }));
    server.on('GET', '/fapi/v1/aggTrades', () => ({ body: recorded(V, 'agg-trades') }));
    server.on('GET', '/fapi/v1/userTrades', () => ({ body: recorded(V, 'user-trades') }));
    venue = createCcxtVenue({
      venue: 'binanceusdm',
      accountId: 'binance-main',
      credentials: { apiKey: API_KEY, secret: SECRET },
      testnet: false,
      timeoutMs: TIMEOUT_MS,
      urlOverride: server.url,
    });
  });

  afterEach(() => {
    const failures = server.signatureFailures.splice(0);
    const unrouted = server.unrouted.splice(0);
    expect(failures).toEqual([]);
    expect(unrouted).toEqual([]);
  });

  afterAll(async () => {
    await venue.close();
    await server.close();
  });

  it('loads instruments from exchangeInfo, with no signed /sapi calls', async () => {
    const instruments = right(await venue.loadInstruments()());
    const btc = instruments.find((i) => i.symbol === 'BTC/USDT:USDT');
    expect(btc).toMatchObject({
      venue: V,
      venueSymbol: 'BTCUSDT',
      kind: 'perpetual',
      base: 'BTC',
      quote: 'USDT',
      settle: 'USDT',
      expiry: null,
    });
    expect(btc?.tickSize.toString()).toBe('0.1');
    expect(btc?.lotSize.toString()).toBe('0.001');
    expect(btc?.minQty.toString()).toBe('0.001');
    expect(btc?.minNotional.toString()).toBe('100');
    expect(btc?.contractSize.toString()).toBe('1');
    expect(instruments.map((i) => i.venueSymbol).sort()).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(server.requests.map((r) => r.path)).toEqual(['/fapi/v1/exchangeInfo']);
  });

  it('places an order with exactly our client order id (no broker prefix) and the amounts as given', async () => {
    const placed = right(await venue.placeOrder(order())());
    const sent = server.requests.filter((r) => r.method === 'POST' && r.path === ORDER);
    expect(sent).toHaveLength(1);
    const p = paramsOf(sent[0] as SeenRequest);
    expect(p.get('newClientOrderId')).toBe('k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a');
    expect((sent[0] as SeenRequest).body).not.toMatch(/x-xcKtGhcu|x-TKT5PX2F/);
    expect(p.get('symbol')).toBe('BTCUSDT');
    expect(p.get('side')).toBe('BUY');
    expect(p.get('type')).toBe('LIMIT');
    expect(p.get('timeInForce')).toBe('GTC');
    expect(new Decimal(p.get('quantity') ?? 'NaN').eq('0.01')).toBe(true);
    expect(new Decimal(p.get('price') ?? 'NaN').eq('51900')).toBe(true);
    expect(placed).toMatchObject({
      clientOrderId: 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a',
      venueOrderId: '4084710531',
      status: 'open',
      side: 'buy',
      type: 'limit',
    });
    expect(placed.qty.eq('0.01')).toBe(true);
    expect(placed.filledQty.isZero()).toBe(true);
  });

  it('sends post-only as GTX and reduce-only as reduceOnly', async () => {
    right(
      await venue.placeOrder(
        order({ clientOrderId: 'k3elpostonly00000000000000000001', timeInForce: 'PO', reduceOnly: true }),
      )(),
    );
    const last = server.requests.filter((r) => r.method === 'POST' && r.path === ORDER).at(-1) as SeenRequest;
    expect(paramsOf(last).get('timeInForce')).toBe('GTX');
    expect(paramsOf(last).get('reduceOnly')).toBe('true');
  });

  it('looks an order up by client order id', async () => {
    const found = right(
      await venue.fetchOrderByClientId('BTC/USDT:USDT', 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a')(),
    );
    const q = server.requests.filter((r) => r.method === 'GET' && r.path === ORDER).at(-1) as SeenRequest;
    expect(q.query.get('origClientOrderId')).toBe('k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a');
    expect(q.query.has('orderId')).toBe(false);
    expect(found?.status).toBe('partiallyFilled');
    expect(found?.filledQty.toString()).toBe('0.004');
    expect(found?.avgFillPrice?.toString()).toBe('51900');
  });

  it('answers null for a client order id the venue never saw (-2013)', async () => {
    server.once('GET', ORDER, () => errorReply('error-order-not-exist'));
    expect(
      right(await venue.fetchOrderByClientId('BTC/USDT:USDT', 'k3elneverseen0000000000000000000')()),
    ).toBeNull();
  });

  it('cancels by client order id', async () => {
    const cancelled = right(await venue.cancelOrder('BTC/USDT:USDT', 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a')());
    const d = server.requests.filter((r) => r.method === 'DELETE' && r.path === ORDER).at(-1) as SeenRequest;
    expect(d.query.get('origClientOrderId')).toBe('k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a');
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      clientOrderId: 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a',
    });
  });

  it('reads balances and signed positions in base units', async () => {
    const balances = right(await venue.fetchBalances()());
    const usdt = balances.find((b) => b.asset === 'USDT');
    expect(usdt?.total.toString()).toBe('10021.954');
    expect(usdt?.free.toString()).toBe('9996.004');
    const positions = right(await venue.fetchPositions()());
    expect(positions.map((p) => [p.symbol, p.qty.toString(), p.entryPrice?.toString()])).toEqual([
      ['BTC/USDT:USDT', '0.01', '51930'],
      ['ETH/USDT:USDT', '-0.5', '2780'],
    ]);
  });

  it('lists open orders of all symbols', async () => {
    const open = right(await venue.fetchOpenOrders(null)());
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      clientOrderId: 'k3el0rder0000000000000000000001',
      symbol: 'BTC/USDT:USDT',
      status: 'open',
    });
    const q = server.requests.filter((r) => r.path === '/fapi/v1/openOrders').at(-1) as SeenRequest;
    expect(q.query.has('symbol')).toBe(false);
  });

  it('reads top of book, public trades after an id, and fills', async () => {
    const top = right(await venue.fetchTopOfBook('BTC/USDT:USDT')());
    expect([top.bidPrice.toString(), top.askPrice.toString(), top.askQty.toString()]).toEqual([
      '51950.3',
      '51950.4',
      '1.771',
    ]);
    const trades = right(await venue.fetchTrades('BTC/USDT:USDT', '2011872101')());
    expect(trades.map((t) => [t.tradeId, t.side])).toEqual([
      ['2011872102', 'sell'],
      ['2011872103', 'buy'],
    ]);
    const fills = right(await venue.fetchFills('BTC/USDT:USDT', 1707977800000)());
    expect(fills).toHaveLength(1);
    // Binance's trade list has no client id: it comes from the order this adapter last saw
    // with that venue id (the cancel above).
    expect(fills[0]).toMatchObject({
      tradeId: '4610351010',
      venueOrderId: '4084710531',
      clientOrderId: 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a',
      liquidity: 'maker',
      feeAsset: 'USDT',
      side: 'buy',
    });
    expect(fills[0]?.fee.toString()).toBe('0.04152');
  });

  describe('funding payments (GET /fapi/v1/income, FUNDING_FEE)', () => {
    const INCOME = '/fapi/v1/income';

    it('asks for funding fees since a time, signed, and keeps the amounts exact from the raw income', async () => {
      server.on('GET', INCOME, () => ({ body: recorded(V, 'income-funding') }));
      const paid = right(await venue.fetchFunding(1707955200000)());
      const asked = server.requests.filter((r) => r.path === INCOME);
      expect(asked).toHaveLength(1);
      const p = (asked[0] as SeenRequest).query;
      expect(p.get('incomeType')).toBe('FUNDING_FEE');
      expect(p.get('startTime')).toBe('1707955200000');
      expect(p.get('limit')).toBe('1000');
      expect(p.has('signature')).toBe(true);
      expect(paid.map((f) => [f.symbol, f.fundingId, f.amount.toFixed(), f.asset, f.venueAt])).toEqual([
        ['BTC/USDT:USDT', '9689322392', '-0.0518432', 'USDT', 1707955200000],
        ['ETH/USDT:USDT', '9689322393', '0.17044725', 'USDT', 1707955200000],
        ['BTC/USDT:USDT', '9689988104', '-0.0519504', 'USDT', 1707984000000],
      ]);
    });

    it('asking again gives the same payments with the same venue ids (what makes recording idempotent)', async () => {
      server.on('GET', INCOME, () => ({ body: recorded(V, 'income-funding') }));
      const first = right(await venue.fetchFunding(1707955200000)());
      const again = right(await venue.fetchFunding(1707955200000)());
      expect(again.map((f) => f.fundingId)).toEqual(first.map((f) => f.fundingId));
    });

    it('keeps digits a JS number would lose', async () => {
      const body = recorded<Record<string, unknown>[]>(V, 'income-funding').slice(0, 1);
      (body[0] as Record<string, unknown>)['income'] = '-123456789.12345679';
      server.on('GET', INCOME, () => ({ body }));
      const paid = right(await venue.fetchFunding(0)());
      expect(paid[0]?.amount.toFixed()).toBe('-123456789.12345679');
    });

    it('refuses an answer with an amount that is not a decimal, naming the field and the value', async () => {
      const body = recorded<Record<string, unknown>[]>(V, 'income-funding');
      (body[1] as Record<string, unknown>)['income'] = '1e-3';
      server.on('GET', INCOME, () => ({ body }));
      const e = left(await venue.fetchFunding(0)());
      expect(e).toMatchObject({
        _tag: 'VenueMalformed',
        venue: V,
        op: 'fetchFunding',
        path: 'funding[1].income',
        value: '"1e-3"',
      });
    });

    it('declares the income endpoint weight (30)', () => {
      expect(venue.weight('fetchFunding')).toBe(30);
    });
  });

  describe('errors', () => {
    it('maps -2019 to VenueRejected InsufficientBalance', async () => {
      server.once('POST', ORDER, () => errorReply('error-margin-insufficient'));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elinsufficient0000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRejected',
        code: 'InsufficientBalance',
        op: 'placeOrder',
      });
    });

    it('maps -4164 and -1111 to invalid-order rejections', async () => {
      server.once('POST', ORDER, () => errorReply('error-min-notional'));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elminnotional00000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRejected',
        code: 'NotionalBelowMinimum',
      });
      server.once('POST', ORDER, () => errorReply('error-precision'));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elprecision0000000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRejected',
        code: 'InvalidOrder',
      });
    });

    it('refuses, without sending, an amount off the lot or a price off the tick (it never rounds)', async () => {
      const before = server.count('POST', ORDER);
      expect(left(await venue.placeOrder(order({ qty: new Decimal('0.0105') }))())).toMatchObject({
        _tag: 'VenueRejected',
        code: 'QtyOffLot',
      });
      expect(left(await venue.placeOrder(order({ price: new Decimal('51900.05') }))())).toMatchObject({
        _tag: 'VenueRejected',
        code: 'PriceOffTick',
      });
      expect(left(await venue.placeOrder(order({ symbol: 'DOGE/USDT:USDT' }))())).toMatchObject({
        _tag: 'VenueRejected',
        code: 'UnknownInstrument',
      });
      expect(server.count('POST', ORDER)).toBe(before);
    });

    it('refuses bad input without sending it', async () => {
      const before = server.count('POST', ORDER);
      const bad: Partial<OrderRequest>[] = [
        { clientOrderId: 'x-xcKtGhcu-has-dashes' },
        { clientOrderId: 'k'.repeat(33) },
        { clientOrderId: '' },
        { qty: new Decimal(0) },
        { qty: new Decimal(-0.01) },
        { qty: new Decimal(NaN) },
        { price: new Decimal(-1) },
        { price: null },
        { type: 'market', price: new Decimal('51900') },
      ];
      for (const over of bad) {
        expect(left(await venue.placeOrder(order(over))())).toMatchObject({
          _tag: 'VenueRejected',
          code: 'InvalidOrder',
        });
      }
      expect(server.count('POST', ORDER)).toBe(before);
    });

    it('maps 429 to VenueRateLimited with Retry-After', async () => {
      server.once('POST', ORDER, () => errorReply('error-429', { 'Retry-After': '7' }));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elratelimited00000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRateLimited',
        retryAfterMs: 7000,
      });
    });

    it('maps 418 (IP ban) to VenueRateLimited with its Retry-After', async () => {
      server.once('GET', '/fapi/v3/account', () => errorReply('error-418', { 'Retry-After': '120' }));
      expect(left(await venue.fetchBalances()())).toMatchObject({
        _tag: 'VenueRateLimited',
        retryAfterMs: 120_000,
        op: 'fetchBalances',
      });
    });

    it('maps a 502 to VenueUnavailable (outcome unknown) and does not resend the order', async () => {
      const before = server.count('POST', ORDER);
      server.once('POST', ORDER, () => errorReply('error-502', { 'content-type': 'text/html' }));
      const e = left(await venue.placeOrder(order({ clientOrderId: 'k3elfivehundred00000000000000001' }))());
      expect(e).toMatchObject({ _tag: 'VenueUnavailable', op: 'placeOrder' });
      expect(server.count('POST', ORDER)).toBe(before + 1);
    });

    it('maps a 503 -1007 ("execution status unknown") to VenueTimeout and does not resend the order', async () => {
      const before = server.count('POST', ORDER);
      server.once('POST', ORDER, () => errorReply('error-503'));
      const e = left(await venue.placeOrder(order({ clientOrderId: 'k3elfivehundred00000000000000002' }))());
      expect(e).toMatchObject({ _tag: 'VenueTimeout', op: 'placeOrder' });
      expect(server.count('POST', ORDER)).toBe(before + 1);
    });

    it('maps a silent venue to VenueTimeout, never resends, and the order can then be looked up', async () => {
      const id = 'k3eltimeout000000000000000000001';
      const before = server.count('POST', ORDER);
      server.once('POST', ORDER, (r) => ({ ...templated('order-new')(r), delayMs: TIMEOUT_MS * 3 }));
      const e = left(await venue.placeOrder(order({ clientOrderId: id }))());
      expect(e).toMatchObject({ _tag: 'VenueTimeout', op: 'placeOrder', ms: TIMEOUT_MS });
      await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
      expect(server.count('POST', ORDER)).toBe(before + 1);
      const found = right(await venue.fetchOrderByClientId('BTC/USDT:USDT', id)());
      expect(found?.clientOrderId).toBe(id);
      expect(server.count('POST', ORDER)).toBe(before + 1);
    });

    it('maps a refused signature to VenueAuthFailed', async () => {
      const wrong = createCcxtVenue({
        venue: 'binanceusdm',
        accountId: 'binance-main',
        credentials: { apiKey: API_KEY, secret: 'not-the-secret' },
        testnet: false,
        timeoutMs: TIMEOUT_MS,
        urlOverride: server.url,
      });
      expect(left(await wrong.fetchBalances()())).toMatchObject({
        _tag: 'VenueAuthFailed',
        op: 'fetchBalances',
      });
      expect(server.signatureFailures.splice(0)).toHaveLength(1);
      await wrong.close();
    });
  });

  it('declares Binance request weights', () => {
    expect(venue.weight('placeOrder')).toBe(1);
    expect(venue.weight('fetchOpenOrders')).toBe(40);
    expect(venue.weight('fetchBalances')).toBe(5);
    expect(venue.weight('fetchPositions')).toBe(5);
  });
});

describe('ccxt adapter — Binance USD-M with markets given (marketsOverride)', () => {
  it('loads instruments without any request', async () => {
    const raw = recorded<{ symbols: unknown[] }>(V, 'exchange-info').symbols;
    const parser = new ccxt.binanceusdm({ options: { fetchCurrencies: false } });
    const markets = raw
      .map((m) => parser.parseMarket(m as Record<string, unknown>))
      .filter((m): m is ccxt.MarketInterface => m !== undefined);
    const venue = createCcxtVenue({
      venue: 'binanceusdm',
      accountId: 'binance-main',
      credentials: { apiKey: API_KEY, secret: SECRET },
      testnet: false,
      timeoutMs: 500,
      urlOverride: 'http://127.0.0.1:9', // nothing listens there: any request would fail
      marketsOverride: markets,
    });
    const instruments = right(await venue.loadInstruments()());
    expect(instruments.map((i) => [i.venueSymbol, i.tickSize.toString(), i.lotSize.toString()])).toEqual([
      ['BTCUSDT', '0.1', '0.001'],
      ['ETHUSDT', '0.01', '0.001'],
    ]);
    await venue.close();
  });
});
