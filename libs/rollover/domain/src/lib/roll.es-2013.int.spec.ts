/**
 * End-to-end replay of the December 2013 ES roll on recorded 1-minute trade bars (AlgoSeek via
 * QuantConnect, ../shared/data/market/README.md §7a; the slice in ../../test-data). It holds isolated sessions: 12-02,
 * 12-03 (before the roll window), 12-18 (forced-roll day) and 12-20 (ESZ13 expiry).
 *
 * The exchange calendar library only covers 2024–2027, so the ES rows come as data, worked
 * from the ES rule: last trade = 3rd Friday, roll start / forced roll = 8 / 2 business days
 * before it (DEFAULT_ROLL_POLICY.cash). No exchange holiday falls in those windows (Christmas
 * is after them). Codes are AlgoSeek's (`ESZ13`), which the decider treats as opaque.
 *
 * Virtual time: each bar minute is `now`. Fill model: a target is filled at the close of the
 * next bar of that contract (same minute if there is one); until then it is "in execution".
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as zlib from 'node:zlib';
import * as E from 'fp-ts/Either';
import { chicagoDateOf, DEFAULT_ROLL_POLICY } from '@keel/calendar';
import { contractCalendar, RollContract } from './roll.contracts';
import { decide, RollCommand } from './roll.decide';
import { evolve, initialState, RollEvent, RollState } from './roll.state';

// The December 2013 slice of the recorded file, kept in the project (test-data/README.md says how it was cut).
const FILE = path.resolve(
  __dirname,
  '../../test-data/cme-es-1m-tradebars-algoseek-2013-12-01_2013-12-20.csv.gz',
);
const FROM = Date.parse('2013-12-01T00:00:00Z');
const TO = Date.parse('2013-12-21T00:00:00Z');

interface Bar {
  readonly ts: number;
  readonly contract: string;
  readonly close: number;
}

const readBars = async (): Promise<readonly Bar[]> => {
  // A missing file must fail the test at once (a read stream's open error never reaches readline).
  await fs.promises.access(FILE, fs.constants.R_OK);
  const input = fs.createReadStream(FILE).pipe(zlib.createGunzip());
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  const bars: Bar[] = [];
  for await (const line of lines) {
    if (line.startsWith('timestamp_utc')) continue;
    const [t, contract, , , , , close] = line.split(',');
    const ts = Date.parse(t ?? '');
    if (ts < FROM) continue;
    if (ts >= TO) break; // the file is in time order: stop after the range
    bars.push({ ts, contract: contract ?? '', close: Number(close) });
  }
  input.destroy();
  return bars;
};

// ES rule: 3rd Friday; roll start 8, forced roll 2 business days before (no holidays in the windows).
const cash = DEFAULT_ROLL_POLICY.cash;
expect(cash).toEqual({ rollStartBusinessDays: 8, forcedRollBusinessDays: 2 });
const ES_ROWS: readonly RollContract[] = [
  {
    code: 'ESZ13',
    settlement: 'cash',
    lastTradeDate: '2013-12-20',
    firstNoticeDate: null,
    rollStartDate: '2013-12-10',
    forcedRollDate: '2013-12-18',
    deliveryAlertDate: null,
  },
  {
    code: 'ESH14',
    settlement: 'cash',
    lastTradeDate: '2014-03-21',
    firstNoticeDate: null,
    rollStartDate: '2014-03-11',
    forcedRollDate: '2014-03-19',
    deliveryAlertDate: null,
  },
  {
    code: 'ESM14',
    settlement: 'cash',
    lastTradeDate: '2014-06-20',
    firstNoticeDate: null,
    rollStartDate: '2014-06-10',
    forcedRollDate: '2014-06-18',
    deliveryAlertDate: null,
  },
];
const EXPOSURE = 3;
/** Longest a target may stay unfilled before the exposure check applies again. */
const EXECUTION_WINDOW_MS = 30 * 60_000;

describe('ES December 2013 roll, replayed on recorded 1-minute bars', () => {
  it('keeps +3 ES every minute, moves Z3 to H4 in the roll window, leaves nothing in Z3 after its cutoff', async () => {
    const bars = await readBars();
    expect(bars.length).toBeGreaterThan(5000);
    const cal = contractCalendar('ES', 'ES.c.0', ES_ROWS);
    if (E.isLeft(cal)) throw new Error(JSON.stringify(cal.left));
    const d = decide({ accountId: 'sim', calendar: cal.right, horizonSec: 900 });

    let state: RollState = initialState;
    const log: RollEvent[] = [];
    const step = (cmd: RollCommand): void => {
      const r = d(cmd, state);
      if (E.isLeft(r)) throw new Error(JSON.stringify(r.left));
      log.push(...r.right);
      state = r.right.reduce(evolve, state);
    };
    const positions: Record<string, number> = {};
    const pendingSince = new Map<string, number>();
    const exposure = () => Object.values(positions).reduce((a, b) => a + b, 0);
    let checkedMinutes = 0;
    const violations: string[] = [];
    let firstH4Date: string | undefined;

    for (let i = 0; i < bars.length;) {
      const ts = bars[i]?.ts ?? 0;
      const minute: Bar[] = [];
      while (i < bars.length && bars[i]?.ts === ts) minute.push(bars[i++] as Bar);
      step({ type: 'SetExposure', now: ts, qty: EXPOSURE });
      // Fill any target whose contract printed this minute.
      for (const [code, target] of Object.entries(state.targets)) {
        if ((positions[code] ?? 0) === target) continue;
        if (!pendingSince.has(code)) pendingSince.set(code, ts);
        if (minute.some((b) => b.contract === code)) {
          positions[code] = target;
          pendingSince.delete(code);
        }
      }
      step({ type: 'ObservePositions', now: ts, positions: { ...positions } });

      const date = chicagoDateOf(ts);
      const oldestPending = Math.min(...pendingSince.values());
      const at = new Date(ts).toISOString();
      if (pendingSince.size === 0) {
        if (exposure() !== EXPOSURE) violations.push(`${at}: exposure ${exposure()}`);
        checkedMinutes++;
      } else if (ts - oldestPending > EXECUTION_WINDOW_MS)
        violations.push(`${at}: target unfilled for ${(ts - oldestPending) / 60_000} min`);
      if ((positions['ESH14'] ?? 0) !== 0 && !firstH4Date) firstH4Date = date;
      if (date > '2013-12-18' && (positions['ESZ13'] ?? 0) !== 0)
        violations.push(`${at}: ESZ13 ${positions['ESZ13']} past its forced roll`);
      if (date < '2013-12-10' && (positions['ESZ13'] !== EXPOSURE || exposure() !== EXPOSURE))
        violations.push(`${at}: not all in ESZ13 before the roll start`);
    }

    expect(violations).toEqual([]);
    expect(checkedMinutes).toBeGreaterThan(5000);
    expect(firstH4Date).toBe('2013-12-18'); // the first recorded session inside the window is the forced-roll day
    expect(positions).toEqual({ ESZ13: 0, ESH14: EXPOSURE });
    const kinds = log
      .map((e) => e.type)
      .filter((t) => t !== 'PositionsObserved' && t !== 'ContractTargetSet' && t !== 'ExposureSet');
    expect(kinds).toEqual([
      'ContractMapped',
      'RollScheduled',
      'MigrationStarted',
      'RollCompleted',
      'ContractMapped',
    ]);
    expect(log.find((e) => e.type === 'RollCompleted')).toMatchObject({
      fromContract: 'ESZ13',
      toContract: 'ESH14',
    });
    expect(state).toMatchObject({ status: 'Holding', front: 'ESH14' });
  });
});
