/**
 * The `keel roll-sim` harness: a CME roll end to end in one process under a virtual clock,
 * with the real parts and a thin loop standing in for the apps between them:
 *
 *   optimizer's CME:<ROOT> exposure (TargetPositionSet, given as input)
 *     → cme-rollover: foldRollover + decideBook (@keel/rollover-domain) → ContractTargetSet per contract
 *     → execution: one parent-order aggregate per contract (@keel/execution-domain), each
 *       ContractTargetSet a SetTarget, Ticks on a new touch, a venue answer or nextWakeAt
 *     → gateway: prepareOrder (@keel/venue-domain) → the simulated venue (@keel/venue-sim),
 *       one simulated market per contract, replaying bars turned into quotes and prints
 *       (roll-sim.bars.ts says how, and what is synthetic about it)
 *     → fills → the venue's positions as a PositionSnapshot → foldRollover → decideBook again.
 *
 * The loop is the shells' part, kept as close to the apps as a single process allows:
 *  - cme-rollover decides every `decideEveryMs` (its timer) and after every PositionSnapshot
 *    (its reaction), on the fold of the events so far; its writes are folded back at once.
 *  - execution starts a SetTarget at once while the contract's market is open; a target that
 *    arrives while it is closed waits for the open (the newest replaces an older one), and its
 *    deadline is cut at the session's close. Working parents are paused at a close and
 *    resumed at the open (the decider's Pause/Resume 'market').
 *  - market hours: `calendar` — the @keel/calendar sessions and the account's exposure policy
 *    (2024–2027); `data` — for periods the calendar does not cover (the 2013 ES data), the
 *    sessions are read from the recorded bars and the exposure is held through every closure
 *    (multiplier 1: the data does not say whether a pause is a halt, a weekend or a holiday, and
 *    it is reported as `dailyHalt`, the one closed state whose default multiplier is 1).
 *
 * Deterministic: no wall clock, no randomness; ids derive from their causes; the same input
 * gives the same report, byte for byte.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import {
  DEFAULT_HYSTERESIS,
  productSpec,
  roundContracts,
  sessionsBetween,
  chicagoDateOf,
  addDays,
} from '@keel/calendar';
import { deriveId, describeError, KeelError, newEvent, NewEvent } from '@keel/events';
import {
  DEFAULT_POLICY,
  defaultExecutionConfig,
  handle,
  initialState as initialParentState,
  nextWakeAt,
  ParentOrderCommand,
  ParentOrderEvent,
  ParentOrderState,
  targetAt,
  Touch,
} from '@keel/execution-domain';
import {
  ContractCalendar,
  decideBook,
  desiredAt,
  EffectiveExposure,
  ExposurePolicy,
  foldRollover,
  initialRolloverState,
  RolloverState,
  rootInstrument,
} from '@keel/rollover-domain';
import { createVirtualClock } from '@keel/clock';
import { Fill, Instrument } from '@keel/venue-domain';
import { createSimulatedVenue, NO_IMPACT, SimulatedVenue } from '@keel/venue-sim';
import { Bar, barEvents, SessionWindow } from './roll-sim.bars';
import { SIM_VENUE } from './roll-sim.contracts';
import { createTracker, sendToVenue } from '../sim/venue-io';

/** A `CME:<ROOT>` target of the optimizer (whole contracts of exposure, signed), from `at` on. */
export interface DesiredExposure {
  readonly at: number;
  readonly qty: string;
}

export type MarketHours =
  { readonly kind: 'calendar' } | { readonly kind: 'data'; readonly sessions: readonly SessionWindow[] };

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
  /** Execution's tick while a parent order is working. */
  readonly tickMs: number;
}

