/**
 * End to end with real ccxt: the gateway app as a child process trading a Binance USD-M
 * account through ccxt against a stateful stand-in server (@keel/venue-ccxt/testing) that
 * checks every request's HMAC signature; a real nats-server, a real SQLite store and the relay.
 * Commands appended to the store (as execution would) come back as venue events with the
 * command's client order id; a placement whose answer times out is looked up, never resent.
 */
import { RecordedEvent } from '@keel/events';
import { BinanceStandin, recorded, startBinanceStandin } from '@keel/venue-ccxt/testing';
import {
  GatewayChild,
  Harness,
  isReady,
  readStream,
  requestCancel,
  requestOrder,
  spawnGateway,
  startHarness,
  waitFor,
} from './test/harness';

const API_KEY = 'e2eKeyVmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju9';
const SECRET = 'e2eSecretNhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6';
const account = 'bin-e2e';
const instrument = 'BTC/USDT:USDT';
const credentials = { VENUE_BIN_E2E_API_KEY: API_KEY, VENUE_BIN_E2E_SECRET: SECRET };

let h: Harness;
let venue: BinanceStandin;
let gw: GatewayChild;

beforeAll(async () => {
  h = await startHarness('keel-gateway-ccxt-e2e');
  venue = await startBinanceStandin({
    apiKey: API_KEY,
    secret: SECRET,
    // A real account's bodies (ccxt's static tests): the account whole is read from these.
    accountBodies: { account: 'ccxt-account-v3', positionRisk: 'ccxt-position-risk-v3' },
  });
  gw = await spawnGateway(h, {
    KEEL_VENUE: 'binanceusdm',
    KEEL_VENUE_URL: venue.url,
    KEEL_ACCOUNT_IDS: account,
    KEEL_CYCLE_MS: '200',
    KEEL_VENUE_TIMEOUT_MS: '1000',
    KEEL_FUNDING_POLL_MS: '300',
    // BTC is not subscribed: its market data must start with the first order in it.
    KEEL_INSTRUMENTS: 'ETH/USDT:USDT',
    ...credentials,
  });
  await waitFor(
    'gateway /readyz',
    () => isReady(gw),
    90_000,
    () => gw.stderr(),
  );
}, 120_000);

afterAll(async () => {
  if (gw && gw.proc.exitCode === null) gw.proc.kill('SIGKILL');
  await venue?.close();
  await h?.dispose();
});

afterEach(() => {
  // Every request ccxt made was signed correctly and went to an endpoint the stand-in knows
  // (once the key is revoked on purpose, the stand-in's refusals are listed as "revoked").
  expect(venue.server.signatureFailures.splice(0).filter((f) => !f.endsWith(': revoked'))).toEqual([]);
  expect(venue.server.unrouted.splice(0)).toEqual([]);
});

const venueEvents = (): Promise<RecordedEvent[]> => readStream(h.store, `venue-${account}`);
const of = (events: RecordedEvent[], type: string, cid: string) =>
  events.filter((e) => e.type === type && (e.data as { clientOrderId?: string }).clientOrderId === cid);
const order = (clientOrderId: string, over: Partial<Parameters<typeof requestOrder>[1]> = {}) =>
  requestOrder(h.store, {
    accountId: account,
    instrument,
    parentOrderId: `p-${clientOrderId}`,
    clientOrderId,
    side: 'buy',
    qty: '0.01',
    orderType: 'market',
    limitPrice: null,
    postOnly: false,
    reduceOnly: false,
    validUntil: null,
    seq: 0,
    kind: 'taker',
    reason: 'slice',
    ...over,
  });

