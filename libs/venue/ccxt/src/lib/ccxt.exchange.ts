/**
 * Builds the ccxt exchange object for one account, with the ccxt defaults Keel must not
 * inherit switched off deliberately (see TOOLCHAIN.md, "ccxt 4.5.x"):
 * - no automatic retries (`maxRetriesOnFailure: 0`): a resent order after a timeout could
 *   double it; the gateway looks the order up by client id instead;
 * - no ccxt throttling: the gateway's token bucket spends `weight(op)`;
 * - Binance: `fetchCurrencies: false` (no signed /sapi calls while loading markets); we always
 *   pass `newClientOrderId`, so ccxt's broker prefix (`x-xcKtGhcu…`) is never generated;
 * - OKX: single-order endpoint (`privatePostTradeOrder`), swaps only; we always pass `clOrdId`
 *   so ccxt adds neither its broker clOrdId nor its `tag`; no private currencies call;
 * - Hyperliquid: no `setReferrer`, no `approveBuilderFee`, and orders carry no `builder`
 *   field at all (not even ccxt's 0 % attribution): see `disableHyperliquidExtras`.
 */
import * as ccxt from 'ccxt';
import type { CcxtVenueId } from './ccxt.weights';

export interface CcxtCredentials {
  /** Binance, OKX. */
  readonly apiKey?: string;
  /** Binance, OKX. */
  readonly secret?: string;
  /** OKX API passphrase. */
  readonly passphrase?: string;
  /** Hyperliquid: the account (or API wallet's master) address. */
  readonly walletAddress?: string;
  /** Hyperliquid: the signing key (an API wallet's key, never the master key). */
  readonly privateKey?: string;
}

export interface ExchangeConfig {
  readonly venue: CcxtVenueId;
  readonly credentials: CcxtCredentials;
  readonly testnet: boolean;
  readonly timeoutMs: number;
  /** Tests: every API base URL is rewritten to this origin, keeping its path. */
  readonly urlOverride?: string;
}

type AnyExchange = ccxt.Exchange;

const rewriteUrls = (api: unknown, origin: string): unknown => {
  if (typeof api === 'string') return api.replace(/^https?:\/\/[^/]+/, origin);
  if (api !== null && typeof api === 'object') {
    return Object.fromEntries(Object.entries(api).map(([k, v]) => [k, rewriteUrls(v, origin)]));
  }
  return api;
};

const optionsFor = (venue: CcxtVenueId): Record<string, unknown> => {
  switch (venue) {
    case 'binanceusdm':
      return {
        fetchCurrencies: false,
        warnOnFetchOpenOrdersWithoutSymbol: false,
        defaultType: 'swap',
        fetchMarkets: { types: ['linear'] },
      };
    case 'okx':
      return {
        createOrder: 'privatePostTradeOrder',
        defaultType: 'swap',
        fetchMarkets: { types: ['swap'] },
      };
    case 'hyperliquid':
      return {
        refSet: true,
        approvedBuilderFee: false,
        builderFee: false,
        // Classic (non-unified) perps margin: balances come from clearinghouseState, and ccxt
        // need not ask `userAbstraction` first.
        enableUnifiedMargin: false,
        defaultType: 'swap',
        fetchMarkets: { types: ['swap'] },
      };
    default: {
      const _never: never = venue;
      return _never;
    }
  }
};

/** Hyperliquid: see the module header. `approvedBuilderFee: false` keeps the `builder` field
 * off orders; replacing the approval step stops ccxt from sending `approveBuilderFee`. */
const disableHyperliquidExtras = (ex: AnyExchange): void => {
  const target = ex as unknown as {
    handleBuilderFeeApproval: () => Promise<boolean>;
    setRef: () => Promise<boolean>;
  };
  target.handleBuilderFeeApproval = async () => true;
  target.setRef = async () => true;
};

export const buildExchange = (cfg: ExchangeConfig): AnyExchange => {
  const c = cfg.credentials;
  const base = {
    apiKey: c.apiKey,
    secret: c.secret,
    password: c.passphrase,
    walletAddress: c.walletAddress,
    privateKey: c.privateKey,
    timeout: cfg.timeoutMs,
    enableRateLimit: false,
    options: { ...optionsFor(cfg.venue), maxRetriesOnFailure: 0 },
  };
  const ex: AnyExchange =
    cfg.venue === 'binanceusdm'
      ? new ccxt.binanceusdm(base)
      : cfg.venue === 'okx'
        ? new ccxt.okx(base)
        : new ccxt.hyperliquid(base);
  if (cfg.testnet) {
    // Binance retired the USD-M futures testnet in favour of Demo Trading (demo-fapi.binance.com);
    // ccxt refuses signed futures calls in sandbox mode. OKX: demo trading (x-simulated-trading:
    // 1, demo API keys). Hyperliquid: api.hyperliquid-testnet.xyz, and signatures use source "b".
    if (cfg.venue === 'binanceusdm')
      (ex as unknown as { enableDemoTrading(on: boolean): void }).enableDemoTrading(true);
    else ex.setSandboxMode(true);
  }
  if (cfg.venue === 'okx' || cfg.venue === 'hyperliquid') ex.has['fetchCurrencies'] = false;
  if (cfg.venue === 'hyperliquid') disableHyperliquidExtras(ex);
  if (cfg.urlOverride !== undefined) {
    const origin = cfg.urlOverride.replace(/\/$/, '');
    ex.urls['api'] = rewriteUrls(ex.urls['api'], origin) as (typeof ex.urls)['api'];
    // OKX and Hyperliquid build URLs from `{hostname}`.
    ex.hostname = origin.replace(/^https?:\/\//, '');
  }
  return ex;
};
