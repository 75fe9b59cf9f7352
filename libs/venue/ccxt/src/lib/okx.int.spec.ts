/**
 * OKX swaps (demo trading: `testnet: true` → x-simulated-trading: 1) through real ccxt against
 * a local stand-in serving recorded payloads (test-data/okx). The server checks OK-ACCESS-SIGN,
 * the key, the passphrase and the demo header on every private request.
 */
import Decimal from 'decimal.js';
import type { OrderRequest, VenueAdapter } from '@keel/venue-domain';
import { createCcxtVenue, type CcxtVenueConfig } from './ccxt.adapter';
import {
  recorded,
  recordedError,
  startFakeVenue,
  type FakeVenue,
  type Reply,
  type SeenRequest,
} from '../testing/fake-venue.server';
import { okxVerifier } from '../testing/signatures';
import { left, right } from '../testing/either.expect';

const API_KEY = '985d5b66-57ce-40fb-b714-afc0b9787083';
const SECRET = '23F5B4D6E2A1C0F9B8A7D6C5E4F3A2B1';
const PASSPHRASE = 'keel-Passphrase-1';
const V = 'okx';
const ORDER = '/api/v5/trade/order';
const CANCEL = '/api/v5/trade/cancel-order';
const ID = 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a';

type OkxBody = { data: Array<Record<string, unknown>> };

const requestParams = (r: SeenRequest): Record<string, unknown> =>
  r.method === 'POST'
    ? (JSON.parse(r.body) as Record<string, unknown>)
    : Object.fromEntries(r.query.entries());

const templated =
  (name: string) =>
  (r: SeenRequest): Reply => {
    const p = requestParams(r);
    const body = recorded<OkxBody>(V, name);
    for (const d of body.data) {
      d['clOrdId'] = p['clOrdId'];
      if ('instId' in d && p['instId'] !== undefined) d['instId'] = p['instId'];
    }
    return { body };
  };

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'BTC/USDT:USDT',
  clientOrderId: ID,
  side: 'buy',
  type: 'limit',
  qty: new Decimal('1'), // contracts: 1 × ctVal 0.01 BTC
  price: new Decimal('51900'),
  timeInForce: 'GTC',
  reduceOnly: false,
  ...over,
});