it('reconciled the account through ccxt before taking commands, and records its snapshots and market data', async () => {
  await waitFor(
    'snapshots, quotes and trades',
    async () => {
      const es = await venueEvents();
      const md = await readStream(h.store, 'venue-md.binanceusdm');
      return (
        es.some((e) => e.type === 'BalanceReported') &&
        es.some((e) => e.type === 'PositionReported') &&
        md.some((e) => e.type === 'QuoteUpdated') &&
        md.some((e) => e.type === 'TradePrinted')
      );
    },
    30_000,
    () => gw.stderr(),
  );
  const paths = venue.server.requests.map((r) => `${r.method} ${r.path}`);
  // Start-up read open orders, positions and balances before anything else was asked of the account.
  expect(paths.slice(0, 5)).toEqual(
    expect.arrayContaining([
      'GET /fapi/v1/exchangeInfo',
      'GET /fapi/v1/openOrders',
      'GET /fapi/v3/account',
      'GET /fapi/v3/positionRisk',
    ]),
  );
  const balance = (await venueEvents()).find((e) => e.type === 'BalanceReported');
  expect(JSON.stringify(balance?.data)).toMatch(/USDT/);
}, 60_000);

it('records the account whole from the captured /fapi/v3/account and /fapi/v3/positionRisk bodies', async () => {
  const whole = (es: RecordedEvent[]) =>
    es.filter((e) => e.type === 'AccountSnapshotReported' || e.type === 'AccountSnapshotRejected');
  await waitFor(
    'AccountSnapshotReported or AccountSnapshotRejected',
    async () => whole(await venueEvents()).length > 0,
    30_000,
    () => gw.stderr(),
  );
  const first = whole(await venueEvents())[0] as RecordedEvent;
  const d = first.data as Record<string, unknown>;
  expect(d).toMatchObject({ accountId: account, venue: 'binanceusdm', model: 'binanceusdm' });
  expect(first.type).toBe('AccountSnapshotReported');
  // The bodies as the venue sent them, and the figures the binanceusdm model read from them.
  expect(d['raw']).toEqual({
    account: recorded('binanceusdm', 'ccxt-account-v3'),
    positionRisk: recorded('binanceusdm', 'ccxt-position-risk-v3'),
    multiAssetsMargin: { multiAssetsMargin: false },
  });
  const balances = d['balances'] as { asset: string; total: string }[];
  expect(balances.find((b) => b.asset === 'USDT')?.total).toBe('3.72964781');
  const positions = d['positions'] as {
    instrument: string | null;
    venueSymbol: string;
    qty: string;
    entryPrice: string | null;
    markPrice: string | null;
  }[];
  expect(positions.map((p) => [p.instrument, p.venueSymbol, p.qty])).toEqual([
    ['BTC/USDT:USDT', 'BTCUSDT', '0.009'],
  ]);
  // Single-asset mode: the figures are USDT, the venue's own totals.
  expect(d).toMatchObject({ currency: 'USDT' });
  const paths = venue.server.requests.map((r) => `${r.method} ${r.path}`);
  expect(paths).toEqual(
    expect.arrayContaining([
      'GET /fapi/v3/account',
      'GET /fapi/v3/positionRisk',
      'GET /fapi/v1/multiAssetsMargin',
    ]),
  );
}, 60_000);

it("records the account's funding payments from the income history once each, however often it asks again", async () => {
  const income = () => venue.server.requests.filter((r) => r.path === '/fapi/v1/income').length;
  await waitFor(
    'FundingPaid, then three more reads of the income history',
    async () => (await venueEvents()).some((e) => e.type === 'FundingPaid') && income() >= 4,
    30_000,
    () => gw.stderr(),
  );
  const paid = (await venueEvents())
    .filter((e) => e.type === 'FundingPaid')
    .map((e) => e.data as { instrument: string; fundingId: string; amount: string; asset: string });
  // income-funding.json, exactly as Binance wrote the amounts (trailing zeros aside), each once.
  expect(paid.map((d) => [d.instrument, d.fundingId, d.amount, d.asset])).toEqual([
    ['BTC/USDT:USDT', '9689322392', '-0.0518432', 'USDT'],
    ['ETH/USDT:USDT', '9689322393', '0.17044725', 'USDT'],
    ['BTC/USDT:USDT', '9689988104', '-0.0519504', 'USDT'],
  ]);
}, 60_000);

