/**
 * Parent orders executed by the engines that trade (execution + venue), in the kernel, on
 * recorded data: what `keel twap-sim` and the TWAP evaluations measure. One account per
 * style on its own simulated venue over the same data (our orders never move the replayed
 * book, so they cannot disturb each other): 'maker' is the maker-first TWAP as the execution
 * app runs it, 'marketOnly' the market-order baseline on the same schedule. A target is
 * appended as the optimizer would (`TargetPositionSet`), and everything after it — the
 * gateway's quotes and position snapshots, the target taken up on the view, ticks, child
 * orders, placements, fills — happens as it does across the app processes.
 */
import Decimal from 'decimal.js';
import * as E from 'fp-ts/Either';
import { deriveId, describeError, KeelError, newEvent, streamName } from '@keel/events';
import { appendIgnoringDuplicates } from '@keel/event-store';
import {
  ExecutionQuality,
  executionQuality,
  reportPriceDp,
  ExecutionAggregate,
  executionStream,
  lagInSlices,
  PolicyConfig,
  Urgency,
} from '@keel/execution-domain';
import { createExecutionEngine } from '@keel/execution-engine';
import { Fill, Instrument, Side } from '@keel/venue-domain';
import { createVenueEngine } from '@keel/venue-engine';
import { createSimulatedVenue, FillModel, MarketEvent, SimulatedVenue } from '@keel/venue-sim';
import { createSimulation, Simulation } from './simulation.kernel';

export type Style = 'maker' | 'marketOnly';

export interface TwapRunOptions {
  readonly instrument: Instrument;
  readonly side: Side;
  readonly qty: Decimal;
  /** When the target is set (epoch ms). */
  readonly start: number;
  readonly durationMs: number;
  readonly slices: number;
  readonly latencyMs: number;
  /** Execution's decision tick. */
  readonly tickMs: number;
  /** The gateway's polling cycle (quotes, snapshots, fills); default 1000. */
  readonly cycleMs?: number;
  readonly urgency: Urgency;
  readonly policy?: PolicyConfig;
  /** A touch older than this is not traded on (default 10 s, the app's). */
  readonly quoteMaxAgeMs?: number;
  /** The simulator's fill rules (default: the strict ones) and depth scale for another instrument's sizes. */
  readonly fillModel?: Partial<FillModel>;
  readonly depthScale?: Decimal.Value;
}

export interface StyleOutcome {
  readonly accountId: string;
  readonly quality: ExecutionQuality;
  readonly arrivalMid: Decimal | null;
  /** Filled in full by the deadline. */
  readonly completed: boolean;
  readonly reason: string;
  readonly residual: string;
  readonly finishedAt: number | null;
  readonly fills: readonly Fill[];
  readonly aggregate: ExecutionAggregate | undefined;
}

export interface TwapRun {
  readonly outcomes: Readonly<Partial<Record<Style, StyleOutcome>>>;
  /** The simulation (its store holds every event of the run), stopped. */
  readonly simulation: Simulation;
}

export const ACCOUNT_OF: Readonly<Record<Style, string>> = { maker: 'twap', marketOnly: 'baseline' };

