/**
 * Production wiring of execution (docs/execution.md): the maker-first TWAP decider of
 * @keel/execution-domain, one aggregate per (account, instrument) in its own stream
 * `execution-<account>.<instrument>`, appended with the revision the decision was made on
 * (optimistic concurrency: a conflict re-reads the stream and decides again).
 *
 * - The runtime kit folds the facts of other apps into `ExecutionView` (instrument rules,
 *   positions, touches, targets, kill switches) and calls `react` for each; a trigger is
 *   acknowledged only after what it caused is stored.
 * - Start-up: the kit replays; venue facts past the reaction checkpoint are recorded again
 *   (idempotent); then every aggregate with children in flight is reconciled against the
 *   gateway's log (what became of each child while this process was down), and only then are
 *   targets taken up and ticks run (/readyz waits for it).
 * - Ticks on the injected clock: pauses (kill switch, CME market state), pending targets, and a
 *   Tick for each working aggregate when the decider's `nextWakeAt` is due or the touch moved.
 * - Decisions run one at a time (a serial lock), so a tick never decides on a stale aggregate.
 */
import * as E from 'fp-ts/Either';
import { Static, Type } from '@sinclair/typebox';
import { Counter, Gauge } from 'prom-client';
import { describeError, EventMeta, KeelError, newEvent, NewEvent, RecordedEvent, streamName } from '@keel/events';
import { AppMainSpec, AppPorts, AppProgram, FoldingApp, RunningApp, serialQueue, startFoldingApp } from '@keel/runtime';
import {
  completionQuality,
  decide,
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
  freshTouch,
  fromStored,
  initialExecutionView,
  marketTotalsAt,
  nextWakeAt,
  ParentOrderCommand,
  ParentOrderEvent,
  pauseCommands,
  rejectionData,
  rejectionEventId,
  StoredExtras,
  storedExtras,
  targetStep,
  TargetSettings,
  toStored,
  Touch,
  venueCommand,
  wantedPauses,
} from '@keel/execution-domain';

export const APP = 'execution';
const LIST = '^[A-Za-z0-9_.:@-]+(,[A-Za-z0-9_.:@-]+)*$';

export const ExecutionAppConfig = {
  accountIds: Type.String({ default: 'sim-1', pattern: LIST, description: 'accounts this instance executes for, comma-separated; targets for others are rejected' }),
  tickMs: Type.Integer({ default: 1000, minimum: 10, description: 'decision tick on the injected clock (slices, reprices, catch-up, sweep)' }),
  sliceSec: Type.Integer({ default: 60, minimum: 1, description: 'TWAP slice length: a target gets round(horizon / slice) slices' }),
  maxSlices: Type.Integer({ default: 240, minimum: 1, maximum: 10_000, description: 'most slices of one parent order' }),
  quoteMaxAgeMs: Type.Integer({ default: 10_000, minimum: 100, description: 'a touch older than this (venue time) is not traded on' }),
};
export type ExecutionAppSettings = { [K in keyof typeof ExecutionAppConfig]: Static<(typeof ExecutionAppConfig)[K]> };

export interface ExecutionProgram extends AppProgram {
  view(): ExecutionView;
  aggregate(accountId: string, symbol: string): ExecutionAggregate | undefined;
  /** One decision round now (what a timer tick does). */
  tick(): Promise<void>;
}

const keyOf = (accountId: string, symbol: string): string => `${accountId} ${symbol}`;
const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter((x) => x !== '');

