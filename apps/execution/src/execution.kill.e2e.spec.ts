/**
 * Execution survives SIGKILL at any point. The gateway child (venue simulator on the recorded
 * 1-second BBO) runs throughout, like a real exchange connection; the execution child is
 * started and SIGKILLed at a random point, again and again (some kills during start-up,
 * replay or reconciliation), while targets arrive as the optimizer writes them, each
 * superseding the last. A final run is left alone to finish. Then, from the store:
 * - no client order id was requested twice (one ChildOrderRequested per id, every id placed
 *   at most once by the gateway);
 * - every fill the gateway recorded for execution's children is in the execution stream
 *   exactly once (by trade id), and nothing else is;
 * - every parent order completed, the last one by its deadline, and the venue position is
 *   the last target exactly (no double trading across restarts).
 *
 * The gateway's venue misbehaves as real ones do (`MISBEHAVIOUR`: late-applied sends, forgotten
 * cancelled orders, late and missing fill reads), so none of this leans on a strongly
 * consistent simulator.
 *
 * KEEL_EXECUTION_KILL_TRIALS (default 30: `keel soak` kills execution hundreds of times alongside the
 * gateway and the relay, docs/soak.md), KEEL_EXECUTION_KILL_SEED (printed) to repeat a run.
 */
import Decimal from 'decimal.js';
import { RecordedEvent } from '@keel/events';
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

const TRIALS = Number(process.env['KEEL_EXECUTION_KILL_TRIALS'] ?? 30);
const seed = Number(process.env['KEEL_EXECUTION_KILL_SEED'] ?? Date.now() % 100_000);
let s = seed;
const rand = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31), s / 2 ** 31);

const account = 'kill-x';
const stream = execStream(account);
/**
 * A new target every this many trials; each is traded over HORIZON_SEC. The last target lives
 * through TARGET_EVERY more kills before the final run: about 4 s a trial (spawn, ready, a
 * random wait) on a quiet machine and more under CI's load, so the horizon holds twice that
 * (a 45 s horizon was met by 40 s of kills, and missed once CI ran keel's suite alongside).
 */
const TARGET_EVERY = 10;
const HORIZON_SEC = 90;
const TARGETS = ['0.3', '-0.1', '0.15', '0.05', '-0.2'];

/**
 * The gateway's simulator misbehaves like a real venue: a fifth of the sends are answered with a
 * timeout and applied 300 ms later (look-ups say "does not exist" meanwhile), cancelled orders
 * are forgotten after 5 s, and a read of the fills leaves out a tenth of them (listed by a
 * later read). Fills are not listed late here: the final sweep ends about 2 s before the
 * deadline by design, and CI's load already takes half of that.
 */
const MISBEHAVIOUR = {
  lateApplyChance: 0.2,
  lateApplyMs: 300,
  forgetCancelledAfterMs: 5000,
  fillDelayMs: 0,
  fillDropChance: 0.1,
  seed,
};

let h: AppHarness;
let gw: AppChild;

beforeAll(async () => {
  h = await startAppHarness('keel-execution-kill');
  gw = await spawnSimGateway(h, account, { KEEL_SIM_MISBEHAVE: JSON.stringify(MISBEHAVIOUR) });
  await waitFor(
    'gateway ready',
    () => isReady(gw),
    60_000,
    () => gw.stderr(),
  );
  process.stderr.write(
    `execution kill test: ${TRIALS} trials, seed ${seed} (KEEL_EXECUTION_KILL_SEED to repeat)\n`,
  );
}, 90_000);

afterAll(async () => {
  if (gw && gw.proc.exitCode === null) {
    gw.proc.kill('SIGTERM');
    await gw.exited;
  }
  await h?.dispose();
});

const spawn = (): Promise<AppChild> =>
  spawnExecution(h, account, { KEEL_SLICE_SEC: '5', KEEL_SNAPSHOT_EVERY: '20' });

