/**
 * The three-week GC run of `roll-sim.gc-2025.int.spec.ts` (synthetic bars on the calendar's
 * hours, desired +4 through the default exposure policy), which the spec starts in a child
 * process (`runInChild`).
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { chicagoInstant, productSpec } from '@keel/calendar';
import { contractCalendar, DEFAULT_EXPOSURE_POLICY } from '@keel/rollover-domain';
import { syntheticBars } from './roll-sim.bars';
import { cmeInstrument, rollRows } from './roll-sim.contracts';
import {
  calendarSessions,
  quoteMaxAgeFor,
  ROLL_SIM_DEFAULTS,
  RollSimResult,
  runRollSim,
} from './roll-sim.harness';

const MIN = 60_000;
export const GC_2025_START = chicagoInstant('2025-11-10', '00:00');
export const GC_2025_END = chicagoInstant('2025-12-01', '12:00');
export const GC_2025_DESIRED = 4;

export const runGc2025 = async (): Promise<RollSimResult> => {
  const rows = rollRows('GC', '2025-11-10', '2025-12-01', 'globex');
  if (E.isLeft(rows)) throw new Error(JSON.stringify(rows.left));
  const calendar = contractCalendar('GC', 'GC.c.0', rows.right);
  if (E.isLeft(calendar)) throw new Error(JSON.stringify(calendar.left));
  const spec = productSpec('GC');
  if (spec === undefined) throw new Error('no GC spec');
  const sessions = calendarSessions('GC', GC_2025_START, GC_2025_END);
  if (E.isLeft(sessions)) throw new Error(sessions.left);
  const barMs = 5 * MIN;
  const bars = syntheticBars({
    seed: 20251103,
    contracts: [
      { code: 'GCZ5', startPrice: '4000.0' },
      { code: 'GCG6', startPrice: '4025.0' },
    ],
    sessions: sessions.right,
    from: GC_2025_START,
    to: GC_2025_END,
    barMs,
    tick: new Decimal(spec.tickSize),
    maxMoveTicks: 5,
    maxVolume: 60,
  });
  const r = await runRollSim({
    ...ROLL_SIM_DEFAULTS,
    root: 'GC',
    calendar: calendar.right,
    instruments: rows.right.map((row) => cmeInstrument(spec, row)),
    bars,
    barMs,
    hours: { kind: 'calendar' },
    policy: DEFAULT_EXPOSURE_POLICY,
    desired: [{ at: GC_2025_START, qty: String(GC_2025_DESIRED) }],
    from: GC_2025_START,
    to: GC_2025_END,
    decideEveryMs: 5 * MIN,
    quoteMaxAgeMs: quoteMaxAgeFor(barMs, ROLL_SIM_DEFAULTS.cycleMs, ROLL_SIM_DEFAULTS.tickMs),
  });
  if (E.isLeft(r)) throw new Error(r.left);
  return r.right;
};
