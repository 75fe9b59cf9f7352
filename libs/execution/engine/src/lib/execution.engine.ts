/**
 * Execution's application layer (docs/execution.md), written against ports only so the same
 * object runs in the app process (`apps/execution`) and inside the in-process simulation
 * (`libs/simulation`): the maker-first TWAP decider of @keel/execution-domain, one aggregate
 * per (account, instrument) in its own stream `execution-<account>.<instrument>`, decided
 * through the runtime's command handler (append at the revision decided on; a conflict
 * re-reads and decides again; an outage is waited out).
 *
 * - The folded view of other apps' facts (`ExecutionView`: instrument rules, positions,
 *   touches, targets, kill switches, the optimizer's risk state) comes from the runtime's
 *   folding app; `react` routes venue facts to their aggregate and takes up new targets. A
 *   trigger is acknowledged only after what it caused is stored.
 * - Start-up (`started`): every aggregate with children in flight is reconciled against the
 *   gateway's log (what became of each child while this process was down); only then are
 *   targets taken up and ticks run (the `reconciled` check waits for it).
 * - Each tick: pauses (kill switch, risk state HALTED, stopped trading session, CME market
 *   state), pending targets,
 *   and a Tick for each working aggregate when the decider's `nextWakeAt` is due or the touch
 *   moved. A kill switch or a risk state change runs such a round at once.
 * - Decisions run one at a time (a serial queue), so a tick never decides on a stale aggregate.
 *
 * Parts: the command path (`execution.decisions.ts`), targets, ticks and reconciliation
 * (`execution.rounds.ts`), metrics; the pure rules are in the domain. This file wires them
 * into the folding app and the engine the runtime runs.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Registry } from 'prom-client';
import { KeelError } from '@keel/events';
import { EventStore } from '@keel/event-store';
import { Clock, Engine, FoldingApp, Logger, serialQueue, Write } from '@keel/runtime';
import {
  EXECUTION_VIEW_EVENT_TYPES,
  ExecutionAggregate,
  ExecutionView,
  evolveExecutionView,
  initialExecutionView,
  venueCommand,
} from '@keel/execution-domain';
import { Cause, ExecutionEngineSettings } from './execution.context';
import { createDecisions } from './execution.decisions';
import { executionMetrics } from './execution.metrics';
import { EXECUTION_APP } from './execution.names';
import { createRounds } from './execution.rounds';

export { EXECUTION_APP } from './execution.names';
export type { ExecutionEngineSettings } from './execution.context';

export interface ExecutionPorts {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly registry: Registry;
}

/** The engine plus what tests and tools read of it. */
export interface ExecutionEngine {
  readonly engine: Engine<ExecutionView>;
  view(): ExecutionView;
  aggregate(accountId: string, symbol: string): ExecutionAggregate | undefined;
  /** One decision round as of `at` (what a tick does; default now). */
  tick(at?: number): Promise<E.Either<KeelError, void>>;
}

