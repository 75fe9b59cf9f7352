/**
 * Synthetic multi-week run: GC from Mon 3 Nov to Mon 15 Dec 2025 in 5-minute virtual-time ticks,
 * crossing the GCZ5 → GCG6 roll (roll start 11-20, forced roll 11-25, first notice 11-28) and
 * Thanksgiving (Thu 11-27 halt 12:00, Fri 11-28 early close 12:45).
 *
 * Each tick: the exposure policy (default: weekend/holiday/early close 0, daily halt 1, 30 min
 * lead) turns the constant desired +4 into the exposure in force; the roll decider gets it as
 * `SetExposure` (or a `Tick` when unchanged); targets are filled at once while the market is
 * open (trivial fill model) and never while it is closed; the fills come back as a position
 * snapshot.
 *
 * The zero windows below are written out from the calendar by hand (not computed with the
 * code under test): 30 minutes before each Friday close to the Sunday 17:00 open, and the two
 * Thanksgiving closures.
 */
import * as E from 'fp-ts/Either';
import { chicagoDateOf } from '@keel/calendar';
import { DEFAULT_EXPOSURE_POLICY, effectiveExposure } from './exposure.policy';
import { decide, RollCommand } from './roll.decide';
import { ct, gcConfig } from '../testing/roll.fixtures';
import { evolve, initialState, RollEvent, RollState } from './roll.state';

const STEP = 5 * 60_000;
const START = ct('2025-11-03', '00:00');
const END = ct('2025-12-15', '12:00');
const DESIRED = 4;
const P = DEFAULT_EXPOSURE_POLICY;

const ZERO_WINDOWS: readonly (readonly [number, number])[] = [
  [ct('2025-11-07', '15:30'), ct('2025-11-09', '17:00')],
  [ct('2025-11-14', '15:30'), ct('2025-11-16', '17:00')],
  [ct('2025-11-21', '15:30'), ct('2025-11-23', '17:00')],
  // Thanksgiving: halt at 12:00, Friday's session opens 17:00.
  [ct('2025-11-27', '11:30'), ct('2025-11-27', '17:00')],
  // Day after Thanksgiving: early close 12:45, then the weekend.
  [ct('2025-11-28', '12:15'), ct('2025-11-30', '17:00')],
  [ct('2025-12-05', '15:30'), ct('2025-12-07', '17:00')],
  [ct('2025-12-12', '15:30'), ct('2025-12-14', '17:00')],
];
const expectedExposure = (t: number): number =>
  ZERO_WINDOWS.some(([a, b]) => t >= a && t < b) ? 0 : DESIRED;

interface Fill {
  readonly at: number;
  readonly contract: string;
  readonly from: number;
  readonly to: number;
}

interface Run {
  readonly events: readonly (RollEvent & { readonly tick: number })[];
  readonly fills: readonly Fill[];
  readonly violations: readonly string[];
  readonly ticks: number;
  readonly held: Readonly<Record<string, number>>;
}

