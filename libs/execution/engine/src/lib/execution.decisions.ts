/**
 * Execution's command path: one aggregate per (account, instrument) in its own stream, decided
 * through the runtime's command handler (fold the stream, decide, append at that revision,
 * decide again on a conflict, wait out an outage), the decided events encoded by the
 * catalog's codec and stored as they are, and each aggregate's pacing.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import {
  describeError,
  encodeEvent,
  EventMeta,
  KeelError,
  newEvent,
  NewEvent,
  validationError,
} from '@keel/events';
import { createCommandHandler, Decision } from '@keel/runtime';
import {
  decide,
  decodeParentOrderEvent,
  defaultExecutionConfig,
  emptyAggregate,
  eventIdFor,
  evolveAggregate,
  ExecutionConfig,
  ExecutionError,
  executionStream,
  nextWakeAt,
  ParentOrderCommand,
  ParentOrderEvent,
  rejectionData,
  rejectionEventId,
  NOTHING_TAKEN,
  Taken,
  takenAfterDecided,
  takenAfterStored,
} from '@keel/execution-domain';
import { Cause, ExecutionContext, Held, keyOf, Pacing } from './execution.context';
import { EXECUTION_APP } from './execution.names';
import { HELD_SNAPSHOT_VERSION, heldFromSnapshot, toSnapshotJson } from './execution.snapshot';

export const createDecisions = (ctx: ExecutionContext) => {
  const { store, clock, logger, metrics } = ctx;
  /**
   * The decider's configuration: the configured policy, or DEFAULT_POLICY. Built once; the
   * rounds pace with the same object (whether touch sizes count as a move, `nextWakeAt`).
   */
  const config = defaultExecutionConfig(ctx.settings.policy ? { policy: ctx.settings.policy } : {});
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
  const snapshotEvery = ctx.settings.aggregateSnapshotEvery ?? 200;
  const handler = createCommandHandler<Held>({
    store,
    clock,
    ...(snapshotEvery > 0
      ? {
          snapshots: {
            version: HELD_SNAPSHOT_VERSION,
            every: snapshotEvery,
            encode: toSnapshotJson,
            decode: heldFromSnapshot,
            onSaveFailed: (stream, err) =>
              logger.warn(
                { stream, err: describeError(err) },
                'aggregate snapshot not saved; tried again later',
              ),
          },
        }
      : {}),
    stopping: ctx.stopping,
    onConflict: () => metrics.conflicts.inc(),
    onOutage: (stream, err, attempt) =>
      logger.warn(
        { stream, err: describeError(err), attempt },
        'append failed; retrying before acknowledging',
      ),
    fold: {
      initial: (stream) => {
        const [a, s] = pairOf.get(stream) ?? ['', ''];
        return { agg: emptyAggregate(a, s), ...NOTHING_TAKEN };
      },
      evolve: (h, e) => {
        const taken = takenAfterStored(h, e);
        if (e.type === 'ParentOrderRejected')
          return E.right({ ...taken, agg: { ...h.agg, revision: e.streamRevision } });
        return pipe(
          decodeParentOrderEvent(e),
          E.mapLeft((err): KeelError =>
            validationError(
              `${e.stream}@${e.streamRevision}`,
              e.type,
              `does not decode: ${describeError(err)}`,
            ),
          ),
          E.map((d) => {
            const agg = evolveAggregate(h.agg, d);
            return {
              ...taken,
              agg: agg.revision === e.streamRevision ? agg : { ...agg, revision: e.streamRevision },
            };
          }),
        );
      },
    },
  });
  /** The aggregate of (account, symbol), read from its stream the first time. */
  const load = (accountId: string, symbol: string): TE.TaskEither<KeelError, Held> =>
    pipe(
      handler.load(streamOf(accountId, symbol)),
      TE.map((r) => r.state),
    );

  const meta = (cause: Cause, occurredAt: string): EventMeta => ({
    ...cause,
    producer: EXECUTION_APP,
    occurredAt,
  });

  /** The decided events as stored events, and the aggregate after them. */
  const encode = (
    h: Held,
    events: readonly ParentOrderEvent[],
    cause: Cause,
  ): E.Either<KeelError, Decision<Held>> => {
    let agg = h.agg;
    let taken: Taken = h;
    const out: NewEvent[] = [];
    for (const e of events) {
      const ne = pipe(
        encodeEvent(e),
        E.chain((s) => newEvent(s.type, eventIdFor(e), s.data as never, meta(cause, s.occurredAt))),
      );
      if (E.isLeft(ne)) return ne;
      out.push(ne.right);
      agg = evolveAggregate(agg, e);
      taken = takenAfterDecided(taken, e);
    }
    return E.right({ events: out, state: { agg, lastTaken: taken.lastTaken, started: taken.started } });
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
    now: number,
    // Ticks decide with the configured policy too (reprices, catch-up, sweeps, child validity).
    cfg: ExecutionConfig = config,
  ): TE.TaskEither<ExecutionError | KeelError, readonly ParentOrderEvent[]> => {
    let decided: readonly ParentOrderEvent[] = [];
    return pipe(
      handler.handle<ExecutionError | KeelError>(streamOf(accountId, symbol), (h) =>
        pipe(
          decide(command, h.agg.state, cfg),
          E.chainW((events) => {
            decided = events;
            return events.length === 0 ? E.right({ events: [], state: h }) : encode(h, events, cause);
          }),
        ),
      ),
      TE.map((r) => {
        const agg = r.state.agg;
        for (const e of decided) {
          if (e.type === 'ChildOrderRequested') metrics.children.inc({ kind: e.kind, reason: e.reason });
          if (e.type === 'ParentOrderCompleted') metrics.completed.inc({ reason: e.reason });
          if (
            e.type === 'ParentOrderStarted' ||
            e.type === 'ParentOrderCompleted' ||
            e.type === 'ParentOrderSuperseded' ||
            e.type === 'ParentOrderPaused' ||
            e.type === 'ParentOrderResumed'
          )
            logger.info(
              {
                accountId,
                instrument: symbol,
                type: e.type,
                parentOrderId: e.parentOrderId,
              },
              `execution: ${e.type}`,
            );
        }
        if (decided.length > 0) pacingOf(accountId, symbol).wakeAt = nextWakeAt(agg.state, now, cfg);
        return decided;
      }),
    );
  };

  /** Store a refusal of a target (nothing is sent to a venue). */
  const reject = (
    accountId: string,
    symbol: string,
    targetId: string,
    error: ExecutionError,
    cause: Cause,
    now: number,
  ): TE.TaskEither<KeelError, void> => {
    let data: ReturnType<typeof rejectionData> | null = null;
    return pipe(
      handler.handle<KeelError>(streamOf(accountId, symbol), (h) => {
        if (h.lastTaken === targetId) return E.right({ events: [], state: h });
        data = rejectionData(h.agg, targetId, error);
        return pipe(
          newEvent(
            'ParentOrderRejected',
            rejectionEventId(accountId, symbol, targetId),
            data,
            meta(cause, new Date(now).toISOString()),
          ),
          E.map((ne) => ({
            events: [ne],
            state: { agg: { ...h.agg, revision: h.agg.revision + 1 }, lastTaken: targetId, started: 0 },
          })),
        );
      }),
      TE.map((r) => {
        if (r.events.length === 0 || !data) return;
        metrics.targets.inc({ outcome: 'rejected' });
        logger.warn(
          { accountId, instrument: symbol, targetId, reason: data.reason },
          'target rejected; nothing sent to a venue',
        );
      }),
    );
  };

  return {
    config,
    load,
    run,
    reject,
    pacingOf,
    cached: (accountId: string, symbol: string): Held | undefined =>
      handler.cached(streamOf(accountId, symbol)),
    all: (): ReadonlyMap<string, Held> => handler.all(),
  };
};

export type Decisions = ReturnType<typeof createDecisions>;
