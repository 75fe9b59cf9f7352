/**
 * The CME part of a paper session (`keel demo`): which contracts the CME simulated venue lists,
 * which recorded bars it replays and with which shift, how cme-rollover is set, and where on the
 * session's clock the session starts so that it holds MES in the front month (MESZ5), crosses
 * the 16:00–17:00 CT daily break, and rolls into MESH6 by cme-rollover's own logic. Pure: no
 * file is read here (`cmeModelBars` reads, for the models).
 *
 * Why this window and this shift (docs/cme.md, "Paper session"):
 *  - The only recorded CME data with both contracts of a roll trading is ES on 2013-12-18 (UTC,
 *    one isolated day: 12-17 and 12-19 are missing), ESZ13's own forced-roll day.
 *  - cme-rollover moves an unchanged exposure in one step, on the forced-roll date: from the
 *    roll start only *new* exposure goes into the next contract (`rollWindowSplit`), and from
 *    the first decision on or after 00:00 CT of the forced-roll date whatever is left in the
 *    front is migrated by two linked targets (front → 0, next → the exposure), each worked as a
 *    TWAP over the target horizon. Both dates are Chicago dates: a roll happens only at midnight
 *    CT, a close at 16:00 CT.
 *  - So a window with the front held first, then the close, then the roll spans at least
 *    16:00 CT → 00:00 CT plus the build before and the migration after: about 9 h. The recorded
 *    day, shifted by whole days, has its close *after* its midnight (it runs 18:00 CT → 16:15 CT),
 *    which would need about 17 h. The shift here therefore also moves the time of day: the
 *    recorded 10:00 CT (16:00Z, both contracts trading every minute) lands on the forced-roll
 *    midnight of MESZ5 (2025-12-17 00:00 CT). The session's market hours are the 2025 calendar's
 *    (what the apps use); the data supplies prices only.
 *  - The roll policy `MES:2/2` puts MESZ5's roll start on its forced-roll date (2025-12-17), so
 *    the exposure built the afternoon before goes into MESZ5 (with the calendar default, 8/2,
 *    the roll start is 12-09 and a new exposure would go straight into MESH6).
 *  - Exposure policy: the default (dailyHalt=1): the exposure is held through the daily break;
 *    the break is crossed with MESZ5 held and no order.
 *
 * ES prices are used as MES prices (same index, same tick 0.25; MES multiplier 5).
 */
import { access, constants } from 'node:fs/promises';
import * as E from 'fp-ts/Either';
import {
  addDays,
  chicagoInstant,
  chicagoIso,
  lookupProduct,
  ProductSpec,
  sessionsBetween,
} from '@keel/calendar';
import { describeError } from '@keel/events';
import { resolveRolloverConfig, RollContract } from '@keel/rollover-domain';
import { envNameFor } from '@keel/runtime';
import { instrumentJson, readLines, SimMarketSpec } from '@keel/venue-sim';
import { cmeInstrument } from '../roll-sim/roll-sim.contracts';

export interface CmePlan {
  /** The session clock's start (epoch ms, virtual) chosen so the session crosses a daily close and a roll. */
  readonly clockStart: number;
  /** The session clock's end: clockStart + minutes × 60 000 × speed. */
  readonly clockEnd: number;
  readonly root: string;
  /** One per contract month listed by the CME sim venue: the front (MESZ5) and the next (MESH6). */
  readonly markets: readonly SimMarketSpec[];
  /** KEEL_* settings for the cme-rollover process (roots, accountIds, rollPolicy, exposurePolicy, tickMs, targetHorizonSec). */
  readonly rolloverEnv: Readonly<Record<string, string>>;
  /** Instants on the session clock the report and the invariants name (time order). */
  readonly milestones: readonly CmeMilestone[];
  /** Which file, which contract, which shift — for the report (`DemoDataFile` of demo.record.ts). */
  readonly data: readonly {
    readonly file: string;
    readonly instrument: string;
    readonly venue: string;
    readonly shiftMs: number;
    readonly note?: string;
  }[];
  /** The facts the spec and the invariants check, named. */
  readonly facts: CmeFacts;
}

