/**
 * `keel roll-sim --data <bars.csv.gz> --root ES --from <ISO> --to <ISO> [--exposure 3]
 *   [--cycle-ms 10000] [--tick-ms 10000] [--slice-sec 60] [--quote-max-age-ms 30000] [--json]`
 *
 * A CME roll end to end in one process under a virtual clock, on recorded 1-minute trade bars
 * (AlgoSeek, data/market/README.md §7a), run by the engines that trade (@keel/simulation
 * `runRoll`): cme-rollover → ContractTargetSet → execution → the gateway's venue engine → the
 * simulated venue, one market per contract on the bars made into quotes and prints → fills →
 * PositionReported → cme-rollover. A constant desired exposure (`--exposure`, whole contracts,
 * default 3) is set as the optimizer sets it, from `--from`.
 *
 * The engines' own settings, as the apps take them: `--cycle-ms` the gateway's polling cycle
 * (KEEL_CYCLE_MS), `--tick-ms` execution's decision tick (KEEL_TICK_MS), `--slice-sec` its TWAP
 * slice (KEEL_SLICE_SEC), `--quote-max-age-ms` the oldest touch it trades on
 * (KEEL_QUOTE_MAX_AGE_MS). The defaults (`ROLL_SIM_DEFAULTS`, reasons there) suit 1-minute bars
 * replayed as four points 15 s apart: a 10 s poll and tick, 60 s slices, and a touch up to
 * `quoteMaxAgeFor` old (¼ bar + a cycle + half a tick: 30 s at the defaults). The apps' own defaults
 * (1 s poll and tick, 10 s quote age) hold the same invariants at about 5× the time
 * (docs/benchmarks.md).
 * Bad arguments exit 2 naming the flag and its value; `--json` prints one JSON document.
 */
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/Either';
import { lookupProduct } from '@keel/calendar';
import { intFlag, joinNegativeValues, parseFlags, UsageError } from '../cli.io';
import { readBars } from '../roll-sim/roll-sim.bars';
import { quoteMaxAgeFor, ROLL_SIM_DEFAULTS, RollSimReport, runRollSim } from '../roll-sim/roll-sim.harness';
import { recordedRunInput } from '../roll-sim/roll-sim.setup';
import type { Command, OptionSpecs } from './command';

const bad = (flag: string, value: string | undefined, why: string): UsageError =>
  new UsageError(`--${flag} ${why} (got ${JSON.stringify(value ?? null)})`);

/** An ISO-8601 instant on a whole minute. */
const instantFlag = (flag: string, value: string | undefined): number => {
  const t = value === undefined || !/^\d{4}-\d{2}-\d{2}T/.test(value) ? NaN : Date.parse(value);
  if (!Number.isFinite(t)) throw bad(flag, value, 'must be an ISO-8601 instant such as 2013-12-01T00:00:00Z');
  if (t % 60_000 !== 0) throw bad(flag, value, 'must be on a whole minute (the bars are 1-minute bars)');
  return t;
};

const human = (r: RollSimReport): string => {
  const roll = r.rollEvents.map((e) => `  ${e.at} ${e.type} ${JSON.stringify(e.data)}`);
  const fills = Object.entries(r.fills).map(
    ([c, f]) =>
      `  ${c}: ${f.count} fills, bought ${f.bought} @ ${f.avgBuy ?? '-'}, sold ${f.sold} @ ${f.avgSell ?? '-'} (maker ${f.makerQty})`,
  );
  return [
    `${r.root} ${r.from} → ${r.to} (${r.hours} hours, ${r.sessions} sessions, ${r.bars} bars → ${r.marketEvents} market events)`,
    'roll:',
    ...roll,
    `contract targets: ${r.contractTargets.map((t) => `${t.at} ${t.instrument}=${t.targetQty}`).join(', ')}`,
    `parent orders: ${r.parents.length} (${r.parents.filter((p) => p.reason === 'filled').length} filled)`,
    'fills:',
    ...fills,
    `final positions ${JSON.stringify(r.finalPositions)}, realised PnL ${r.realisedPnlUsd} USD`,
    `exposure: ${r.exposure.minutes} minutes, ${r.exposure.minutesOff} off the desired (max ${r.exposure.maxAbsDeviation}), ${r.exposure.minutesBeyondTolerance} beyond the TWAP tolerance`,
    ...(r.refused.length > 0 ? [`refused: ${r.refused.join('; ')}`] : []),
  ].join('\n');
};

