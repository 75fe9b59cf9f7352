/**
 * fetchAccount through real ccxt, per venue, against the signed stand-in serving bodies that
 * ccxt keeps from real accounts for its static tests (test-data/<venue>/ccxt-*.json): the
 * exact requests sent, the bodies handed back whole and unparsed, the read timed by the
 * adapter's clock, and the request weight charged for it.
 */
import { createCcxtVenue, type CcxtVenueConfig } from './ccxt.adapter';
import { recorded, startFakeVenue, type FakeVenue, type SeenRequest } from '../testing/fake-venue.server';
import { binanceVerifier, hyperliquidVerifier, okxVerifier } from '../testing/signatures';
import { left, right } from '../testing/either.expect';

const TIMEOUT_MS = 800;

/** A clock that moves 7 ms per reading: the read's start and end are told apart. */
const steppingClock = (start: number) => {
  let t = start - 7;
  return () => (t += 7);
};

const requestsOf = (server: FakeVenue): string[] =>
  server.requests.map((r: SeenRequest) => `${r.method} ${r.path}`);

describe('ccxt adapter — fetchAccount (raw account bodies)', () => {
  describe('binanceusdm', () => {
    const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';
    const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    let server: FakeVenue;
    beforeAll(async () => {
      server = await startFakeVenue(binanceVerifier(API_KEY, SECRET));
      server.on('GET', '/fapi/v3/account', () => ({ body: recorded('binanceusdm', 'ccxt-account-v3') }));
      server.on('GET', '/fapi/v3/positionRisk', () => ({
        body: recorded('binanceusdm', 'ccxt-position-risk-v3'),
      }));
      // Binance's documented answer (no upstream capture of this endpoint exists).
      server.on('GET', '/fapi/v1/multiAssetsMargin', () => ({ body: { multiAssetsMargin: true } }));
    });
    afterAll(() => server.close());

    it('reads /fapi/v3/account, /fapi/v3/positionRisk and the margin mode, signed, and hands the bodies back whole', async () => {
      const venue = createCcxtVenue({
        venue: 'binanceusdm',
        accountId: 'binance-main',
        credentials: { apiKey: API_KEY, secret: SECRET },
        testnet: false,
        timeoutMs: TIMEOUT_MS,
        urlOverride: server.url,
        clock: steppingClock(1_722_161_170_000),
      });
      const read = right(await venue.fetchAccount()());
      expect(requestsOf(server)).toEqual([
        'GET /fapi/v3/account',
        'GET /fapi/v3/positionRisk',
        'GET /fapi/v1/multiAssetsMargin',
      ]);
      for (const r of server.requests)
        expect([...r.query.keys()].sort()).toEqual(['recvWindow', 'signature', 'timestamp']);
      expect(server.signatureFailures).toEqual([]);
      expect(read).toEqual({
        model: 'binanceusdm',
        payloads: {
          account: recorded('binanceusdm', 'ccxt-account-v3'),
          positionRisk: recorded('binanceusdm', 'ccxt-position-risk-v3'),
          multiAssetsMargin: { multiAssetsMargin: true },
        },
        sentAt: 1_722_161_170_000,
        receivedAt: expect.any(Number),
      });
      expect(read.receivedAt).toBeGreaterThan(read.sentAt);
      // The mode is asked again only after MULTI_ASSETS_TTL_MS; the next read reuses its body.
      const again = right(await venue.fetchAccount()());
      expect(requestsOf(server).slice(3)).toEqual(['GET /fapi/v3/account', 'GET /fapi/v3/positionRisk']);
      expect(again.payloads['multiAssetsMargin']).toEqual({ multiAssetsMargin: true });
      expect(venue.weight('fetchAccount')).toBe(11);
      await venue.close();
    });
  });

  describe('okx', () => {
    const API_KEY = '985d5b66-57ce-40fb-b714-afc0b9787083';
    const SECRET = '23F5B4D6E2A1C0F9B8A7D6C5E4F3A2B1';
    const PASSPHRASE = 'keel-Passphrase-1';
    let server: FakeVenue;
    const config = (): CcxtVenueConfig => ({
      venue: 'okx',
      accountId: 'okx-usd-book',
      credentials: { apiKey: API_KEY, secret: SECRET, passphrase: PASSPHRASE },
      testnet: true,
      timeoutMs: TIMEOUT_MS,
      urlOverride: server.url,
      okxBook: 'usd',
      clock: steppingClock(1_706_612_200_000),
    });
    beforeAll(async () => {
      server = await startFakeVenue(okxVerifier(API_KEY, SECRET, PASSPHRASE, { simulated: true }));
      server.on('GET', '/api/v5/account/balance', () => ({ body: recorded('okx', 'ccxt-account-balance') }));
      server.on('GET', '/api/v5/account/positions', () => ({
        body: recorded('okx', 'ccxt-account-positions'),
      }));
    });
    afterAll(() => server.close());

    it('reads account/balance then account/positions with no filter (the whole account), bodies whole', async () => {
      const venue = createCcxtVenue(config());
      const read = right(await venue.fetchAccount()());
      expect(server.requests.map((r) => `${r.method} ${r.path}?${r.rawQuery}`)).toEqual([
        'GET /api/v5/account/balance?',
        'GET /api/v5/account/positions?',
      ]);
      expect(server.requests.every((r) => r.headers['x-simulated-trading'] === '1')).toBe(true);
      expect(server.signatureFailures).toEqual([]);
      expect(read).toEqual({
        model: 'okx',
        payloads: {
          balance: recorded('okx', 'ccxt-account-balance'),
          positions: recorded('okx', 'ccxt-account-positions'),
        },
        sentAt: 1_706_612_200_000,
        receivedAt: 1_706_612_200_007,
      });
      expect(venue.weight('fetchAccount')).toBe(12);
      await venue.close();
    });

    it("a venue error code in the body is the read's VenueError, not a body to model", async () => {
      const venue = createCcxtVenue(config());
      server.once('GET', '/api/v5/account/balance', () => ({
        status: 429,
        body: { code: '50011', data: [], msg: 'Too Many Requests' },
      }));
      expect(left(await venue.fetchAccount()())).toMatchObject({
        _tag: 'VenueRateLimited',
        op: 'fetchAccount',
      });
      await venue.close();
    });
  });

  describe('hyperliquid', () => {
    const PRIVATE_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
    const WALLET = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
    let server: FakeVenue;
    beforeAll(async () => {
      server = await startFakeVenue(hyperliquidVerifier(WALLET, { testnet: true }));
      server.on('POST', '/info', (r) => {
        const type = (JSON.parse(r.body) as { type: string }).type;
        if (type === 'clearinghouseState')
          return { body: recorded('hyperliquid', 'ccxt-clearinghouse-state') };
        if (type === 'spotClearinghouseState')
          return { body: recorded('hyperliquid', 'ccxt-spot-clearinghouse-state') };
        return { status: 422, body: `no recorded info "${type}"` };
      });
    });
    afterAll(() => server.close());

    it('asks /info for clearinghouseState then spotClearinghouseState of the wallet, bodies whole', async () => {
      const venue = createCcxtVenue({
        venue: 'hyperliquid',
        accountId: 'hl-main',
        credentials: { walletAddress: WALLET, privateKey: PRIVATE_KEY },
        testnet: true,
        timeoutMs: TIMEOUT_MS,
        urlOverride: server.url,
        clock: steppingClock(1_729_416_710_000),
      });
      const read = right(await venue.fetchAccount()());
      expect(server.requests.map((r) => [r.method, r.path, JSON.parse(r.body)])).toEqual([
        ['POST', '/info', { type: 'clearinghouseState', user: WALLET }],
        ['POST', '/info', { type: 'spotClearinghouseState', user: WALLET }],
      ]);
      expect(read).toEqual({
        model: 'hyperliquid',
        payloads: {
          clearinghouseState: recorded('hyperliquid', 'ccxt-clearinghouse-state'),
          spotClearinghouseState: recorded('hyperliquid', 'ccxt-spot-clearinghouse-state'),
        },
        sentAt: 1_729_416_710_000,
        receivedAt: 1_729_416_710_007,
      });
      expect(venue.weight('fetchAccount')).toBe(4);
      await venue.close();
    });

    it('without a wallet address there is no account to ask about: refused before any request', async () => {
      const before = server.requests.length;
      const venue = createCcxtVenue({
        venue: 'hyperliquid',
        accountId: 'hl-none',
        credentials: { privateKey: PRIVATE_KEY },
        testnet: true,
        timeoutMs: TIMEOUT_MS,
        urlOverride: server.url,
      });
      expect(left(await venue.fetchAccount()())).toMatchObject({
        _tag: 'VenueAuthFailed',
        op: 'fetchAccount',
      });
      expect(server.requests.length).toBe(before);
      await venue.close();
    });
  });
});
