/**
 * The ccxt venue adapter: Keel's VenueAdapter port over ccxt's unified API for Binance USD-M,
 * OKX swaps and Hyperliquid perpetuals, live or testnet. One adapter per account.
 *
 * Every ccxt promise is wrapped here with TE.tryCatch and a deadline, and mapped at once to a
 * tagged VenueError (ccxt.errors.ts). Amounts go to ccxt as the decimal strings the gateway
 * rounded; the adapter only checks that ccxt's own precision agrees and refuses to send
 * otherwise (it never rounds). Orders are never retried here: after a timeout or 5xx the
 * outcome is unknown and the gateway must call fetchOrderByClientId first.
 *
 * Client order ids are always passed explicitly, so ccxt generates no broker-prefixed id:
 * Binance `newClientOrderId`, OKX `clOrdId`, Hyperliquid `cloid` (hyperliquid.cloid.ts).
 */
import Decimal from 'decimal.js';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import * as ccxt from 'ccxt';
import type { AccountRead } from '@keel/venue-accounts';
import type {
  FundingPayment,
  Instrument,
  OrderRequest,
  VenueAdapter,
  VenueError,
  VenueOp,
  VenueOrder,
} from '@keel/venue-domain';
import { buildExchange, type CcxtCredentials } from './ccxt.exchange';
import { DeadlineExceeded, toVenueError } from './ccxt.errors';
import {
  dec,
  toBalances,
  toFill,
  toInstrument,
  toPosition,
  toTopOfBook,
  toTradePrint,
  toVenueOrder,
} from './ccxt.mapping';
import { requestWeight, type CcxtVenueId } from './ccxt.weights';
import { toFundingPayments, type CcxtFundingEntry } from './ccxt.funding';
import { CloidBook } from './hyperliquid.cloid';
import { dialectFor } from './ccxt.dialect';

export type { CcxtVenueId } from './ccxt.weights';
export type { CcxtCredentials } from './ccxt.exchange';

export interface CcxtVenueConfig {
  readonly venue: CcxtVenueId;
  readonly accountId: string;
  readonly credentials: CcxtCredentials;
  /** Binance: Demo Trading (demo-fapi.binance.com); OKX: demo trading (x-simulated-trading: 1); Hyperliquid: testnet. */
  readonly testnet: boolean;
  /** Per HTTP request (ccxt's `timeout`); each port call also has a deadline built from it. */
  readonly timeoutMs: number;
  /** Tests only: send every request to this origin (e.g. http://127.0.0.1:PORT). */
  readonly urlOverride?: string;
  /** Markets in ccxt's unified form; when given, loadInstruments makes no request. */
  readonly marketsOverride?: readonly ccxt.MarketInterface[];
  /**
   * OKX unified accounts keep USD-margined (linear, settle USDT/USDC) and coin-margined
   * (inverse, settle in the base coin) swaps in separate sub-accounts, each with its own API
   * key: one adapter per sub-account, and this says which book it trades. Ignored elsewhere.
   */
  readonly okxBook?: 'usd' | 'coin';
  /** Wall clock for answers that carry no venue time. */
  readonly clock?: () => number;
}

const isInverse = (m: ccxt.MarketInterface): boolean => m.inverse === true;

/**
 * Funding history per answer: Binance's income list runs oldest first from `startTime` (up to
 * 1,000); OKX's bills run newest first, 100 at most, so older pages are asked for with
 * `after` (earlier than a bill id) until a short page, up to OKX_FUNDING_PAGES.
 */
const BINANCE_FUNDING_LIMIT = 1000;
const OKX_FUNDING_LIMIT = 100;
const OKX_FUNDING_PAGES = 10;

/** How long a Binance account's margin mode (Multi-Assets or single-asset) is taken as read. */
export const MULTI_ASSETS_TTL_MS = 60_000;

