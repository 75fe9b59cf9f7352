/**
 * The CME plan of a 2-minute paper session at the recommended speed, run in one process by the
 * engines that trade (@keel/simulation `runRoll`: cme-rollover with the plan's settings,
 * execution and the gateway's venue engine, in the kernel under a virtual clock) on the plan's
 * markets: the recorded ES bars of 2013-12-18 replayed as MESZ5 / MESH6 with the plan's shift.
 * The optimizer's part is a constant `CME:MES` target of +2 from the session's start.
 *
 * What differs from the demo's processes: one process instead of NATS and the relay, and the
 * gateway's poll and execution's tick every 10 s instead of 1 s (the bars move every 15 s;
 * roll-sim.harness.ts `ROLL_SIM_DEFAULTS`, with the touch as old as 45 s allowed). The bars come
 * from the committed slice of the same file (libs/rollover/domain/test-data, the same rows).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { RecordedEvent } from '@keel/events';
import { foldLog } from '@keel/event-store';
import { DEFAULT_EXPOSURE_POLICY, parsePolicy, resolveRolloverConfig } from '@keel/rollover-domain';
import { barEvents, runRoll, RollRun } from '@keel/simulation';
import { Instrument } from '@keel/venue-domain';
import { InstrumentJson } from '@keel/venue-sim';
import { readBars, Bar } from '../roll-sim/roll-sim.bars';
import { quoteMaxAgeFor, ROLL_SIM_DEFAULTS } from '../roll-sim/roll-sim.harness';
import { deliveryCutoffBreaches } from './cme.delivery';
import {
  CME_EXPOSURE_POLICY,
  CME_HORIZON_SEC,
  CME_ROLL_POLICY,
  CME_TICK_MS,
  CmePlan,
  cmePlan,
  RECOMMENDED_SPEED,
} from './cme.plan';

const SLICE = `${__dirname}/../../../../libs/rollover/domain/test-data/cme-es-1m-tradebars-algoseek-2013-12-01_2013-12-20.csv.gz`;
const EXPOSURE = 2;
const MIN = 60_000;
const iso = (t: number): string => new Date(t).toISOString();

const instrumentOf = (j: InstrumentJson): Instrument => ({
  ...j,
  tickSize: new Decimal(j.tickSize),
  lotSize: new Decimal(j.lotSize),
  minQty: new Decimal(j.minQty),
  minNotional: new Decimal(j.minNotional),
  contractSize: new Decimal(j.contractSize),
  makerFee: new Decimal(j.makerFee),
  takerFee: new Decimal(j.takerFee),
});

interface Sample {
  readonly t: number;
  readonly positions: Readonly<Record<string, number>>;
}

const planOrThrow = (): CmePlan => {
  const p = cmePlan({
    speed: RECOMMENDED_SPEED,
    minutes: 2,
    venue: 'cme-sim',
    accountId: 'roll-sim',
    dataDir: '/unused',
    file: SLICE,
  });
  if (E.isLeft(p)) throw new Error(p.left);
  return p.right;
};

/** The plan's markets as the gateway would replay them: the named contract's bars, shifted, from `from` on. */
const marketBars = async (plan: CmePlan): Promise<Map<string, Bar[]>> => {
  const out = new Map<string, Bar[]>();
  for (const m of plan.markets) {
    const source = m.source;
    if (source.kind !== 'bars') throw new Error(`${m.instrument.symbol}: not a bars source`);
    const read = await readBars(
      source.file,
      'ES',
      plan.clockStart - m.shiftMs,
      plan.clockEnd - m.shiftMs + MIN,
    );
    if (E.isLeft(read)) throw new Error(read.left);
    out.set(
      m.instrument.symbol,
      read.right
        .filter((b) => b.contract === source.contract)
        .map((b) => ({ ...b, ts: b.ts + m.shiftMs, contract: m.instrument.symbol }))
        .filter((b) => b.ts >= (m.from ?? -Infinity)),
    );
  }
  return out;
};

