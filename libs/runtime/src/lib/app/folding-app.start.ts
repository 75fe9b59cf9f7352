/**
 * The one start-up path every folding app uses: load the app's snapshot, replay the log
 * after it (filtered to the app's event types), then consume from NATS with the replayed
 * position as the idempotency high-water mark. Each applied event evolves the state and may
 * produce writes; the state is committed only after its writes are stored, so a crash or a
 * failed write leaves the event unacknowledged and it is redelivered, never applied twice.
 */
import * as E from 'fp-ts/Either';
import { appSnapshotKey, describeError, InfrastructureError, RecordedEvent } from '@keel/events';
import { EventStore } from '@keel/event-store';
import { Consumer, EventBus } from '@keel/bus';
import { Clock } from '../clock/clock.port';
import { Logger } from '../logging/pino.logger';
import { KeelMetrics } from '../metrics/prom.metrics';
import { FoldingApp } from './app.definition';

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
  /** Stop consuming and save a final snapshot. */
  stop(): Promise<void>;
}

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
  const snapshotKey = appSnapshotKey(app.name);
  const filter = { eventTypes: projection.eventTypes };

  // 1. Snapshot, if it was taken by this version of the projection.
  const snap = await store.loadSnapshot(snapshotKey)();
  if (E.isLeft(snap)) return snap;
  const folded: Folded<S> =
    snap.right && snap.right.version === projection.version
      ? { state: snap.right.state as S, position: snap.right.position }
      : { state: projection.initial, position: 0 };
  if (snap.right && snap.right.version !== projection.version)
    logger.info({ snapshotVersion: snap.right.version, version: projection.version }, 'snapshot is of another projection version; replaying from the start');

  // 2. Replay the log after it.
  let replayed = 0;
  for (;;) {
    const page = await store.readAll({ after: folded.position, maxCount: settings.replayPageSize ?? 4096, filter })();
    if (E.isLeft(page)) {
      // An undecodable event stops the start-up: folding past it would build a wrong state.
      const err = page.left;
      return E.left(
        err._tag === 'InfrastructureError' ? err : { _tag: 'InfrastructureError', component: 'store', op: 'replay', message: describeError(err) },
      );
    }
    for (const event of page.right.events) folded.state = projection.evolve(folded.state, event);
    replayed += page.right.events.length;
    folded.position = Math.max(folded.position, page.right.lastPosition);
    if (page.right.isEnd) break;
  }
  logger.info({ replayed, position: folded.position, fromSnapshot: snap.right !== null }, 'state rebuilt from the log');

  // 3. Consume; commit state only after the event's writes are stored.
  let sinceSnapshot = replayed;
  let stopping = false;
  const saveSnapshot = async (): Promise<void> => {
    const r = await store.saveSnapshot(snapshotKey, { position: folded.position, version: projection.version, state: folded.state })();
    if (E.isLeft(r)) logger.warn({ err: describeError(r.left) }, 'snapshot not saved; the next start replays further');
    else sinceSnapshot = 0;
  };

  const handle = async (event: RecordedEvent): Promise<void> => {
    const next = projection.evolve(folded.state, event);
    const writes = app.react ? app.react(event, next, { app: app.name, now: clock.now() }) : [];
    for (const w of writes) {
      for (;;) {
        const r = await store.append(w.stream, w.events, w.expected)();
        if (E.isRight(r)) break;
        if (r.left._tag !== 'InfrastructureError' || stopping) throw new Error(describeError(r.left));
        logger.warn({ err: describeError(r.left), stream: w.stream }, 'write failed; retrying before acknowledging');
        await clock.sleep(settings.writeRetryMs ?? 500);
      }
    }
    folded.state = next;
    folded.position = event.globalPosition;
    ports.metrics?.eventsApplied.inc({ event_type: event.type });
    if (++sinceSnapshot >= settings.snapshotEvery) await saveSnapshot();
  };

  const consumer = await bus.consume({ app: app.name, eventTypes: projection.eventTypes, afterPosition: folded.position }, handle)();
  if (E.isLeft(consumer)) return consumer;
  const running: Consumer = consumer.right;

  return E.right({
    state: () => folded.state,
    position: () => folded.position,
    replayed,
    stop: async () => {
      stopping = true;
      await running.stop();
      await saveSnapshot();
    },
  });
};
