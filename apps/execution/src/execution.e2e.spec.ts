/**
 * Execution end to end, every part real: the gateway child process on the venue simulator
 * (recorded 1-second BBO), the execution child process, a real nats-server, the SQLite
 * store and the relay. Targets go in as the optimizer writes them; what comes out is read
 * from the store: the execution streams and the gateway's account stream.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { deriveId, newEvent, RecordedEvent } from '@keel/events';
import { AppChild, AppHarness, isReady, readStream, startAppHarness, waitFor } from '@keel/app-testing';
import {
  execStream,
  INSTRUMENT,
  ofType,
  setTarget,
  spawnExecution,
  spawnSimGateway,
  venueEvents,
} from './test/harness';

const account = 'exe-1';
let h: AppHarness;
let gw: AppChild;
let ex: AppChild;

const logs = (): string =>
  `--- gateway ---\n${gw?.stderr().slice(-4000)}\n--- execution ---\n${ex?.stderr().slice(-4000)}`;

beforeAll(async () => {
  h = await startAppHarness('keel-execution-e2e');
  gw = await spawnSimGateway(h, account);
  await waitFor('gateway ready', () => isReady(gw), 60_000, logs);
  ex = await spawnExecution(h, account);
  await waitFor('execution ready', () => isReady(ex), 60_000, logs);
}, 150_000);

afterAll(async () => {
  for (const c of [ex, gw]) {
    if (c && c.proc.exitCode === null) {
      c.proc.kill('SIGTERM');
      await c.exited;
    }
  }
  await h?.dispose();
});

const stream = execStream(account);
const events = (): Promise<RecordedEvent[]> => readStream(h.store, stream);
const completedOf = async (parentOrderId: string) =>
  ofType(await events(), 'ParentOrderCompleted').find((e) => e.data.parentOrderId === parentOrderId);

/** The venue position of the account by the gateway's last snapshot. */
const venuePosition = async (): Promise<Decimal> => {
  const snaps = ofType(await venueEvents(h.store, account), 'PositionReported');
  const last = snaps[snaps.length - 1];
  return new Decimal(last?.data.positions.find((p) => p.instrument === INSTRUMENT)?.qty ?? '0');
};

it('moves the account to its target with maker-first children, completes by the deadline and reports its quality', async () => {
  const targetId = await setTarget(
    h.store,
    { accountId: account, instrument: INSTRUMENT, targetQty: '0.05', horizonSec: 20, reason: 'e2e buy' },
    'buy-1',
  );
  await waitFor(
    'a parent order for the target',
    async () => ofType(await events(), 'ParentOrderStarted').some((e) => e.data.targetId === targetId),
    30_000,
    logs,
  );
  const started = ofType(await events(), 'ParentOrderStarted').find((e) => e.data.targetId === targetId)!;
  const parentId = started.data.parentOrderId;
  expect(started.data).toMatchObject({ side: 'buy', qty: '0.05', fromPosition: '0', targetPosition: '0.05' });
  expect(started.data.marketAtStart).toBeDefined();
  await waitFor(
    'the parent order completes',
    async () => (await completedOf(parentId)) !== undefined,
    60_000,
    logs,
  );

  const done = (await completedOf(parentId))!;
  expect(done.data.reason).toBe('filled');
  expect(Date.parse(done.occurredAt)).toBeLessThanOrEqual(Date.parse(started.data.deadline));
  const q = done.data.quality!;
  expect(q).toBeDefined();
  expect(new Decimal(q.filledQty).eq('0.05')).toBe(true);
  expect(q.avgPrice).not.toBeNull();
  expect(q.arrivalPrice).toBe(started.data.arrivalMid);
  expect(q.intervalVwap).not.toBeNull();
  expect(q.childOrderCount).toBeGreaterThan(0);
  expect(q.makerShare).toBeGreaterThanOrEqual(0);

  // Every child asked once; every fill the gateway recorded for them counted once, no more.
  const es = await events();
  const children = ofType(es, 'ChildOrderRequested').filter((e) => e.data.parentOrderId === parentId);
  expect(new Set(children.map((c) => c.data.clientOrderId)).size).toBe(children.length);
  const cids = new Set(children.map((c) => c.data.clientOrderId));
  const venueFills = ofType(await venueEvents(h.store, account), 'OrderFilled').filter((f) =>
    cids.has(f.data.clientOrderId),
  );
  const recorded = ofType(es, 'ChildOrderFilled').filter((f) => f.data.parentOrderId === parentId);
  expect(recorded.map((f) => f.data.tradeId).sort()).toEqual(venueFills.map((f) => f.data.tradeId).sort());
  expect(recorded.reduce((a, f) => a.plus(f.data.qty), new Decimal(0)).eq('0.05')).toBe(true);
  await waitFor(
    'the venue position is the target',
    async () => (await venuePosition()).eq('0.05'),
    10_000,
    logs,
  );
}, 120_000);

it('supersedes a running parent order with a new target without double trading', async () => {
  const first = await setTarget(
    h.store,
    { accountId: account, instrument: INSTRUMENT, targetQty: '0.25', horizonSec: 30, reason: 'e2e up' },
    'up-1',
  );
  await waitFor(
    'the first parent order',
    async () => ofType(await events(), 'ParentOrderStarted').some((e) => e.data.targetId === first),
    30_000,
    logs,
  );
  await new Promise((r) => setTimeout(r, 3000));
  const second = await setTarget(
    h.store,
    { accountId: account, instrument: INSTRUMENT, targetQty: '0.02', horizonSec: 20, reason: 'e2e down' },
    'down-1',
  );
  await waitFor(
    'the first superseded',
    async () => ofType(await events(), 'ParentOrderSuperseded').some((e) => e.data.next.targetId === second),
    30_000,
    logs,
  );
  await waitFor(
    'a parent order for the second target',
    async () => ofType(await events(), 'ParentOrderStarted').some((e) => e.data.targetId === second),
    30_000,
    logs,
  );
  const next = ofType(await events(), 'ParentOrderStarted').find((e) => e.data.targetId === second)!;
  await waitFor(
    'the second completes',
    async () => (await completedOf(next.data.parentOrderId)) !== undefined,
    60_000,
    logs,
  );
  expect((await completedOf(next.data.parentOrderId))!.data.reason).toBe('filled');
  // The second started from the position the first really reached: no double trading.
  await waitFor(
    'the venue position is the second target',
    async () => (await venuePosition()).eq('0.02'),
    10_000,
    logs,
  );
}, 150_000);

