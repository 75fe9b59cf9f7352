/**
 * The `keel roll-sim` harness: a CME roll end to end in one process under a virtual clock, run
 * by the engines that trade (@keel/simulation `runRoll`: cme-rollover, execution and the
 * gateway's venue engine in the in-process kernel, on a simulated venue with one market per
 * contract replaying bars made into quotes and prints, @keel/simulation `bars.ts`). The
 * optimizer's `CME:<ROOT>` exposure is the input; everything after it happens as across the
 * app processes. This file holds no decision loop: it makes the bars into markets, looks at
 * the venue and the engines every minute, and reads the report out of the run's event log.
 *
 * Market hours: `calendar` — the @keel/calendar sessions and the account's exposure policy
 * (2024–2027); `data` — for periods the calendar does not cover (the 2013 ES data), sessions
 * read from the recorded bars, handed to the engines as their hours (the exposure is held
 * through every closure, a target set while closed applies at the next open, and execution
 * pauses while closed).
 *
 * Deterministic: no wall clock, no randomness; ids derive from their causes; the same input
 * gives the same report, byte for byte.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { RecordedEvent } from '@keel/events';
import { foldLog } from '@keel/event-store';
import { targetAt } from '@keel/execution-domain';
import { ContractCalendar, desiredAt, effectiveExposure, ExposurePolicy } from '@keel/rollover-domain';
import {
  Bar,
  barEvents,
  calendarSessions,
  DesiredExposure,
  recordedHours,
  ROLL_ACCOUNT,
  RollHours,
  RollProbe,
  runRoll,
  SessionWindow,
} from '@keel/simulation';
import { Instrument } from '@keel/venue-domain';

export { calendarSessions } from '@keel/simulation';
export type { DesiredExposure } from '@keel/simulation';

export type MarketHours = RollHours;

export interface RollSimInput {
  readonly root: string;
  readonly calendar: ContractCalendar;
  /** One per contract of the calendar that is to be traded; the bars of other codes are dropped. */
  readonly instruments: readonly Instrument[];
  /** Time order. */
  readonly bars: readonly Bar[];
  readonly barMs: number;
  readonly hours: MarketHours;
  /** Used with `calendar` hours. */
  readonly policy: ExposurePolicy;
  readonly desired: readonly DesiredExposure[];
  /** Epoch ms, whole minutes. */
  readonly from: number;
  readonly to: number;
  /** cme-rollover's decision timer (whole minutes). */
  readonly decideEveryMs: number;
  /** Upper bound of a contract target's horizon (cme-rollover's `targetHorizonSec`). */
  readonly horizonSec: number;
  /** One-way order latency of the venue. */
  readonly latencyMs: number;
  /** Execution's decision tick (the app's `tickMs`). */
  readonly tickMs: number;
  /** The gateway's polling cycle (the app's `cycleMs`). */
  readonly cycleMs: number;
  /** Execution's TWAP slice length (the app's `sliceMs`). */
  readonly sliceMs: number;
  /** The oldest touch execution trades on, venue time (the app's `quoteMaxAgeMs`). */
  readonly quoteMaxAgeMs: number;
}

/**
 * cme-rollover's tick and horizon and the venue's latency are the apps' defaults. The gateway's
 * cycle and execution's tick are coarser than the apps' 1 s: the replay moves every 15 s (a
 * 1-minute bar is four points, bars.ts), so polling every second records nothing new 14 times
 * out of 15. 10 s is as coarse as a leg can go and still complete by its deadline: the final
 * sweep starts 30 s before it (`finalSweepMs`, at most half a 60 s slice) and cancels, then
 * takes, each seen at the next poll and acted on at the next tick (half a period later), so it
 * needs about 2.5 ticks (at 15 s the legs complete 7.5 s late). Slices stay the app's 60 s.
 * The touch may be as old as `quoteMaxAgeFor` (30 s for 1-minute bars).
 */