/** Run one parent order per style from `o.start`; the market data must start before it (lead-in). */
export const runTwap = async (
  events: readonly MarketEvent[],
  o: TwapRunOptions,
  styles: readonly Style[],
): Promise<E.Either<string, TwapRun>> => {
  const first = events[0];
  if (!first) return E.left('no market data');
  const symbol = o.instrument.symbol;
  const deadline = o.start + o.durationMs;
  const sim = createSimulation({ startAt: Math.min(first.venueAt, o.start) });
  const { store, clock } = sim.ports;
  const accounts = styles.map((s) => ACCOUNT_OF[s]);
  const venues: SimulatedVenue[] = styles.map((s) =>
    createSimulatedVenue({
      venue: 'twap-sim',
      accountId: ACCOUNT_OF[s],
      clock,
      markets: [{ instrument: o.instrument, events }],
      balances: { USDT: '1000000000000' },
      latencyMs: o.latencyMs,
      // Public prints are not recorded here (tradeInstruments: []): a short history keeps a busy tape cheap.
      tradeHistory: 2,
      ...(o.fillModel ? { fillModel: o.fillModel } : {}),
      ...(o.depthScale !== undefined ? { depthScale: o.depthScale } : {}),
    }),
  );
  const fail = (e: KeelError | string): E.Either<string, never> =>
    E.left(typeof e === 'string' ? e : describeError(e));

  const venue = createVenueEngine(
    sim.ports,
    {
      venue: 'sim',
      instruments: [symbol],
      knownInstruments: [o.instrument],
      tradeInstruments: [],
      cycleMs: o.cycleMs ?? 1000,
      windowMs: 0,
      reconcileFillsMs: 0,
      fundingPollMs: 8 * 3_600_000,
    },
    venues,
  );
  if (E.isLeft(venue)) return fail(venue.left);
  const execution = createExecutionEngine(sim.ports, {
    accounts,
    sliceMs: o.durationMs / o.slices,
    maxSlices: o.slices,
    tickMs: o.tickMs,
    quoteMaxAgeMs: o.quoteMaxAgeMs ?? 10_000,
    urgency: o.urgency,
    ...(o.policy ? { policy: o.policy } : {}),
    styles: Object.fromEntries(styles.map((s) => [ACCOUNT_OF[s], s])),
  });
  const v = await sim.host(venue.right.engine);
  if (E.isLeft(v)) return fail(v.left);
  const x = await sim.host(execution.engine);
  if (E.isLeft(x)) return fail(x.left);

  // The optimizer's part: one target per account at the start.
  await sim.runUntil(o.start);
  const targetQty = (o.side === 'buy' ? o.qty : o.qty.neg()).toString();
  for (const accountId of accounts) {
    const target = newEvent(
      'TargetPositionSet',
      deriveId('twap-sim-target', accountId, symbol, String(o.start)),
      { accountId, instrument: symbol, targetQty, horizonSec: o.durationMs / 1000, reason: 'twap-sim' },
      {
        correlationId: `twap-sim-${accountId}`,
        causationId: null,
        producer: 'optimizer',
        occurredAt: new Date(o.start).toISOString(),
      },
    );
    if (E.isLeft(target)) return fail(target.left);
    const stream = streamName('portfolio', accountId);
    if (E.isLeft(stream)) return fail(stream.left);
    const stored = await appendIgnoringDuplicates(store, stream.right, [target.right])();
    if (E.isLeft(stored)) return fail(stored.left);
  }

  // A target the engine refused (bad input) is stored as ParentOrderRejected at once.
  await sim.settle();
  for (const accountId of accounts) {
    const log = await store.readStream(executionStream(accountId, symbol))();
    const refused = E.isRight(log) ? log.right.find((e) => e.type === 'ParentOrderRejected') : undefined;
    if (refused && refused.type === 'ParentOrderRejected') {
      await sim.stop();
      return E.left(`${refused.data.code}: ${refused.data.reason}`);
    }
  }

  const done = (): boolean =>
    accounts.every((a) => execution.aggregate(a, symbol)?.state.status === 'Completed');
  const hardStop = deadline + 60_000;
  // The worst schedule lag, measured on each aggregate after every tick (as a monitor would read it).
  const maxLag = new Map<string, number>();
  for (let t = o.start; !done() && t < hardStop;) {
    t = Math.min(t + o.tickMs, hardStop);
    await sim.runUntil(t);
    for (const a of accounts) {
      const st = execution.aggregate(a, symbol)?.state;
      if (st?.status === 'Working')
        maxLag.set(a, Math.max(maxLag.get(a) ?? 0, lagInSlices(st.schedule, t, st.progress.filled)));
    }
  }
  // Let the last answers arrive (a cancel or market order sent on the final tick) and be recorded.
  await sim.runUntil(clock.now() + Math.max(1, o.latencyMs) * 2 + (o.cycleMs ?? 1000));

  const outcomes: Partial<Record<Style, StyleOutcome>> = {};
  for (const [i, style] of styles.entries()) {
    const accountId = ACCOUNT_OF[style];
    const agg = execution.aggregate(accountId, symbol);
    const fills = (venues[i] as SimulatedVenue).allFills();
    const st = agg?.state;
    const fin = st?.status === 'Completed' ? st : null;
    const arrivalMid = st && st.status !== 'Idle' ? st.arrivalMid : null;
    const quality = executionQuality({
      side: o.side,
      fills,
      arrivalMid,
      intervalVwap: null,
      maxScheduleLagSlices: Math.max(
        0,
        st && st.status !== 'Idle' ? st.maxLag : 0,
        maxLag.get(accountId) ?? 0,
      ),
      childOrderCount: st && st.status !== 'Idle' ? st.progress.childCount : 0,
      priceDp: reportPriceDp(o.instrument.tickSize),
    });
    outcomes[style] = {
      accountId,
      quality,
      arrivalMid,
      completed: fin !== null && fin.reason === 'filled' && fin.finishedAt <= deadline,
      reason: fin ? fin.reason : 'unfinished',
      residual: fin ? fin.residual.toString() : o.qty.minus(quality.filledQty).toString(),
      finishedAt: fin ? fin.finishedAt : null,
      fills,
      aggregate: agg,
    };
  }
  await sim.stop();
  return E.right({ outcomes, simulation: sim });
};
