/** Live and testnet endpoints, and the ccxt defaults the adapter switches off. */
import { buildExchange, type ExchangeConfig } from './ccxt.exchange';

const cfg = (venue: ExchangeConfig['venue'], testnet: boolean): ExchangeConfig => ({
  venue,
  testnet,
  timeoutMs: 5_000,
  credentials: {
    apiKey: 'k',
    secret: 's',
    passphrase: 'p',
    walletAddress: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
    privateKey: `0x${'11'.repeat(32)}`,
  },
});

const api = (venue: ExchangeConfig['venue'], testnet: boolean): Record<string, string> =>
  buildExchange(cfg(venue, testnet)).urls['api'] as unknown as Record<string, string>;

describe('buildExchange', () => {
  it('Binance USD-M: fapi.binance.com live, Demo Trading (demo-fapi.binance.com) for testnet', () => {
    expect(api('binanceusdm', false)['fapiPrivate']).toBe('https://fapi.binance.com/fapi/v1');
    expect(api('binanceusdm', true)['fapiPrivate']).toBe('https://demo-fapi.binance.com/fapi/v1');
    expect(api('binanceusdm', true)['fapiPublic']).toBe('https://demo-fapi.binance.com/fapi/v1');
  });

  it('OKX: www.okx.com both ways; testnet marks requests as simulated trading', () => {
    const live = buildExchange(cfg('okx', false));
    const demo = buildExchange(cfg('okx', true));
    // ccxt keeps the demo header on the exchange and sends it with every request.
    expect(live.headers?.['x-simulated-trading']).toBeUndefined();
    expect(demo.headers?.['x-simulated-trading']).toBe('1');
    expect(live.implodeHostname((live.urls['api'] as unknown as Record<string, string>)['rest'] ?? '')).toBe(
      'https://www.okx.com',
    );
  });

  it('Hyperliquid: api.hyperliquid.xyz live, api.hyperliquid-testnet.xyz for testnet', () => {
    const live = buildExchange(cfg('hyperliquid', false));
    expect(live.implodeHostname(api('hyperliquid', false)['public'] ?? '')).toBe(
      'https://api.hyperliquid.xyz',
    );
    expect(api('hyperliquid', true)['public']).toBe('https://api.hyperliquid-testnet.xyz');
  });

  it('switches off retries, ccxt throttling and (Hyperliquid) the referrer and builder-fee calls', async () => {
    for (const venue of ['binanceusdm', 'okx', 'hyperliquid'] as const) {
      const ex = buildExchange(cfg(venue, false));
      expect(ex.options['maxRetriesOnFailure']).toBe(0);
      expect(ex.enableRateLimit).toBe(false);
      expect(ex.timeout).toBe(5_000);
    }
    const hl = buildExchange(cfg('hyperliquid', false));
    expect(hl.options['approvedBuilderFee']).toBe(false);
    expect(hl.options['builderFee']).toBe(false);
    expect(hl.options['refSet']).toBe(true);
    const extras = hl as unknown as {
      handleBuilderFeeApproval(): Promise<boolean>;
      setRef(): Promise<boolean>;
    };
    await expect(extras.handleBuilderFeeApproval()).resolves.toBe(true);
    await expect(extras.setRef()).resolves.toBe(true);
  });

  it('rewrites every API URL to the override origin, keeping paths', () => {
    const ex = buildExchange({ ...cfg('binanceusdm', false), urlOverride: 'http://127.0.0.1:9' });
    const urls = Object.values(ex.urls['api'] as unknown as Record<string, string>);
    expect(urls.every((u) => u.startsWith('http://127.0.0.1:9/'))).toBe(true);
  });
});