const simulate = (): Run => {
  const d = decide(gcConfig);
  let state: RollState = initialState;
  const events: (RollEvent & { tick: number })[] = [];
  const fills: Fill[] = [];
  const violations: string[] = [];
  const held: Record<string, number> = {};
  const positions: Record<string, number> = {};
  const step = (cmd: RollCommand): void => {
    const r = d(cmd, state);
    if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
    for (const e of r.right) events.push({ ...e, tick: cmd.now });
    state = r.right.reduce(evolve, state);
  };
  const sum = (): number => Object.values(positions).reduce((a, b) => a + b, 0);
  let ticks = 0;
  for (let now = START; now <= END; now += STEP) {
    ticks++;
    const iso = new Date(now).toISOString();
    const eff = effectiveExposure(P, 'GC', DESIRED, now, { current: sum() });
    if (E.isLeft(eff)) throw new Error(JSON.stringify(eff.left));
    const want = eff.right.contracts;
    step(want !== state.desired ? { type: 'SetExposure', now, qty: want } : { type: 'Tick', now });

    if (eff.right.tradable) {
      // Trivial fill model: every target is filled at once, while the market is open.
      for (const [contract, target] of Object.entries(state.targets)) {
        const from = positions[contract] ?? 0;
        if (from !== target) {
          fills.push({ at: now, contract, from, to: target });
          positions[contract] = target;
        }
      }
      step({ type: 'ObservePositions', now, positions: { ...positions } });
    } else {
      // Closed: nothing may be left to execute (the lead finished it before the close).
      for (const [contract, target] of Object.entries(state.targets))
        if ((positions[contract] ?? 0) !== target)
          violations.push(
            `${iso} closed (${eff.right.state}) with ${contract} target ${target} ≠ position ${positions[contract] ?? 0}`,
          );
    }

    const expected = expectedExposure(now);
    if (eff.right.contracts !== expected)
      violations.push(`${iso} policy gives ${eff.right.contracts}, expected ${expected}`);
    if (sum() !== expected)
      violations.push(`${iso} held ${sum()}, expected ${expected} (${JSON.stringify(positions)})`);
    if (chicagoDateOf(now) >= '2025-11-25' && (positions['GCZ5'] ?? 0) !== 0)
      violations.push(`${iso} GCZ5 still held past its forced roll: ${positions['GCZ5']}`);
    for (const [c, q] of Object.entries(positions)) if (q !== 0) held[c] = Math.max(held[c] ?? 0, q);
  }
  return { events, fills, violations, ticks, held };
};

describe('GC Nov–Dec 2025, constant +4 under the default exposure policy (5-minute virtual ticks)', () => {
  const run = simulate();
  const ofType = (t: RollEvent['type']) => run.events.filter((e) => e.type === t);

  it('covers six weeks of ticks', () => {
    expect(run.ticks).toBe((END - START) / STEP + 1);
  });

  it('holds desired × multiplier at every tick: +4 while open (and over daily halts), 0 from 30 min before each Friday close to the Sunday open and over Thanksgiving', () => {
    expect(run.violations).toEqual([]);
  });

  it('never fills while the market is closed, and only inside the expected open hours', () => {
    expect(run.fills.length).toBeGreaterThan(0);
    for (const f of run.fills) {
      const eff = effectiveExposure(P, 'GC', DESIRED, f.at);
      expect(E.isRight(eff) && eff.right.tradable).toBe(true);
    }
    // Every reduction happens exactly at a window start, every rebuild exactly at a window end.
    const changes = [...new Set(run.fills.map((f) => f.at))].sort((a, b) => a - b);
    const edges = new Set(ZERO_WINDOWS.flat());
    expect(changes.filter((t) => t !== START && !edges.has(t)).map((t) => new Date(t).toISOString())).toEqual(
      [],
    );
  });

  it('rolls GCZ5 → GCG6: held GCZ5 before the roll, GCG6 after; RollCompleted on the forced-roll date', () => {
    expect(run.held).toEqual({ GCZ5: 4, GCG6: 4 });
    const scheduled = ofType('RollScheduled');
    expect(scheduled.map((e) => [e, chicagoDateOf(e.tick)])).toEqual([
      [expect.objectContaining({ fromContract: 'GCZ5', toContract: 'GCG6' }), '2025-11-20'],
    ]);
    const completed = ofType('RollCompleted');
    expect(completed.map((e) => [e, chicagoDateOf(e.tick)])).toEqual([
      [expect.objectContaining({ fromContract: 'GCZ5', toContract: 'GCG6' }), '2025-11-25'],
    ]);
    // The weekend flattening emptied GCZ5 inside the roll window; the Sunday rebuild went to GCG6 only.
    const rebuild = run.fills.filter((f) => f.at === ct('2025-11-23', '17:00'));
    expect(rebuild).toEqual([{ at: ct('2025-11-23', '17:00'), contract: 'GCG6', from: 0, to: 4 }]);
    expect(ofType('ContractMapped').map((e) => (e.type === 'ContractMapped' ? e.contract : ''))).toEqual([
      'GCZ5',
      'GCG6',
    ]);
  });

  it('raises no delivery-risk alert (GCZ5 was flat before its alert date) and reports no unknown contract', () => {
    expect(ofType('DeliveryRiskAlert')).toEqual([]);
    expect(ofType('UnknownContractSeen')).toEqual([]);
  });
});