export const ROLL_SIM_DEFAULTS = {
  decideEveryMs: 60_000,
  horizonSec: 900,
  latencyMs: 20,
  tickMs: 1000,
} as const;

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
  /** The exposure in force (whole contracts) at cme-rollover's last decision; null before the first. */
  readonly desired: number | null;
  /** Contract targets in force (cme-rollover's fold). */
  readonly targets: Readonly<Record<string, number>>;
  /** The venue's positions (non-zero only). */
  readonly positions: Readonly<Record<string, number>>;
  /**
   * Contracts with a target not yet reached by execution: how far the TWAP schedule still has
   * to go (whole lots, rounded up; the whole change for a target waiting for the open or for a
   * superseded order's children) and the schedule's slice size (whole lots, rounded up; 0 when
   * there is no schedule yet).
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
  /** Commands the deciders refused (0 expected), with their reasons. */
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
 * 0.75 slice (normal urgency) and posts passively at most one slice ahead (here a slice is one
 * lot unless the horizon has fewer minutes than lots to trade); a target waiting for the open
 * counts in full.
 */
export const toleranceOf = (s: MinuteSample): number =>
  s.working.reduce((a, w) => a + w.scheduledRemaining + w.sliceLots, 0);

export const heldOf = (s: MinuteSample): number => Object.values(s.positions).reduce((a, q) => a + q, 0);

export const withinTolerance = (s: MinuteSample): boolean =>
  s.desired === null ? heldOf(s) === 0 : Math.abs(heldOf(s) - s.desired) <= toleranceOf(s);

const ACCOUNT = 'roll-sim';
const MINUTE = 60_000;
const iso = (t: number): string => new Date(t).toISOString();
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Aggregate {
  readonly contract: string;
  state: ParentOrderState;
  readonly inbox: ParentOrderCommand[];
  wake: number | null;
  /** A contract target that arrived while the market was closed. */
  waiting: { readonly targetId: string; readonly targetQty: string; readonly horizonSec: number } | null;
  /** The touch last handed to the decider. */
  lastTouch: Touch | null;
}

/** The exchange calendar's sessions of a root around [from, to] (@keel/calendar, 2024–2027). */
export const calendarSessions = (
  root: string,
  from: number,
  to: number,
): E.Either<string, readonly SessionWindow[]> => {
  const spec = productSpec(root);
  if (spec === undefined) return E.left(`root ${root} has no product spec`);
  return E.right(
    sessionsBetween(spec.group, addDays(chicagoDateOf(from), -1), addDays(chicagoDateOf(to), 2)).map((s) => ({
      open: s.open,
      close: s.close,
    })),
  );
};

const sessionWindows = (input: RollSimInput): E.Either<string, readonly SessionWindow[]> =>
  input.hours.kind === 'data'
    ? E.right(input.hours.sessions)
    : calendarSessions(input.root, input.from, input.to);

/** Whether `t` is in a session, and when that changes next (null: never within the windows). */
const sessionAt = (
  ws: readonly SessionWindow[],
  t: number,
): { open: boolean; close: number | null; nextChange: number | null } => {
  for (const w of ws) {
    if (t < w.open) return { open: false, close: null, nextChange: w.open };
    if (t < w.close) return { open: true, close: w.close, nextChange: w.close };
  }
  return { open: false, close: null, nextChange: null };
};

/** Data hours: the exposure is held through closures (multiplier 1), tradable inside a recorded session. */
const dataExposure =
  (ws: readonly SessionWindow[], to: number) =>
  (desired: string, now: number, current: number): E.Either<KeelError, EffectiveExposure> => {
    const s = sessionAt(ws, now);
    const whole = roundContracts(Number(desired), current, DEFAULT_HYSTERESIS);
    if (E.isLeft(whole)) return whole;
    return E.right({
      phase: s.open ? 'open' : 'closed',
      state: s.open ? 'open' : 'dailyHalt',
      governedBy: s.open ? 'open' : 'dailyHalt',
      multiplier: '1',
      target: new Decimal(desired).toFixed(),
      contracts: whole.right,
      tradable: s.open,
      nextChangeAt: s.nextChange ?? Math.max(to, now + 1000),
    });
  };

const num = (d: Decimal): number => d.toNumber();