describe('ccxt adapter — OKX swaps (demo trading)', () => {
  let server: FakeVenue;
  let venue: VenueAdapter;
  const TIMEOUT_MS = 800;
  const config = (over: Partial<CcxtVenueConfig> = {}): CcxtVenueConfig => ({
    venue: 'okx',
    accountId: 'okx-usd-book',
    credentials: { apiKey: API_KEY, secret: SECRET, passphrase: PASSPHRASE },
    testnet: true,
    timeoutMs: TIMEOUT_MS,
    urlOverride: server.url,
    okxBook: 'usd',
    ...over,
  });

  beforeAll(async () => {
    server = await startFakeVenue(okxVerifier(API_KEY, SECRET, PASSPHRASE, { simulated: true }));
    server.on('GET', '/api/v5/public/instruments', () => ({ body: recorded(V, 'instruments-swap') }));
    server.on('POST', ORDER, templated('order-place'));
    server.on('GET', ORDER, templated('order-details'));
    server.on('POST', CANCEL, templated('cancel-order'));
    server.on('GET', '/api/v5/trade/orders-pending', () => ({ body: recorded(V, 'orders-pending') }));
    server.on('GET', '/api/v5/account/balance', () => ({ body: recorded(V, 'account-balance') }));
    server.on('GET', '/api/v5/account/positions', () => ({ body: recorded(V, 'account-positions') }));
    server.on('GET', '/api/v5/market/books', () => ({ body: recorded(V, 'market-books') }));
    server.on('GET', '/api/v5/market/trades', () => ({ body: recorded(V, 'market-trades') }));
    server.on('GET', '/api/v5/trade/fills-history', () => ({ body: recorded(V, 'trade-fills-history') }));
    venue = createCcxtVenue(config());
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

  it('loads the USD-margined swaps of its book, with contract values', async () => {
    const instruments = right(await venue.loadInstruments()());
    expect(instruments.map((i) => i.venueSymbol).sort()).toEqual(['BTC-USDT-SWAP', 'ETH-USDT-SWAP']);
    const btc = instruments.find((i) => i.venueSymbol === 'BTC-USDT-SWAP');
    expect(btc).toMatchObject({ symbol: 'BTC/USDT:USDT', kind: 'perpetual', settle: 'USDT' });
    expect([btc?.contractSize.toString(), btc?.lotSize.toString(), btc?.tickSize.toString()]).toEqual([
      '0.01',
      '0.01',
      '0.1',
    ]);
    const paths = server.requests.map((r) => `${r.path}?${r.rawQuery}`);
    expect(paths).toEqual(['/api/v5/public/instruments?instType=SWAP']);
  });

  it('places on the single-order endpoint with exactly our clOrdId, no broker tag, size in contracts', async () => {
    const placed = right(await venue.placeOrder(order())());
    expect(server.count('POST', '/api/v5/trade/batch-orders')).toBe(0);
    const sent = server.requests.filter((r) => r.method === 'POST' && r.path === ORDER);
    expect(sent).toHaveLength(1);
    const body = JSON.parse((sent[0] as SeenRequest).body) as Record<string, unknown>;
    expect(body).toEqual({
      instId: 'BTC-USDT-SWAP',
      tdMode: 'cross',
      side: 'buy',
      ordType: 'limit',
      sz: '1',
      px: '51900',
      clOrdId: ID,
    });
    expect(body).not.toHaveProperty('tag');
    expect(placed).toMatchObject({
      clientOrderId: ID,
      venueOrderId: '678893120184279040',
      status: 'open',
      side: 'buy',
      type: 'limit',
    });
    expect(placed.qty.toString()).toBe('1');
  });

  it('sends post-only as ordType post_only and IOC as ioc', async () => {
    right(
      await venue.placeOrder(
        order({ clientOrderId: 'k3elpostonly0000000000000000001', timeInForce: 'PO', reduceOnly: true }),
      )(),
    );
    right(
      await venue.placeOrder(
        order({ clientOrderId: 'k3elioc000000000000000000000001', timeInForce: 'IOC' }),
      )(),
    );
    const [po, ioc] = server.requests
      .filter((r) => r.method === 'POST' && r.path === ORDER)
      .slice(-2)
      .map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(po).toMatchObject({ ordType: 'post_only', reduceOnly: true });
    expect(ioc).toMatchObject({ ordType: 'ioc' });
  });

  it('looks an order up by clOrdId, and answers null for an unknown one (51603)', async () => {
    const found = right(await venue.fetchOrderByClientId('BTC/USDT:USDT', ID)());
    const q = server.requests.filter((r) => r.method === 'GET' && r.path === ORDER).at(-1) as SeenRequest;
    expect(Object.fromEntries(q.query.entries())).toEqual({ instId: 'BTC-USDT-SWAP', clOrdId: ID });
    expect(found).toMatchObject({ status: 'partiallyFilled', clientOrderId: ID });
    expect([found?.qty.toString(), found?.filledQty.toString(), found?.avgFillPrice?.toString()]).toEqual([
      '1',
      '0.4',
      '51900',
    ]);
    server.once('GET', ORDER, () => ({ body: recorded(V, 'order-not-exist') }));
    expect(
      right(await venue.fetchOrderByClientId('BTC/USDT:USDT', 'k3elneverseen000000000000000001')()),
    ).toBeNull();
  });

  it('cancels by clOrdId', async () => {
    const cancelled = right(await venue.cancelOrder('BTC/USDT:USDT', ID)());
    const c = server.requests.filter((r) => r.path === CANCEL).at(-1) as SeenRequest;
    expect(JSON.parse(c.body)).toEqual({ instId: 'BTC-USDT-SWAP', clOrdId: ID });
    expect(cancelled).toMatchObject({
      status: 'cancelled',
      clientOrderId: ID,
      venueOrderId: '678893120184279040',
    });
  });

  it('reads balances, and positions converted from contracts to base units', async () => {
    const usdt = right(await venue.fetchBalances()()).find((b) => b.asset === 'USDT');
    expect([usdt?.total.toString(), usdt?.free.toString()]).toEqual(['10021.954', '9970.024']);
    const positions = right(await venue.fetchPositions()());
    expect(positions.map((p) => [p.symbol, p.qty.toString(), p.entryPrice?.toString()])).toEqual([
      ['BTC/USDT:USDT', '0.01', '51930'],
      ['ETH/USDT:USDT', '-0.5', '2780'],
    ]);
  });

  it('lists open orders, reads the book, trades after an id and fills with their clOrdId', async () => {
    const open = right(await venue.fetchOpenOrders(null)());
    expect(open.map((o) => [o.clientOrderId, o.symbol, o.status])).toEqual([
      ['k3el0rder0000000000000000000001', 'BTC/USDT:USDT', 'open'],
    ]);
    const top = right(await venue.fetchTopOfBook('BTC/USDT:USDT')());
    expect([top.bidPrice.toString(), top.bidQty.toString(), top.askPrice.toString()]).toEqual([
      '51950.3',
      '384',
      '51950.4',
    ]);
    const trades = right(await venue.fetchTrades('BTC/USDT:USDT', '1289421101')());
    expect(trades.map((t) => t.tradeId)).toEqual(['1289421102', '1289421103']);
    const fills = right(await venue.fetchFills('BTC/USDT:USDT', 1707977800000)());
    expect(fills[0]).toMatchObject({
      clientOrderId: ID,
      tradeId: '1289421110',
      liquidity: 'maker',
      feeAsset: 'USDT',
    });
    expect([fills[0]?.qty.toString(), fills[0]?.fee.toString()]).toEqual(['0.4', '0.04152']);
  });

  it('keeps the coin-margined book apart: a USD-book adapter refuses BTC-USD-SWAP without sending', async () => {
    const before = server.count('POST', ORDER);
    expect(left(await venue.placeOrder(order({ symbol: 'BTC/USD:BTC' }))())).toMatchObject({
      _tag: 'VenueRejected',
      code: 'UnknownInstrument',
    });
    expect(server.count('POST', ORDER)).toBe(before);
    const coin = createCcxtVenue(config({ accountId: 'okx-coin-book', okxBook: 'coin' }));
    const instruments = right(await coin.loadInstruments()());
    expect(instruments.map((i) => [i.venueSymbol, i.settle, i.contractSize.toString()])).toEqual([
      ['BTC-USD-SWAP', 'BTC', '100'],
    ]);
    await coin.close();
  });

  describe('funding payments (GET /api/v5/account/bills-archive, type 8)', () => {
    const BILLS = '/api/v5/account/bills-archive';

    it('asks for funding bills since a time (begin), signed, with the amounts exact from balChg', async () => {
      server.on('GET', BILLS, () => ({ body: recorded(V, 'account-bills-funding') }));
      const paid = right(await venue.fetchFunding(1707955200000)());
      const asked = server.requests.filter((r) => r.path === BILLS);
      expect(asked).toHaveLength(1);
      const q = (asked[0] as SeenRequest).query;
      expect(q.get('type')).toBe('8');
      expect(q.get('begin')).toBe('1707955200000');
      expect(paid.map((f) => [f.symbol, f.fundingId, f.amount.toFixed(), f.asset, f.venueAt])).toEqual([
        ['BTC/USDT:USDT', '691829442617303039', '-0.0518432', 'USDT', 1707955200000],
        ['ETH/USDT:USDT', '691829442617303040', '0.17044725', 'USDT', 1707955200000],
      ]);
    });

    it('pages back with `after` while OKX answers full pages of 100 (newest first), each bill once', async () => {
      const template = recorded<OkxBody>(V, 'account-bills-funding').data[1] as Record<string, unknown>;
      const bill = (n: number) => ({
        ...template,
        billId: `70000000000000${String(n).padStart(4, '0')}`,
        ts: String(1707955200000 + n * 1000),
      });
      const seen = server.requests.length;
      const newest = Array.from({ length: 100 }, (_, i) => bill(150 - i)); // 150 … 51
      const older = Array.from({ length: 50 }, (_, i) => bill(50 - i)); // 50 … 1
      server.on('GET', BILLS, (r) => ({
        body: { code: '0', msg: '', data: r.query.get('after') === '700000000000000051' ? older : newest },
      }));
      const paid = right(await venue.fetchFunding(1707955200000)());
      const asked = server.requests
        .slice(seen)
        .filter((r) => r.path === BILLS)
        .map((r) => r.query.get('after'));
      expect(asked).toEqual([null, '700000000000000051']);
      expect(paid).toHaveLength(150);
      expect(paid[0]?.fundingId).toBe('700000000000000001');
      expect(paid[149]?.fundingId).toBe('700000000000000150');
    });

    it('refuses an answer with an amount that is not a decimal, naming the field and the value', async () => {
      const body = recorded<OkxBody>(V, 'account-bills-funding');
      // ccxt reads ' 0.17' (it trims); a venue amount with a blank is not a decimal to us.
      (body.data[0] as Record<string, unknown>)['balChg'] = ' 0.17';
      server.on('GET', BILLS, () => ({ body }));
      expect(left(await venue.fetchFunding(0)())).toMatchObject({
        _tag: 'VenueMalformed',
        op: 'fetchFunding',
        path: 'funding[0].balChg',
        value: '" 0.17"',
      });
    });
  });

  describe('errors', () => {
    it('maps sCode 51008 to InsufficientBalance and 51121 to QtyOffLot', async () => {
      server.once('POST', ORDER, templated('order-place-insufficient'));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elinsufficient000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRejected',
        code: 'InsufficientBalance',
      });
      server.once('POST', ORDER, templated('order-place-invalid'));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elinvalid00000000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRejected',
        code: 'QtyOffLot',
      });
    });

    it('maps 429 (50011) to VenueRateLimited, honouring Retry-After', async () => {
      server.once('POST', ORDER, () => recordedError(V, 'error-429', { 'Retry-After': '2' }));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elratelimited000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRateLimited',
        retryAfterMs: 2000,
      });
    });

    it('maps a 503 to VenueUnavailable and does not resend', async () => {
      const before = server.count('POST', ORDER);
      server.once('POST', ORDER, () => recordedError(V, 'error-503'));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elfivehundred000000000000001' }))()),
      ).toMatchObject({ _tag: 'VenueUnavailable' });
      expect(server.count('POST', ORDER)).toBe(before + 1);
    });

    it('maps a silent venue to VenueTimeout and never resends', async () => {
      const id = 'k3eltimeout0000000000000000001';
      const before = server.count('POST', ORDER);
      server.once('POST', ORDER, (r) => ({ ...templated('order-place')(r), delayMs: TIMEOUT_MS * 3 }));
      expect(left(await venue.placeOrder(order({ clientOrderId: id }))())).toMatchObject({
        _tag: 'VenueTimeout',
        ms: TIMEOUT_MS,
      });
      await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
      expect(server.count('POST', ORDER)).toBe(before + 1);
      expect(right(await venue.fetchOrderByClientId('BTC/USDT:USDT', id)())?.clientOrderId).toBe(id);
    });

    it('maps a refused signature to VenueAuthFailed', async () => {
      const wrong = createCcxtVenue(
        config({ credentials: { apiKey: API_KEY, secret: 'wrong', passphrase: PASSPHRASE } }),
      );
      expect(left(await wrong.fetchBalances()())).toMatchObject({ _tag: 'VenueAuthFailed' });
      expect(server.signatureFailures.splice(0)).toHaveLength(1);
      await wrong.close();
    });
  });

  it('declares OKX request weights', () => {
    expect(venue.weight('placeOrder')).toBe(1);
    expect(venue.weight('fetchBalances')).toBe(6);
  });
});