interface Cause {
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** An aggregate plus the target ids it has taken up (started, superseded to, or rejected). */
interface Held {
  agg: ExecutionAggregate;
  taken: Set<string>;
  /** When the decider next wants a Tick, and the touch it last decided on. */
  wakeAt: number | null;
  lastTouch: string;
  /** A missing touch was logged (once until one arrives). */
  noTouchWarned: boolean;
}

export const startExecution = async (
  ports: AppPorts,
  config: ExecutionAppSettings & { snapshotEvery: number },
): Promise<E.Either<KeelError, ExecutionProgram>> => {
  const { store, clock, logger } = ports;
  const registry = ports.metrics.registry;
  const settings: TargetSettings = { accounts: list(config.accountIds), sliceMs: config.sliceSec * 1000, maxSlices: config.maxSlices };
  const metrics = {
    targets: new Counter({ name: 'execution_targets_total', help: 'Targets taken up, by outcome', labelNames: ['outcome'] as const, registers: [registry] }),
    children: new Counter({ name: 'execution_child_orders_total', help: 'Child orders requested, by kind and reason', labelNames: ['kind', 'reason'] as const, registers: [registry] }),
    completed: new Counter({ name: 'execution_parent_orders_completed_total', help: 'Parent orders completed, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    conflicts: new Counter({ name: 'execution_append_conflicts_total', help: 'Appends refused for a stale revision (re-read and decided again)', registers: [registry] }),
    reconciled: new Counter({ name: 'execution_reconciled_events_total', help: 'Events recorded at start-up from the gateway log for children in flight', registers: [registry] }),
    working: new Gauge({ name: 'execution_working_parent_orders', help: 'Parent orders working or superseding', registers: [registry] }),
  };

  const held = new Map<string, Held>();
  let running: RunningApp<ExecutionView> | null = null;
  let latestView: ExecutionView = initialExecutionView;
  const view = (): ExecutionView => running?.state() ?? latestView;
  let ready = false;
  let stopping = false;

  const serial = serialQueue();

  // ---- aggregates -------------------------------------------------------------------------

  const load = async (accountId: string, symbol: string): Promise<Held> => {
    let agg = emptyAggregate(accountId, symbol);
    const taken = new Set<string>();
    for (;;) {
      const page = await store.readStream(agg.stream, { fromRevision: agg.revision + 1, maxCount: 4096 })();
      if (E.isLeft(page)) throw new Error(`reading ${agg.stream}: ${describeError(page.left)}`);
      for (const e of page.right) {
        if (e.type === 'ParentOrderRejected') {
          taken.add(e.data.targetId);
          agg = { ...agg, revision: e.streamRevision };
          continue;
        }
        const d = fromStored(e);
        if (E.isLeft(d)) throw new Error(`${agg.stream}@${e.streamRevision} (${e.type}) does not decode: ${describeError(d.left)}`);
        agg = evolveAggregate(agg, d.right, storedExtras(e));
        if (agg.revision !== e.streamRevision) agg = { ...agg, revision: e.streamRevision };
        if (e.type === 'ParentOrderStarted' && e.data.targetId) taken.add(e.data.targetId);
        if (e.type === 'ParentOrderSuperseded') taken.add(e.data.next.targetId);
      }
      if (page.right.length < 4096) break;
    }
    const h: Held = { agg, taken, wakeAt: clock.now(), lastTouch: '', noTouchWarned: false };
    held.set(keyOf(accountId, symbol), h);
    return h;
  };
  const get = async (accountId: string, symbol: string): Promise<Held> => held.get(keyOf(accountId, symbol)) ?? load(accountId, symbol);

  const meta = (cause: Cause, now: number): EventMeta => ({ ...cause, producer: APP, occurredAt: new Date(now).toISOString() });

  /** Append `events` at the held revision; false on a stale revision (re-read first). */
  const append = async (h: Held, events: readonly NewEvent[]): Promise<boolean> => {
    for (;;) {
      const r = await store.append(h.agg.stream, events, h.agg.revision < 0 ? 'noStream' : h.agg.revision)();
      if (E.isRight(r)) return true;
      const err = r.left;
      // A stale revision, or ids already stored (this decision was written before a crash): re-read.
      if (err._tag === 'ConcurrencyError' || (err._tag === 'ValidationError' && err.path === '/eventId')) {
        metrics.conflicts.inc();
        return false;
      }
      if (err._tag !== 'InfrastructureError' || stopping) throw new Error(`appending to ${h.agg.stream}: ${describeError(err)}`);
      logger.warn({ stream: h.agg.stream, err: describeError(err) }, 'append failed; retrying before acknowledging');
      await clock.sleep(500);
    }
  };

  /**
   * Decide `command` on the held aggregate and store the events; on a stale revision re-read
   * the stream and decide again. Returns the events stored, or the decider's refusal.
   */
  const run = async (
    accountId: string,
    symbol: string,
    command: ParentOrderCommand,
    cause: Cause,
    cfg: ExecutionConfig = defaultExecutionConfig(),
  ): Promise<E.Either<ExecutionError, readonly ParentOrderEvent[]>> => {
    for (let attempt = 0; ; attempt++) {
      const h = await get(accountId, symbol);
      const decided = decide(command, h.agg.state, cfg);
      if (E.isLeft(decided) || decided.right.length === 0) return decided;
      const now = clock.now();
      const v = view();
      const venue = v.venues[accountId] ?? '';
      let agg = h.agg;
      const out: NewEvent[] = [];
      for (const e of decided.right) {
        const extras: StoredExtras =
          e.type === 'ParentOrderStarted'
            ? {
                // A next parent started by a Tick executes the target the superseded one was waiting for.
                targetId: command.type === 'SetTarget' ? command.targetId : h.agg.state.status === 'Superseding' ? h.agg.state.next.targetId : null,
                marketAtStart: marketTotalsAt(v, venue, symbol, now),
              }
            : {};
        const quality = e.type === 'ParentOrderCompleted' ? completionQuality(agg, marketTotalsAt(v, venue, symbol, now)) : null;
        const stored = toStored(e, {
          accountId,
          instrument: symbol,
          ...(extras.targetId !== undefined ? { targetId: extras.targetId } : {}),
          ...(extras.marketAtStart ? { marketAtStart: extras.marketAtStart } : {}),
          ...(quality ? { quality } : {}),
        });
        const ne = newEvent(stored.type, eventIdFor(e, { accountId, instrument: symbol }), stored.data as never, meta(cause, now));
        if (E.isLeft(ne)) throw new Error(`${stored.type} does not validate: ${describeError(ne.left)}`);
        out.push(ne.right);
        agg = evolveAggregate(agg, e, extras);
      }
      if (!(await append(h, out))) {
        if (attempt >= 5) throw new Error(`${h.agg.stream}: revision conflict after ${attempt + 1} attempts`);
        await load(accountId, symbol);
        continue;
      }
      h.agg = agg;
      for (const e of decided.right) {
        if (e.type === 'ParentOrderStarted' && agg.targetId) h.taken.add(agg.targetId);
        if (e.type === 'ParentOrderSuperseded') h.taken.add(e.next.targetId);
        if (e.type === 'ChildOrderRequested') metrics.children.inc({ kind: e.kind, reason: e.reason });
        if (e.type === 'ParentOrderCompleted') metrics.completed.inc({ reason: e.reason });
      }
      h.wakeAt = nextWakeAt(agg.state, now, cfg);
      for (const e of decided.right)
        if (e.type === 'ParentOrderStarted' || e.type === 'ParentOrderCompleted' || e.type === 'ParentOrderSuperseded' || e.type === 'ParentOrderPaused' || e.type === 'ParentOrderResumed')
          logger.info({ accountId, instrument: symbol, type: e.type, parentOrderId: e.type === 'ParentOrderStarted' ? e.parent.parentId : e.parentId }, `execution: ${e.type}`);
      return decided;
    }
  };

  /** Store a refusal of a target (nothing is sent to a venue). */
  const reject = async (accountId: string, symbol: string, targetId: string, error: ExecutionError, cause: Cause): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      const h = await get(accountId, symbol);
      if (h.taken.has(targetId)) return;
      const now = clock.now();
      const data = rejectionData(h.agg, targetId, error, now);
      const ne = newEvent('ParentOrderRejected', rejectionEventId(accountId, symbol, targetId), data, meta(cause, now));
      if (E.isLeft(ne)) throw new Error(`ParentOrderRejected does not validate: ${describeError(ne.left)}`);
      if (await append(h, [ne.right])) {
        h.agg = { ...h.agg, revision: h.agg.revision + 1 };
        h.taken.add(targetId);
        metrics.targets.inc({ outcome: 'rejected' });
        logger.warn({ accountId, instrument: symbol, targetId, reason: data.reason }, 'target rejected; nothing sent to a venue');
        return;
      }
      if (attempt >= 5) throw new Error(`${h.agg.stream}: revision conflict after ${attempt + 1} attempts`);
      await load(accountId, symbol);
    }
  };

  const touchOf = (v: ExecutionView, accountId: string, symbol: string, now: number): Touch | null =>
    freshTouch(v, v.venues[accountId] ?? '', symbol, now, config.quoteMaxAgeMs);

  /** Take up the latest target of (account, symbol) if this aggregate has not yet. */
  const takeTarget = async (v: ExecutionView, accountId: string, symbol: string, cause: Cause): Promise<void> => {
    const target = v.targets[accountId]?.[symbol];
    if (!target) return;
    const h = await get(accountId, symbol);
    if (h.taken.has(target.targetId)) return;
    const now = clock.now();
    const step = targetStep(v, h.agg, target, now, touchOf(v, accountId, symbol, now), settings);
    switch (step._tag) {
      case 'Wait':
        return;
      case 'Nothing':
        h.taken.add(target.targetId);
        metrics.targets.inc({ outcome: 'nothing' });
        return;
      case 'Reject':
        return reject(accountId, symbol, target.targetId, step.error, cause);
      case 'Decide': {
        const r = await run(accountId, symbol, step.command, cause, step.config);
        if (E.isLeft(r)) return reject(accountId, symbol, target.targetId, r.left, cause);
        // No events: the decider found nothing to do (the position is the target).
        if (r.right.length === 0) h.taken.add(target.targetId);
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
  const step = async (v: ExecutionView, h: Held, cause: Cause, force: boolean): Promise<void> => {
    const { accountId, symbol } = h.agg;
    const now = clock.now();
    for (const c of pauseCommands(h.agg.state, wantedPauses(v, accountId, symbol, now), now)) await run(accountId, symbol, c, cause);
    const s = h.agg.state;
    if (s.status !== 'Working' && s.status !== 'Superseding') return;
    const touch = touchOf(v, accountId, symbol, now);
    if (touch === null && !h.noTouchWarned && s.status === 'Working')
      logger.warn(
        { accountId, instrument: symbol, maxAgeMs: config.quoteMaxAgeMs },
        'no fresh quote: the parent order sends nothing until one arrives (the gateway records quotes for its KEEL_INSTRUMENTS and instruments with orders)',
      );
    h.noTouchWarned = touch === null;
    const touchKey = touch ? `${touch.bid.toFixed()}/${touch.ask.toFixed()}` : '';
    if (!force && s.status === 'Working' && touchKey === h.lastTouch && (h.wakeAt === null || h.wakeAt > now)) return;
    h.lastTouch = touchKey;
    const r = await run(accountId, symbol, { type: 'Tick', now, touch }, cause);
    if (E.isLeft(r)) logger.error({ accountId, instrument: symbol, err: describeError(r.left) }, 'tick refused');
    else if (r.right.length === 0) h.wakeAt = nextWakeAt(h.agg.state, now, defaultExecutionConfig());
  };

  const owned = (accountId: string): boolean => settings.accounts.includes(accountId);

  /**
   * Every (account, symbol) that ever had a target (an aggregate with history had one), not
   * every instrument a venue lists: a venue lists hundreds.
   */
  const knownPairs = (v: ExecutionView): [string, string][] => {
    const out = new Set<string>();
    // Targets of accounts it does not trade for are included: taking them up rejects them.
    for (const [a, bySymbol] of Object.entries(v.targets)) for (const s of Object.keys(bySymbol)) out.add(keyOf(a, s));
    return [...out].sort().map((k) => k.split(' ', 2) as [string, string]);
  };

  const refreshGauge = (): void => {
    metrics.working.set([...held.values()].filter((h) => h.agg.state.status === 'Working' || h.agg.state.status === 'Superseding').length);
  };

  // ---- start-up reconciliation --------------------------------------------------------------

  /**
   * For every aggregate with children in flight: what the gateway recorded about them while
   * this process was down (or before its reaction checkpoint), read back from the gateway's
   * account stream, newest first until before the oldest open child, applied in log order.
   */
  const reconcile = async (): Promise<void> => {
    const v = view();
    for (const [a, s] of knownPairs(v)) await get(a, s);
    const byAccount = new Map<string, Held[]>();
    for (const h of held.values()) {
      const st = h.agg.state;
      if ((st.status === 'Working' || st.status === 'Superseding') && st.children.length > 0)
        byAccount.set(h.agg.accountId, [...(byAccount.get(h.agg.accountId) ?? []), h]);
    }
    for (const [accountId, hs] of byAccount) {
      const open = new Set(hs.flatMap((h) => (h.agg.state.status === 'Working' || h.agg.state.status === 'Superseding' ? h.agg.state.children.map((c) => c.clientOrderId) : [])));
      const oldest = Math.min(...hs.flatMap((h) => (h.agg.state.status === 'Working' || h.agg.state.status === 'Superseding' ? h.agg.state.children.map((c) => c.requestedAt) : [])));
      const stream = streamName('venue', accountId);
      if (E.isLeft(stream)) continue;
      const found: RecordedEvent[] = [];
      let from: number | undefined;
      for (;;) {
        const page = await store.readStream(stream.right, { direction: 'backwards', maxCount: 2048, ...(from !== undefined ? { fromRevision: from } : {}) })();
        if (E.isLeft(page)) throw new Error(`reading ${stream.right}: ${describeError(page.left)}`);
        for (const e of page.right) found.push(e);
        const last = page.right[page.right.length - 1];
        // Stop once the page reaches before the oldest open child was requested (a minute of margin for clocks).
        if (!last || page.right.length < 2048 || last.streamRevision === 0 || Date.parse(last.occurredAt) < oldest - 60_000) break;
        from = last.streamRevision - 1;
      }
      let n = 0;
      for (const e of found.reverse()) {
        const c = venueCommand(e, clock.now());
        if (!c || !('clientOrderId' in c) || !open.has(c.clientOrderId)) continue;
        const symbol = (e.data as { instrument: string }).instrument;
        const r = await run(accountId, symbol, c, { correlationId: `execution-reconcile-${accountId}`, causationId: e.eventId });
        if (E.isRight(r)) n += r.right.length;
      }
      metrics.reconciled.inc(n);
      logger.info({ accountId, openChildren: open.size, recorded: n }, 'reconciled children in flight with the gateway log');
    }
  };

  // ---- the folding app ------------------------------------------------------------------------

  const app: FoldingApp<ExecutionView> = {
    name: APP,
    projection: { version: 1, initial: initialExecutionView, eventTypes: EXECUTION_VIEW_EVENT_TYPES, evolve: evolveExecutionView },
    react: (event, next, ctx) => {
      latestView = next;
      const cause: Cause = { correlationId: event.correlationId, causationId: event.eventId };
      if (event.type === 'OrderAccepted' || event.type === 'OrderRejected' || event.type === 'OrderFilled' || event.type === 'OrderCancelled') {
        const { accountId, instrument } = event.data;
        if (!owned(accountId)) return [];
        const command = venueCommand(event, ctx.now);
        return serial(async () => {
          if (command) await run(accountId, instrument, command, cause);
          if (ready && !stopping) await step(next, await get(accountId, instrument), cause, true);
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
        return serial(async () => {
          for (const [a, s] of knownPairs(next)) {
            await takeTarget(next, a, s, cause);
            const h = held.get(keyOf(a, s));
            if (h && event.type !== 'PositionSnapshot') await step(next, h, cause, false);
          }
          refreshGauge();
        }).then(() => []);
      }
      return [];
    },
  };

  const started = await startFoldingApp(app, ports, { snapshotEvery: config.snapshotEvery });
  if (E.isLeft(started)) return started;
  running = started.right;

  try {
    await serial(reconcile);
  } catch (e) {
    await running.stop();
    return E.left({ _tag: 'InfrastructureError', component: APP, op: 'reconcile', message: String(e), cause: e });
  }
  ready = true;

  const tick = (): Promise<void> =>
    serial(async () => {
      const v = view();
      const cause: Cause = { correlationId: `${APP}-tick-${clock.now()}`, causationId: null };
      for (const [a, s] of knownPairs(v)) {
        await takeTarget(v, a, s, cause);
        const h = held.get(keyOf(a, s));
        if (h) await step(v, h, cause, false);
      }
      refreshGauge();
    });

  let cancelTimer: (() => void) | null = null;
  let inTick: Promise<void> = Promise.resolve();
  const schedule = (): void => {
    if (stopping) return;
    cancelTimer = clock.setTimer(`${APP}-tick`, clock.now() + config.tickMs, () => {
      inTick = tick()
        .catch((e: unknown) => logger.warn({ err: String(e) }, 'tick failed; the next one decides again'))
        .finally(schedule);
    });
  };
  await tick().catch((e: unknown) => logger.warn({ err: String(e) }, 'first tick failed; the next one decides again'));
  schedule();
  logger.info({ accounts: settings.accounts, tickMs: config.tickMs, aggregates: held.size }, 'execution started');

  return E.right({
    checks: { reconciled: async () => ready },
    view,
    aggregate: (a, s) => held.get(keyOf(a, s))?.agg,
    tick,
    stop: async () => {
      stopping = true;
      cancelTimer?.();
      await inTick;
      await serial.idle();
      await running?.stop();
    },
  });
};

export const executionMain: AppMainSpec<typeof ExecutionAppConfig> = {
  name: APP,
  defaultHttpPort: 8083,
  config: ExecutionAppConfig,
  start: (ports, config) => startExecution(ports, config),
};
