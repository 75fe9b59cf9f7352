/**
 * A stateful Binance USD-M stand-in for end-to-end tests of the gateway app with real ccxt:
 * the fake venue server (signatures checked on every request) answering from the recorded
 * payloads of test-data/binanceusdm, with orders kept in memory so that a placement, its
 * look-up by client order id, the open-orders list, a cancel and the account's trades agree.
 *
 * Market model (enough for the gateway's paths, not a simulator): a market order fills at
 * once at `markPrice`; a limit order fills at once (taker) when it crosses `markPrice`, else
 * rests until cancelled. `placementTimeouts(n)` makes the next n placements take effect at
 * the venue but answer after the client's timeout: the outcome the gateway must look up,
 * never resend.
 *
 * Funding (`GET /fapi/v1/income`): the recorded FUNDING_FEE entries (income-funding.json),
 * TEMPLATED in time only: shifted so the newest is dated when the stand-in started (spacing,
 * ids and amounts as recorded), and filtered by the request's `startTime` as Binance does.
 */
import Decimal from 'decimal.js';
import {
  recorded,
  recordedError,
  startFakeVenue,
  type FakeVenue,
  type Reply,
  type SeenRequest,
} from './fake-venue.server';
import { binanceVerifier } from './signatures';

const V = 'binanceusdm';
const ORDER = '/fapi/v1/order';

interface StandinOrder {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: string;
  readonly timeInForce: string;
  readonly origQty: string;
  readonly price: string;
  status: 'NEW' | 'FILLED' | 'CANCELED';
  executedQty: string;
  avgPrice: string;
  readonly time: number;
  updateTime: number;
}

export interface BinanceStandin {
  readonly server: FakeVenue;
  readonly url: string;
  /** Every order placed at the venue (each client order id at most once: Binance refuses a live duplicate). */
  orders(): readonly {
    readonly clientOrderId: string;
    readonly status: string;
    readonly executedQty: string;
  }[];
  /** How many placement requests reached the venue (including refused duplicates). */
  placements(): number;
  /** From now on the venue refuses the account's API key. */
  revokeCredentials(): void;
  /** The next `n` placements take effect but answer only after `delayMs`. */
  placementTimeouts(n: number, delayMs: number): void;
  close(): Promise<void>;
}

export interface BinanceStandinOptions {
  readonly apiKey: string;
  readonly secret: string;
  readonly markPrice?: string;
  readonly now?: () => number;
  /**
   * The test-data bodies served for GET /fapi/v3/account and /fapi/v3/positionRisk; default
   * the documented examples (`account-v3`, `position-risk-v3`); `ccxt-account-v3` and
   * `ccxt-position-risk-v3` are bodies of a real account that ccxt keeps for its tests.
   */
  readonly accountBodies?: { readonly account: string; readonly positionRisk: string };
  /** What GET /fapi/v1/multiAssetsMargin answers (default false: single-asset mode). */
  readonly multiAssetsMargin?: boolean;
}