export const ROLL_SIM_DEFAULTS = {
  decideEveryMs: 60_000,
  horizonSec: 900,
  latencyMs: 20,
  tickMs: 10_000,
  cycleMs: 10_000,
  sliceMs: 60_000,
  quoteMaxAgeMs: 30_000,
} as const;

/**
 * The oldest touch worth trading on in a replay of `barMs` bars: a point of a bar is up to
 * ¼ bar old when the gateway polls, and execution decides up to a cycle plus half a tick after
 * the poll. The apps' 10 s would leave most ticks without a touch (a 1-minute bar's points are
 * 15 s apart; the GC spec's 5-minute bars', 75 s).
 */
export const quoteMaxAgeFor = (barMs: number, cycleMs: number, tickMs: number): number =>
  Math.floor(barMs / 4) + cycleMs + Math.floor(tickMs / 2);

export interface WorkingContract {
  readonly contract: string;
  readonly state: 'waiting' | 'working' | 'superseding';
  readonly scheduledRemaining: number;
  readonly sliceLots: number;
}

/** One minute of the run, after everything due at that minute was processed. */
export interface MinuteSample {
  readonly t: number;
  readonly open: boolean;
  /**
   * The exposure the account's policy asks for now (whole contracts), from the optimizer's
   * target in force (cme-rollover's fold, `desiredAt`); null while none is.
   */
  readonly desired: number | null;
  /** Contract targets in force (cme-rollover's fold). */
  readonly targets: Readonly<Record<string, number>>;
  /** The venue's positions (non-zero only). */
  readonly positions: Readonly<Record<string, number>>;
  /**
   * Contracts with a target not yet reached: how far the TWAP schedule still has to go (whole
   * lots, rounded up; the whole change for a target no parent order works on, or for a
   * superseded order's children) and the schedule's slice size (whole lots, rounded up; 0 when
   * there is no schedule).
   */
  readonly working: readonly WorkingContract[];
}

export interface ParentRecord {
  readonly contract: string;
  readonly parentId: string;
  readonly start: string;
  readonly deadline: string;
  readonly fromPosition: string;
  readonly targetPosition: string;
  finishedAt: string | null;
  reason: string | null;
  filled: string;
  residual: string | null;
  children: number;
}

export interface RollSimReport {
  readonly root: string;
  readonly hours: MarketHours['kind'];
  readonly from: string;
  readonly to: string;
  readonly contracts: readonly string[];
  readonly bars: number;
  readonly marketEvents: number;
  readonly sessions: number;
  /** cme-rollover's catalog events other than ContractTargetSet, in order. */
  readonly rollEvents: readonly { readonly at: string; readonly type: string; readonly data: unknown }[];
  readonly contractTargets: readonly {
    readonly at: string;
    readonly instrument: string;
    readonly targetQty: string;
    readonly horizonSec: number;
    readonly linkId: string | null;
  }[];
  readonly parents: readonly ParentRecord[];
  readonly fills: Readonly<
    Record<
      string,
      {
        count: number;
        bought: string;
        sold: string;
        makerQty: string;
        avgBuy: string | null;
        avgSell: string | null;
      }
    >
  >;
  readonly finalPositions: Readonly<Record<string, string>>;
  /** Change of the account's USD balance: realised PnL of closed contracts (fees are 0, see roll-sim.contracts.ts). */
  readonly realisedPnlUsd: string;
  readonly exposure: {
    readonly minutes: number;
    /** Minutes where the held exposure differed from the desired one. */
    readonly minutesOff: number;
    readonly maxAbsDeviation: number;
    /** Minutes outside `withinTolerance` (0 expected). */
    readonly minutesBeyondTolerance: number;
  };
  /** Targets execution rejected and decisions the engines refused (0 expected), with their reasons. */
  readonly refused: readonly string[];
}

export interface RollSimResult {
  readonly report: RollSimReport;
  readonly samples: readonly MinuteSample[];
}

