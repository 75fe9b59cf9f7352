/**
 * The optimizer's application layer, as an `Engine` that `runEngine` runs (docs/optimizer.md).
 * Written against ports only, so the app process, the benchmark and an in-process simulation
 * run this same object.
 *
 * - State: the fold of @keel/portfolio-domain (predictions, equity, prices, rules, kill
 *   switches, its own decisions), rebuilt from the log at start (snapshots via the runtime).
 * - A decision pass (`rebalance`) on each event that changes an input, scoped to what it
 *   touches (equity: its account; a kill switch: everything; predictions: their instruments,
 *   batched — every prediction that arrived while a pass ran is decided by the next one),
 *   and a full pass on every tick of the injected clock (expiries, staleness, the new day).
 * - Decisions are appended with ids derived from their causes (the count of earlier targets
 *   of that account and instrument), so a pass repeated after a crash stores nothing twice.
 * - Passes run one at a time. The state a pass reads is the folded log plus this engine's own
 *   writes the fold has not consumed yet (by global position), so a pass right after another
 *   never decides twice on a stale view.
 * - Reactions wait for the start-up replay to finish; `started` then runs one full pass.
 * - At start it records the configuration (OptimizerConfigApplied) when its digest differs
 *   from the last one recorded: a changed file takes effect at restart and leaves a trace.
 *
 * Failures: a write the store refuses or cannot take fails the pass. On an event the reaction
 * then fails, so the event stays unapplied and is delivered again; on a tick it is logged and
 * the next tick decides again.
 */
import { createHash } from 'node:crypto';
import * as E from 'fp-ts/Either';
import * as T from 'fp-ts/Task';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Counter, Gauge } from 'prom-client';
import {
  deriveId,
  describeError,
  EventMeta,
  KeelError,
  NewEvent,
  newEvent,
  RecordedEvent,
} from '@keel/events';
import { appendIgnoringDuplicates, EventStore } from '@keel/event-store';
import { Clock, Engine, FoldingApp, KeelMetrics, Logger, RunningApp, serialQueue } from '@keel/runtime';
import {
  changedKeys,
  CONFIG_STREAM,
  Decision,
  evolveOptimizer,
  FULL_PASS,
  initialOptimizerState,
  OPTIMIZER_APP,
  OPTIMIZER_EVENT_TYPES,
  OptimizerConfig,
  OptimizerState,
  rebalance,
  RebalanceScope,
} from '@keel/portfolio-domain';
import { BatchCauses } from './prediction.causes';

export interface OptimizerPorts {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the engine's own counters are registered (one engine per registry). */
  readonly metrics: Pick<KeelMetrics, 'registry'>;
}

export interface OptimizerEngine {
  /** For `runEngine`; one run per engine object (its state is that run's). */
  readonly engine: Engine<OptimizerState>;
  readonly config: OptimizerConfig;
  /** The folded state plus the engine's own writes not folded yet. */
  state(): OptimizerState;
  /** The global position the folded state includes (0 until started). */
  position(): number;
  /** One full decision pass now (what a tick does). */
  readonly tick: TE.TaskEither<KeelError, void>;
}

type Cause = Pick<EventMeta, 'correlationId' | 'causationId'>;
/** The cause of each decision of a pass: one for all, or per decision (a batch of predictions). */
type CauseOf = Cause | ((d: Decision) => Cause);

/** JSON with sorted keys, so the digest of a document does not depend on key order. */
const canonical = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : typeof v === 'object' && v !== null
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

export const configDigest = (document: unknown): string =>
  createHash('sha256').update(canonical(document)).digest('hex');

/** The scope of the pass an event calls for, or null when it calls for none (the tick covers it). */
export const scopeOf = (event: RecordedEvent): RebalanceScope | null => {
  if (event.producer === OPTIMIZER_APP) return null;
  if (event.type === 'PredictionReceived')
    return { instruments: new Set([event.data.instrument]), accounts: null };
  if (event.type === 'AccountEquityUpdated')
    return { instruments: null, accounts: new Set([event.data.accountId]) };
  if (event.type === 'InstrumentsListed')
    return { instruments: null, accounts: new Set(event.data.accountIds) };
  if (event.type === 'ContractMapped')
    return { instruments: new Set([event.data.instrument]), accounts: null };
  if (event.type === 'KillSwitchEngaged' || event.type === 'KillSwitchReleased') return FULL_PASS;
  // Quotes, positions and fills change no decision by themselves: the next tick reads them.
  return null;
};