export type CmeMilestoneKind =
  | 'sessionStart'
  | 'close'
  | 'reopen'
  | 'rollStart'
  | 'forcedRoll'
  | 'rollDoneBy'
  | 'dataEnd'
  | 'sessionEnd'
  | 'lastTrade'
  | 'deliveryCutoff';

export interface CmeMilestone {
  readonly at: number;
  readonly kind: CmeMilestoneKind;
  readonly what: string;
}

export interface CmeFacts {
  readonly front: string;
  readonly next: string;
  /** The recorded contract each listed one replays (ESZ13 → MESZ5, ESH14 → MESH6). */
  readonly recorded: Readonly<Record<string, string>>;
  /** The whole file path both markets replay. */
  readonly file: string;
  readonly shiftMs: number;
  /** The daily break crossed: [close, reopen). */
  readonly close: number;
  readonly reopen: number;
  /** 00:00 CT of the front's forced-roll date: cme-rollover's first decision from then on migrates. */
  readonly forcedRoll: number;
  /** forcedRoll + the target horizon: the migration's TWAPs end by then. */
  readonly rollDoneBy: number;
  /** The recorded data, on the session clock: contiguous (both contracts) over [dataFrom, dataTo). */
  readonly dataFrom: number;
  readonly dataTo: number;
  /** The roll rows cme-rollover decides on with `rolloverEnv` (the front and the next). */
  readonly contracts: readonly RollContract[];
  /** The shortest session (virtual ms) that holds the front, crosses the break and completes the roll. */
  readonly minSpanMs: number;
}

export interface CmePlanOptions {
  /** Virtual ms per wall ms. */
  readonly speed: number;
  /** Wall minutes of the session. */
  readonly minutes: number;
  /** The CME sim venue's name (the instruments' `venue`). */
  readonly venue: string;
  /** The account cme-rollover manages on that venue. */
  readonly accountId: string;
  /** The directory holding the recorded files (../shared/data/market). */
  readonly dataDir: string;
  /** Another file with the same rows for 2013-12-18 (the specs' committed slice); default `dataDir`/CME_BARS_FILE. */
  readonly file?: string;
}

export const CME_ROOT = 'MES';
/** The recorded ES 1-minute trade bars (data/market/README.md §7a). */
export const CME_BARS_FILE = 'cme-es-1m-tradebars-algoseek-2013-10-06_2020-01-06.csv.gz';
/** Roll start = forced roll = 2 business days before MESZ5's last trade (2025-12-17): see the file comment. */
export const CME_ROLL_POLICY = `${CME_ROOT}:2/2`;
export const CME_EXPOSURE_POLICY = 'weekend=0,dailyHalt=1,holiday=0,earlyClose=0,leadMinutes=30';
/** cme-rollover's decision tick and target horizon (the app's defaults). */
export const CME_TICK_MS = 60_000;
export const CME_HORIZON_SEC = 900;
/** A 2-minute session at this speed is 10 h of session time: the window below plus 45 minutes. */
export const RECOMMENDED_SPEED = 300;

const FRONT = { listed: 'MESZ5', recorded: 'ESZ13' } as const;
const NEXT = { listed: 'MESH6', recorded: 'ESH14' } as const;
/** The recorded instant put on MESZ5's forced-roll midnight: 10:00 CT, 2013-12-18. */
const RECORDED_AT_ROLL = Date.parse('2013-12-18T16:00:00Z');
/**
 * The recorded day's contiguous part: from the first bar (18:00 CT of 12-17) to the 15:15 CT
 * halt of 12-18 (the data's own breaks after that would fall inside the session's open hours).
 */
const RECORDED_FROM = Date.parse('2013-12-18T00:00:00Z');
const RECORDED_TO = Date.parse('2013-12-18T21:15:00Z');
const MIN = 60_000;
/** The front is built from at most this long before the close (a 15-minute TWAP and slack). */
const BUILD_BEFORE_CLOSE_MS = 30 * MIN;
/** After the forced roll: the decision tick, the 15-minute migration and slack for its last fills. */
const AFTER_ROLL_MS = 45 * MIN;

const hm = (ms: number): string => {
  const m = Math.round(ms / MIN);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
};
/** `2025-12-16 15:30 CT`. */
const ct = (t: number): string => `${chicagoIso(t).slice(0, 10)} ${chicagoIso(t).slice(11, 16)} CT`;

