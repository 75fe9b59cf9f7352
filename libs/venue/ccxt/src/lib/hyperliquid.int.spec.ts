/**
 * Hyperliquid perpetuals (testnet) through real ccxt against a local stand-in serving recorded
 * payloads (test-data/hyperliquid). The server recovers the signer of every /exchange action
 * from its EIP-712 signature (testing/signatures.ts) and checks it is the account's wallet.
 */
import Decimal from 'decimal.js';
import type { OrderRequest, VenueAdapter } from '@keel/venue-domain';
import { createCcxtVenue } from './ccxt.adapter';
import { toCloid } from './hyperliquid.cloid';
import {
  recorded,
  recordedError,
  startFakeVenue,
  type FakeVenue,
  type Handler,
  type Reply,
  type SeenRequest,
} from '../testing/fake-venue.server';
import { addressOfPrivateKey, hyperliquidVerifier } from '../testing/signatures';
import { left, right } from '../testing/either.expect';

// Hardhat/Anvil's first development key: public knowledge, never funded anywhere that matters.
const PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const V = 'hyperliquid';
const ID = 'k3el7f3a9c0d2b4e6f8a1c3e5d7b9f0a';

type Json = Record<string, unknown>;
const bodyOf = (r: SeenRequest): Json => JSON.parse(r.body) as Json;
const actionOf = (r: SeenRequest): Json => bodyOf(r)['action'] as Json;

const order = (over: Partial<OrderRequest> = {}): OrderRequest => ({
  symbol: 'BTC/USDC:USDC',
  clientOrderId: ID,
  side: 'buy',
  type: 'limit',
  qty: new Decimal('0.01'),
  price: new Decimal('51900'),
  timeInForce: 'GTC',
  reduceOnly: false,
  ...over,
});

