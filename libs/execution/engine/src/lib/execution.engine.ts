/**
 * Execution's application layer (docs/execution.md), written against ports only so the same
 * object runs in the app process (`apps/execution`) and inside the in-process simulation
 * (`libs/simulation`): the maker-first TWAP decider of @keel/execution-domain, one aggregate
 * per (account, instrument) in its own stream `execution-<account>.<instrument>`, decided
 * through the runtime's command handler (append at the revision decided on; a conflict
 * re-reads and decides again; an outage is waited out).
 *
 * - The folded view of other apps' facts (`ExecutionView`: instrument rules, positions,
 *   touches, targets, kill switches) comes from the runtime's folding app; `react` routes
 *   venue facts to their aggregate and takes up new targets. A trigger is acknowledged only
 *   after what it caused is stored.
 * - Start-up (`started`): every aggregate with children in flight is reconciled against the
 *   gateway's log (what became of each child while this process was down); only then are
 *   targets taken up and ticks run (the `reconciled` check waits for it).
 * - Each tick: pauses (kill switch, CME market state), pending targets, and a Tick for each
 *   working aggregate when the decider's `nextWakeAt` is due or the touch moved.
 * - Decisions run one at a time (a serial queue), so a tick never decides on a stale aggregate.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Counter, Gauge, Registry } from 'prom-client';
import { describeError, EventMeta, KeelError, newEvent, NewEvent, RecordedEvent, streamName, validationError } from '@keel/events';
import { EventStore, foldStream } from '@keel/event-store';
import { Clock, createCommandHandler, Decision, Engine, FoldingApp, Logger, serialQueue } from '@keel/runtime';
import {
  decide,
  decisionExtras,
  defaultExecutionConfig,
  emptyAggregate,
  eventIdFor,
  evolveAggregate,
  EXECUTION_VIEW_EVENT_TYPES,
  ExecutionAggregate,
  ExecutionConfig,
  ExecutionError,
  ExecutionView,
  evolveExecutionView,
  executionStream,
  freshTouch,
  fromStored,
  initialExecutionView,
  MarketOpen,
  marketTotalsAt,
  nextWakeAt,
  ParentOrderCommand,
  ParentOrderEvent,
  pauseCommands,
  rejectionData,
  rejectionEventId,
  storedExtras,
  targetStep,
  TargetSettings,
  targetTakenBy,
  tickDue,
  toStored,
  Touch,
  venueCommand,
  wantedPauses,
} from '@keel/execution-domain';

export const EXECUTION_APP = 'execution';

export interface ExecutionEngineSettings extends TargetSettings {
  readonly tickMs: number;
  /** A touch older than this (venue time) is not traded on. */
  readonly quoteMaxAgeMs: number;
  /**
   * Market hours for the 'market' pause (default: @keel/calendar's CME hours). A replay of
   * years the calendar does not cover passes the hours of its data.
   */
  readonly marketOpen?: MarketOpen;
}

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
  /** One decision round now (what a tick does). */
  tick(): Promise<void>;
}