export const createExecutionEngine = (
  ports: ExecutionPorts,
  settings: ExecutionEngineSettings,
): ExecutionEngine => {
  const { store, clock, logger, registry } = ports;
  const metrics = executionMetrics(registry);

  let latestView: ExecutionView = initialExecutionView;
  let stateOf: (() => ExecutionView) | null = null;
  const view = (): ExecutionView => stateOf?.() ?? latestView;
  let ready = false;
  let stopping = false;
  const serial = serialQueue();
  const ctx = { store, clock, logger, metrics, settings, view, stopping: () => stopping };
  const decisions = createDecisions(ctx);
  const { run } = decisions;
  const { takeTarget, round, reconcile, refreshGauge, owned } = createRounds(ctx, decisions);

  // ---- the folding app ---------------------------------------------------------------------------

  /** A decision job, one at a time with the others, as a reaction that writes nothing itself. */
  const inSerial = (job: TE.TaskEither<KeelError, void>): TE.TaskEither<KeelError, readonly Write[]> =>
    pipe(
      () => serial(job),
      TE.map(() => []),
    );

  const app: FoldingApp<ExecutionView> = {
    name: EXECUTION_APP,
    projection: {
      // 2: the view folds RiskStateChanged and keeps kill switches per scope (a v1 snapshot
      // has neither, and skipped the RiskStateChanged before it): replayed from the start.
      // 3: the view folds the operator's trading sessions (a v2 snapshot has none).
      version: 3,
      initial: initialExecutionView,
      eventTypes: EXECUTION_VIEW_EVENT_TYPES,
      evolve: evolveExecutionView,
    },
    react: (event, next, ctx) => {
      latestView = next;
      const cause: Cause = { correlationId: event.correlationId, causationId: event.eventId };
      if (
        event.type === 'OrderAccepted' ||
        event.type === 'OrderRejected' ||
        event.type === 'OrderFilled' ||
        event.type === 'OrderCancelled'
      ) {
        const { accountId, instrument } = event.data;
        if (!owned(accountId)) return [];
        const command = venueCommand(event, ctx.now);
        // Recorded now; what it calls for is decided on the next tick, as of its grid instant.
        if (!command) return [];
        return inSerial(async () => {
          const r = await run(accountId, instrument, command, cause, ctx.now)();
          // The store's failure leaves the fact unapplied (redelivered); the decider's refusal is final.
          if (E.isLeft(r) && (r.left._tag === 'InfrastructureError' || r.left._tag === 'ConcurrencyError'))
            return r;
          refreshGauge();
          return E.right(undefined);
        });
      }
      if (event.type === 'TargetPositionSet' || event.type === 'ContractTargetSet') {
        const { accountId, instrument } = event.data;
        // Only the latest target counts (the view ignores CME root exposure, cme-rollover's input).
        if (next.targets[accountId]?.[instrument]?.targetId !== event.eventId) return [];
        // During start-up replay targets wait: the view is not yet the latest (the start-up pass takes them up).
        if (!ready || stopping) return [];
        return inSerial(async () => {
          const taken = await takeTarget(next, accountId, instrument, cause, ctx.now)();
          refreshGauge();
          return taken;
        });
      }
      if (
        event.type === 'KillSwitchEngaged' ||
        event.type === 'KillSwitchReleased' ||
        event.type === 'RiskStateChanged' ||
        event.type === 'TradingSessionStopped' ||
        event.type === 'TradingSessionStarted' ||
        event.type === 'PositionReported' ||
        event.type === 'InstrumentsListed'
      ) {
        if (!ready || stopping) return [];
        // A kill switch, a risk state or a trading session pauses (or lifts a pause) at once,
        // within the second the mission asks, not at the next tick.
        return inSerial(round(next, cause, ctx.now, event.type !== 'PositionReported'));
      }
      return [];
    },
  };

  /** One decision round as of `at` (a tick's grid instant; default now). */
  /** One decision round as of `at` (a tick's grid instant), after the decisions queued before it. */
  const tick = (at: number = clock.now()): Promise<E.Either<KeelError, void>> =>
    serial(round(view(), { correlationId: `${EXECUTION_APP}-tick-${at}`, causationId: null }, at, true));

  const engine: Engine<ExecutionView> = {
    app,
    started: (running) => async () => {
      stateOf = () => running.state();
      const reconciled = await serial(reconcile());
      if (E.isLeft(reconciled)) return reconciled;
      ready = true;
      logger.info(
        { accounts: settings.accounts, tickMs: settings.tickMs, aggregates: decisions.all().size },
        'execution started',
      );
      return E.right(undefined);
    },
    // Half a period off the epoch grid the gateway polls on: what a poll recorded is folded
    // before the next decision, whatever the few ms of delivery between processes.
    tickers: [
      {
        name: `${EXECUTION_APP}-tick`,
        everyMs: settings.tickMs,
        phaseMs: Math.floor(settings.tickMs / 2),
        work: tick,
      },
    ],
    checks: { reconciled: async () => ready },
    stopping: async () => {
      stopping = true;
      await serial.idle();
    },
  };

  return {
    engine,
    view,
    aggregate: (a, s) => decisions.cached(a, s)?.agg,
    tick,
  };
};