it('places a market order: OrderAccepted, then OrderFilled from the account trade list with its fee', async () => {
  const cid = 'k3e2eccxtmkt1';
  await order(cid);
  await waitFor(
    'OrderAccepted + OrderFilled',
    async () => {
      const es = await venueEvents();
      return of(es, 'OrderAccepted', cid).length === 1 && of(es, 'OrderFilled', cid).length === 1;
    },
    30_000,
    () => gw.stderr(),
  );
  const fill = of(await venueEvents(), 'OrderFilled', cid)[0]?.data as {
    qty: string;
    price: string;
    fee: string;
    liquidity: string;
  };
  expect(fill).toMatchObject({ qty: '0.01', price: '51950.4', liquidity: 'taker' });
  // 5 bps of 519.504 USDT, exact.
  expect(fill.fee).toBe('0.259752');
  expect(venue.orders().filter((o) => o.clientOrderId === cid)).toEqual([
    { clientOrderId: cid, status: 'FILLED', executedQty: '0.01' },
  ]);
  // The instrument the account now trades is added to the market data it records.
  await waitFor(
    'BTC quotes',
    async () =>
      (await readStream(h.store, 'venue-md.binanceusdm')).some(
        (e) => e.type === 'QuoteUpdated' && (e.data as { instrument: string }).instrument === instrument,
      ),
    30_000,
    () => gw.stderr(),
  );
}, 60_000);

it('rests a limit order, then cancels it: OrderAccepted then OrderCancelled, no fill', async () => {
  const cid = 'k3e2eccxtlmt1';
  await order(cid, { orderType: 'limit', limitPrice: '50000', postOnly: true });
  await waitFor(
    'OrderAccepted',
    async () => of(await venueEvents(), 'OrderAccepted', cid).length === 1,
    30_000,
    () => gw.stderr(),
  );
  await requestCancel(h.store, {
    accountId: account,
    instrument,
    clientOrderId: cid,
    reason: 'e2e',
    parentOrderId: 'p1',
  });
  await waitFor(
    'OrderCancelled',
    async () => of(await venueEvents(), 'OrderCancelled', cid).length === 1,
    30_000,
    () => gw.stderr(),
  );
  expect(of(await venueEvents(), 'OrderFilled', cid)).toHaveLength(0);
  expect(venue.orders().find((o) => o.clientOrderId === cid)?.status).toBe('CANCELED');
}, 60_000);

it('a placement whose answer times out is looked up by client order id, never sent twice', async () => {
  const cid = 'k3e2eccxtslow1';
  const before = venue.placements();
  venue.placementTimeouts(1, 3_000);
  await order(cid, { orderType: 'limit', limitPrice: '50000', postOnly: true });
  await waitFor(
    'OrderAccepted',
    async () => of(await venueEvents(), 'OrderAccepted', cid).length === 1,
    30_000,
    () => gw.stderr(),
  );
  expect(venue.placements() - before).toBe(1);
  expect(venue.orders().filter((o) => o.clientOrderId === cid)).toHaveLength(1);
  const lookups = venue.server.requests.filter(
    (r) =>
      r.method === 'GET' && r.path === '/fapi/v1/order' && r.rawQuery.includes(`origClientOrderId=${cid}`),
  );
  expect(lookups.length).toBeGreaterThanOrEqual(1);
}, 60_000);

it('rejects an order under the minimum notional before it reaches the venue', async () => {
  const cid = 'k3e2eccxtsmall';
  const before = venue.placements();
  await order(cid, { qty: '0.001', orderType: 'limit', limitPrice: '50000' });
  await waitFor(
    'OrderRejected',
    async () => of(await venueEvents(), 'OrderRejected', cid).length === 1,
    30_000,
    () => gw.stderr(),
  );
  expect(venue.placements()).toBe(before);
}, 60_000);