const OPTIONS = {
  data: {
    type: 'string',
    valueName: 'file',
    description: 'recorded 1-minute trade bars, .csv or .csv.gz (required)',
  },
  root: {
    type: 'string',
    valueName: 'root',
    description: 'CME product root the calendar knows, e.g. ES (required)',
  },
  from: { type: 'string', valueName: 'ISO', description: 'start, ISO-8601 (required)' },
  to: { type: 'string', valueName: 'ISO', description: 'end, ISO-8601, after --from (required)' },
  exposure: {
    type: 'string',
    valueName: 'n',
    description: 'desired exposure, whole contracts (negative: short)',
    defaultText: '3',
  },
  'cycle-ms': {
    type: 'string',
    valueName: 'ms',
    description: "the gateway's polling cycle (KEEL_CYCLE_MS)",
    defaultText: '10000',
  },
  'tick-ms': {
    type: 'string',
    valueName: 'ms',
    description: "execution's decision tick (KEEL_TICK_MS)",
    defaultText: '10000',
  },
  'slice-sec': {
    type: 'string',
    valueName: 's',
    description: "execution's TWAP slice (KEEL_SLICE_SEC)",
    defaultText: '60',
  },
  'quote-max-age-ms': {
    type: 'string',
    valueName: 'ms',
    description: 'oldest touch execution trades on (KEEL_QUOTE_MAX_AGE_MS)',
    defaultText: '¼ bar + a cycle + half a tick (30000)',
  },
} as const satisfies OptionSpecs;

export const rollSimCommand: Command = {
  options: OPTIONS,
  run: async (args, io) => {
    const argv = joinNegativeValues(args);
    const f = parseFlags(argv, OPTIONS);
    if (!f.data) throw bad('data', f.data, 'is required: a 1-minute trade bar file (.csv or .csv.gz)');
    if (f.root === undefined || !/^[A-Z0-9]{1,8}$/.test(f.root) || E.isLeft(lookupProduct(f.root)))
      throw bad('root', f.root, 'must be a CME root the calendar knows, such as ES');
    const from = instantFlag('from', f.from);
    const to = instantFlag('to', f.to);
    if (to <= from) throw bad('to', f.to, `must be after --from (${f.from})`);
    const exposure = f.exposure === undefined ? 3 : /^-?\d{1,6}$/.test(f.exposure) ? Number(f.exposure) : NaN;
    if (!Number.isInteger(exposure))
      throw bad('exposure', f.exposure, 'must be a whole number of contracts such as 3 or -2');
    const cycleMs = intFlag('cycle-ms', f['cycle-ms'], ROLL_SIM_DEFAULTS.cycleMs, 10);
    const tickMs = intFlag('tick-ms', f['tick-ms'], ROLL_SIM_DEFAULTS.tickMs, 10);
    const engines = {
      cycleMs,
      tickMs,
      sliceMs: intFlag('slice-sec', f['slice-sec'], ROLL_SIM_DEFAULTS.sliceMs / 1000, 1) * 1000,
      quoteMaxAgeMs: intFlag(
        'quote-max-age-ms',
        f['quote-max-age-ms'],
        quoteMaxAgeFor(60_000, cycleMs, tickMs),
        100,
      ),
    };

    const w0 = performance.now();
    const bars = await readBars(f.data, f.root, from, to);
    if (E.isLeft(bars)) throw bad('data', f.data, `cannot be read: ${bars.left}`);
    if (bars.right.length === 0)
      throw bad('from', f.from, `to --to ${f.to}: the data has no ${f.root} bars in that range`);
    const input = recordedRunInput({ root: f.root, bars: bars.right, from, to, exposure });
    if (E.isLeft(input)) throw bad('root', f.root, input.left);
    io.progress(
      `roll-sim: ${f.root} ${f.from} → ${f.to}, exposure ${exposure}, ${bars.right.length} bars, contracts ${input.right.calendar.contracts.map((c) => c.code).join(' ')}, gateway cycle ${engines.cycleMs} ms, execution tick ${engines.tickMs} ms, slice ${engines.sliceMs / 1000} s, quote max age ${engines.quoteMaxAgeMs} ms`,
    );
    const r = await runRollSim({ ...input.right, ...engines });
    if (E.isLeft(r)) throw new Error(`the simulation stopped: ${r.left}`);
    io.progress(
      `roll-sim: ${Math.round(performance.now() - w0) / 1000} s wall (load + run) for ${(to - from) / 86_400_000} simulated days`,
    );
    io.result(r.right.report, (v) => human(v as RollSimReport));
    return 0;
  },
};
