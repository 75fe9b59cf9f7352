/**
 * A CME roll run by the engines that trade (rollover + execution + venue), in the kernel, on
 * recorded (or synthetic) bars: what `keel roll-sim` measures. One simulated venue account
 * with one market per contract; the optimizer's part is appended as it would append it
 * (`TargetPositionSet` for `CME:<ROOT>`), and everything after it happens as it does across
 * the app processes: cme-rollover's decisions (on its tick and on each PositionReported) and
 * ContractTargetSet, execution taking the target up (`targetStep`), pausing through
 * `wantedPauses`, ticking its TWAP, the gateway placing and cancelling (`order-placement.ts`,
 * `order-cancel.ts`) and polling quotes, positions and fills every `cycleMs`.
 *
 * Market hours are the exchange calendar's, or, for years it does not cover, sessions read
 * from the data handed to the engines as their settings (market-hours.ts). Nothing here
 * decides: the run appends the optimizer's targets, moves the clock, and lets an observer
 * look at the venue and the engines' state at every `sampleEveryMs`.
 */
import * as E from 'fp-ts/Either';
import { Writable } from 'node:stream';
import { deriveId, describeError, KeelError, newEvent, streamName } from '@keel/events';
import { appendIgnoringDuplicates } from '@keel/event-store';
import { ExecutionAggregate, ExecutionView } from '@keel/execution-domain';
import { createExecutionEngine } from '@keel/execution-engine';
import { ContractCalendar, ExposurePolicy, RolloverState, rootInstrument } from '@keel/rollover-domain';
import { createRolloverEngine } from '@keel/rollover-engine';
import { createLogger } from '@keel/runtime';
import { Balance, Fill, Instrument, Position } from '@keel/venue-domain';
import { createVenueEngine } from '@keel/venue-engine';
import { createSimulatedVenue, MarketEvent, NO_IMPACT } from '@keel/venue-sim';
import { SessionWindow } from './bars';
import { recordedHours } from './market-hours';
import { createSimulation, Simulation } from './simulation.kernel';

/** A `CME:<ROOT>` target of the optimizer (whole contracts of exposure, signed), from `at` on. */
export interface DesiredExposure {
  readonly at: number;
  readonly qty: string;
}

export type RollHours =
  { readonly kind: 'calendar' } | { readonly kind: 'data'; readonly sessions: readonly SessionWindow[] };

export interface RollRunOptions {
  readonly root: string;
  /** The contract rows cme-rollover rolls along (codes as the markets name them). */
  readonly calendar: ContractCalendar;
  /** One simulated market per contract to trade. */
  readonly markets: readonly { readonly instrument: Instrument; readonly events: readonly MarketEvent[] }[];
  readonly hours: RollHours;
  /** The account's exposure policy (used with calendar hours). */
  readonly policy: ExposurePolicy;
  readonly desired: readonly DesiredExposure[];
  readonly from: number;
  readonly to: number;
  /** cme-rollover's decision tick. */
  readonly decideEveryMs: number;
  /** Upper bound of a contract target's horizon (cme-rollover's `targetHorizonSec`). */
  readonly horizonSec: number;
  /** One-way order latency of the venue. */
  readonly latencyMs: number;
  /** Execution's decision tick. */
  readonly tickMs: number;
  /** The gateway's polling cycle (default 1000, the app's). */
  readonly cycleMs?: number;
  /** Execution's TWAP slice (default 60 s, the app's). */
  readonly sliceMs?: number;
  /** The oldest touch execution trades on, venue time (default 10 s, the app's). */
  readonly quoteMaxAgeMs?: number;
  /** The venue account's starting USD. */
  readonly initialUsd: string;
  readonly sampleEveryMs: number;
  /** Called at `from` and every `sampleEveryMs` up to `to`, after everything due by then ran. */
  readonly onSample?: (t: number, probe: RollProbe) => void;
}

/** What an observer may read at a sample: the venue's truth and the engines' state. */
export interface RollProbe {
  readonly positions: readonly Position[];
  readonly rollover: RolloverState;
  readonly execution: ExecutionView;
  aggregate(contract: string): ExecutionAggregate | undefined;
}

export interface RollRun {
  readonly accountId: string;
  readonly venue: string;
  /** The simulation, stopped: its store holds every event of the run. */
  readonly simulation: Simulation;
  readonly fills: readonly Fill[];
  readonly positions: readonly Position[];
  readonly balances: readonly Balance[];
  /** What the engines logged at error level (a decision refused, a pause or tick refused), in order. */
  readonly errors: readonly string[];
}

export const ROLL_ACCOUNT = 'roll-sim';
export const ROLL_VENUE = 'cme-sim';

const policyText = (p: ExposurePolicy): string =>
  `weekend=${p.weekend},dailyHalt=${p.dailyHalt},holiday=${p.holiday},earlyClose=${p.earlyClose},leadMinutes=${p.leadMinutes}`;

/** Error-level lines of the engines, without the wall-clock time pino stamps. */
const errorLog = (into: string[]): Writable =>
  new Writable({
    write: (chunk: Buffer, _enc, done) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        const {
          msg,
          level: _l,
          time: _t,
          name: _n,
          pid: _p,
          hostname: _h,
          ...rest
        } = JSON.parse(line) as Record<string, unknown>;
        into.push(`${String(msg)} ${JSON.stringify(rest)}`);
      }
      done();
    },
  });