export const createCcxtVenue = (cfg: CcxtVenueConfig): VenueAdapter => {
  const venue = cfg.venue;
  const ex = buildExchange(cfg);
  const now = cfg.clock ?? (() => Date.now());
  const cloids = new CloidBook();
  const dialect = dialectFor(venue, cloids);
  if (cfg.marketsOverride !== undefined) ex.setMarkets(cfg.marketsOverride as ccxt.MarketInterface[]);

  /**
   * venue order id → our client order id, learned from every order answer. Binance's trade
   * list carries no client id: fills take it from here when this process saw the order.
   */
  const clientIds = new Map<string, string>();
  const remember = (o: VenueOrder): VenueOrder => {
    if (o.clientOrderId !== '' && o.venueOrderId !== '' && o.venueOrderId !== 'undefined')
      clientIds.set(o.venueOrderId, o.clientOrderId);
    return o;
  };

  const inBook = (m: ccxt.MarketInterface): boolean =>
    venue !== 'okx' || cfg.okxBook === undefined || (cfg.okxBook === 'coin' ? isInverse(m) : !isInverse(m));

  /** Wraps one ccxt call: deadline, then every failure mapped to a VenueError. */
  const call = <A>(
    op: VenueOp | 'loadMarkets',
    f: () => Promise<A>,
    requests = 1,
  ): TE.TaskEither<VenueError, A> =>
    TE.tryCatch(
      () => {
        const ms = cfg.timeoutMs * requests + 1_000;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DeadlineExceeded(ms)), ms);
        });
        return Promise.race([f(), deadline]).finally(() => clearTimeout(timer));
      },
      toVenueError({
        venue,
        op,
        timeoutMs: cfg.timeoutMs,
        headers: () => ex.last_response_headers as Record<string, unknown> | undefined,
      }),
    );

  // OKX loads markets and, for private calls, nothing else; Binance exchangeInfo; Hyperliquid meta + spotMeta.
  const markets = (): TE.TaskEither<VenueError, Readonly<Record<string, ccxt.MarketInterface | undefined>>> =>
    call('loadInstruments', () => ex.loadMarkets(), 3);

  const marketOf = (op: VenueOp, symbol: string): TE.TaskEither<VenueError, ccxt.MarketInterface> =>
    pipe(
      markets(),
      TE.chain((ms) => {
        const m = ms[symbol];
        return m !== undefined && inBook(m)
          ? TE.right(m)
          : TE.left<VenueError>({
              _tag: 'VenueRejected',
              venue,
              op,
              code: 'UnknownInstrument',
              message: `${symbol} is not traded by this account`,
            });
      }),
    );

  const reject = (
    op: VenueOp,
    code: 'QtyOffLot' | 'PriceOffTick' | 'InvalidOrder',
    message: string,
  ): VenueError => ({
    _tag: 'VenueRejected',
    venue,
    op,
    code,
    message,
  });

  /** The gateway rounded already; if ccxt would round differently, refuse rather than send something else. */
  const checkPrecision = (o: OrderRequest): VenueError | null => {
    // Bad input is refused here, never sent: an id every venue accepts (OKX: ≤ 32
    // alphanumerics), positive finite amounts, a price only where one belongs.
    if (!/^[A-Za-z0-9]{1,32}$/.test(o.clientOrderId))
      return reject(
        'placeOrder',
        'InvalidOrder',
        `client order id "${o.clientOrderId}" is not 1–32 alphanumerics`,
      );
    if (!o.qty.isFinite() || o.qty.lte(0))
      return reject('placeOrder', 'InvalidOrder', `qty ${o.qty.toString()} is not positive`);
    if (o.price !== null && (!o.price.isFinite() || o.price.lte(0)))
      return reject('placeOrder', 'InvalidOrder', `price ${o.price.toString()} is not positive`);
    if (o.type === 'market' && o.price !== null && venue !== 'hyperliquid')
      return reject('placeOrder', 'InvalidOrder', 'a market order carries no price');
    const qty = o.qty.toFixed();
    if (!dec(ex.amountToPrecision(o.symbol, qty)).eq(o.qty))
      return reject('placeOrder', 'QtyOffLot', `qty ${qty} is not on ${o.symbol}'s lot`);
    if (o.type === 'limit') {
      if (o.price === null) return reject('placeOrder', 'InvalidOrder', 'limit order without a price');
      const price = o.price.toFixed();
      if (!dec(ex.priceToPrecision(o.symbol, price)).eq(o.price))
        return reject('placeOrder', 'PriceOffTick', `price ${price} is not on ${o.symbol}'s tick`);
    }
    if (o.type === 'market' && venue === 'hyperliquid') {
      // Hyperliquid has no true market order: ccxt sends an aggressive IOC limit whose price
      // it derives from a price we would have to supply. The gateway sends IOC limits instead.
      return reject(
        'placeOrder',
        'InvalidOrder',
        'hyperliquid: send an IOC limit order with a protective price instead of a market order',
      );
    }
    return null;
  };

  const placeOrder = (o: OrderRequest): TE.TaskEither<VenueError, VenueOrder> =>
    pipe(
      marketOf('placeOrder', o.symbol),
      TE.chain(() => {
        const bad = checkPrecision(o);
        return bad === null ? TE.right(undefined) : TE.left(bad);
      }),
      TE.chain(() =>
        call('placeOrder', () =>
          ex.createOrder(
            o.symbol,
            o.type,
            o.side,
            // ccxt's typings say number; it takes decimal strings and keeps them exact.
            o.qty.toFixed() as unknown as number,
            o.price === null ? undefined : (o.price.toFixed() as unknown as number),
            dialect.placeParams(o),
          ),
        ),
      ),
      TE.map((r) =>
        remember(
          toVenueOrder(r, {
            symbol: o.symbol,
            clientOrderId: o.clientOrderId,
            side: o.side,
            type: o.type,
            qty: o.qty,
            price: o.price,
            status: 'open',
            now: now(),
          }),
        ),
      ),
    );

  const fetchOrderByClientId = (
    symbol: string,
    clientOrderId: string,
  ): TE.TaskEither<VenueError, VenueOrder | null> =>
    pipe(
      marketOf('fetchOrder', symbol),
      TE.chain(() => {
        const q = dialect.byClientId(clientOrderId);
        return pipe(
          call('fetchOrder', () => ex.fetchOrder(q.id as string, symbol, q.params)),
          TE.map((r): VenueOrder | null =>
            r.id === undefined || r.id === null
              ? null
              : remember(toVenueOrder(r, { symbol, clientOrderId, status: 'open', now: now() })),
          ),
          TE.orElse((e) =>
            e._tag === 'VenueRejected' && e.code === 'OrderNotFound' ? TE.right(null) : TE.left(e),
          ),
        );
      }),
    );

  const cancelOrder = (symbol: string, clientOrderId: string): TE.TaskEither<VenueError, VenueOrder> =>
    pipe(
      marketOf('cancelOrder', symbol),
      TE.chain(() => {
        const q = dialect.byClientId(clientOrderId);
        return call('cancelOrder', () => ex.cancelOrder(q.id as string, symbol, q.params));
      }),
      TE.map((r) => remember(toVenueOrder(r, { symbol, clientOrderId, status: 'cancelled', now: now() }))),
    );

  const loadInstruments = (): TE.TaskEither<VenueError, readonly Instrument[]> =>
    pipe(
      markets(),
      TE.map((ms) =>
        Object.values(ms)
          .filter(
            (m): m is ccxt.MarketInterface =>
              m !== undefined && (m.swap === true || m.future === true) && m.active !== false && inBook(m),
          )
          .map((m) => toInstrument(venue, m)),
      ),
    );

  const fundingHistory = async (sinceTs: number): Promise<readonly CcxtFundingEntry[]> => {
    switch (venue) {
      case 'binanceusdm':
        return ex.fetchFundingHistory(undefined, sinceTs, BINANCE_FUNDING_LIMIT);
      case 'okx': {
        // ccxt's okx ignores `since` in the request: `begin` asks the venue for it.
        const all: CcxtFundingEntry[] = [];
        let after: string | undefined;
        for (let page = 0; page < OKX_FUNDING_PAGES; page++) {
          const rows = await ex.fetchFundingHistory(undefined, sinceTs, OKX_FUNDING_LIMIT, {
            begin: String(sinceTs),
            ...(after === undefined ? {} : { after }),
          });
          all.push(...rows);
          const oldest = rows[0]?.id;
          if (rows.length < OKX_FUNDING_LIMIT || oldest === undefined || oldest === after) break;
          after = String(oldest);
        }
        return all;
      }
      case 'hyperliquid':
        return ex.fetchFundingHistory(undefined, sinceTs);
      default: {
        const never: never = venue;
        return never;
      }
    }
  };

  const fetchFunding = (sinceTs: number): TE.TaskEither<VenueError, readonly FundingPayment[]> =>
    pipe(
      markets(),
      TE.chain(() =>
        call('fetchFunding', () => fundingHistory(sinceTs), venue === 'okx' ? OKX_FUNDING_PAGES : 1),
      ),
      TE.chainEitherK((rows) => toFundingPayments(venue, rows)),
      // An entry repeated across OKX pages is one payment.
      TE.map((ps) =>
        ps.filter(
          (p, i) => i === 0 || p.fundingId !== ps[i - 1]?.fundingId || p.symbol !== ps[i - 1]?.symbol,
        ),
      ),
    );

  /**
   * The account's raw bodies, whole, through ccxt's implicit API (signed, error-checked, but
   * not parsed): the venue's account model reads them (@keel/venue-accounts). Asked one after
   * the other, so the requests go out in a fixed order.
   * - binanceusdm: `account` = GET /fapi/v3/account (what ccxt's fetchBalance({type:'swap'})
   *   reads; its positions carry no entry, mark or liquidation price) and `positionRisk` =
   *   GET /fapi/v3/positionRisk (they do), and `multiAssetsMargin` = GET /fapi/v1/multiAssetsMargin
   *   (the account's margin mode; read again after MULTI_ASSETS_TTL_MS).
   * - okx: `balance` = GET /api/v5/account/balance, `positions` = GET /api/v5/account/positions
   *   (every instrument type: the account is one, whatever book this adapter trades).
   * - hyperliquid: `clearinghouseState` (perps margin) and `spotClearinghouseState` (spot
   *   balances: USDC held outside the perps account) for the configured wallet address.
   */
  let multiAssets: { readonly body: unknown; readonly at: number } | null = null;
  const accountBodies = async (): Promise<Record<string, unknown>> => {
    const implicit = ex as unknown as Record<string, (params?: object) => Promise<unknown>>;
    const get = (method: string, params: object = {}): Promise<unknown> => {
      const f = implicit[method];
      if (typeof f !== 'function') throw new Error(`ccxt ${venue} has no ${method}`);
      return f.call(ex, params);
    };
    switch (venue) {
      case 'binanceusdm': {
        const account = await get('fapiPrivateV3GetAccount');
        const positionRisk = await get('fapiPrivateV3GetPositionRisk');
        // The v3 account body does not say whether Multi-Assets mode is on (its totals are then
        // in USD): asked of /fapi/v1/multiAssetsMargin (weight 30) once a minute, not every cycle.
        const at = now();
        if (multiAssets === null || at - multiAssets.at >= MULTI_ASSETS_TTL_MS)
          multiAssets = { body: await get('fapiPrivateGetMultiAssetsMargin'), at };
        return { account, positionRisk, multiAssetsMargin: multiAssets.body };
      }
      case 'okx': {
        const balance = await get('privateGetAccountBalance');
        const positions = await get('privateGetAccountPositions');
        return { balance, positions };
      }
      case 'hyperliquid': {
        const user = cfg.credentials.walletAddress ?? '';
        const clearinghouseState = await get('publicPostInfo', { type: 'clearinghouseState', user });
        const spotClearinghouseState = await get('publicPostInfo', { type: 'spotClearinghouseState', user });
        return { clearinghouseState, spotClearinghouseState };
      }
      default: {
        const never: never = venue;
        return never;
      }
    }
  };

  const fetchAccount = (): TE.TaskEither<VenueError, AccountRead> => {
    if (venue === 'hyperliquid' && (cfg.credentials.walletAddress ?? '') === '')
      return TE.left({
        _tag: 'VenueAuthFailed',
        venue,
        op: 'fetchAccount',
        message: 'hyperliquid: no wallet address configured for the account',
      });
    return pipe(
      TE.fromIO(() => now()),
      TE.chain((sentAt) =>
        pipe(
          call('fetchAccount', accountBodies, 2),
          TE.map((payloads): AccountRead => ({ model: venue, payloads, sentAt, receivedAt: now() })),
        ),
      ),
    );
  };

  const contractSizeOf = (symbol: string): Decimal => {
    const m = ex.markets?.[symbol];
    return new Decimal(String(m?.contractSize ?? 1));
  };

  return {
    venue,
    accountId: cfg.accountId,
    // The port's weight() has no symbol: open orders are charged at the all-symbols weight.
    weight: (op) => requestWeight(venue, op, op === 'fetchOpenOrders'),
    loadInstruments,
    fetchTopOfBook: (symbol) =>
      pipe(
        marketOf('fetchTopOfBook', symbol),
        TE.chain(() => call('fetchTopOfBook', () => ex.fetchOrderBook(symbol, 5))),
        TE.map((ob) => toTopOfBook(symbol, ob, now())),
      ),
    fetchTrades: (symbol, sinceTradeId) =>
      venue === 'hyperliquid'
        ? // ccxt's hyperliquid fetchTrades returns the *account's* fills (userFills): the venue
          // serves public trades only over its websocket, so the gateway must take them there.
          TE.left({
            _tag: 'VenueUnavailable',
            venue,
            op: 'fetchTrades',
            message: 'hyperliquid has no public trades over REST; use the websocket trades feed',
          })
        : pipe(
            marketOf('fetchTrades', symbol),
            TE.chain(() => call('fetchTrades', () => ex.fetchTrades(symbol))),
            TE.map((ts) => {
              const sorted = [...ts]
                .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))
                .map(toTradePrint);
              if (sinceTradeId === null) return sorted;
              const numeric = /^\d+$/.test(sinceTradeId);
              return numeric
                ? sorted.filter((t) => /^\d+$/.test(t.tradeId) && BigInt(t.tradeId) > BigInt(sinceTradeId))
                : sorted.slice(sorted.findIndex((t) => t.tradeId === sinceTradeId) + 1);
            }),
          ),
    fetchBalances: () =>
      pipe(
        markets(),
        TE.chain(() => call('fetchBalances', () => ex.fetchBalance())),
        TE.map(toBalances),
      ),
    fetchPositions: () =>
      pipe(
        markets(),
        TE.chain(() => call('fetchPositions', () => ex.fetchPositions())),
        TE.map((ps) =>
          ps
            .filter((p) => {
              const m = p.symbol === undefined ? undefined : ex.markets?.[p.symbol];
              return m === undefined || inBook(m);
            })
            .map((p) => toPosition(p, contractSizeOf(p.symbol ?? '')))
            .filter((p) => p !== null),
        ),
      ),
    fetchOpenOrders: (symbol) =>
      pipe(
        markets(),
        TE.chain(() => call('fetchOpenOrders', () => ex.fetchOpenOrders(symbol ?? undefined))),
        TE.map((os) =>
          os.map((o) =>
            remember(
              toVenueOrder(o, {
                symbol: o.symbol ?? '',
                clientOrderId: dialect.clientOrderIdOf(o.clientOrderId),
                status: 'open',
                now: now(),
              }),
            ),
          ),
        ),
      ),
    placeOrder,
    cancelOrder,
    fetchOrderByClientId,
    fetchFills: (symbol, sinceTs) =>
      pipe(
        marketOf('fetchFills', symbol),
        TE.chain(() => call('fetchFills', () => ex.fetchMyTrades(symbol, sinceTs))),
        TE.map((ts) =>
          [...ts]
            .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))
            .map((t) =>
              toFill(t, (x) => {
                // Binance's userTrades carry no client id (the gateway joins on venueOrderId);
                // OKX fills carry clOrdId; Hyperliquid fills carry cloid when one was set.
                const info = (x.info ?? {}) as Record<string, unknown>;
                const raw = info['clOrdId'] ?? info['clientOrderId'] ?? info['cloid'];
                if (typeof raw === 'string' && raw !== '') return dialect.clientOrderIdOf(raw);
                return clientIds.get(String(x.order ?? '')) ?? '';
              }),
            ),
        ),
      ),
    fetchFunding,
    fetchAccount,
    close: async () => {
      await ex.close();
    },
  };
};