/**
 * The TWAP tolerance of one minute. Held = Σ positions, desired = Σ contract targets (the
 * rollover keeps them equal). With no target in execution the two must be equal. Otherwise
 * each contract in execution may still be off its target by what its TWAP schedule has not
 * reached yet plus one slice: the decider catches up when it trails the schedule by more than
 * 0.75 slice (normal urgency) and posts passively at most one slice ahead (execution's slices
 * are one minute, `targetStep`, so a slice is at most one lot for these sizes); a target no
 * parent order works on yet counts in full.
 */
export const toleranceOf = (s: MinuteSample): number =>
  s.working.reduce((a, w) => a + w.scheduledRemaining + w.sliceLots, 0);

export const heldOf = (s: MinuteSample): number => Object.values(s.positions).reduce((a, q) => a + q, 0);

export const withinTolerance = (s: MinuteSample): boolean =>
  s.desired === null ? heldOf(s) === 0 : Math.abs(heldOf(s) - s.desired) <= toleranceOf(s);

const MINUTE = 60_000;
const INITIAL_USD = '1000000000';
const iso = (t: number): string => new Date(t).toISOString();
const num = (d: Decimal): number => d.toNumber();

/** One minute as the observer sees it: the venue's positions, the fold's targets, execution's schedules. */
const sampleOf = (
  input: RollSimInput,
  exposureAt: ExposureAt,
  t: number,
  open: boolean,
  p: RollProbe,
): MinuteSample => {
  const positions: Record<string, number> = {};
  for (const x of p.positions) if (!x.qty.isZero()) positions[x.symbol] = num(x.qty);
  const book = p.rollover.books[ROLL_ACCOUNT]?.[input.root];
  const targets = { ...(book?.roll.targets ?? {}) };
  const inForce = book === undefined ? null : desiredAt(book, t);
  const held = Object.values(book?.roll.positions ?? {}).reduce((a, q) => a + q, 0);
  const exposure = inForce === null ? null : exposureAt(inForce, t, held);
  const working: WorkingContract[] = [];
  for (const i of input.instruments) {
    const contract = i.symbol;
    const s = p.aggregate(contract)?.state;
    if (s?.status === 'Working') {
      const sch = s.schedule;
      working.push({
        contract,
        state: 'working',
        scheduledRemaining: num(sch.total.minus(targetAt(sch, t)).ceil()),
        sliceLots: num(sch.total.minus(sch.base).div(sch.weights.length).ceil()),
      });
    } else if (s?.status === 'Superseding')
      working.push({
        contract,
        state: 'superseding',
        scheduledRemaining: num(s.next.targetPosition.minus(s.position).abs().ceil()),
        sliceLots: 0,
      });
    else {
      const target = targets[contract];
      if (target !== undefined && target !== (positions[contract] ?? 0))
        working.push({
          contract,
          state: 'waiting',
          scheduledRemaining: Math.abs(target - (positions[contract] ?? 0)),
          sliceLots: 0,
        });
    }
  }
  return { t, open, desired: exposure, targets, positions, working };
};

type ExposureAt = (desired: string, now: number, current: number) => number | null;

const exposureOf = (input: RollSimInput, ws: readonly SessionWindow[]): ExposureAt => {
  if (input.hours.kind === 'data') {
    const at = recordedHours(ws, [], input.to).rollover.exposureAt(input.root);
    return (d, now, current) =>
      E.match(
        () => null,
        (x: { contracts: number }) => x.contracts,
      )(at(d, now, current));
  }
  return (d, now, current) =>
    E.match(
      () => null,
      (x: { contracts: number }) => x.contracts,
    )(effectiveExposure(input.policy, input.root, d, now, { current }));
};

const isOpen = (ws: readonly SessionWindow[], t: number): boolean =>
  ws.some((w) => t >= w.open && t < w.close);

