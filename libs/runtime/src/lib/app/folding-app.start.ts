/**
 * The one start-up path every folding app uses: load the app's snapshot, replay the log
 * after it (filtered to the app's event types), then consume from NATS with the replayed
 * position as the idempotency high-water mark. Each applied event evolves the state and may
 * produce writes; the state is committed only after its writes are stored, so a crash or a
 * failed write leaves the event unacknowledged and it is redelivered, never applied twice.
 * A failure that can pass (the store unreachable) is retried until it does; one that cannot
 * (the fold throws, the store refuses a write as invalid) is a poison event that halts the
 * consumer: either way the mark never passes an event that was not folded.
 */
import * as E from 'fp-ts/Either';
import { appSnapshotKey, describeError, InfrastructureError, RecordedEvent } from '@keel/events';
import { EventStore } from '@keel/event-store';
import { Consumer, ConsumerHealth, EventBus, PoisonEventError } from '@keel/bus';
import { Clock } from '@keel/clock';
import { Logger, withCorrelation } from '../logging/pino.logger';
import { KeelMetrics, registerConsumerGauges } from '../metrics/prom.metrics';
import { FoldingApp, Write } from './app.definition';

export interface FoldingAppPorts {
  readonly store: EventStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: KeelMetrics;
}

export interface FoldingAppSettings {
  /** Events applied between snapshots. */
  readonly snapshotEvery: number;
  /** Events per replay page. */
  readonly replayPageSize?: number;
  /** Back-off while a write fails for infrastructure reasons. */
  readonly writeRetryMs?: number;
}

export interface RunningApp<S> {
  state(): S;
  /** The global position the state includes. */
  position(): number;
  /** How many events replay applied at start-up. */
  readonly replayed: number;
  /**
   * Whether events flow: `stalled` while one event's handling keeps failing (an outage being
   * waited out), `halted` after a poison event. /readyz is false unless `flowing`.
   */
  health(): ConsumerHealth;
  /** Stop consuming and save a final snapshot. */
  stop(): Promise<void>;
}

/** `keel_consumer_lag_events` counts at most this many events (one filtered page per scrape). */
export const CONSUMER_LAG_CAP = 1000;

interface Folded<S> {
  state: S;
  position: number;
}

