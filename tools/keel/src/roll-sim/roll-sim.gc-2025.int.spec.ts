/**
 * Synthetic multi-week run through the same harness as the ES replay: GC for three weeks, from
 * Mon 10 Nov to Mon 1 Dec 2025, crossing the GCZ5 → GCG6 roll (roll start 11-20, forced roll 11-25, first
 * notice 11-28) and Thanksgiving (Thu 11-27 halt at 12:00, Fri 11-28 early close 12:45), with a
 * constant desired +4 through the default exposure policy (weekend/holiday/early close 0,
 * daily halt 1, 30-minute lead) on the @keel/calendar market hours.
 *
 * The market is synthetic: seeded 5-minute bars (one random walk for both contracts, only
 * while the calendar says the market is open) made into quotes and prints the same way as the
 * recorded bars. cme-rollover decides every 5 minutes (every policy edge is on that grid) and
 * after every fill; execution works each contract target as a TWAP within its horizon (15
 * minutes, cut at the close).
 *
 * The zero windows are the domain spec's (roll.gc-2025.int.spec.ts), written out by hand from
 * the calendar: 30 minutes before each Friday close to the Sunday 17:00 open, and both
 * Thanksgiving closures.
 */
import * as path from 'node:path';
import * as E from 'fp-ts/Either';
import { chicagoDateOf, chicagoInstant } from '@keel/calendar';
import { rollContractsFromCalendar } from '@keel/rollover-domain';
import { runInChild } from '../test/in-child';
import { rollRows } from './roll-sim.contracts';
import { GC_2025_DESIRED, GC_2025_END, GC_2025_START } from './roll-sim.gc-2025.fixture';
import { calendarSessions, heldOf, MinuteSample, RollSimResult } from './roll-sim.harness';

const ct = (date: string, time: string): number => chicagoInstant(date, time);
const START = GC_2025_START;
const END = GC_2025_END;
const DESIRED = GC_2025_DESIRED;
const MIN = 60_000;
const HORIZON_MS = 900_000;
const iso = (t: number): string => new Date(t).toISOString();

const ZERO_WINDOWS: readonly (readonly [number, number])[] = [
  [ct('2025-11-14', '15:30'), ct('2025-11-16', '17:00')],
  [ct('2025-11-21', '15:30'), ct('2025-11-23', '17:00')],
  [ct('2025-11-27', '11:30'), ct('2025-11-27', '17:00')],
  [ct('2025-11-28', '12:15'), ct('2025-11-30', '17:00')],
];
const expectedExposure = (t: number): number =>
  ZERO_WINDOWS.some(([a, b]) => t >= a && t < b) ? 0 : DESIRED;

/** The run, in a child process (Jest would make it 2–2.5× slower: src/test/in-child.ts). */
const run = (): Promise<RollSimResult> =>
  runInChild<RollSimResult>(path.join(__dirname, 'roll-sim.gc-2025.fixture.ts'), 'runGc2025');

