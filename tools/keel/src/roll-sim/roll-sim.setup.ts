/**
 * A `keel roll-sim` run on recorded bars: the root's contract rows and instruments, the market
 * hours (the exchange calendar inside 2024–2027, else read from the bars) and a constant
 * desired exposure from the start. Shared by the CLI and the specs.
 */
import * as E from 'fp-ts/Either';
import { chicagoDateOf, COVERAGE, lookupProduct } from '@keel/calendar';
import { DEFAULT_EXPOSURE_POLICY } from '@keel/rollover-domain';
import { Bar, sessionsFromBars } from './roll-sim.bars';
import { cmeInstrument, rollCalendar, rollRows } from './roll-sim.contracts';
import { quoteMaxAgeFor, ROLL_SIM_DEFAULTS, RollSimInput } from './roll-sim.harness';

export interface RecordedRun {
  readonly root: string;
  readonly bars: readonly Bar[];
  readonly from: number;
  readonly to: number;
  /** Whole contracts, signed, held from `from` on. */
  readonly exposure: number;
  readonly barMs?: number;
}

const inCalendar = (t: number): boolean => {
  const y = Number(chicagoDateOf(t).slice(0, 4));
  return y >= COVERAGE.fromYear && y <= COVERAGE.toYear;
};

export const recordedRunInput = (r: RecordedRun): E.Either<string, RollSimInput> => {
  const spec = lookupProduct(r.root);
  if (E.isLeft(spec)) return E.left(`root: ${spec.left.message}`);
  const rows = rollRows(r.root, chicagoDateOf(r.from), chicagoDateOf(r.to), 'twoDigitYear');
  if (E.isLeft(rows)) return E.left(`root: ${rows.left.message}`);
  const calendar = rollCalendar(r.root, rows.right);
  if (E.isLeft(calendar)) return E.left(calendar.left.message);
  const barMs = r.barMs ?? 60_000;
  return E.right({
    root: r.root,
    calendar: calendar.right,
    instruments: rows.right.map((row) => cmeInstrument(spec.right, row)),
    bars: r.bars,
    barMs,
    hours:
      inCalendar(r.from) && inCalendar(r.to)
        ? { kind: 'calendar' }
        : { kind: 'data', sessions: sessionsFromBars(r.bars, barMs) },
    policy: DEFAULT_EXPOSURE_POLICY,
    desired: [{ at: r.from, qty: String(r.exposure) }],
    from: r.from,
    to: r.to,
    ...ROLL_SIM_DEFAULTS,
    quoteMaxAgeMs: quoteMaxAgeFor(barMs, ROLL_SIM_DEFAULTS.cycleMs, ROLL_SIM_DEFAULTS.tickMs),
  });
};