describe(`cme plan: a 2-minute session at speed ${RECOMMENDED_SPEED}, MES +${EXPOSURE} from MESZ5 across the daily break into MESH6 (in-process engines, recorded ES bars)`, () => {
  let plan: CmePlan;
  let bars: Map<string, Bar[]>;
  let run: RollRun;
  let samples: Sample[];
  let log: RecordedEvent[];

  beforeAll(async () => {
    plan = planOrThrow();
    bars = await marketBars(plan);
    const resolved = resolveRolloverConfig({
      roots: plan.root,
      accountIds: 'roll-sim',
      exposurePolicy: CME_EXPOSURE_POLICY,
      accountExposurePolicies: '',
      rollPolicy: CME_ROLL_POLICY,
    });
    if (E.isLeft(resolved)) throw new Error(resolved.left.message);
    const calendar = resolved.right.calendars.get(plan.root);
    const policy = parsePolicy('policy', CME_EXPOSURE_POLICY, DEFAULT_EXPOSURE_POLICY);
    if (calendar === undefined || E.isLeft(policy)) throw new Error('settings');
    samples = [];
    const r = await runRoll({
      root: plan.root,
      calendar,
      markets: plan.markets.map((m) => {
        const instrument = instrumentOf(m.instrument);
        return { instrument, events: barEvents(bars.get(instrument.symbol) ?? [], instrument.tickSize, MIN) };
      }),
      hours: { kind: 'calendar' },
      policy: policy.right,
      desired: [{ at: plan.clockStart, qty: String(EXPOSURE) }],
      from: plan.clockStart,
      to: plan.clockEnd,
      decideEveryMs: CME_TICK_MS,
      horizonSec: CME_HORIZON_SEC,
      latencyMs: ROLL_SIM_DEFAULTS.latencyMs,
      tickMs: ROLL_SIM_DEFAULTS.tickMs,
      cycleMs: ROLL_SIM_DEFAULTS.cycleMs,
      sliceMs: ROLL_SIM_DEFAULTS.sliceMs,
      quoteMaxAgeMs: quoteMaxAgeFor(MIN, ROLL_SIM_DEFAULTS.cycleMs, ROLL_SIM_DEFAULTS.tickMs),
      initialUsd: '1000000',
      sampleEveryMs: MIN,
      onSample: (t, p) => {
        const positions: Record<string, number> = {};
        for (const x of p.positions) if (!x.qty.isZero()) positions[x.symbol] = x.qty.toNumber();
        samples.push({ t, positions });
      },
    });
    if (E.isLeft(r)) throw new Error(r.left);
    run = r.right;
    const read = await foldLog(
      run.simulation.ports.store,
      [] as RecordedEvent[],
      (acc, e) => {
        acc.push(e);
        return acc;
      },
      {
        filter: {
          eventTypes: [
            'ContractTargetSet',
            'RollScheduled',
            'RollCompleted',
            'ContractMapped',
            'ChildOrderRequested',
          ],
        },
      },
    )();
    if (E.isLeft(read)) throw new Error(read.left.message);
    log = read.right.state;
  }, 600_000);

  it('the engines refused nothing', () => {
    expect(run.errors).toEqual([]);
  });

  it('holds +2 MESZ5 from the build (one horizon) to the forced roll, through the daily break', () => {
    const { forcedRoll } = plan.facts;
    const built = plan.clockStart + CME_TICK_MS + CME_HORIZON_SEC * 1000;
    const off = samples
      .filter((s) => s.t >= built && s.t < forcedRoll)
      .filter((s) => JSON.stringify(s.positions) !== JSON.stringify({ MESZ5: EXPOSURE }));
    expect(off.map((s) => `${iso(s.t)} ${JSON.stringify(s.positions)}`)).toEqual([]);
    expect(samples.filter((s) => s.t >= built && s.t < forcedRoll).length).toBeGreaterThan(8 * 60);
  });

  it('crosses the 16:00–17:00 CT break with no order: nothing requested, nothing filled', () => {
    const { close, reopen } = plan.facts;
    expect(close).toBeGreaterThan(plan.clockStart);
    expect(reopen).toBeLessThan(plan.facts.forcedRoll);
    const during = (t: number): boolean => t >= close && t < reopen;
    expect(log.filter((e) => e.type === 'ChildOrderRequested' && during(Date.parse(e.occurredAt)))).toEqual(
      [],
    );
    expect(run.fills.filter((f) => during(f.ts))).toEqual([]);
    // Orders did happen around it: the build before, the roll after.
    expect(log.some((e) => e.type === 'ChildOrderRequested' && Date.parse(e.occurredAt) < close)).toBe(true);
  });

  it('rolls by cme-rollover’s own decision at the forced roll: linked targets MESZ5 → 0, MESH6 → +2, RollCompleted', () => {
    const { forcedRoll, rollDoneBy } = plan.facts;
    const targets = log
      .filter((e) => e.type === 'ContractTargetSet')
      .map((e) => [
        e.occurredAt,
        e.type === 'ContractTargetSet' ? e.data.instrument : '',
        e.type === 'ContractTargetSet' ? e.data.targetQty : '',
      ]);
    expect(targets).toEqual([
      [iso(plan.clockStart), 'MESZ5', String(EXPOSURE)],
      [iso(forcedRoll), 'MESZ5', '0'],
      [iso(forcedRoll), 'MESH6', String(EXPOSURE)],
    ]);
    const done = log.find((e) => e.type === 'RollCompleted');
    expect(done?.data).toMatchObject({ fromContract: 'MESZ5', toContract: 'MESH6' });
    expect(Date.parse(done?.occurredAt ?? '')).toBeLessThanOrEqual(rollDoneBy);
    expect(log.filter((e) => e.type === 'RollScheduled').map((e) => e.occurredAt)).toEqual([iso(forcedRoll)]);
  });

  it('holds +2 MESH6 and nothing in MESZ5 from the end of the migration to the end of the session', () => {
    const late = samples.filter((s) => s.t >= plan.facts.rollDoneBy);
    expect(late.length).toBeGreaterThan(30);
    expect(
      late
        .filter((s) => JSON.stringify(s.positions) !== JSON.stringify({ MESH6: EXPOSURE }))
        .map((s) => iso(s.t)),
    ).toEqual([]);
    expect(run.positions.map((p) => [p.symbol, p.qty.toString()])).toEqual([['MESH6', String(EXPOSURE)]]);
  });

  it('fills only at prices the recorded bars reached (within one tick of the synthetic spread) in the 5 minutes before', () => {
    expect(run.fills.length).toBeGreaterThan(0);
    const tick = new Decimal('0.25');
    const bad = run.fills.filter((f) => {
      const near = (bars.get(f.symbol) ?? []).filter((b) => b.ts <= f.ts && b.ts > f.ts - 5 * MIN);
      return !near.some((b) => f.price.gte(b.low.minus(tick)) && f.price.lte(b.high.plus(tick)));
    });
    expect(bad.map((f) => `${iso(f.ts)} ${f.symbol} ${f.side} ${f.price.toString()}`)).toEqual([]);
    const bought = (s: string) =>
      run.fills
        .filter((f) => f.symbol === s && f.side === 'buy')
        .reduce((a, f) => a.plus(f.qty), new Decimal(0));
    const sold = (s: string) =>
      run.fills
        .filter((f) => f.symbol === s && f.side === 'sell')
        .reduce((a, f) => a.plus(f.qty), new Decimal(0));
    expect([bought('MESZ5').toString(), sold('MESZ5').toString()]).toEqual([
      String(EXPOSURE),
      String(EXPOSURE),
    ]);
    expect([bought('MESH6').toString(), sold('MESH6').toString()]).toEqual([String(EXPOSURE), '0']);
  });

  it('breaches no delivery cutoff (both contracts are cash-settled; the check runs on what was held)', () => {
    const observations = samples.flatMap((s) =>
      plan.markets.map((m) => ({
        at: s.t,
        instrument: m.instrument.symbol,
        qty: s.positions[m.instrument.symbol] ?? 0,
      })),
    );
    expect(
      deliveryCutoffBreaches(
        observations,
        plan.markets.map((m) => m.instrument),
        { until: plan.clockEnd },
      ),
    ).toEqual([]);
  });
});