describe('roll-sim: GC 10 Nov – 1 Dec 2025 across the GCZ5 → GCG6 roll and Thanksgiving (synthetic bars, calendar hours, default exposure policy)', () => {
  let result: RollSimResult;
  let samples: readonly MinuteSample[];
  // The engines replay every poll interval of three weeks: minutes of wall time on this machine.
  beforeAll(async () => {
    result = await run();
    samples = result.samples;
  }, 900_000);

  it('uses the calendar library’s GC rows', () => {
    const lib = rollContractsFromCalendar('GC', 'GC.c.0', '2025-08', '2026-04');
    const rows = rollRows('GC', '2025-11-10', '2025-12-01', 'globex');
    expect(E.isRight(lib) && E.isRight(rows)).toBe(true);
    if (E.isRight(lib) && E.isRight(rows))
      for (const r of rows.right) expect(lib.right.contracts.find((c) => c.code === r.code)).toEqual(r);
  });

  it('samples every minute for three weeks; the deciders refused nothing', () => {
    expect(samples.length).toBe((END - START) / MIN + 1);
    expect(result.report.refused).toEqual([]);
  });

  it('desires +4 while open and 0 in the hand-written windows, with contract targets summing to it', () => {
    const bad = samples.filter(
      (s) =>
        s.desired !== expectedExposure(s.t) ||
        Object.values(s.targets).reduce((a, q) => a + q, 0) !== s.desired,
    );
    expect(bad.map((s) => `${iso(s.t)} desired ${s.desired} targets ${JSON.stringify(s.targets)}`)).toEqual(
      [],
    );
  });

  it('holds the desired exposure every minute within the TWAP tolerance, exactly when nothing is in execution, and exactly while the market is closed', () => {
    const violations: string[] = [];
    for (const s of samples) {
      const held = heldOf(s);
      const dev = Math.abs(held - (s.desired ?? 0));
      const tolerance = s.working.reduce((a, w) => a + w.scheduledRemaining + w.sliceLots, 0);
      if (s.working.length === 0 && dev !== 0)
        violations.push(`${iso(s.t)} held ${held} with nothing in execution`);
      if (dev > tolerance) violations.push(`${iso(s.t)} held ${held}, beyond the tolerance ${tolerance}`);
      if (!s.open && (dev !== 0 || s.working.length > 0))
        violations.push(
          `${iso(s.t)} closed with held ${held}, desired ${s.desired}, in execution ${JSON.stringify(s.working)}`,
        );
    }
    expect(violations).toEqual([]);
    // Off the desired only within a horizon after a change of the desired exposure or of the contract.
    const changes = result.report.contractTargets.map((t) => Date.parse(t.at));
    const stray = samples.filter(
      (s) => heldOf(s) !== s.desired && !changes.some((c) => s.t >= c && s.t < c + HORIZON_MS),
    );
    expect(stray.map((s) => iso(s.t))).toEqual([]);
  });

  it('finishes every parent order (filled, by its deadline, before the close)', () => {
    const ps = result.report.parents;
    // One parent order per contract target: the first build, then a flatten at each window start
    // and a rebuild at its end (two weekends, Thanksgiving's halt, the early close into the weekend).
    expect(result.report.contractTargets.map((t) => [Date.parse(t.at), t.instrument, t.targetQty])).toEqual([
      [START, 'GCZ5', '4'],
      [ct('2025-11-14', '15:30'), 'GCZ5', '0'],
      [ct('2025-11-16', '17:00'), 'GCZ5', '4'],
      [ct('2025-11-21', '15:30'), 'GCZ5', '0'],
      [ct('2025-11-23', '17:00'), 'GCG6', '4'],
      [ct('2025-11-27', '11:30'), 'GCG6', '0'],
      [ct('2025-11-27', '17:00'), 'GCG6', '4'],
      [ct('2025-11-28', '12:15'), 'GCG6', '0'],
      [ct('2025-11-30', '17:00'), 'GCG6', '4'],
    ]);
    expect(ps.length).toBe(result.report.contractTargets.length);
    const late = ps.filter(
      (p) =>
        p.reason !== 'filled' || p.finishedAt === null || Date.parse(p.finishedAt) > Date.parse(p.deadline),
    );
    expect(late).toEqual([]);
    const sessions = calendarSessions('GC', START, END);
    const ws = E.isRight(sessions) ? sessions.right : [];
    expect(
      ps
        .filter((p) => !ws.some((w) => Date.parse(p.start) >= w.open && Date.parse(p.deadline) <= w.close))
        .map((p) => p.start),
    ).toEqual([]);
  });

  it('rolls GCZ5 → GCG6: the weekend flattening empties GCZ5 in the roll window, the Sunday rebuild goes into GCG6, RollCompleted on the forced-roll date', () => {
    const { report } = result;
    expect(report.rollEvents.map((e) => [e.type, chicagoDateOf(Date.parse(e.at))])).toEqual([
      ['ContractMapped', '2025-11-10'],
      ['RollScheduled', '2025-11-20'],
      ['RollCompleted', '2025-11-25'],
      ['ContractMapped', '2025-11-25'],
    ]);
    expect(report.rollEvents[2]?.data).toMatchObject({ fromContract: 'GCZ5', toContract: 'GCG6' });
    const rebuild = report.contractTargets.filter((t) => Date.parse(t.at) === ct('2025-11-23', '17:00'));
    expect(rebuild.map((t) => [t.instrument, t.targetQty])).toEqual([['GCG6', '4']]);
    expect(Number(report.fills['GCZ5']?.count)).toBeGreaterThan(0);
    expect(Number(report.fills['GCG6']?.count)).toBeGreaterThan(0);
    expect(report.finalPositions).toEqual({ GCG6: '4' });
  });

  it('holds nothing in GCZ5 from its forced-roll date on (before first notice), and raises no delivery alert', () => {
    const late = samples.filter(
      (s) => chicagoDateOf(s.t) >= '2025-11-25' && (s.positions['GCZ5'] ?? 0) !== 0,
    );
    expect(late.map((s) => iso(s.t))).toEqual([]);
    expect(result.report.rollEvents.filter((e) => e.type === 'DeliveryRiskAlert')).toEqual([]);
  });
});