export const startBinanceStandin = async (o: BinanceStandinOptions): Promise<BinanceStandin> => {
  const verify = binanceVerifier(o.apiKey, o.secret);
  let revoked = false;
  // A revoked key: every signed request is refused as Binance does (-2015, HTTP 401); listed in signatureFailures as "revoked".
  const server = await startFakeVenue((r) =>
    revoked && r.headers['x-mbx-apikey'] !== undefined
      ? {
          error: 'revoked',
          reply: {
            status: 401,
            body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
          },
        }
      : verify(r),
  );
  const mark = new Decimal(o.markPrice ?? '51950.4');
  const now = o.now ?? (() => Date.now());
  const byClientId = new Map<string, StandinOrder>();
  const trades: Record<string, unknown>[] = [];
  let nextOrderId = 5_000_000_000;
  let nextTradeId = 7_000_000_000;
  let placements = 0;
  let slow: { n: number; delayMs: number } = { n: 0, delayMs: 0 };
  const funding = recorded<Record<string, unknown>[]>(V, 'income-funding');
  const shift = now() - Math.max(...funding.map((f) => Number(f['time'])));
  const incomes = funding.map((f) => ({ ...f, time: Number(f['time']) + shift }));

  const params = (r: SeenRequest): URLSearchParams =>
    new URLSearchParams(r.method === 'GET' || r.method === 'DELETE' ? r.rawQuery : r.body);
  const view = (x: StandinOrder): Record<string, unknown> => ({
    ...recorded<Record<string, unknown>>(V, 'order-new'),
    ...x,
    cumQty: x.executedQty,
    cumQuote: new Decimal(x.executedQty).mul(x.avgPrice).toFixed(),
    origType: x.type,
  });

  const fill = (x: StandinOrder, price: Decimal, maker: boolean): void => {
    x.status = 'FILLED';
    x.executedQty = x.origQty;
    x.avgPrice = price.toFixed();
    x.updateTime = now();
    const quote = price.mul(x.origQty);
    trades.push({
      ...recorded<Record<string, unknown>[]>(V, 'user-trades')[0],
      id: nextTradeId++,
      orderId: x.orderId,
      symbol: x.symbol,
      side: x.side,
      buyer: x.side === 'BUY',
      maker,
      price: price.toFixed(),
      qty: x.origQty,
      quoteQty: quote.toFixed(),
      commission: quote.mul(maker ? '0.0002' : '0.0005').toFixed(8),
      commissionAsset: 'USDT',
      time: now(),
    });
  };

  server.on('GET', '/fapi/v1/exchangeInfo', () => ({ body: recorded(V, 'exchange-info') }));
  const bodies = o.accountBodies ?? { account: 'account-v3', positionRisk: 'position-risk-v3' };
  server.on('GET', '/fapi/v3/account', () => ({ body: recorded(V, bodies.account) }));
  server.on('GET', '/fapi/v3/positionRisk', () => ({ body: recorded(V, bodies.positionRisk) }));
  // The margin mode, as Binance's docs show the answer (no capture of it exists upstream).
  server.on('GET', '/fapi/v1/multiAssetsMargin', () => ({
    body: { multiAssetsMargin: o.multiAssetsMargin ?? false },
  }));
  server.on('GET', '/fapi/v1/leverageBracket', () => ({ body: recorded(V, 'leverage-bracket') }));
  server.on('GET', '/fapi/v1/depth', () => ({ body: recorded(V, 'depth') }));
  server.on('GET', '/fapi/v1/aggTrades', () => ({ body: recorded(V, 'agg-trades') }));
  server.on('GET', '/fapi/v1/openOrders', (r) => {
    const symbol = params(r).get('symbol');
    return {
      body: [...byClientId.values()]
        .filter((x) => x.status === 'NEW' && (symbol === null || x.symbol === symbol))
        .map(view),
    };
  });
  server.on('GET', '/fapi/v1/userTrades', (r) => {
    const p = params(r);
    const since = Number(p.get('startTime') ?? 0);
    return { body: trades.filter((t) => t['symbol'] === p.get('symbol') && Number(t['time']) >= since) };
  });
  server.on('POST', ORDER, (r): Reply => {
    placements++;
    const p = params(r);
    const clientOrderId = p.get('newClientOrderId') ?? '';
    const existing = byClientId.get(clientOrderId);
    // Binance refuses a duplicate client order id while the first order is open (-4116); after that it would accept one: the gateway must never send it.
    if (existing) return { status: 400, body: { code: -4116, msg: 'ClientOrderId is duplicated.' } };
    const x: StandinOrder = {
      orderId: nextOrderId++,
      clientOrderId,
      symbol: p.get('symbol') ?? '',
      side: p.get('side') === 'SELL' ? 'SELL' : 'BUY',
      type: p.get('type') ?? 'LIMIT',
      timeInForce: p.get('timeInForce') ?? 'GTC',
      origQty: p.get('quantity') ?? '0',
      price: p.get('price') ?? '0',
      status: 'NEW',
      executedQty: '0',
      avgPrice: '0',
      time: now(),
      updateTime: now(),
    };
    byClientId.set(clientOrderId, x);
    if (x.type === 'MARKET') fill(x, mark, false);
    else if ((x.side === 'BUY' && mark.lte(x.price)) || (x.side === 'SELL' && mark.gte(x.price))) {
      if (x.timeInForce === 'GTX') x.status = 'CANCELED';
      else fill(x, mark, false);
    }
    const body = view(x);
    if (slow.n > 0) {
      slow = { ...slow, n: slow.n - 1 };
      return { body, delayMs: slow.delayMs };
    }
    return { body };
  });
  server.on('GET', '/fapi/v1/income', (r): Reply => {
    const p = params(r);
    const since = Number(p.get('startTime') ?? 0);
    return { body: incomes.filter((f) => p.get('incomeType') === 'FUNDING_FEE' && f.time >= since) };
  });
  server.on('GET', ORDER, (r): Reply => {
    const p = params(r);
    const cid = p.get('origClientOrderId');
    const x =
      cid !== null
        ? byClientId.get(cid)
        : [...byClientId.values()].find((o) => String(o.orderId) === p.get('orderId'));
    return x ? { body: view(x) } : recordedError(V, 'error-order-not-exist');
  });
  server.on('DELETE', ORDER, (r): Reply => {
    const p = params(r);
    const cid = p.get('origClientOrderId');
    const x =
      cid !== null
        ? byClientId.get(cid)
        : [...byClientId.values()].find((o) => String(o.orderId) === p.get('orderId'));
    if (!x || x.status !== 'NEW') return recordedError(V, 'error-order-not-exist');
    x.status = 'CANCELED';
    x.updateTime = now();
    return { body: view(x) };
  });

  return {
    server,
    url: server.url,
    orders: () =>
      [...byClientId.values()].map((x) => ({
        clientOrderId: x.clientOrderId,
        status: x.status,
        executedQty: x.executedQty,
      })),
    placements: () => placements,
    revokeCredentials: () => {
      revoked = true;
    },
    placementTimeouts: (n, delayMs) => {
      slow = { n, delayMs };
    },
    close: () => server.close(),
  };
};