it('exports its coalescing, rate budget and placement figures on /metrics', async () => {
  const text = await (await fetch(`http://127.0.0.1:${gw.port}/metrics`)).text();
  const value = (series: string): number =>
    Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  const requested = value(`venue_requests{account="${account}",kind="requested",app="gateway"}`);
  const sent = value(`venue_requests{account="${account}",kind="sent",app="gateway"}`);
  expect(sent).toBeGreaterThan(0);
  expect(requested).toBeGreaterThanOrEqual(sent);
  expect(value('gateway_placements_total{outcome="accepted",app="gateway"}')).toBeGreaterThanOrEqual(3);
  expect(text).toMatch(/^venue_budget_tokens\{account="bin-e2e",bucket="0",app="gateway"\} \d/m);
  expect(value(`gateway_account_halted{account="${account}",app="gateway"}`)).toBe(0);
}, 30_000);

it('halts the account when the venue refuses its credentials: OrderRejected, an AccountHalted alert, no further sends', async () => {
  venue.revokeCredentials();
  const cid = 'k3e2eccxtauth1';
  await order(cid, { orderType: 'limit', limitPrice: '50000' });
  await waitFor(
    'OrderRejected + AccountHalted',
    async () => {
      const es = await venueEvents();
      return of(es, 'OrderRejected', cid).length === 1 && es.some((e) => e.type === 'AccountHalted');
    },
    30_000,
    () => gw.stderr(),
  );
  const es = await venueEvents();
  expect(of(es, 'OrderRejected', cid)[0]?.data).toMatchObject({ code: 'VenueAuthFailed' });
  expect(es.find((e) => e.type === 'AccountHalted')?.data).toMatchObject({
    accountId: account,
    venue: 'binanceusdm',
    code: 'VenueAuthFailed',
    clientOrderId: cid,
  });
  // The next order is refused by the gateway itself: it never reaches the venue.
  const before = venue.placements();
  const next = 'k3e2eccxtauth2';
  await order(next, { orderType: 'limit', limitPrice: '50000' });
  await waitFor(
    'second OrderRejected',
    async () => of(await venueEvents(), 'OrderRejected', next).length === 1,
    30_000,
    () => gw.stderr(),
  );
  expect(venue.placements()).toBe(before);
  const text = await (await fetch(`http://127.0.0.1:${gw.port}/metrics`)).text();
  expect(text).toContain(`gateway_account_halted{account="${account}",app="gateway"} 1`);
}, 60_000);

it('stops cleanly on SIGTERM', async () => {
  gw.proc.kill('SIGTERM');
  expect((await gw.exited).code).toBe(0);
}, 30_000);

it('refuses to start without the account credentials, naming the missing variable and no secret', async () => {
  const bad = await spawnGateway(h, {
    KEEL_VENUE: 'binanceusdm',
    KEEL_VENUE_URL: venue.url,
    KEEL_ACCOUNT_IDS: account,
    VENUE_BIN_E2E_API_KEY: API_KEY,
  });
  const { code } = await bad.exited;
  expect(code).toBe(2);
  expect(bad.stderr()).toMatch(/VENUE_BIN_E2E_SECRET/);
  expect(bad.stderr()).not.toContain(API_KEY);
}, 60_000);

it('stops at start-up with exit code 2 when the venue refuses the credentials, instead of retrying for ever', async () => {
  const bad = await spawnGateway(h, {
    KEEL_VENUE: 'binanceusdm',
    KEEL_VENUE_URL: venue.url,
    KEEL_ACCOUNT_IDS: account,
    ...credentials,
  });
  const { code } = await bad.exited;
  expect(code).toBe(2);
  expect(bad.stderr()).toMatch(/refused the credentials of account bin-e2e/);
  expect(bad.stderr()).not.toContain(SECRET);
}, 60_000);
