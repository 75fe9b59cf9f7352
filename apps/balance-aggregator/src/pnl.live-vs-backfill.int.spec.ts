/**
 * Live PnL against the backfill, on real parts: a real nats-server, a real SQLite store and
 * the relay (in this process), the gateway on the simulator (recorded BTCUSDT tape, committed
 * in libs/venue/sim/test-data) and balance-aggregator as child processes, both on an
 * accelerated clock so the session crosses several minutes. The test trades like execution
 * would (ChildOrderRequested: open, add, reduce, flip, close), then stops the apps and
 * replays the log: every PnlUpdated the live app stored equals, field by field, the figure the
 * backfill computes at the same position; `keel replay balance-aggregator|gateway` find the
 * rebuilt states equal to the apps' snapshots; the backfill writes the same bytes twice, and
 * the same again from the PnL archive the balance-aggregator kept beside the store.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as E from 'fp-ts/Either';
import { deriveId, EventData, newEvent, RecordedEvent } from '@keel/events';
import { openRawLogScanner } from '@keel/event-store';
import {
  AppChild,
  AppHarness,
  isReady,
  readStream,
  spawnApp,
  startAppHarness,
  waitFor,
  workspaceRoot,
} from '@keel/app-testing';
import {
  archivePathOf,
  extendPnlArchive,
  openLogSource,
  PnlBackfillOptions,
  PnlBackfillResult,
  runPnlBackfill,
  verifyPnlCheckpoints,
} from '@keel/pnl-replay';

const account = 'pnl-int-1';
const instrument = 'BTC/USDT:USDT';
const clockEnv = {
  KEEL_CLOCK: 'accelerated',
  KEEL_CLOCK_FACTOR: '6',
  KEEL_CLOCK_START: '2026-01-01T00:00:40Z',
};

let h: AppHarness;
let gw: AppChild;
let agg: AppChild;

const all = async (): Promise<RecordedEvent[]> => {
  const r = await h.store.readAll({ after: 0, maxCount: 1_000_000 })();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  return [...r.right.events];
};

const order = async (n: number, side: 'buy' | 'sell', qty: string): Promise<void> => {
  const d: EventData<'ChildOrderRequested'> = {
    accountId: account,
    instrument,
    parentOrderId: 'pnl-p1',
    clientOrderId: `pnlint${n}`,
    side,
    qty,
    orderType: 'market',
    limitPrice: null,
    postOnly: false,
    reduceOnly: false,
    validUntil: null,
    seq: 0,
    kind: 'taker',
    reason: 'slice',
  };
  const e = newEvent('ChildOrderRequested', deriveId('pnl-int-order', n), d, {
    correlationId: `o${n}`,
    causationId: null,
    producer: 'execution',
    occurredAt: new Date().toISOString(),
  });
  if (E.isLeft(e)) throw new Error(JSON.stringify(e.left));
  const r = await h.store.append(`execution-${account}`, [e.right], 'any')();
  if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
  await waitFor(
    `fill of order ${n}`,
    async () =>
      (await readStream(h.store, `venue-${account}`)).some(
        (x) => x.type === 'OrderFilled' && x.data.clientOrderId === d.clientOrderId,
      ),
    60_000,
    () => gw.stderr(),
  );
};

const keel = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'tools/keel/src/main.ts', ...args], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });

beforeAll(async () => {
  h = await startAppHarness('keel-pnl-int');
  [gw, agg] = await Promise.all([
    spawnApp(h, 'gateway', { KEEL_ACCOUNT_IDS: account, KEEL_CYCLE_MS: '1000', ...clockEnv }),
    spawnApp(h, 'balance-aggregator', { KEEL_SNAPSHOT_EVERY: '25', ...clockEnv }),
  ]);
  await waitFor(
    'both apps ready',
    async () => (await isReady(gw)) && (await isReady(agg)),
    120_000,
    () => `${gw.stderr()}\n${agg.stderr()}`,
  );
  await waitFor(
    'quotes',
    async () => (await all()).filter((e) => e.type === 'QuoteUpdated').length >= 3,
    60_000,
    () => gw.stderr(),
  );
}, 180_000);

afterAll(async () => {
  for (const c of [gw, agg]) if (c && c.proc.exitCode === null) c.proc.kill('SIGKILL');
  await h?.dispose();
});

it('a traded session: every live PnlUpdated equals the backfill at its position, to the last decimal', async () => {
  // Open, add, reduce, flip short, close: each fill re-marks the book; quotes in between move the mark.
  const trades: ['buy' | 'sell', string][] = [
    ['buy', '0.01'],
    ['buy', '0.02'],
    ['sell', '0.015'],
    ['sell', '0.03'],
    ['buy', '0.015'],
  ];
  for (const [i, [side, qty]] of trades.entries()) {
    await order(i, side, qty);
    const seen = (await all()).length;
    await waitFor(
      'more quotes',
      async () =>
        (await all()).filter((e) => e.type === 'QuoteUpdated').length > 0 && (await all()).length > seen + 3,
      30_000,
    );
  }
  // Let the session run past another minute of virtual time with an open position.
  await order(9, 'buy', '0.01');
  const t0 = (await all()).at(-1)!.occurredAt;
  await waitFor(
    'a minute of virtual time',
    async () => Date.parse((await all()).at(-1)!.occurredAt) - Date.parse(t0) > 65_000,
    60_000,
  );

  // Stop the gateway, let the aggregator catch up with the log, then stop it (it saves its snapshot).
  gw.proc.kill('SIGTERM');
  expect((await gw.exited).code).toBe(0);
  let last = -1;
  await waitFor(
    'the aggregator to catch up',
    async () => {
      const pnl = (await all()).filter((e) => e.type === 'PnlUpdated');
      const head = (await all()).filter((e) => e.type !== 'PnlUpdated').at(-1)!.globalPosition;
      const lastInput = (await all()).filter((e) => e.type === 'OrderFilled').at(-1)!.globalPosition;
      const done =
        pnl.length > 0 && pnl.at(-1)!.data.asOfPosition >= lastInput && pnl.length === last && head > 0;
      last = pnl.length;
      return done;
    },
    60_000,
    () => agg.stderr(),
  );
  await new Promise((r) => setTimeout(r, 1500));
  agg.proc.kill('SIGTERM');
  expect((await agg.exited).code).toBe(0);

  const events = await all();
  // KEEL_PNL_RECORD=<file>: keep this session's log as JSON lines (how test-data/ was made).
  if (process.env['KEEL_PNL_RECORD'])
    fs.writeFileSync(process.env['KEEL_PNL_RECORD'], events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  const live = events.filter((e): e is RecordedEvent<'PnlUpdated'> => e.type === 'PnlUpdated');
  const fills = events.filter((e) => e.type === 'OrderFilled');
  expect(fills.length).toBeGreaterThanOrEqual(6);
  expect(live.filter((e) => e.data.trigger === 'fill')).toHaveLength(fills.length);
  expect(live.some((e) => e.data.trigger === 'interval')).toBe(true);
  // The book went long, short and flat: realized PnL moved and fees were paid.
  expect(new Set(live.map((e) => Math.sign(Number(e.data.position))))).toEqual(new Set([1, -1, 0]));
  expect(live.at(-1)!.data.fees).not.toBe('0');

  const src = await openLogSource(`sqlite:${h.storePath}`);
  if (E.isLeft(src)) throw new Error(JSON.stringify(src.left));
  const verified = await verifyPnlCheckpoints(src.right);
  await src.right.close();
  expect(verified).toMatchObject({ match: true, firstMismatch: null, liveCheckpoints: live.length });
  expect(verified.compared).toBe(live.length);

  // The CLI: both projections rebuilt from position 0 equal the apps' snapshots.
  for (const projection of ['balance-aggregator', 'gateway']) {
    const r = keel('replay', projection, '--store', `sqlite:${h.storePath}`, '--json');
    expect({ projection, status: r.status, stderr: r.stderr }).toEqual({ projection, status: 0, stderr: '' });
    expect(JSON.parse(r.stdout)).toMatchObject({ projection, match: true, difference: null });
  }

  // The backfill: same log, same bytes, whichever fold and whichever read path.
  const csv = async (
    o: Partial<PnlBackfillOptions> = {},
  ): Promise<{ text: string; r: PnlBackfillResult }> => {
    const source = await openLogSource(`sqlite:${h.storePath}`);
    if (E.isLeft(source)) throw new Error(JSON.stringify(source.left));
    let text = '';
    const r = await runPnlBackfill(source.right, { intervalMs: 60_000, write: (t) => (text += t), ...o });
    await source.right.close();
    expect(r).toMatchObject({
      events: events.at(-1)!.globalPosition,
      // The fold's inputs: fills, quotes, and the gateway's listing (the account's venue and units).
      foldedEvents: events.filter((e) =>
        ['OrderFilled', 'QuoteUpdated', 'FundingPaid', 'InstrumentsListed'].includes(e.type),
      ).length,
    });
    return { text, r };
  };
  const first = (await csv({ archive: false })).text;
  expect((await csv({ archive: false })).text).toBe(first);
  expect((await csv({ reference: true })).text).toBe(first);
  // The archive the balance-aggregator kept beside the store while it ran (the PnL owner keeps
  // it, not the relay) gives the same bytes; it is then rebuilt in small segments from scratch.
  const kept = await csv();
  expect(kept.r.archive).toMatchObject({ problem: null });
  expect(kept.r.archive?.segments).toBeGreaterThan(0);
  expect(kept.text).toBe(first);
  for (const suffix of ['', '-wal', '-shm'])
    fs.rmSync(`${archivePathOf(h.storePath)}${suffix}`, { force: true });
  const scanner = openRawLogScanner(h.storePath);
  if (E.isLeft(scanner)) throw new Error(JSON.stringify(scanner.left));
  const built = extendPnlArchive(h.storePath, scanner.right, { span: 64 });
  scanner.right.close();
  expect(E.isRight(built)).toBe(true);
  const archived = await csv();
  expect(archived.r.archive).toMatchObject({ events: events.at(-1)!.globalPosition, problem: null });
  expect(archived.text).toBe(first);
  const rows = first.trim().split('\n');
  expect(rows[0]).toBe(
    'interval_start,interval_end,account_id,instrument,position,avg_cost,mark,realized_pnl,unrealized_pnl,fees,funding,net_pnl,interval_pnl,avg_unrealized_pnl,avg_net_pnl,avg_equity,unconverted_fees,unconverted_funding,equity,equity_stale,drawdown',
  );
  expect(rows.filter((r) => r.includes(`,${account},${instrument},`)).length).toBeGreaterThanOrEqual(2);
}, 300_000);