export const startFoldingApp = async <S>(
  app: FoldingApp<S>,
  ports: FoldingAppPorts,
  settings: FoldingAppSettings,
): Promise<E.Either<InfrastructureError, RunningApp<S>>> => {
  const { store, bus, clock, logger } = ports;
  const { projection } = app;
  const stateKey = appSnapshotKey(app.name);
  const reactedKey = `${stateKey}:reacted`;
  const filter = { eventTypes: projection.eventTypes };

  // 1. Snapshot, if it was taken by this version of the projection, and the reaction
  //    checkpoint: the position up to which every event's writes are known to be stored.
  const snap = await store.loadSnapshot(stateKey)();
  if (E.isLeft(snap)) return snap;
  const reacted = await store.loadSnapshot(reactedKey)();
  if (E.isLeft(reacted)) return reacted;
  const usable =
    snap.right !== null &&
    snap.right.version === projection.version &&
    (projection.resumesFrom?.(snap.right.state) ?? true);
  const folded: Folded<S> =
    snap.right && usable
      ? { state: snap.right.state as S, position: snap.right.position }
      : { state: projection.initial, position: 0 };
  if (snap.right && !usable)
    logger.info(
      { snapshotVersion: snap.right.version, version: projection.version },
      snap.right.version !== projection.version
        ? 'snapshot is of another projection version; replaying from the start'
        : 'snapshot does not fit this configuration (e.g. an account added); replaying from the start',
    );
  const reactedUpTo = reacted.right?.position ?? 0;

  // What /metrics says of this consumer: its position, the store's head and its lag in events
  // of its own types (read on each scrape; `keel status` shows them).
  if (ports.metrics)
    registerConsumerGauges(ports.metrics.registry, {
      position: () => folded.position,
      head: async () => {
        const h = await store.headPosition()();
        return E.isRight(h) ? h.right : null;
      },
      lag: async () => {
        const head = await store.headPosition()();
        if (E.isLeft(head)) return null;
        if (head.right <= folded.position) return 0;
        const page = await store.readAll({ after: folded.position, maxCount: CONSUMER_LAG_CAP, filter })();
        return E.isRight(page) ? page.right.events.length : null;
      },
    });

  let sinceSnapshot = 0;
  let stopping = false;
  const saveSnapshot = async (): Promise<void> => {
    const position = folded.position;
    const r = await store.saveSnapshot(stateKey, {
      position,
      version: projection.version,
      state: folded.state,
    })();
    const c = E.isRight(r)
      ? await store.saveSnapshot(reactedKey, { position, version: 1, state: null })()
      : r;
    if (E.isLeft(c))
      logger.warn({ err: describeError(c.left) }, 'snapshot not saved; the next start replays further');
    else sinceSnapshot = 0;
  };

  /**
   * Store the writes an event calls for. After a restart, events past the reaction checkpoint
   * are reacted to again: the same cause gives the same event ids, so a write that was already
   * stored is a no-op, and one stored with other content (a decision that depended on time)
   * stands as it was — the store names that as a reuse of the event id.
   */
  const react = async (event: RecordedEvent, next: S, again: boolean): Promise<void> => {
    const reacted = app.react ? app.react(event, next, { app: app.name, now: clock.now(), again }) : [];
    let writes: readonly Write[];
    if (typeof reacted === 'function') {
      // A TaskEither: its Left leaves the event unapplied (redelivered), named in the log.
      const r = await reacted();
      if (E.isLeft(r)) throw new Error(describeError(r.left));
      writes = r.right;
    } else writes = await reacted;
    if (writes.length === 0) return;
    const log = withCorrelation(logger, event.correlationId, event.eventId);
    for (const w of writes) {
      for (;;) {
        const r = await store.append(w.stream, w.events, w.expected)();
        if (E.isRight(r)) break;
        if (again && r.left._tag === 'ValidationError' && r.left.path === '/eventId') {
          log.info(
            { stream: w.stream, err: describeError(r.left) },
            'write was already stored by an earlier run; keeping it',
          );
          break;
        }
        // A write the store refuses as invalid is refused again however often it is tried; a
        // concurrency conflict may pass once the reaction sees the other writer's events.
        if (r.left._tag === 'ValidationError' && !stopping)
          throw new PoisonEventError(`its write to ${w.stream} is refused: ${describeError(r.left)}`);
        if (stopping || r.left._tag !== 'InfrastructureError') throw new Error(describeError(r.left));
        log.warn(
          { err: describeError(r.left), stream: w.stream },
          'write failed; retrying before acknowledging',
        );
        await clock.sleep(settings.writeRetryMs ?? 500);
      }
    }
  };

  /** Fold one event; the state is committed only after its writes are stored. */
  const apply = async (event: RecordedEvent, again: boolean): Promise<void> => {
    let next: S;
    try {
      next = projection.evolve(folded.state, event);
    } catch (e) {
      // The fold is pure: it throws on this event every time.
      throw new PoisonEventError(`the fold throws: ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
      });
    }
    await react(event, next, again);
    folded.state = next;
    folded.position = event.globalPosition;
    ports.metrics?.eventsApplied.inc({ event_type: event.type });
    if (++sinceSnapshot >= settings.snapshotEvery) await saveSnapshot();
  };

  // 2. Replay the log after the snapshot; events past the reaction checkpoint react again.
  let replayed = 0;
  try {
    for (;;) {
      const page = await store.readAll({
        after: folded.position,
        maxCount: settings.replayPageSize ?? 4096,
        filter,
      })();
      if (E.isLeft(page)) {
        // An undecodable event stops the start-up: folding past it would build a wrong state.
        const err = page.left;
        return E.left(
          err._tag === 'InfrastructureError'
            ? err
            : { _tag: 'InfrastructureError', component: 'store', op: 'replay', message: describeError(err) },
        );
      }
      for (const event of page.right.events) {
        if (event.globalPosition > reactedUpTo) await apply(event, true);
        else folded.state = projection.evolve(folded.state, event);
      }
      replayed += page.right.events.length;
      folded.position = Math.max(folded.position, page.right.lastPosition);
      if (page.right.isEnd) break;
    }
  } catch (e) {
    return E.left({
      _tag: 'InfrastructureError',
      component: 'app',
      op: 'replay',
      message: String(e),
      cause: e,
    });
  }
  logger.info(
    { replayed, position: folded.position, fromSnapshot: snap.right !== null, reactedUpTo },
    'state rebuilt from the log',
  );

  // 3. Consume from NATS after what the state includes (the idempotency high-water mark).
  //    A stamped position past the store's head was not published by a relay of this store.
  let knownHead = 0;
  const verifyPosition = async (position: number): Promise<boolean> => {
    if (position <= knownHead) return true;
    const head = await store.headPosition()();
    if (E.isLeft(head)) throw new Error(describeError(head.left));
    knownHead = head.right;
    return position <= knownHead;
  };
  // Every position reaches this consumer (the whole events subject): where the store's
  // positions are dense, one past the next expected means events were not delivered (a
  // stream limit, a lost message, one overtaken): they are read from the store and applied first.
  const fillGap = async (after: number, before: number): Promise<void> => {
    logger.warn({ after, before }, 'events were not delivered; applying them from the store first');
    let from = Math.max(after, folded.position);
    for (;;) {
      const page = await store.readAll({ after: from, maxCount: settings.replayPageSize ?? 4096, filter })();
      if (E.isLeft(page)) {
        if (page.left._tag === 'InfrastructureError') throw new Error(describeError(page.left));
        throw new PoisonEventError(
          `a stored event after ${from} does not decode: ${describeError(page.left)}`,
        );
      }
      for (const event of page.right.events) {
        if (event.globalPosition >= before) return;
        await apply(event, false);
      }
      if (page.right.isEnd || page.right.lastPosition >= before - 1) return;
      from = page.right.lastPosition;
    }
  };
  const identity = await store.identity()();
  if (E.isLeft(identity)) return identity;
  const consumer = await bus.consume(
    {
      app: app.name,
      storeIdentity: identity.right,
      eventTypes: projection.eventTypes,
      afterPosition: folded.position,
      verifyPosition,
      ...(store.densePositions ? { fillGap } : {}),
      onDeadLetter: (reason) => ports.metrics?.deadLetters.inc({ reason }),
      onHealth: (h) => {
        ports.metrics?.consumerHealth.set(h.state === 'flowing' ? 0 : h.state === 'stalled' ? 1 : 2);
        if (h.state === 'flowing') logger.info('events flow again');
        else
          logger.error(
            { position: h.position, eventId: h.eventId, reason: h.reason },
            h.state === 'stalled'
              ? 'an event keeps failing; retrying it until it applies (not ready meanwhile)'
              : 'poison event: consumer halted, nothing after it is applied (not ready; fix and restart)',
          );
      },
    },
    (event) => apply(event, false),
  )();
  if (E.isLeft(consumer)) return consumer;
  const running: Consumer = consumer.right;

  return E.right({
    state: () => folded.state,
    position: () => folded.position,
    replayed,
    health: () => running.health(),
    stop: async () => {
      stopping = true;
      await running.stop();
      await saveSnapshot();
    },
  });
};
