/**
 * End to end: the gateway app as a child process (simulator in process), a real nats-server,
 * a real SQLite store and the relay. ChildOrderRequested / ChildOrderCancelRequested appended to the
 * store (as execution would) come back as OrderAccepted, OrderFilled and OrderCancelled in
 * `venue-<account>`, each with the command's client order id.
 */
import { RecordedEvent } from '@keel/events';
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

let h: Harness;
let gw: GatewayChild;
const account = 'e2e-1';
const instrument = 'BTC/USDT:USDT';

beforeAll(async () => {
  h = await startHarness('keel-gateway-e2e');
  gw = await spawnGateway(h, { KEEL_ACCOUNT_IDS: account, KEEL_CYCLE_MS: '200' });
  await waitFor(
    'gateway /readyz',
    () => isReady(gw),
    90_000,
    () => gw.stderr(),
  );
  // The recorded tape has trades only: the simulator infers the ask from buy prints, so let one print first.
  await waitFor(
    'a buy print',
    async () =>
      (await readStream(h.store, 'venue-md.binanceusdm-sim')).some(
        (e) => e.type === 'TradePrinted' && (e.data as { side: string }).side === 'buy',
      ),
    30_000,
    () => gw.stderr(),
  );
}, 120_000);

afterAll(async () => {
  if (gw && gw.proc.exitCode === null) gw.proc.kill('SIGKILL');
  await h?.dispose();
});

const venueEvents = (): Promise<RecordedEvent[]> => readStream(h.store, `venue-${account}`);
const of = (events: RecordedEvent[], type: string, cid: string) =>
  events.filter((e) => e.type === type && (e.data as { clientOrderId?: string }).clientOrderId === cid);

it('places a market order: OrderAccepted then OrderFilled with its client order id', async () => {
  const cid = 'e2emkt1';
  let dump = '';
  await requestOrder(h.store, {
    accountId: account,
    instrument,
    parentOrderId: 'p1',
    clientOrderId: cid,
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
  });
  await waitFor(
    'OrderAccepted + OrderFilled',
    async () => {
      const es = await venueEvents();
      dump = JSON.stringify(es.map((e) => [e.type, e.data]));
      return of(es, 'OrderAccepted', cid).length === 1 && of(es, 'OrderFilled', cid).length >= 1;
    },
    60_000,
    () => `${gw.stderr()}\n${dump}`,
  );
  const es = await venueEvents();
  const filled = of(es, 'OrderFilled', cid).reduce((s, e) => s + Number((e.data as { qty: string }).qty), 0);
  expect(filled).toBeCloseTo(0.01, 9);
  expect(of(es, 'OrderAccepted', cid)[0]?.data).toMatchObject({
    accountId: account,
    instrument,
    clientOrderId: cid,
  });
}, 90_000);

it('rests a limit order far from the market, then cancels it: OrderAccepted then OrderCancelled', async () => {
  const cid = 'e2elmt1';
  await requestOrder(h.store, {
    accountId: account,
    instrument,
    parentOrderId: 'p2',
    clientOrderId: cid,
    side: 'buy',
    qty: '0.2',
    orderType: 'limit',
    limitPrice: '1000',
    postOnly: false,
    reduceOnly: false,
    validUntil: null,
    seq: 0,
    kind: 'taker',
    reason: 'slice',
  });
  await waitFor(
    'OrderAccepted',
    async () => of(await venueEvents(), 'OrderAccepted', cid).length === 1,
    60_000,
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
    60_000,
    () => gw.stderr(),
  );
  const es = await venueEvents();
  expect(of(es, 'OrderFilled', cid)).toHaveLength(0);
  expect(of(es, 'OrderCancelled', cid)[0]?.data).toMatchObject({
    accountId: account,
    instrument,
    clientOrderId: cid,
    filledQty: '0',
  });
}, 90_000);

it('rejects an order below the minimum notional: OrderRejected', async () => {
  const cid = 'e2erej1';
  await requestOrder(h.store, {
    accountId: account,
    instrument,
    parentOrderId: 'p3',
    clientOrderId: cid,
    side: 'buy',
    qty: '0.001',
    orderType: 'limit',
    limitPrice: '1000',
    postOnly: false,
    reduceOnly: false,
    validUntil: null,
    seq: 0,
    kind: 'taker',
    reason: 'slice',
  });
  await waitFor(
    'OrderRejected',
    async () => of(await venueEvents(), 'OrderRejected', cid).length === 1,
    60_000,
    () => gw.stderr(),
  );
  expect(of(await venueEvents(), 'OrderAccepted', cid)).toHaveLength(0);
}, 90_000);

it('refuses an order in a CME contract past its delivery cutoff on the order path (delivery guard), sending nothing', async () => {
  const cid = 'e2egcz5';
  // GCZ5 (COMEX gold, Dec 2025, physically settled) stopped trading on 2025-12-29.
  await requestOrder(h.store, {
    accountId: account,
    instrument: 'GCZ5',
    parentOrderId: 'p4',
    clientOrderId: cid,
    side: 'buy',
    qty: '1',
    orderType: 'market',
    limitPrice: null,
    postOnly: false,
    reduceOnly: false,
    validUntil: null,
    seq: 0,
    kind: 'taker',
    reason: 'slice',
  });
  await waitFor(
    'OrderRejected',
    async () => of(await venueEvents(), 'OrderRejected', cid).length === 1,
    60_000,
    () => gw.stderr(),
  );
  expect(of(await venueEvents(), 'OrderRejected', cid)[0]?.data).toMatchObject({
    code: 'DeliveryCutoff',
    reason: expect.stringMatching(/GCZ5 stopped trading/),
  });
}, 90_000);

it('records snapshots and market data from its polling cycle', async () => {
  await waitFor(
    'snapshots and trades',
    async () => {
      const es = await venueEvents();
      const md = await readStream(h.store, 'venue-md.binanceusdm-sim');
      return (
        es.some((e) => e.type === 'BalanceReported') &&
        es.some((e) => e.type === 'PositionReported') &&
        md.some((e) => e.type === 'TradePrinted')
      );
    },
    30_000,
    () => gw.stderr(),
  );
}, 60_000);

it('stops cleanly on SIGTERM', async () => {
  gw.proc.kill('SIGTERM');
  const { code } = await gw.exited;
  expect(code).toBe(0);
}, 30_000);