interface Cause {
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** An aggregate and the last target id it took up (started, superseded to, or rejected). */
interface Held {
  readonly agg: ExecutionAggregate;
  readonly lastTaken: string | null;
}

/** Per aggregate, this process only: when the decider next wants a Tick, the touch it last decided on. */
interface Pacing {
  wakeAt: number | null;
  lastTouch: string;
  /** A missing touch was logged (once until one arrives). */
  noTouchWarned: boolean;
}

const keyOf = (accountId: string, symbol: string): string => `${accountId} ${symbol}`;

/** Thrown only to leave a serial job; caught at the edge of `react`/ticks as a failed job. */
const orThrow = <A>(r: E.Either<KeelError, A>, what: string): A => {
  if (E.isLeft(r)) throw new Error(`${what}: ${describeError(r.left)}`);
  return r.right;
};

export const createExecutionEngine = (ports: ExecutionPorts, settings: ExecutionEngineSettings): ExecutionEngine => {
  const { store, clock, logger, registry } = ports;
  const metrics = {
    targets: new Counter({ name: 'execution_targets_total', help: 'Targets taken up, by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    children: new Counter({ name: 'execution_child_orders_total', help: 'Child orders requested, by kind and reason', labelNames: ['kind', 'reason'] as const, registers: [registry] }),
    completed: new Counter({ name: 'execution_parent_orders_completed_total', help: 'Parent orders completed, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    conflicts: new Counter({ name: 'execution_append_conflicts_total', help: 'Appends refused for a stale revision (re-read and decided again)', registers: [registry] }),
    reconciled: new Counter({ name: 'execution_reconciled_events_total', help: 'Events recorded at start-up from the gateway log for children in flight', registers: [registry] }),
    working: new Gauge({ name: 'execution_working_parent_orders', help: 'Parent orders working or superseding', registers: [registry] }),
  };

  let latestView: ExecutionView = initialExecutionView;
  let stateOf: (() => ExecutionView) | null = null;
  const view = (): ExecutionView => stateOf?.() ?? latestView;
  let ready = false;
  let stopping = false;
  const serial = serialQueue();
  const pacing = new Map<string, Pacing>();
  const pacingOf = (accountId: string, symbol: string): Pacing => {
    const k = keyOf(accountId, symbol);
    let p = pacing.get(k);
    if (!p) {
      p = { wakeAt: clock.now(), lastTouch: '', noTouchWarned: false };
      pacing.set(k, p);
    }
    return p;
  };

  // ---- aggregates, through the command handler --------------------------------------------------

  const pairOf = new Map<string, readonly [string, string]>();
  const streamOf = (accountId: string, symbol: string): string => {
    const s = executionStream(accountId, symbol);
    pairOf.set(s, [accountId, symbol]);
    return s;
  };
  const handler = createCommandHandler<Held>({
    store,
    clock,
    stopping: () => stopping,
    onConflict: () => metrics.conflicts.inc(),
    onOutage: (stream, err, attempt) => logger.warn({ stream, err: describeError(err), attempt }, 'append failed; retrying before acknowledging'),
    fold: {
      initial: (stream) => {
        const [a, s] = pairOf.get(stream) ?? ['', ''];
        return { agg: emptyAggregate(a, s), lastTaken: null };
      },
      evolve: (h, e) => {
        const taken = targetTakenBy(e) ?? h.lastTaken;
        if (e.type === 'ParentOrderRejected') return E.right({ agg: { ...h.agg, revision: e.streamRevision }, lastTaken: taken });
        return pipe(
          fromStored(e),
          E.mapLeft((err): KeelError => validationError(`${e.stream}@${e.streamRevision}`, e.type, `does not decode: ${describeError(err)}`)),
          E.map((d) => {
            const agg = evolveAggregate(h.agg, d, storedExtras(e));
            return { agg: agg.revision === e.streamRevision ? agg : { ...agg, revision: e.streamRevision }, lastTaken: taken };
          }),
        );
      },
    },
  });
  const held = (accountId: string, symbol: string): Promise<Held> =>
    handler.load(streamOf(accountId, symbol))().then((r) => orThrow(r, `reading ${executionStream(accountId, symbol)}`).state);

  const meta = (cause: Cause, now: number): EventMeta => ({ ...cause, producer: EXECUTION_APP, occurredAt: new Date(now).toISOString() });

  /** The decided events as stored events, and the aggregate after them. */
  const encode = (h: Held, command: ParentOrderCommand, events: readonly ParentOrderEvent[], cause: Cause, now: number): E.Either<KeelError, Decision<Held>> => {
    const v = view();
    const { accountId, symbol } = h.agg;
    const market = () => marketTotalsAt(v, v.venues[accountId] ?? '', symbol, now);
    let agg = h.agg;
    let lastTaken = h.lastTaken;
    const out: NewEvent[] = [];
    for (const e of events) {
      const { extras, quality } = decisionExtras(e, command, h.agg, agg, market);
      const stored = toStored(e, {
        accountId,
        instrument: symbol,
        ...(extras.targetId !== undefined ? { targetId: extras.targetId } : {}),
        ...(extras.marketAtStart ? { marketAtStart: extras.marketAtStart } : {}),
        ...(quality ? { quality } : {}),
      });
      const ne = newEvent(stored.type, eventIdFor(e, { accountId, instrument: symbol }), stored.data as never, meta(cause, now));
      if (E.isLeft(ne)) return ne;
      out.push(ne.right);
      agg = evolveAggregate(agg, e, extras);
      if (e.type === 'ParentOrderStarted' && extras.targetId) lastTaken = extras.targetId;
      if (e.type === 'ParentOrderSuperseded') lastTaken = e.next.targetId;
    }
    return E.right({ events: out, state: { agg, lastTaken } });
  };

  /**
   * Decide `command` on the aggregate and store the events. Right: the decider's events
   * (stored); Left: its refusal, or the store's.
   */
  const run = (
    accountId: string,
    symbol: string,
    command: ParentOrderCommand,
    cause: Cause,
    cfg: ExecutionConfig = defaultExecutionConfig(),
  ): TE.TaskEither<ExecutionError | KeelError, readonly ParentOrderEvent[]> => {
    let decided: readonly ParentOrderEvent[] = [];
    const now = clock.now();
    return pipe(
      handler.handle<ExecutionError | KeelError>(streamOf(accountId, symbol), (h) =>
        pipe(
          decide(command, h.agg.state, cfg),
          E.chainW((events) => {
            decided = events;
            return events.length === 0 ? E.right({ events: [], state: h }) : encode(h, command, events, cause, now);
          }),
        ),
      ),
      TE.map((r) => {
        const agg = r.state.agg;
        for (const e of decided) {
          if (e.type === 'ChildOrderRequested') metrics.children.inc({ kind: e.kind, reason: e.reason });
          if (e.type === 'ParentOrderCompleted') metrics.completed.inc({ reason: e.reason });
          if (e.type === 'ParentOrderStarted' || e.type === 'ParentOrderCompleted' || e.type === 'ParentOrderSuperseded' || e.type === 'ParentOrderPaused' || e.type === 'ParentOrderResumed')
            logger.info({ accountId, instrument: symbol, type: e.type, parentOrderId: e.type === 'ParentOrderStarted' ? e.parent.parentId : e.parentId }, `execution: ${e.type}`);
        }
        if (decided.length > 0) pacingOf(accountId, symbol).wakeAt = nextWakeAt(agg.state, now, cfg);
        return decided;
      }),
    );
  };

  /** Store a refusal of a target (nothing is sent to a venue). */
  const reject = (accountId: string, symbol: string, targetId: string, error: ExecutionError, cause: Cause): TE.TaskEither<KeelError, void> => {
    const now = clock.now();
    let data: ReturnType<typeof rejectionData> | null = null;
    return pipe(
      handler.handle<KeelError>(streamOf(accountId, symbol), (h) => {
        if (h.lastTaken === targetId) return E.right({ events: [], state: h });
        data = rejectionData(h.agg, targetId, error, now);
        return pipe(
          newEvent('ParentOrderRejected', rejectionEventId(accountId, symbol, targetId), data, meta(cause, now)),
          E.map((ne) => ({ events: [ne], state: { agg: { ...h.agg, revision: h.agg.revision + 1 }, lastTaken: targetId } })),
        );
      }),
      TE.map((r) => {
        if (r.events.length === 0 || !data) return;
        metrics.targets.inc({ outcome: 'rejected' });
        logger.warn({ accountId, instrument: symbol, targetId, reason: data.reason }, 'target rejected; nothing sent to a venue');
      }),
    );
  };

  const touchOf = (v: ExecutionView, accountId: string, symbol: string, now: number): Touch | null =>
    freshTouch(v, v.venues[accountId] ?? '', symbol, now, settings.quoteMaxAgeMs);

  /** Targets the decider found nothing to do for (the position is the target): this process only. */
  const settled = new Map<string, string>();

  /** Take up the latest target of (account, symbol) if this aggregate has not yet. */
  const takeTarget = async (v: ExecutionView, accountId: string, symbol: string, cause: Cause): Promise<void> => {
    const target = v.targets[accountId]?.[symbol];
    if (!target) return;
    const h = await held(accountId, symbol);
    const key = keyOf(accountId, symbol);
    if (h.lastTaken === target.targetId || settled.get(key) === target.targetId) return;
    const now = clock.now();
    const step = targetStep(v, h.agg, target, now, touchOf(v, accountId, symbol, now), settings);
    switch (step._tag) {
      case 'Wait':
        return;
      case 'Nothing':
        settled.set(key, target.targetId);
        metrics.targets.inc({ outcome: 'nothing' });
        return;
      case 'Reject':
        return orThrow(await reject(accountId, symbol, target.targetId, step.error, cause)(), 'storing a rejection');
      case 'Decide': {
        const r = await run(accountId, symbol, step.command, cause, step.config)();
        if (E.isLeft(r)) {
          const err = r.left;
          if (err._tag === 'InfrastructureError' || err._tag === 'ConcurrencyError') throw new Error(describeError(err));
          return orThrow(await reject(accountId, symbol, target.targetId, err, cause)(), 'storing a rejection');
        }
        // No events: the decider found nothing to do (the position is the target).
        if (r.right.length === 0) settled.set(key, target.targetId);
        metrics.targets.inc({ outcome: r.right.some((e) => e.type === 'ParentOrderSuperseded') ? 'superseding' : r.right.length === 0 ? 'nothing' : 'started' });
        return;
      }
      default: {
        const never: never = step;
        return never;
      }
    }
  };

  /** Pauses wanted vs held, then a Tick when the decider is due or the touch moved. */
  const step = async (v: ExecutionView, accountId: string, symbol: string, cause: Cause, force: boolean): Promise<void> => {
    const now = clock.now();
    const before = await held(accountId, symbol);
    for (const c of pauseCommands(before.agg.state, wantedPauses(v, accountId, symbol, now, settings.marketOpen), now)) {
      const r = await run(accountId, symbol, c, cause)();
      if (E.isLeft(r)) logger.error({ accountId, instrument: symbol, err: describeError(r.left) }, 'pause refused');
    }
    const s = (await held(accountId, symbol)).agg.state;
    if (s.status !== 'Working' && s.status !== 'Superseding') return;
    const p = pacingOf(accountId, symbol);
    const touch = touchOf(v, accountId, symbol, now);
    if (touch === null && !p.noTouchWarned && s.status === 'Working')
      logger.warn(
        { accountId, instrument: symbol, maxAgeMs: settings.quoteMaxAgeMs },
        'no fresh quote: the parent order sends nothing until one arrives (the gateway records quotes for its KEEL_INSTRUMENTS and instruments with orders)',
      );
    p.noTouchWarned = touch === null;
    const touchKey = touch ? `${touch.bid.toFixed()}/${touch.ask.toFixed()}` : '';
    if (!tickDue({ force, status: s.status, touchKey, lastTouchKey: p.lastTouch, wakeAt: p.wakeAt, now })) return;
    p.lastTouch = touchKey;
    const r = await run(accountId, symbol, { type: 'Tick', now, touch }, cause)();
    if (E.isLeft(r)) logger.error({ accountId, instrument: symbol, err: describeError(r.left) }, 'tick refused');
    else if (r.right.length === 0) p.wakeAt = nextWakeAt((await held(accountId, symbol)).agg.state, now, defaultExecutionConfig());
  };

  const owned = (accountId: string): boolean => settings.accounts.includes(accountId);

  /**
   * Every (account, symbol) that ever had a target (an aggregate with history had one), not
   * every instrument a venue lists: a venue lists hundreds. Targets of accounts it does not
   * trade for are included: taking them up rejects them.
   */
  const knownPairs = (v: ExecutionView): [string, string][] => {
    const out = new Set<string>();
    for (const [a, bySymbol] of Object.entries(v.targets)) for (const s of Object.keys(bySymbol)) out.add(keyOf(a, s));
    return [...out].sort().map((k) => k.split(' ', 2) as [string, string]);
  };

  const refreshGauge = (): void => {
    metrics.working.set([...handler.all().values()].filter((h) => h.agg.state.status === 'Working' || h.agg.state.status === 'Superseding').length);
  };

  /** Every pair: take up its target, then step it. */
  const round = async (v: ExecutionView, cause: Cause, stepToo: (a: string, s: string) => boolean): Promise<void> => {
    for (const [a, s] of knownPairs(v)) {
      await takeTarget(v, a, s, cause);
      if (stepToo(a, s) && handler.cached(streamOf(a, s))) await step(v, a, s, cause, false);
    }
    refreshGauge();
  };

  // ---- start-up reconciliation -----------------------------------------------------------------

  const inFlight = (h: ExecutionAggregate) => (h.state.status === 'Working' || h.state.status === 'Superseding' ? h.state.children : []);

  /**
   * For every aggregate with children in flight: what the gateway recorded about them while
   * this process was down (or before its reaction checkpoint), read back from the gateway's
   * account stream, newest first until before the oldest open child, applied in log order.
   */
  const reconcile = async (): Promise<void> => {
    const v = view();
    for (const [a, s] of knownPairs(v)) await held(a, s);
    const byAccount = new Map<string, ExecutionAggregate[]>();
    for (const h of handler.all().values())
      if (inFlight(h.agg).length > 0) byAccount.set(h.agg.accountId, [...(byAccount.get(h.agg.accountId) ?? []), h.agg]);
    for (const [accountId, aggs] of byAccount) {
      const children = aggs.flatMap(inFlight);
      const open = new Set(children.map((c) => c.clientOrderId));
      const oldest = Math.min(...children.map((c) => c.requestedAt));
      const stream = streamName('venue', accountId);
      if (E.isLeft(stream)) continue;
      // Newest first, until before the oldest open child was requested (a minute of margin for clocks).
      const found = orThrow(
        await foldStream(store, stream.right, [] as RecordedEvent[], (acc, e) => ({ state: [...acc, e], stop: Date.parse(e.occurredAt) < oldest - 60_000 }), {
          direction: 'backwards',
          pageSize: 2048,
        })(),
        `reading ${stream.right}`,
      );
      let n = 0;
      for (const e of found.reverse()) {
        const c = venueCommand(e, clock.now());
        if (!c || !('clientOrderId' in c) || !open.has(c.clientOrderId)) continue;
        const symbol = (e.data as { instrument: string }).instrument;
        const r = await run(accountId, symbol, c, { correlationId: `execution-reconcile-${accountId}`, causationId: e.eventId })();
        if (E.isRight(r)) n += r.right.length;
      }
      metrics.reconciled.inc(n);
      logger.info({ accountId, openChildren: open.size, recorded: n }, 'reconciled children in flight with the gateway log');
    }
  };

  // ---- the folding app ---------------------------------------------------------------------------

  const app: FoldingApp<ExecutionView> = {
    name: EXECUTION_APP,
    projection: { version: 1, initial: initialExecutionView, eventTypes: EXECUTION_VIEW_EVENT_TYPES, evolve: evolveExecutionView },
    react: (event, next, ctx) => {
      latestView = next;
      const cause: Cause = { correlationId: event.correlationId, causationId: event.eventId };
      if (event.type === 'OrderAccepted' || event.type === 'OrderRejected' || event.type === 'OrderFilled' || event.type === 'OrderCancelled') {
        const { accountId, instrument } = event.data;
        if (!owned(accountId)) return [];
        const command = venueCommand(event, ctx.now);
        return serial(async () => {
          if (command) {
            const r = await run(accountId, instrument, command, cause)();
            if (E.isLeft(r) && (r.left._tag === 'InfrastructureError' || r.left._tag === 'ConcurrencyError')) throw new Error(describeError(r.left));
          }
          if (ready && !stopping) await step(next, accountId, instrument, cause, true);
          refreshGauge();
        }).then(() => []);
      }
      if (event.type === 'TargetPositionSet' || event.type === 'ContractTargetSet') {
        const { accountId, instrument } = event.data;
        // Only the latest target counts (the view ignores CME root exposure, cme-rollover's input).
        if (next.targets[accountId]?.[instrument]?.targetId !== event.eventId) return [];
        // During start-up replay targets wait: the view is not yet the latest (the start-up pass takes them up).
        if (!ready || stopping) return [];
        return serial(async () => {
          await takeTarget(next, accountId, instrument, cause);
          refreshGauge();
        }).then(() => []);
      }
      if (event.type === 'KillSwitchEngaged' || event.type === 'KillSwitchReleased' || event.type === 'PositionSnapshot' || event.type === 'InstrumentsListed') {
        if (!ready || stopping) return [];
        return serial(() => round(next, cause, () => event.type !== 'PositionSnapshot')).then(() => []);
      }
      return [];
    },
  };

  const tick = (): Promise<void> =>
    serial(() => round(view(), { correlationId: `${EXECUTION_APP}-tick-${clock.now()}`, causationId: null }, () => true));

  const engine: Engine<ExecutionView> = {
    app,
    started: (running) => async () => {
      stateOf = () => running.state();
      try {
        await serial(reconcile);
      } catch (e) {
        return E.left({ _tag: 'InfrastructureError', component: EXECUTION_APP, op: 'reconcile', message: String(e), cause: e });
      }
      ready = true;
      await tick().catch((e: unknown) => logger.warn({ err: String(e) }, 'first tick failed; the next one decides again'));
      logger.info({ accounts: settings.accounts, tickMs: settings.tickMs, aggregates: handler.all().size }, 'execution started');
      return E.right(undefined);
    },
    tickers: [{ name: `${EXECUTION_APP}-tick`, everyMs: settings.tickMs, work: tick }],
    checks: { reconciled: async () => ready },
    stopping: async () => {
      stopping = true;
      await serial.idle();
    },
  };

  return {
    engine,
    view,
    aggregate: (a, s) => handler.cached(executionStream(a, s))?.agg,
    tick,
  };
};