/** The run's log, as the report reads it: the roll's facts, contract targets, parent orders, refusals. */
const fromLog = (events: readonly RecordedEvent[]) => {
  const rollEvents: { at: string; type: string; data: unknown }[] = [];
  const contractTargets: {
    at: string;
    instrument: string;
    targetQty: string;
    horizonSec: number;
    linkId: string | null;
  }[] = [];
  const parents: ParentRecord[] = [];
  const parentById = new Map<string, ParentRecord>();
  const refused: string[] = [];
  for (const e of events) {
    if (e.type === 'ContractTargetSet') {
      const d = e.data;
      contractTargets.push({
        at: e.occurredAt,
        instrument: d.instrument,
        targetQty: d.targetQty,
        horizonSec: d.horizonSec,
        linkId: d.linkId,
      });
    } else if (e.producer === 'cme-rollover')
      rollEvents.push({ at: e.occurredAt, type: e.type, data: e.data });
    else if (e.type === 'ParentOrderStarted') {
      const d = e.data;
      const p: ParentRecord = {
        contract: d.instrument,
        parentId: d.parentOrderId,
        start: d.start,
        deadline: d.deadline,
        fromPosition: d.fromPosition,
        targetPosition: d.targetPosition,
        finishedAt: null,
        reason: null,
        filled: '0',
        residual: null,
        children: 0,
      };
      parents.push(p);
      parentById.set(p.parentId, p);
    } else if (e.type === 'ChildOrderRequested') {
      const p = parentById.get(e.data.parentOrderId);
      if (p) p.children++;
    } else if (e.type === 'ParentOrderCompleted') {
      const p = parentById.get(e.data.parentOrderId);
      if (p) {
        p.finishedAt = e.occurredAt;
        p.reason = e.data.reason;
        p.filled = e.data.filled;
        p.residual = e.data.residual;
      }
    } else if (e.type === 'ParentOrderRejected')
      refused.push(
        `${e.occurredAt} ${e.data.instrument} target ${e.data.targetId} rejected: ${e.data.reason}`,
      );
  }
  return { rollEvents, contractTargets, parents, refused };
};

const REPORTED = [
  'ContractTargetSet',
  'ContractMapped',
  'RollScheduled',
  'RollCompleted',
  'DeliveryRiskAlert',
  'ParentOrderStarted',
  'ChildOrderRequested',
  'ParentOrderCompleted',
  'ParentOrderRejected',
] as const;