const positiveNumber = (field: string, v: number): E.Either<string, number> =>
  typeof v === 'number' && Number.isFinite(v) && v > 0
    ? E.right(v)
    : E.left(`${field}: ${JSON.stringify(v)} must be a positive number`);

const aName = (field: string, v: string): E.Either<string, string> =>
  /^[A-Za-z0-9_.:@-]+$/.test(v)
    ? E.right(v)
    : E.left(`${field}: ${JSON.stringify(v)} must be a name ([A-Za-z0-9_.:@-]+)`);

/**
 * The plan for `speed` × `minutes`, or Left naming speed and minutes when the session is too
 * short to hold the front, cross the break and roll (and what would be enough).
 */
export const cmePlan = (o: CmePlanOptions): E.Either<string, CmePlan> => {
  for (const check of [
    positiveNumber('speed', o.speed),
    positiveNumber('minutes', o.minutes),
    aName('venue', o.venue),
    aName('accountId', o.accountId),
  ])
    if (E.isLeft(check)) return check;
  const spec = lookupProduct(CME_ROOT);
  if (E.isLeft(spec)) return E.left(describeError(spec.left));
  const text = {
    roots: CME_ROOT,
    accountIds: o.accountId,
    exposurePolicy: CME_EXPOSURE_POLICY,
    accountExposurePolicies: '',
    rollPolicy: CME_ROLL_POLICY,
  };
  // The rows cme-rollover itself resolves from these settings, not a copy of its rules.
  const resolved = resolveRolloverConfig(text);
  if (E.isLeft(resolved)) return E.left(describeError(resolved.left));
  const rows = resolved.right.calendars.get(CME_ROOT)?.contracts ?? [];
  const front = rows.find((r) => r.code === FRONT.listed);
  const next = rows.find((r) => r.code === NEXT.listed);
  if (front === undefined || next === undefined || rows[rows.indexOf(front) + 1] !== next)
    return E.left(`the ${CME_ROOT} calendar does not list ${FRONT.listed} followed by ${NEXT.listed}`);
  return planFor(o, spec.right, text, front, next);
};