it(`requests no child order twice, loses no fill and still finishes by the deadline across ${TRIALS} SIGKILLs`, async () => {
  const targets: { id: string; qty: string }[] = [];
  let killedBeforeReady = 0;
  let killedWithChildrenOpen = 0;
  const started = Date.now();
  const newTarget = async (): Promise<void> => {
    const qty = TARGETS[targets.length % TARGETS.length]!;
    targets.push({
      id: await setTarget(
        h.store,
        {
          accountId: account,
          instrument: INSTRUMENT,
          targetQty: qty,
          horizonSec: HORIZON_SEC,
          reason: `kill test ${targets.length}`,
        },
        `kill-${seed}-${targets.length}`,
      ),
      qty,
    });
  };

  for (let trial = 1; trial <= TRIALS; trial++) {
    if ((trial - 1) % TARGET_EVERY === 0) await newTarget();
    const ex = await spawn();
    if (trial % 4 === 0) {
      // Kill during start-up: loading, replaying, reconciling.
      await new Promise((r) => setTimeout(r, 200 + rand() * 3000));
      if (!(await isReady(ex))) killedBeforeReady++;
    } else {
      // Kill while working: anywhere in the first seconds after ready.
      await waitFor(
        `trial ${trial}: execution ready`,
        async () => (await isReady(ex)) || ex.proc.exitCode !== null,
        60_000,
        () => ex.stderr(),
      );
      if (ex.proc.exitCode !== null) throw new Error(`execution exited:\n${ex.stderr()}`);
      await new Promise((r) => setTimeout(r, rand() * 2000));
    }
    const es = await readStream(h.store, stream);
    // A child is in flight until it is closed, rejected or filled in full.
    const filled = new Map<string, Decimal>();
    for (const f of ofType(es, 'ChildOrderFilled'))
      filled.set(f.data.clientOrderId, (filled.get(f.data.clientOrderId) ?? new Decimal(0)).plus(f.data.qty));
    const closed = new Set(
      [...ofType(es, 'ChildOrderCancelled'), ...ofType(es, 'ChildOrderRejected')].map(
        (e) => e.data.clientOrderId,
      ),
    );
    const open = ofType(es, 'ChildOrderRequested').filter(
      (e) =>
        !closed.has(e.data.clientOrderId) &&
        (filled.get(e.data.clientOrderId) ?? new Decimal(0)).lt(e.data.qty),
    );
    if (open.length > 0) killedWithChildrenOpen++;
    ex.proc.kill('SIGKILL');
    const { signal, code } = await ex.exited;
    if (signal !== 'SIGKILL')
      throw new Error(`trial ${trial}: execution exited ${code} before the kill:\n${ex.stderr()}`);
  }
  const killsDone = Date.now();

  // A last run, left alone, finishes the last target.
  const last = await spawn();
  const lastTarget = targets[targets.length - 1]!;
  const finished = async (): Promise<RecordedEvent<'ParentOrderStarted'> | undefined> => {
    const es = await readStream(h.store, stream);
    const p = ofType(es, 'ParentOrderStarted').find((e) => e.data.targetId === lastTarget.id);
    return p && ofType(es, 'ParentOrderCompleted').some((c) => c.data.parentOrderId === p.data.parentOrderId)
      ? p
      : undefined;
  };
  await waitFor(
    'the last target executed',
    async () => (await finished()) !== undefined,
    120_000,
    () => last.stderr().slice(-6000),
  );
  // It may have been finished by a killed run: the last run must still come up (reconcile, take nothing twice).
  await waitFor(
    'the last run ready',
    async () => (await isReady(last)) || last.proc.exitCode !== null,
    60_000,
    () => last.stderr(),
  );
  // Settle: the gateway's next snapshots and any late fills.
  await new Promise((r) => setTimeout(r, 2000));
  last.proc.kill('SIGTERM');
  const lastExit = await last.exited;
  if (lastExit.code !== 0) process.stderr.write(`last execution run stopped uncleanly:\n${last.stderr()}\n`);
  expect(lastExit.code).toBe(0);

  const es = await readStream(h.store, stream);
  const venue = await venueEvents(h.store, account);
  const requests = ofType(es, 'ChildOrderRequested');
  const cids = new Set(requests.map((e) => e.data.clientOrderId));
  const accepted = ofType(venue, 'OrderAccepted').filter((e) => cids.has(e.data.clientOrderId));
  const venueFills = ofType(venue, 'OrderFilled').filter((e) => cids.has(e.data.clientOrderId));
  const recorded = ofType(es, 'ChildOrderFilled');
  const parents = ofType(es, 'ParentOrderStarted');
  const completed = ofType(es, 'ParentOrderCompleted');
  const snaps = ofType(venue, 'PositionReported');
  const position = new Decimal(
    snaps[snaps.length - 1]?.data.positions.find((p) => p.instrument === INSTRUMENT)?.qty ?? '0',
  );
  const lastParent = (await finished())!;
  const lastDone = completed.find((c) => c.data.parentOrderId === lastParent.data.parentOrderId)!;
  process.stderr.write(
    `execution kill test: seed ${seed}; ${TRIALS} kills in ${((killsDone - started) / 1000).toFixed(1)} s (${killedBeforeReady} before ready, ${killedWithChildrenOpen} with children in flight); ` +
      `${targets.length} targets, ${parents.length} parent orders (${completed.map((c) => c.data.reason).join(',')}), ${requests.length} child orders, ${venueFills.length} venue fills, ` +
      `${recorded.length} recorded; last parent done ${lastDone.data.reason} at ${lastDone.occurredAt} (deadline ${lastParent.data.deadline}); venue position ${position.toFixed()} (target ${lastTarget.qty})\n`,
  );

  // No child order twice.
  expect(cids.size).toBe(requests.length);
  const placements = new Map<string, number>();
  for (const a of accepted)
    placements.set(a.data.clientOrderId, (placements.get(a.data.clientOrderId) ?? 0) + 1);
  expect([...placements.values()].every((n) => n === 1)).toBe(true);
  // Every venue fill of a child recorded exactly once, nothing else.
  const byTrade = new Map<string, number>();
  for (const f of recorded) byTrade.set(f.data.tradeId, (byTrade.get(f.data.tradeId) ?? 0) + 1);
  expect([...byTrade.values()].every((n) => n === 1)).toBe(true);
  expect([...byTrade.keys()].sort()).toEqual(venueFills.map((f) => f.data.tradeId).sort());
  // Every parent completed; the last by its deadline, and the account holds the last target exactly.
  expect(new Set(completed.map((c) => c.data.parentOrderId))).toEqual(
    new Set(parents.map((p) => p.data.parentOrderId)),
  );
  expect(lastDone.data.reason).toBe('filled');
  expect(Date.parse(lastDone.occurredAt)).toBeLessThanOrEqual(Date.parse(lastParent.data.deadline));
  expect(position.eq(lastTarget.qty)).toBe(true);
  // The kills really hit start-up and children in flight.
  expect(killedBeforeReady).toBeGreaterThan(0);
  expect(killedWithChildrenOpen).toBeGreaterThan(0);
}, 900_000);