describe('ccxt adapter — Hyperliquid (testnet)', () => {
  let server: FakeVenue;
  let venue: VenueAdapter;
  const TIMEOUT_MS = 800;
  const info = new Map<string, Handler>();
  const infoOnce = new Map<string, Handler>();

  const exchanges = (): SeenRequest[] =>
    server.requests.filter((r) => r.method === 'POST' && r.path === '/exchange');
  const orders = (): SeenRequest[] => exchanges().filter((r) => actionOf(r)['type'] === 'order');

  beforeAll(async () => {
    server = await startFakeVenue(hyperliquidVerifier(WALLET, { testnet: true }));
    info.set('metaAndAssetCtxs', () => ({ body: recorded(V, 'meta-and-asset-ctxs') }));
    info.set('orderStatus', (r) => {
      const body = recorded<{ order: { order: Json } }>(V, 'order-status');
      body.order.order['cloid'] = bodyOf(r)['oid'];
      return { body };
    });
    info.set('clearinghouseState', () => ({ body: recorded(V, 'clearinghouse-state') }));
    info.set('frontendOpenOrders', () => ({ body: recorded(V, 'frontend-open-orders') }));
    info.set('l2Book', () => ({ body: recorded(V, 'l2-book') }));
    info.set('userFillsByTime', () => {
      const body = recorded<Json[]>(V, 'user-fills-by-time');
      for (const f of body) f['cloid'] = toCloid(ID);
      return { body };
    });
    server.on('POST', '/info', (r): Reply => {
      const type = String(bodyOf(r)['type']);
      const h = infoOnce.get(type) ?? info.get(type);
      infoOnce.delete(type);
      return h === undefined ? { status: 422, body: `no recorded info "${type}"` } : h(r);
    });
    server.on('POST', '/exchange', (r): Reply => {
      const type = actionOf(r)['type'];
      if (type === 'order') return { body: recorded(V, 'exchange-order-resting') };
      if (type === 'cancelByCloid') return { body: recorded(V, 'exchange-cancel-success') };
      return { status: 422, body: `unexpected action ${String(type)}` };
    });
    venue = createCcxtVenue({
      venue: 'hyperliquid',
      accountId: 'hl-main',
      credentials: { walletAddress: WALLET, privateKey: PRIVATE_KEY },
      testnet: true,
      timeoutMs: TIMEOUT_MS,
      urlOverride: server.url,
    });
  });

  afterEach(() => {
    const failures = server.signatureFailures.splice(0);
    const unrouted = server.unrouted.splice(0);
    expect(failures).toEqual([]);
    expect(unrouted).toEqual([]);
    // Only orders and cancels by cloid: no approveBuilderFee, no setReferrer, ever.
    expect(
      exchanges()
        .map((r) => actionOf(r)['type'])
        .filter((t) => t !== 'order' && t !== 'cancelByCloid'),
    ).toEqual([]);
  });

  afterAll(async () => {
    await venue.close();
    await server.close();
  });

  it('the test wallet is the address of the test key', () => {
    expect(addressOfPrivateKey(PRIVATE_KEY)).toBe(WALLET.toLowerCase());
  });

  it('derives cloids deterministically', () => {
    expect(toCloid('0123456789abcdefABCDEF0123456789')).toBe('0x0123456789abcdefabcdef0123456789');
    expect(toCloid(ID)).toMatch(/^0x[0-9a-f]{32}$/);
    expect(toCloid(ID)).toBe(toCloid(ID));
    expect(toCloid(ID)).not.toBe(toCloid(`${ID.slice(0, -1)}b`));
  });

  it('loads perpetuals from metaAndAssetCtxs', async () => {
    const instruments = right(await venue.loadInstruments()());
    expect(instruments.map((i) => [i.symbol, i.venueSymbol, i.settle, i.lotSize.toString()])).toEqual([
      ['BTC/USDC:USDC', '0', 'USDC', '0.00001'],
      ['ETH/USDC:USDC', '1', 'USDC', '0.0001'],
    ]);
  });

  it('places a signed order carrying our cloid and no builder fee', async () => {
    const placed = right(await venue.placeOrder(order())());
    expect(orders()).toHaveLength(1);
    const action = actionOf(orders()[0] as SeenRequest);
    expect(action).not.toHaveProperty('builder');
    expect(action['grouping']).toBe('na');
    expect(action['orders']).toEqual([
      { a: 0, b: true, p: '51900', s: '0.01', r: false, t: { limit: { tif: 'Gtc' } }, c: toCloid(ID) },
    ]);
    expect(placed).toMatchObject({
      clientOrderId: ID,
      venueOrderId: '77738308',
      status: 'open',
      side: 'buy',
    });
    expect(placed.qty.toString()).toBe('0.01');
  });

  it('sends post-only as Alo and IOC as Ioc; refuses a market order without sending it', async () => {
    right(
      await venue.placeOrder(
        order({ clientOrderId: 'k3elpostonly0000000000000000001', timeInForce: 'PO' }),
      )(),
    );
    right(
      await venue.placeOrder(
        order({ clientOrderId: 'k3elioc000000000000000000000001', timeInForce: 'IOC', reduceOnly: true }),
      )(),
    );
    const [po, ioc] = orders()
      .slice(-2)
      .map((r) => (actionOf(r)['orders'] as Json[])[0]);
    expect(po).toMatchObject({ t: { limit: { tif: 'Alo' } } });
    expect(ioc).toMatchObject({ t: { limit: { tif: 'Ioc' } }, r: true });
    const before = orders().length;
    expect(left(await venue.placeOrder(order({ type: 'market', price: null }))())).toMatchObject({
      _tag: 'VenueRejected',
      code: 'InvalidOrder',
    });
    expect(orders()).toHaveLength(before);
  });

  it('looks an order up by cloid, and answers null for an unknown one', async () => {
    const found = right(await venue.fetchOrderByClientId('BTC/USDC:USDC', ID)());
    const q = server.requests
      .filter((r) => r.path === '/info' && bodyOf(r)['type'] === 'orderStatus')
      .at(-1) as SeenRequest;
    expect(bodyOf(q)).toMatchObject({ oid: toCloid(ID), user: WALLET });
    expect(found).toMatchObject({ clientOrderId: ID, venueOrderId: '77738308', status: 'partiallyFilled' });
    expect([found?.qty.toString(), found?.filledQty.toString()]).toEqual(['0.01', '0.004']);
    infoOnce.set('orderStatus', () => ({ body: recorded(V, 'order-status-unknown') }));
    expect(
      right(await venue.fetchOrderByClientId('BTC/USDC:USDC', 'k3elneverseen000000000000000001')()),
    ).toBeNull();
  });

  it('cancels by cloid', async () => {
    const cancelled = right(await venue.cancelOrder('BTC/USDC:USDC', ID)());
    const c = exchanges()
      .filter((r) => actionOf(r)['type'] === 'cancelByCloid')
      .at(-1) as SeenRequest;
    expect(actionOf(c)).toEqual({ type: 'cancelByCloid', cancels: [{ asset: 0, cloid: toCloid(ID) }] });
    expect(cancelled).toMatchObject({ clientOrderId: ID, status: 'cancelled' });
  });

  it('reads balances and signed positions', async () => {
    const usdc = right(await venue.fetchBalances()()).find((b) => b.asset === 'USDC');
    expect([usdc?.total.toString(), usdc?.free.toString()]).toEqual(['10021.95', '9831.14']);
    const positions = right(await venue.fetchPositions()());
    expect(positions.map((p) => [p.symbol, p.qty.toString(), p.entryPrice?.toString()])).toEqual([
      ['BTC/USDC:USDC', '0.01', '51930'],
      ['ETH/USDC:USDC', '-0.5', '2780'],
    ]);
  });

  it('lists open orders (mapping cloids back), reads the book and fills', async () => {
    const open = right(await venue.fetchOpenOrders(null)());
    expect(open.map((o) => [o.clientOrderId, o.symbol, o.status])).toEqual([
      ['6b33656c000000000000000000000001', 'BTC/USDC:USDC', 'open'],
    ]);
    const top = right(await venue.fetchTopOfBook('BTC/USDC:USDC')());
    expect([top.bidPrice.toString(), top.askPrice.toString()]).toEqual(['51950', '51951']);
    const fills = right(await venue.fetchFills('BTC/USDC:USDC', 1707977800000)());
    expect(fills[0]).toMatchObject({
      clientOrderId: ID,
      tradeId: '118906512037719',
      venueOrderId: '77738308',
      liquidity: 'maker',
      feeAsset: 'USDC',
    });
  });

  it('has no public trades over REST, and says so', async () => {
    expect(left(await venue.fetchTrades('BTC/USDC:USDC', null)())).toMatchObject({
      _tag: 'VenueUnavailable',
      op: 'fetchTrades',
    });
  });

  describe('errors', () => {
    it('maps a margin error to InsufficientBalance and an ALO rejection to PostOnlyWouldCross', async () => {
      server.once('POST', '/exchange', () => ({ body: recorded(V, 'exchange-order-insufficient') }));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elinsufficient000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRejected',
        code: 'InsufficientBalance',
      });
      server.once('POST', '/exchange', () => ({ body: recorded(V, 'exchange-order-post-only') }));
      expect(
        left(
          await venue.placeOrder(
            order({ clientOrderId: 'k3elpo00000000000000000000000002', timeInForce: 'PO' }),
          )(),
        ),
      ).toMatchObject({
        _tag: 'VenueRejected',
        code: 'PostOnlyWouldCross',
      });
    });

    it('maps 429 to VenueRateLimited', async () => {
      server.once('POST', '/exchange', () =>
        recordedError(V, 'error-429', { 'content-type': 'text/plain', 'Retry-After': '3' }),
      );
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elratelimited000000000000001' }))()),
      ).toMatchObject({
        _tag: 'VenueRateLimited',
        retryAfterMs: 3000,
      });
    });

    it('maps a 5xx to VenueUnavailable and a silent venue to VenueTimeout, never resending', async () => {
      const before = orders().length;
      server.once('POST', '/exchange', () => recordedError(V, 'error-500', { 'content-type': 'text/html' }));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3elfivehundred000000000000001' }))()),
      ).toMatchObject({ _tag: 'VenueUnavailable' });
      server.once('POST', '/exchange', () => ({
        body: recorded(V, 'exchange-order-resting'),
        delayMs: TIMEOUT_MS * 3,
      }));
      expect(
        left(await venue.placeOrder(order({ clientOrderId: 'k3eltimeout0000000000000000001' }))()),
      ).toMatchObject({ _tag: 'VenueTimeout', ms: TIMEOUT_MS });
      await new Promise((r) => setTimeout(r, TIMEOUT_MS * 3));
      expect(orders()).toHaveLength(before + 2);
    });

    it('maps a signature from an unknown wallet to VenueAuthFailed', async () => {
      const wrong = createCcxtVenue({
        venue: 'hyperliquid',
        accountId: 'hl-main',
        credentials: { walletAddress: WALLET, privateKey: `0x${'11'.repeat(32)}` },
        testnet: true,
        timeoutMs: TIMEOUT_MS,
        urlOverride: server.url,
      });
      const e = left(await wrong.placeOrder(order({ clientOrderId: 'k3elwrongkey00000000000000000001' }))());
      expect(e).toMatchObject({ _tag: 'VenueAuthFailed', op: 'placeOrder' });
      expect(server.signatureFailures.splice(0)).toHaveLength(1);
      await wrong.close();
    });
  });
});