const planFor = (
  o: CmePlanOptions,
  spec: ProductSpec,
  text: { roots: string; accountIds: string; exposurePolicy: string; rollPolicy: string },
  front: RollContract,
  next: RollContract,
): E.Either<string, CmePlan> => {
  const forcedRoll = chicagoInstant(front.forcedRollDate, '00:00');
  const rollStart = chicagoInstant(front.rollStartDate, '00:00');
  // The last break before the forced roll: the session of the previous trade date closes at 16:00 CT.
  const sessions = sessionsBetween(spec.group, addDays(front.forcedRollDate, -3), front.forcedRollDate);
  const before = sessions.filter((s) => s.close <= forcedRoll);
  const last = before[before.length - 1];
  const after = sessions.find((s) => s.open >= (last?.close ?? Infinity));
  if (last === undefined || after === undefined)
    return E.left(
      `no ${spec.group} session closes before ${front.code}'s forced roll ${front.forcedRollDate}`,
    );
  const close = last.close;
  const reopen = after.open;
  const shiftMs = forcedRoll - RECORDED_AT_ROLL;
  const dataFrom = RECORDED_FROM + shiftMs;
  const dataTo = RECORDED_TO + shiftMs;
  const latestStart = close - BUILD_BEFORE_CLOSE_MS;
  const earliestEnd = forcedRoll + AFTER_ROLL_MS;
  const minSpanMs = earliestEnd - latestStart;
  if (rollStart <= latestStart)
    return E.left(
      `${front.code}'s roll start ${front.rollStartDate} is before the session: new exposure would go into ${next.code}`,
    );

  const span = Math.floor(o.minutes * 60_000 * o.speed);
  if (span < minSpanMs) {
    const speedNeeded = Math.ceil(minSpanMs / (o.minutes * 60_000));
    const minutesNeeded = Math.ceil((minSpanMs / (o.speed * 60_000)) * 10) / 10;
    return E.left(
      `speed ${o.speed} × minutes ${o.minutes} is ${hm(span)} of session time; the CME part needs at least ${hm(minSpanMs)} ` +
        `(build ${front.code} by ${ct(latestStart)}, cross the ${ct(close)}–${ct(reopen).slice(11)} break, ` +
        `roll into ${next.code} at ${ct(forcedRoll)}): use --speed ${speedNeeded} or more for --minutes ${o.minutes}, ` +
        `or --minutes ${minutesNeeded} or more at --speed ${o.speed}`,
    );
  }
  // Extra time: half before the build, half after the roll, within the recorded data where it allows.
  const extra = span - minSpanMs;
  const roomBefore = Math.max(0, latestStart - dataFrom);
  const roomAfter = Math.max(0, dataTo - earliestEnd);
  const half = Math.floor(extra / 2 / MIN) * MIN;
  const afterPart = Math.min(extra - half, roomAfter);
  const beforePart = Math.min(Math.floor((extra - afterPart) / MIN) * MIN, roomBefore);
  const clockStart = latestStart - beforePart;
  const clockEnd = clockStart + span;

  const file = o.file ?? `${o.dataDir.replace(/\/+$/, '')}/${CME_BARS_FILE}`;
  const listed = [
    { row: front, recorded: FRONT.recorded },
    { row: next, recorded: NEXT.recorded },
  ];
  const markets: SimMarketSpec[] = listed.map(({ row, recorded }) => ({
    instrument: instrumentJson({ ...cmeInstrument(spec, row), venue: o.venue }),
    source: { kind: 'bars', file, contract: recorded },
    shiftMs,
    from: clockStart,
  }));
  const shiftDays = Math.floor(shiftMs / 86_400_000);
  const shiftText = `${shiftMs} ms (${shiftDays} days + ${hm(shiftMs - shiftDays * 86_400_000)})`;
  const data = listed.map(({ row, recorded }) => ({
    file,
    instrument: row.code,
    venue: o.venue,
    shiftMs,
    note:
      `${recorded} 1-minute trade bars of 2013-12-18 (UTC; ESZ13's forced-roll day) replayed as ${row.code}, ` +
      `shifted by ${shiftText}: recorded 2013-12-18 10:00 CT = ${ct(forcedRoll)} (${front.code}'s forced roll). ` +
      `The shift moves the time of day (hours are the 2025 calendar's; the data supplies prices): ` +
      `contiguous from ${ct(dataFrom)} to ${ct(dataTo)}. ES prices as MES prices.`,
  }));
  const milestones = milestonesOf(spec, front, next, {
    clockStart,
    clockEnd,
    close,
    reopen,
    rollStart,
    forcedRoll,
    dataTo,
  });
  return E.right({
    clockStart,
    clockEnd,
    root: CME_ROOT,
    markets,
    rolloverEnv: {
      [envNameFor('KEEL_', 'roots')]: text.roots,
      [envNameFor('KEEL_', 'accountIds')]: text.accountIds,
      [envNameFor('KEEL_', 'rollPolicy')]: text.rollPolicy,
      [envNameFor('KEEL_', 'exposurePolicy')]: text.exposurePolicy,
      [envNameFor('KEEL_', 'accountExposurePolicies')]: '',
      [envNameFor('KEEL_', 'tickMs')]: String(CME_TICK_MS),
      [envNameFor('KEEL_', 'targetHorizonSec')]: String(CME_HORIZON_SEC),
    },
    milestones,
    data,
    facts: {
      front: front.code,
      next: next.code,
      recorded: { [front.code]: FRONT.recorded, [next.code]: NEXT.recorded },
      file,
      shiftMs,
      close,
      reopen,
      forcedRoll,
      rollDoneBy: forcedRoll + CME_TICK_MS + CME_HORIZON_SEC * 1000,
      dataFrom,
      dataTo,
      contracts: [front, next],
      minSpanMs,
    },
  });
};