it('rejects bad targets with a reason naming the field and value, and sends nothing for them', async () => {
  const before = ofType(await venueEvents(h.store, account), 'ChildOrderRequested').length;
  const unknownInstrument = await setTarget(
    h.store,
    { accountId: account, instrument: 'DOGE/USDT:USDT', targetQty: '10', horizonSec: 60, reason: 'bad' },
    'bad-instrument',
  );
  const unknownAccount = await setTarget(
    h.store,
    { accountId: 'nobody', instrument: INSTRUMENT, targetQty: '1', horizonSec: 60, reason: 'bad' },
    'bad-account',
  );
  const past = await setTarget(
    h.store,
    { accountId: account, instrument: INSTRUMENT, targetQty: '0.5', horizonSec: 60, reason: 'stale' },
    'bad-deadline',
    new Date(Date.now() - 3_600_000),
  );
  const rejections = async () => [
    ...ofType(await readStream(h.store, `execution-${account}.DOGE_USDT:USDT`), 'ParentOrderRejected'),
    ...ofType(await readStream(h.store, 'execution-nobody.BTC_USDT:USDT'), 'ParentOrderRejected'),
    ...ofType(await events(), 'ParentOrderRejected'),
  ];
  await waitFor('three rejections', async () => (await rejections()).length >= 3, 30_000, logs);
  const by = new Map((await rejections()).map((r) => [r.data.targetId, r.data]));
  expect(by.get(unknownInstrument)).toMatchObject({
    code: 'NotFoundError',
    field: 'instrument',
    value: 'DOGE/USDT:USDT',
  });
  expect(by.get(unknownAccount)).toMatchObject({ code: 'NotFoundError', field: 'account', value: 'nobody' });
  expect(by.get(past)).toMatchObject({ code: 'ValidationError', field: '/deadline' });
  expect(by.get(past)!.reason).toMatch(/is not after now/);
  // A quantity that is not a decimal never gets into the log: the store refuses it, naming the field.
  const bad = newEvent(
    'TargetPositionSet',
    deriveId('test-target', 'nan'),
    { accountId: account, instrument: INSTRUMENT, targetQty: 'abc', horizonSec: 60, reason: 'bad' },
    {
      correlationId: 'nan',
      causationId: null,
      producer: 'optimizer',
      occurredAt: new Date().toISOString(),
    },
  );
  expect(E.isLeft(bad) && bad.left.path).toBe('/data/targetQty');
  // Nothing was sent for any of them.
  await new Promise((r) => setTimeout(r, 1000));
  expect(ofType(await venueEvents(h.store, account), 'ChildOrderRequested').length).toBe(before);
}, 60_000);

it('pauses every parent order of the account within a second of the kill switch, and resumes on release', async () => {
  const t = await setTarget(
    h.store,
    { accountId: account, instrument: INSTRUMENT, targetQty: '-0.2', horizonSec: 30, reason: 'e2e sell' },
    'sell-1',
  );
  await waitFor(
    'a parent order',
    async () => ofType(await events(), 'ParentOrderStarted').some((e) => e.data.targetId === t),
    30_000,
    logs,
  );
  const parentId = ofType(await events(), 'ParentOrderStarted').find((e) => e.data.targetId === t)!.data
    .parentOrderId;
  const kill = (type: 'KillSwitchEngaged' | 'KillSwitchReleased') => {
    const e = newEvent(
      type,
      deriveId('test-kill', type, parentId),
      { scope: 'account', accountId: account, reason: 'e2e' },
      {
        correlationId: 'kill',
        causationId: null,
        producer: 'cli',
        occurredAt: new Date().toISOString(),
      },
    );
    if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
    return h.store.append('control-kill-switch', [e.right], 'any')();
  };
  const engagedAt = Date.now();
  await kill('KillSwitchEngaged');
  await waitFor(
    'paused',
    async () =>
      ofType(await events(), 'ParentOrderPaused').some(
        (e) => e.data.parentOrderId === parentId && e.data.reason === 'killSwitch',
      ),
    10_000,
    logs,
  );
  expect(Date.now() - engagedAt).toBeLessThan(2000);
  const pausedAt = Date.parse(
    ofType(await events(), 'ParentOrderPaused').find((e) => e.data.parentOrderId === parentId)!.occurredAt,
  );
  await new Promise((r) => setTimeout(r, 1500));
  // While paused: no new child order for the parent.
  expect(
    ofType(await events(), 'ChildOrderRequested').filter(
      (e) => e.data.parentOrderId === parentId && Date.parse(e.occurredAt) > pausedAt,
    ),
  ).toEqual([]);
  await kill('KillSwitchReleased');
  await waitFor(
    'resumed',
    async () => ofType(await events(), 'ParentOrderResumed').some((e) => e.data.parentOrderId === parentId),
    10_000,
    logs,
  );
  await waitFor('completed', async () => (await completedOf(parentId)) !== undefined, 90_000, logs);
  expect((await completedOf(parentId))!.data.reason).toBe('filled');
}, 150_000);