export const runRollSim = async (input: RollSimInput): Promise<E.Either<string, RollSimResult>> => {
  const { root, calendar, instruments, from, to } = input;
  if (from % MINUTE !== 0 || to % MINUTE !== 0 || to <= from)
    return E.left('from and to must be whole minutes with from < to');
  if (input.decideEveryMs % MINUTE !== 0 || input.decideEveryMs <= 0)
    return E.left('decideEveryMs must be whole minutes');
  const windows = sessionWindows(input);
  if (E.isLeft(windows)) return windows;
  const ws = windows.right;
  const codes = new Set(instruments.map((i) => i.symbol));
  for (const c of codes)
    if (!calendar.contracts.some((r) => r.code === c))
      return E.left(`instrument ${c} is not a contract of the ${root} calendar`);

  // ---- the venue: one simulated market per contract ---------------------------------------
  const byContract = new Map<string, Bar[]>();
  for (const b of input.bars)
    if (codes.has(b.contract))
      (byContract.get(b.contract) ?? byContract.set(b.contract, []).get(b.contract))?.push(b);
  const markets = instruments.map((instrument) => ({
    instrument,
    events: barEvents(byContract.get(instrument.symbol) ?? [], instrument.tickSize, input.barMs),
  }));
  const marketEvents = markets.reduce((a, m) => a + m.events.length, 0);
  const clock = createVirtualClock(from);
  const INITIAL_USD = '1000000000';
  const venue: SimulatedVenue = createSimulatedVenue({
    venue: SIM_VENUE,
    accountId: ACCOUNT,
    clock,
    markets,
    balances: { USD: INITIAL_USD },
    latencyMs: input.latencyMs,
    // Market orders take the synthetic touch as it is (the calibrated curve is BTCUSDT depth).
    impactCurve: NO_IMPACT,
    tradeHistory: 2,
  });

  // ---- execution: one parent-order aggregate per contract ---------------------------------
  const execCfg = defaultExecutionConfig({ accounts: [ACCOUNT], instruments, policy: DEFAULT_POLICY });
  const aggs = new Map<string, Aggregate>(
    instruments.map((i) => [
      i.symbol,
      {
        contract: i.symbol,
        state: initialParentState(),
        inbox: [],
        wake: null,
        waiting: null,
        lastTouch: null,
      },
    ]),
  );
  const byCid = new Map<string, Aggregate>();
  const parents: ParentRecord[] = [];
  const parentById = new Map<string, ParentRecord>();
  const refused: string[] = [];
  let fillCursor = 0;

  const touchOf = async (symbol: string): Promise<Touch | null> => {
    const t = await venue.fetchTopOfBook(symbol)();
    if (E.isLeft(t)) return null;
    return t.right.bidPrice.lt(t.right.askPrice) ? { bid: t.right.bidPrice, ask: t.right.askPrice } : null;
  };

  const { track, pending } = createTracker();

  const record = (a: Aggregate, evs: readonly ParentOrderEvent[]): void => {
    for (const ev of evs) {
      if (ev.type === 'ParentOrderStarted') {
        const p: ParentRecord = {
          contract: a.contract,
          parentId: ev.parent.parentId,
          start: iso(ev.parent.start),
          deadline: iso(ev.parent.deadline),
          fromPosition: ev.parent.fromPosition.toString(),
          targetPosition: ev.parent.targetPosition.toString(),
          finishedAt: null,
          reason: null,
          filled: '0',
          residual: null,
          children: 0,
        };
        parents.push(p);
        parentById.set(p.parentId, p);
      } else if (ev.type === 'ChildOrderRequested') {
        const p = parentById.get(ev.parentId);
        if (p) p.children++;
      } else if (ev.type === 'ParentOrderCompleted') {
        const p = parentById.get(ev.parentId);
        if (p) {
          p.finishedAt = iso(ev.at);
          p.reason = ev.reason;
          p.filled = ev.filled.toString();
          p.residual = ev.residual.toString();
        }
      }
    }
  };

  const carryOut = (a: Aggregate, evs: readonly ParentOrderEvent[], touch: Touch | null): void => {
    const instrument = execCfg.instruments.find((i) => i.symbol === a.contract) as Instrument;
    for (const ev of evs) {
      if (ev.type === 'ChildOrderRequested') {
        const cid = ev.clientOrderId;
        byCid.set(cid, a);
      }
      sendToVenue(ev, { instrument, venue, touch, inbox: a.inbox, now: () => clock.now(), track });
    }
  };

  const apply = (a: Aggregate, c: ParentOrderCommand, touch: Touch | null): void => {
    const r = handle(c, a.state, execCfg);
    if (E.isLeft(r)) {
      refused.push(`${iso(c.now)} ${a.contract} ${c.type}: ${describeError(r.left)}`);
      return;
    }
    a.state = r.right.state;
    record(a, r.right.events);
    carryOut(a, r.right.events, touch);
  };

  const positionOf = async (contract: string): Promise<Decimal> => {
    const ps = await venue.fetchPositions()();
    if (E.isLeft(ps)) return new Decimal(0);
    return ps.right.find((p) => p.symbol === contract)?.qty ?? new Decimal(0);
  };

  const startTarget = async (
    a: Aggregate,
    target: { targetId: string; targetQty: string; horizonSec: number },
    now: number,
    close: number,
  ): Promise<void> => {
    const current = await positionOf(a.contract);
    const deadline = Math.min(now + target.horizonSec * 1000, close);
    const lots = new Decimal(target.targetQty).minus(current).abs().toNumber();
    const slices = Math.max(1, Math.min(lots, Math.floor((deadline - now) / MINUTE)));
    const touch = await touchOf(a.contract);
    apply(
      a,
      {
        type: 'SetTarget',
        targetId: target.targetId,
        accountId: ACCOUNT,
        symbol: a.contract,
        currentPosition: current.toString(),
        targetPosition: target.targetQty,
        start: now,
        deadline,
        slices,
        now,
        touch,
      },
      touch,
    );
    apply(a, { type: 'Tick', now, touch }, touch);
    a.lastTouch = touch;
    a.wake = nextWakeAt(a.state, now, execCfg);
  };

  // ---- cme-rollover: the fold and the decision ----------------------------------------------
  const fold = foldRollover({ calendars: new Map([[root, calendar]]), accounts: [ACCOUNT] });
  let rs: RolloverState = initialRolloverState;
  const rollEvents: { at: string; type: string; data: unknown }[] = [];
  const contractTargets: {
    at: string;
    instrument: string;
    targetQty: string;
    horizonSec: number;
    linkId: string | null;
  }[] = [];
  let desiredNow: number | null = null;
  const stepConfig = {
    accountId: ACCOUNT,
    calendar,
    policy: input.policy,
    horizonSec: input.horizonSec,
    ...(input.hours.kind === 'data' ? { exposureAt: dataExposure(ws, to) } : {}),
  };

  const decide = async (now: number, causationId: string | null): Promise<E.Either<string, void>> => {
    const book = rs.books[ACCOUNT]?.[root];
    if (book === undefined || desiredAt(book, now) === null) return E.right(undefined);
    const step = decideBook(stepConfig, book, now, { correlationId: `roll-sim-${now}`, causationId });
    if (E.isLeft(step)) return E.left(`cme-rollover at ${iso(now)}: ${describeError(step.left)}`);
    desiredNow = step.right.exposure.contracts;
    const s = sessionAt(ws, now);
    for (const w of step.right.writes)
      for (const e of w.events) {
        rs = fold(rs, e);
        if (e.type === 'ContractTargetSet') {
          const d = e.data;
          contractTargets.push({
            at: iso(now),
            instrument: d.instrument,
            targetQty: d.targetQty,
            horizonSec: d.horizonSec,
            linkId: d.linkId,
          });
          const a = aggs.get(d.instrument);
          if (a === undefined)
            return E.left(`cme-rollover set a target for ${d.instrument}, which has no market in this run`);
          const target = { targetId: e.eventId, targetQty: d.targetQty, horizonSec: d.horizonSec };
          if (s.open && s.close !== null) {
            a.waiting = null;
            await startTarget(a, target, now, s.close);
          } else a.waiting = target;
        } else rollEvents.push({ at: iso(now), type: e.type, data: e.data });
      }
    return E.right(undefined);
  };

  let snapshotSeq = 0;
  const observePositions = async (now: number): Promise<E.Either<string, void>> => {
    const ps = await venue.fetchPositions()();
    if (E.isLeft(ps)) return E.left(`the venue's positions: ${JSON.stringify(ps.left)}`);
    const eventId = deriveId('roll-sim', 'PositionSnapshot', ++snapshotSeq);
    const e = newEvent(
      'PositionSnapshot',
      eventId,
      {
        accountId: ACCOUNT,
        venue: SIM_VENUE,
        positions: ps.right.map((p) => ({ instrument: p.symbol, qty: p.qty.toString(), entryPrice: null })),
      },
      { producer: 'gateway', occurredAt: iso(now), correlationId: `roll-sim-${now}`, causationId: null },
    );
    if (E.isLeft(e)) return E.left(describeError(e.left));
    rs = fold(rs, e.right);
    // cme-rollover reacts to a PositionSnapshot with a decision.
    return decide(now, eventId);
  };

  const desiredEvents: NewEvent[] = [];
  for (const [i, d] of input.desired.entries()) {
    const e = newEvent(
      'TargetPositionSet',
      deriveId('roll-sim', 'desired', root, i, d.at, d.qty),
      {
        accountId: ACCOUNT,
        instrument: rootInstrument(root),
        targetQty: d.qty,
        horizonSec: input.horizonSec,
        reason: 'roll-sim: the desired exposure',
      },
      {
        producer: 'optimizer',
        occurredAt: iso(d.at),
        correlationId: `roll-sim-desired-${i}`,
        causationId: null,
      },
    );
    if (E.isLeft(e)) return E.left(`desired[${i}]: ${describeError(e.left)}`);
    desiredEvents.push(e.right);
  }
  const desiredAts = input.desired.map((d) => d.at);

  // ---- the loop -----------------------------------------------------------------------------
  const samples: MinuteSample[] = [];
  const drain = (): { touched: Set<Aggregate>; filled: boolean } => {
    const touched = new Set<Aggregate>();
    let filled = false;
    const fills: readonly Fill[] = venue.allFills();
    for (; fillCursor < fills.length; fillCursor++) {
      const f = fills[fillCursor] as Fill;
      const a = byCid.get(f.clientOrderId);
      if (!a) continue;
      touched.add(a);
      filled = true;
      apply(
        a,
        {
          type: 'RecordFill',
          clientOrderId: f.clientOrderId,
          tradeId: f.tradeId,
          qty: f.qty,
          price: f.price,
          fee: f.fee,
          liquidity: f.liquidity,
          now: f.ts,
        },
        null,
      );
    }
    for (const a of aggs.values()) {
      if (a.inbox.length > 0) touched.add(a);
      for (let c = a.inbox.shift(); c; c = a.inbox.shift()) apply(a, c, null);
    }
    return { touched, filled };
  };

  const active = (a: Aggregate): boolean => a.state.status === 'Working' || a.state.status === 'Superseding';

  const sample = async (t: number, open: boolean): Promise<void> => {
    const ps = await venue.fetchPositions()();
    const positions: Record<string, number> = {};
    if (E.isRight(ps)) for (const p of ps.right) if (!p.qty.isZero()) positions[p.symbol] = num(p.qty);
    const working: WorkingContract[] = [];
    for (const a of aggs.values()) {
      const s = a.state;
      if (s.status === 'Working') {
        const sch = s.schedule;
        working.push({
          contract: a.contract,
          state: 'working',
          scheduledRemaining: num(sch.total.minus(targetAt(sch, t)).ceil()),
          sliceLots: num(sch.total.minus(sch.base).div(sch.weights.length).ceil()),
        });
      } else if (s.status === 'Superseding')
        working.push({
          contract: a.contract,
          state: 'superseding',
          scheduledRemaining: num(s.next.targetPosition.minus(s.position).abs().ceil()),
          sliceLots: 0,
        });
      if (a.waiting !== null)
        working.push({
          contract: a.contract,
          state: 'waiting',
          scheduledRemaining: num(new Decimal(a.waiting.targetQty).minus(positions[a.contract] ?? 0).abs()),
          sliceLots: 0,
        });
    }
    const targets = { ...(rs.books[ACCOUNT]?.[root]?.roll.targets ?? {}) };
    samples.push({ t, open, desired: desiredNow, targets, positions, working });
  };

  try {
    let nextDecision = from;
    let desiredCursor = 0;
    let wasOpen = false;
    let t = from;
    for (;;) {
      clock.advanceTo(t);
      if (pending() > 0) await flush();
      const { touched, filled } = drain();
      const s = sessionAt(ws, t);

      // Session edges: pause at a close, resume (and start waiting targets) at an open.
      if (s.open !== wasOpen) {
        for (const a of aggs.values())
          if (a.state.status !== 'Idle')
            apply(
              a,
              s.open
                ? { type: 'Resume', reason: 'market', now: t }
                : { type: 'Pause', reason: 'market', now: t },
              null,
            );
        if (s.open && s.close !== null)
          for (const a of aggs.values())
            if (a.waiting !== null) {
              const w = a.waiting;
              a.waiting = null;
              await startTarget(a, w, t, s.close);
            }
        wasOpen = s.open;
      }

      // The optimizer's targets that are due, then cme-rollover: its reaction to fills, its timer.
      let react = false;
      while (desiredCursor < desiredEvents.length && (desiredAts[desiredCursor] as number) <= t) {
        rs = fold(rs, desiredEvents[desiredCursor] as NewEvent);
        desiredCursor++;
        react = true;
      }
      if (filled) {
        const r = await observePositions(t);
        if (E.isLeft(r)) return r;
      }
      if (react || t >= nextDecision) {
        const r = await decide(t, null);
        if (E.isLeft(r)) return r;
        while (nextDecision <= t) nextDecision += input.decideEveryMs;
      }

      // Execution: tick every aggregate that has news or asked to be woken.
      for (const a of aggs.values()) {
        if (!active(a)) continue;
        const touch = s.open ? await touchOf(a.contract) : null;
        const moved =
          touch === null
            ? a.lastTouch !== null
            : a.lastTouch === null || !touch.bid.eq(a.lastTouch.bid) || !touch.ask.eq(a.lastTouch.ask);
        a.lastTouch = touch;
        if (!touched.has(a) && !moved && (a.wake === null || t < a.wake)) continue;
        apply(a, { type: 'Tick', now: t, touch }, touch);
        a.wake = nextWakeAt(a.state, t, execCfg);
      }

      if (t % MINUTE === 0) await sample(t, s.open);
      if (t >= to) break;

      const busy =
        pending() > 0 ||
        [...aggs.values()].some((a) => a.inbox.length > 0 || (active(a) && a.state.paused.length === 0));
      let next = busy ? t + input.tickMs : (Math.floor(t / MINUTE) + 1) * MINUTE;
      next = Math.min(next, nextDecision, to);
      if (s.nextChange !== null && s.nextChange > t) next = Math.min(next, s.nextChange);
      const nd = desiredAts[desiredCursor];
      if (nd !== undefined && nd > t) next = Math.min(next, nd);
      t = next;
    }
    // The last answers (a cancel or an order sent on the final tick).
    clock.advanceTo(clock.now() + Math.max(1, input.latencyMs) * 2);
    if (pending() > 0) await flush();
    drain();

    const fills = venue.allFills();
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
    const ps = await venue.fetchPositions()();
    const bal = await venue.fetchBalances()();
    const usd = E.isRight(bal) ? bal.right.find((b) => b.asset === 'USD')?.total : undefined;
    const off = samples.filter((x) => x.desired !== null && heldOf(x) !== x.desired);
    const report: RollSimReport = {
      root,
      hours: input.hours.kind,
      from: iso(from),
      to: iso(to),
      contracts: instruments.map((i) => i.symbol),
      bars: input.bars.filter((b) => codes.has(b.contract)).length,
      marketEvents,
      sessions: ws.filter((w) => w.close > from && w.open < to).length,
      rollEvents,
      contractTargets,
      parents,
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
      finalPositions: E.isRight(ps)
        ? Object.fromEntries(ps.right.map((p) => [p.symbol, p.qty.toString()]))
        : {},
      realisedPnlUsd: usd === undefined ? 'unknown' : usd.minus(INITIAL_USD).toString(),
      exposure: {
        minutes: samples.length,
        minutesOff: off.length,
        maxAbsDeviation: off.reduce((m, x) => Math.max(m, Math.abs(heldOf(x) - (x.desired as number))), 0),
        minutesBeyondTolerance: samples.filter((x) => !withinTolerance(x)).length,
      },
      refused,
    };
    return E.right({ report, samples });
  } finally {
    await venue.close();
  }
};