export const runRollSim = async (input: RollSimInput): Promise<E.Either<string, RollSimResult>> => {
  const { root, calendar, instruments, from, to } = input;
  if (from % MINUTE !== 0 || to % MINUTE !== 0 || to <= from)
    return E.left('from and to must be whole minutes with from < to');
  if (input.decideEveryMs % MINUTE !== 0 || input.decideEveryMs <= 0)
    return E.left('decideEveryMs must be whole minutes');
  const windows =
    input.hours.kind === 'data' ? E.right(input.hours.sessions) : calendarSessions(root, from, to);
  if (E.isLeft(windows)) return windows;
  const ws = windows.right;
  const codes = new Set(instruments.map((i) => i.symbol));
  for (const c of codes)
    if (!calendar.contracts.some((r) => r.code === c))
      return E.left(`instrument ${c} is not a contract of the ${root} calendar`);

  // One simulated market per contract, on its bars.
  const byContract = new Map<string, Bar[]>();
  for (const b of input.bars)
    if (codes.has(b.contract))
      (byContract.get(b.contract) ?? byContract.set(b.contract, []).get(b.contract))?.push(b);
  const markets = instruments.map((instrument) => ({
    instrument,
    events: barEvents(byContract.get(instrument.symbol) ?? [], instrument.tickSize, input.barMs),
  }));

  const samples: MinuteSample[] = [];
  const exposureAt = exposureOf(input, ws);
  const run = await runRoll({
    root,
    calendar,
    markets,
    hours: input.hours,
    policy: input.policy,
    desired: input.desired,
    from,
    to,
    decideEveryMs: input.decideEveryMs,
    horizonSec: input.horizonSec,
    latencyMs: input.latencyMs,
    tickMs: input.tickMs,
    cycleMs: input.cycleMs,
    sliceMs: input.sliceMs,
    quoteMaxAgeMs: input.quoteMaxAgeMs,
    initialUsd: INITIAL_USD,
    sampleEveryMs: MINUTE,
    onSample: (t, p) => samples.push(sampleOf(input, exposureAt, t, isOpen(ws, t), p)),
  });
  if (E.isLeft(run)) return run;
  const { fills, positions, balances, errors, simulation } = run.right;

  const read = await foldLog(
    simulation.ports.store,
    [] as RecordedEvent[],
    (acc, e) => {
      acc.push(e);
      return acc;
    },
    { filter: { eventTypes: REPORTED } },
  )();
  if (E.isLeft(read)) return E.left(`reading the run's log: ${read.left.message}`);
  const log = fromLog(read.right.state);

  const perContract: Record<
    string,
    {
      count: number;
      bought: Decimal;
      sold: Decimal;
      makerQty: Decimal;
      buyNotional: Decimal;
      sellNotional: Decimal;
    }
  > = {};
  for (const f of fills) {
    const p = (perContract[f.symbol] ??= {
      count: 0,
      bought: new Decimal(0),
      sold: new Decimal(0),
      makerQty: new Decimal(0),
      buyNotional: new Decimal(0),
      sellNotional: new Decimal(0),
    });
    p.count++;
    if (f.side === 'buy') {
      p.bought = p.bought.plus(f.qty);
      p.buyNotional = p.buyNotional.plus(f.qty.times(f.price));
    } else {
      p.sold = p.sold.plus(f.qty);
      p.sellNotional = p.sellNotional.plus(f.qty.times(f.price));
    }
    if (f.liquidity === 'maker') p.makerQty = p.makerQty.plus(f.qty);
  }
  const usd = balances.find((b) => b.asset === 'USD')?.total;
  const off = samples.filter((x) => x.desired !== null && heldOf(x) !== x.desired);
  const report: RollSimReport = {
    root,
    hours: input.hours.kind,
    from: iso(from),
    to: iso(to),
    contracts: instruments.map((i) => i.symbol),
    bars: input.bars.filter((b) => codes.has(b.contract)).length,
    marketEvents: markets.reduce((a, m) => a + m.events.length, 0),
    sessions: ws.filter((w) => w.close > from && w.open < to).length,
    rollEvents: log.rollEvents,
    contractTargets: log.contractTargets,
    parents: log.parents,
    fills: Object.fromEntries(
      Object.keys(perContract)
        .sort()
        .map((c) => {
          const p = perContract[c] as (typeof perContract)[string];
          return [
            c,
            {
              count: p.count,
              bought: p.bought.toString(),
              sold: p.sold.toString(),
              makerQty: p.makerQty.toString(),
              avgBuy: p.bought.isZero() ? null : p.buyNotional.div(p.bought).toDecimalPlaces(4).toString(),
              avgSell: p.sold.isZero() ? null : p.sellNotional.div(p.sold).toDecimalPlaces(4).toString(),
            },
          ];
        }),
    ),
    finalPositions: Object.fromEntries(positions.map((p) => [p.symbol, p.qty.toString()])),
    realisedPnlUsd: usd === undefined ? 'unknown' : usd.minus(INITIAL_USD).toString(),
    exposure: {
      minutes: samples.length,
      minutesOff: off.length,
      maxAbsDeviation: off.reduce((m, x) => Math.max(m, Math.abs(heldOf(x) - (x.desired as number))), 0),
      minutesBeyondTolerance: samples.filter((x) => !withinTolerance(x)).length,
    },
    refused: [...log.refused, ...errors],
  };
  return E.right({ report, samples });
};