export const createOptimizerEngine = (ports: OptimizerPorts, config: OptimizerConfig): OptimizerEngine => {
  const { store, clock, logger } = ports;
  const decided = new Counter({
    name: 'optimizer_decisions_total',
    help: 'Events the optimizer recorded, by type and code (withheld reason or risk state)',
    labelNames: ['type', 'code'] as const,
    registers: [ports.metrics.registry],
  });
  const passMs = new Gauge({
    name: 'optimizer_last_full_pass_ms',
    help: 'Duration of the last full decision pass (compute only, ms)',
    registers: [ports.metrics.registry],
  });
  const passErrors = new Counter({
    name: 'optimizer_pass_errors_total',
    help: 'Decision passes whose writes failed (retried by redelivery or the next tick)',
    registers: [ports.metrics.registry],
  });

  // Own writes the fold may not include yet, by global position.
  let pending: { position: number; events: readonly NewEvent[] }[] = [];
  const serial = serialQueue();
  let running: RunningApp<OptimizerState> | null = null;
  let ready = false;

  const folded = (): OptimizerState => running?.state() ?? initialOptimizerState;
  const position = (): number => running?.position() ?? 0;
  const view = (base: OptimizerState, basePosition: number): OptimizerState =>
    pending
      .filter((p) => p.position > basePosition)
      .flatMap((p) => p.events)
      .reduce(evolveOptimizer, base);

  const toEvents = (
    ds: readonly Decision[],
    cause: CauseOf,
    now: number,
  ): E.Either<KeelError, NewEvent[]> => {
    const occurredAt = new Date(now).toISOString();
    const out: NewEvent[] = [];
    for (const d of ds) {
      const e = newEvent(d.type, deriveId(OPTIMIZER_APP, ...d.idParts), d.data as never, {
        ...(typeof cause === 'function' ? cause(d) : cause),
        producer: OPTIMIZER_APP,
        occurredAt,
      });
      if (E.isLeft(e)) return e;
      out.push(e.right);
    }
    return E.right(out);
  };

  const note = (e: NewEvent): void => {
    if (e.type === 'TargetPositionSet') {
      decided.inc({ type: e.type, code: '' });
      logger.info(
        {
          accountId: e.data.accountId,
          instrument: e.data.instrument,
          targetQty: e.data.targetQty,
          reason: e.data.reason,
        },
        'target set',
      );
    } else if (e.type === 'TargetWithheld') {
      decided.inc({ type: e.type, code: e.data.code });
      logger.warn(
        {
          accountId: e.data.accountId,
          instrument: e.data.instrument,
          code: e.data.code,
          detail: e.data.detail,
        },
        'target withheld',
      );
    } else if (e.type === 'RiskStateChanged') {
      decided.inc({ type: e.type, code: e.data.to });
      logger.warn(
        {
          scope: e.data.scope,
          accountId: e.data.accountId,
          from: e.data.from,
          to: e.data.to,
          cause: e.data.cause,
          detail: e.data.detail,
        },
        'risk state changed',
      );
    } else decided.inc({ type: e.type, code: '' });
  };

  /** One pass on `base` (the folded state at `basePosition`), its decisions stored stream by stream. */
  const pass =
    (
      base: OptimizerState,
      basePosition: number,
      scope: RebalanceScope,
      cause: CauseOf,
    ): TE.TaskEither<KeelError, void> =>
    async () => {
      const now = clock.now();
      const state = view(base, basePosition);
      const t0 = performance.now();
      const r = rebalance(config, state, now, scope);
      if (scope === FULL_PASS) passMs.set(performance.now() - t0);
      if (r.decisions.length === 0) return E.right(undefined);
      const events = toEvents(r.decisions, cause, now);
      if (E.isLeft(events)) {
        // A decision the contract refuses is a bug, not an outage: failing the reaction would
        // redeliver the event for ever. Say so loudly; the next pass decides again.
        passErrors.inc();
        logger.error(
          { err: describeError(events.left) },
          'a decision does not fit the event contract; nothing recorded',
        );
        return E.right(undefined);
      }
      // One append per stream, in the order decided (a target and its TargetLimited together).
      const byStream = new Map<string, NewEvent[]>();
      r.decisions.forEach((d, k) => {
        const list = byStream.get(d.stream) ?? [];
        list.push(events.right[k] as NewEvent);
        byStream.set(d.stream, list);
      });
      for (const [stream, list] of byStream) {
        const stored = await appendIgnoringDuplicates(store, stream, list)();
        if (E.isLeft(stored)) {
          passErrors.inc();
          return stored;
        }
        if (stored.right !== null && stored.right > basePosition)
          pending.push({ position: stored.right, events: list });
        list.forEach(note);
      }
      return E.right(undefined);
    };

  /**
   * Predictions are the optimizer's busiest input (models × symbols, every few seconds). The
   * fold has a prediction before its reaction runs, so the reaction only marks its instrument
   * and asks for a pass; a pass takes every instrument marked since the last one. Alone, a
   * prediction is decided at once; in a burst, one pass decides many, and the consumer is never
   * held behind a pass per prediction. Nothing is lost by acknowledging first: the decision is
   * a function of the folded state, and the start-up pass (and every tick) decides again.
   * Each decision of such a pass names the prediction that moved it (prediction.causes.ts).
   */
  let marked = new BatchCauses();
  // The state the reaction was handed (the runtime commits it once the reaction returns, so
  // the running state may not have it yet when the pass starts).
  let markedBase: { state: OptimizerState; position: number } | null = null;
  let passQueued = false;
  const predicted = (
    state: OptimizerState,
    event: RecordedEvent<'PredictionReceived'>,
    cause: Cause,
  ): void => {
    marked.add(event.data.instrument, event.data.modelId, cause);
    markedBase = { state, position: event.globalPosition };
    if (passQueued) return;
    passQueued = true;
    void serial(async () => {
      passQueued = false;
      const batch = marked;
      const instruments = batch.instruments;
      const fallback = batch.first ?? { correlationId: `${OPTIMIZER_APP}-predictions`, causationId: null };
      const base =
        markedBase !== null && markedBase.position > position()
          ? markedBase
          : { state: folded(), position: position() };
      marked = new BatchCauses();
      markedBase = null;
      const r = await pass(base.state, base.position, { instruments, accounts: null }, (d) =>
        batch.causeOf(config, d, fallback),
      )();
      if (E.isLeft(r))
        logger.warn(
          { err: describeError(r.left), instruments: instruments.size },
          'decision pass for new predictions failed; the next tick decides again',
        );
      return r;
    });
  };

  const reactTo = (state: OptimizerState, event: RecordedEvent, scope: RebalanceScope): Promise<[]> =>
    serial(
      pass(state, event.globalPosition, scope, {
        correlationId: event.correlationId,
        causationId: event.eventId,
      }),
    ).then(
      E.match(
        (err) => Promise.reject<[]>(new Error(describeError(err))),
        () => Promise.resolve<[]>([]),
      ),
    );

  const app: FoldingApp<OptimizerState> = {
    name: OPTIMIZER_APP,
    projection: {
      version: 1,
      initial: initialOptimizerState,
      eventTypes: OPTIMIZER_EVENT_TYPES,
      evolve: evolveOptimizer,
    },
    react: (event, state) => {
      // During the start-up replay the state is not the latest yet: the pass in `started` decides.
      if (!ready) return [];
      if (event.type === 'PredictionReceived' && event.producer !== OPTIMIZER_APP) {
        predicted(state, event, { correlationId: event.correlationId, causationId: event.eventId });
        return [];
      }
      const scope = scopeOf(event);
      return scope === null ? [] : reactTo(state, event, scope);
    },
  };

  const tick: TE.TaskEither<KeelError, void> = () =>
    serial(() => {
      const at = position();
      pending = pending.filter((p) => p.position > at);
      return pass(folded(), at, FULL_PASS, {
        correlationId: `${OPTIMIZER_APP}-tick-${clock.now()}`,
        causationId: null,
      })();
    });

  /** Record the configuration when it differs from the last one recorded. */
  const recordConfig = (): TE.TaskEither<KeelError, void> => async () => {
    const digest = configDigest(config.document);
    const last = folded().config;
    if (last?.digest === digest) return E.right(undefined);
    const changed = changedKeys(last?.document ?? {}, config.document);
    const e = newEvent(
      'OptimizerConfigApplied',
      deriveId(OPTIMIZER_APP, 'OptimizerConfigApplied', digest, last?.digest ?? ''),
      {
        digest,
        previousDigest: last?.digest ?? null,
        changed,
        config: config.document as Record<string, unknown>,
      },
      {
        correlationId: `${OPTIMIZER_APP}-config-${digest.slice(0, 12)}`,
        causationId: null,
        producer: OPTIMIZER_APP,
        occurredAt: new Date(clock.now()).toISOString(),
      },
    );
    if (E.isLeft(e)) return e;
    const stored = await appendIgnoringDuplicates(store, CONFIG_STREAM, [e.right])();
    if (E.isLeft(stored)) return stored;
    if (stored.right !== null) pending.push({ position: stored.right, events: [e.right] });
    logger.info({ digest, previousDigest: last?.digest ?? null, changed }, 'configuration recorded');
    return E.right(undefined);
  };

  const engine: Engine<OptimizerState> = {
    app,
    started: (r) => {
      running = r;
      logger.info(
        {
          accounts: [...config.accounts.keys()],
          strategies: [...config.strategies.keys()],
          instruments: config.instruments.size,
          tickMs: config.tickMs,
        },
        'optimizer started',
      );
      return pipe(
        recordConfig(),
        TE.chain(() => {
          ready = true;
          return tick;
        }),
      );
    },
    tickers: [
      {
        name: `${OPTIMIZER_APP}-tick`,
        everyMs: config.tickMs,
        work: pipe(
          tick,
          TE.getOrElse((err) =>
            T.fromIO(() =>
              logger.warn({ err: describeError(err) }, 'decision pass failed; the next tick decides again'),
            ),
          ),
        ),
      },
    ],
    // Passes already queued finish before the consumer stops.
    stopping: () => serial.idle(),
  };

  return { engine, config, state: () => view(folded(), position()), position, tick };
};