export const runRoll = async (o: RollRunOptions): Promise<E.Either<string, RollRun>> => {
  const fail = (e: KeelError | string): E.Either<string, never> =>
    E.left(typeof e === 'string' ? e : describeError(e));
  if (o.markets.length === 0) return fail('no contract to trade');
  const errors: string[] = [];
  const logger = createLogger({ name: 'roll-sim', level: 'error', destination: errorLog(errors) });
  const sim = createSimulation({ startAt: o.from, logger });
  const { clock, store } = sim.ports;
  const contracts = o.markets.map((m) => m.instrument.symbol);
  const hours = o.hours.kind === 'data' ? recordedHours(o.hours.sessions, contracts, o.to) : null;

  const venue = createSimulatedVenue({
    venue: ROLL_VENUE,
    accountId: ROLL_ACCOUNT,
    clock,
    markets: o.markets,
    balances: { USD: o.initialUsd },
    latencyMs: o.latencyMs,
    // Market orders take the synthetic touch as it is (the calibrated curve is BTCUSDT depth).
    impactCurve: NO_IMPACT,
    tradeHistory: 2,
  });
  const gateway = createVenueEngine(
    sim.ports,
    {
      venue: 'sim',
      instruments: contracts,
      knownInstruments: o.markets.map((m) => m.instrument),
      // Public prints are not recorded (nothing here reads them): the store stays small.
      tradeInstruments: [],
      cycleMs: o.cycleMs ?? 1000,
      windowMs: 0,
      reconcileFillsMs: 0,
      fundingPollMs: 8 * 3_600_000,
    },
    [venue],
  );
  if (E.isLeft(gateway)) return fail(gateway.left);
  const rollover = createRolloverEngine(
    { ...sim.ports, metrics: { registry: sim.ports.registry } },
    {
      roots: o.root,
      accountIds: ROLL_ACCOUNT,
      exposurePolicy: policyText(o.policy),
      accountExposurePolicies: '',
      rollPolicy: '',
      tickMs: o.decideEveryMs,
      targetHorizonSec: o.horizonSec,
      contracts: new Map([[o.root, o.calendar]]),
      ...(hours ? { hours: hours.rollover } : {}),
    },
  );
  if (E.isLeft(rollover)) return fail(rollover.left);
  const execution = createExecutionEngine(sim.ports, {
    accounts: [ROLL_ACCOUNT],
    sliceMs: o.sliceMs ?? 60_000,
    maxSlices: 240,
    tickMs: o.tickMs,
    quoteMaxAgeMs: o.quoteMaxAgeMs ?? 10_000,
    ...(hours ? { marketOpen: hours.marketOpen } : {}),
  });

  // The order the apps come up in does not matter to the result (each waits for what it
  // needs in the log); the gateway first lists the instruments execution rounds with.
  for (const engine of [gateway.right.engine, rollover.right.engine, execution.engine] as const) {
    const hosted = await sim.host(engine as Parameters<Simulation['host']>[0]);
    if (E.isLeft(hosted)) return fail(hosted.left);
  }

  const portfolio = streamName('portfolio', ROLL_ACCOUNT);
  if (E.isLeft(portfolio)) return fail(portfolio.left);
  const setDesired = async (i: number, d: DesiredExposure): Promise<E.Either<string, void>> => {
    const e = newEvent(
      'TargetPositionSet',
      deriveId('roll-sim', 'desired', o.root, i, d.at, d.qty),
      {
        accountId: ROLL_ACCOUNT,
        instrument: rootInstrument(o.root),
        targetQty: d.qty,
        horizonSec: o.horizonSec,
        reason: 'roll-sim: the desired exposure',
      },
      {
        producer: 'optimizer',
        occurredAt: new Date(d.at).toISOString(),
        correlationId: `roll-sim-desired-${i}`,
        causationId: null,
      },
    );
    if (E.isLeft(e)) return fail(`desired[${i}]: ${describeError(e.left)}`);
    const stored = await appendIgnoringDuplicates(store, portfolio.right, [e.right])();
    return E.isLeft(stored) ? fail(stored.left) : E.right(undefined);
  };

  const probe = async (): Promise<RollProbe> => {
    const ps = await venue.fetchPositions()();
    return {
      positions: E.isRight(ps) ? ps.right : [],
      rollover: rollover.right.state(),
      execution: execution.view(),
      aggregate: (contract) => execution.aggregate(ROLL_ACCOUNT, contract),
    };
  };

  const desired = [...o.desired.entries()].sort(([, a], [, b]) => a.at - b.at);
  let next = 0;
  for (let t = o.from; ;) {
    // The optimizer's targets due by `t`, each appended at its instant.
    for (; next < desired.length && (desired[next]?.[1].at ?? Infinity) <= t; next++) {
      const [i, d] = desired[next] as [number, DesiredExposure];
      await sim.runUntil(Math.max(d.at, clock.now()));
      const r = await setDesired(i, d);
      if (E.isLeft(r)) return r;
    }
    await sim.runUntil(t);
    o.onSample?.(t, await probe());
    if (t >= o.to) break;
    t = Math.min(t + o.sampleEveryMs, o.to);
  }
  // The last answers (a cancel or an order sent on the final tick) arrive and are recorded.
  await sim.runUntil(clock.now() + Math.max(1, o.latencyMs) * 2 + (o.cycleMs ?? 1000));

  const positions = await venue.fetchPositions()();
  const balances = await venue.fetchBalances()();
  const fills = venue.allFills();
  await sim.stop();
  return E.right({
    accountId: ROLL_ACCOUNT,
    venue: ROLL_VENUE,
    simulation: sim,
    fills,
    positions: E.isRight(positions) ? positions.right : [],
    balances: E.isRight(balances) ? balances.right : [],
    errors,
  });
};