/** The instants the report and the invariants name, in time order. */
const milestonesOf = (
  spec: ProductSpec,
  front: RollContract,
  next: RollContract,
  at: {
    readonly clockStart: number;
    readonly clockEnd: number;
    readonly close: number;
    readonly reopen: number;
    readonly rollStart: number;
    readonly forcedRoll: number;
    readonly dataTo: number;
  },
): readonly CmeMilestone[] => {
  const { clockStart, clockEnd, close, reopen, rollStart, forcedRoll, dataTo } = at;
  const cutoffOf = (r: RollContract): CmeMilestone =>
    r.settlement === 'physical'
      ? {
          at: chicagoInstant(r.forcedRollDate, '00:00'),
          kind: 'deliveryCutoff',
          what: `${r.code} delivery cutoff: no new exposure from its forced-roll date ${r.forcedRollDate}`,
        }
      : {
          at: chicagoInstant(r.lastTradeDate, spec.lastTradeTime),
          kind: 'deliveryCutoff',
          what: `${r.code} is cash-settled: no delivery cutoff (only its expiry)`,
        };
  const milestones: CmeMilestone[] = [
    {
      at: clockStart,
      kind: 'sessionStart',
      what: `session start: ${CME_ROOT} exposure is built in ${front.code}`,
    },
    {
      at: close,
      kind: 'close',
      what: `CME equity daily break starts (16:00 CT): ${front.code} held (dailyHalt=1), no orders`,
    },
    { at: reopen, kind: 'reopen', what: 'CME equity reopens (17:00 CT)' },
    {
      at: rollStart,
      kind: 'rollStart',
      what: `${front.code} roll start (${CME_ROLL_POLICY}): new exposure goes into ${next.code}`,
    },
    {
      at: forcedRoll,
      kind: 'forcedRoll',
      what: `${front.code} forced roll: the first cme-rollover decision from 00:00 CT migrates ${front.code} → ${next.code} (linked targets)`,
    },
    {
      at: forcedRoll + CME_TICK_MS + CME_HORIZON_SEC * 1000,
      kind: 'rollDoneBy',
      what: `the migration's TWAPs end (decision tick + ${CME_HORIZON_SEC} s horizon); ${front.code} flat from then on`,
    },
    { at: dataTo, kind: 'dataEnd', what: 'the recorded CME data ends (no CME prices after)' },
    { at: clockEnd, kind: 'sessionEnd', what: 'session end' },
    {
      at: chicagoInstant(front.lastTradeDate, spec.lastTradeTime),
      kind: 'lastTrade',
      what: `${front.code} last trade (${front.lastTradeDate} ${spec.lastTradeTime} CT)`,
    },
    cutoffOf(front),
    cutoffOf(next),
  ];
  milestones.sort((a, b) => a.at - b.at);
  return milestones;
};

/** One bar a model may read: its close time on the session clock and its close price. */
export interface CmeModelBar {
  readonly t: number;
  readonly close: number;
  /** The listed contract the price is of (the front: MESZ5 until the forced roll, then MESH6). */
  readonly contract: string;
}

/**
 * The recorded bars a model may use for `CME:<root>` predictions: the front contract's bars,
 * shifted, from `warmupMs` before the session up to its end, in time order. The front is the
 * one cme-rollover holds: MESZ5 before the forced roll, MESH6 from it (the series jumps by the
 * calendar spread there; it is not back-adjusted). A bar is yielded at its close (open + 1 min).
 * Throws from the iterator on an unreadable file, or with the file and line on a bad row.
 */
export async function* cmeModelBars(
  plan: CmePlan,
  o: { readonly warmupMs?: number } = {},
): AsyncGenerator<CmeModelBar> {
  const { facts } = plan;
  const from = plan.clockStart - (o.warmupMs ?? 0);
  const to = plan.clockEnd;
  const byRecorded = new Map(Object.entries(facts.recorded).map(([listed, rec]) => [rec, listed]));
  // A missing file must fail here: a read stream's open error does not reach readline.
  await access(facts.file, constants.R_OK);
  let n = 0;
  for await (const line of readLines(facts.file)) {
    n++;
    if (n === 1 || line.trim() === '') continue;
    const cols = line.split(',');
    const listed = byRecorded.get(cols[1] ?? '');
    if (listed === undefined) continue;
    const recordedOpen = Date.parse(cols[0] ?? '');
    const close = Number(cols[6]);
    if (!Number.isFinite(recordedOpen) || !Number.isFinite(close) || close <= 0)
      throw new Error(`${facts.file}:${n}: not a bar row: ${JSON.stringify(line)}`);
    const t = recordedOpen + MIN + facts.shiftMs;
    if (t > to) break; // time order
    if (t < from) continue;
    const frontNow = t < facts.forcedRoll ? facts.front : facts.next;
    if (listed === frontNow) yield { t, close, contract: listed };
  }
}
