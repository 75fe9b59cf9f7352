/**
 * The PnL engine: the live producer of PnlUpdated, as one object written against ports only
 * (store, bus, clock, logger, metrics), so the same engine runs in the balance-aggregator
 * process and inside an in-process simulation. It folds `pnlProjection` and stores each
 * event's checkpoints as PnlUpdated in `pnl-<account>`. The event's own time (`occurredAt`)
 * dates a checkpoint, and its id derives from the event, so a replay or a restart re-derives
 * the very same events (`keel replay balance-aggregator` checks that).
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { InfrastructureError, NewEvent, RecordedEvent, ValidationError } from '@keel/events';
import {
  FoldingApp,
  FoldingAppPorts,
  FoldingAppSettings,
  RunningApp,
  startFoldingApp,
  Write,
} from '@keel/runtime';
import { PnlCheckpoint, pnlStream, pnlUpdatedEvent } from '@keel/pnl-domain';
import { PNL_ENGINE_NAME, PnlEngineState, pnlProjection } from './pnl.projection';

/**
 * The PnlUpdated writes of one applied event: one append per account. The fold only builds
 * valid figures from valid events, so a Left here is a bug: the event is left unapplied and
 * named in the log rather than stored half-done.
 */
export const checkpointWrites = (
  event: RecordedEvent,
  checkpoints: readonly PnlCheckpoint[],
): E.Either<ValidationError, readonly Write[]> => {
  const byStream = new Map<string, NewEvent[]>();
  for (const c of checkpoints) {
    const stream = pnlStream(c.accountId);
    const e = pnlUpdatedEvent(event.eventId, c, {
      correlationId: event.correlationId,
      causationId: event.eventId,
      producer: PNL_ENGINE_NAME,
      occurredAt: event.occurredAt,
    });
    if (E.isLeft(stream)) return stream;
    if (E.isLeft(e)) return e;
    byStream.set(stream.right, [...(byStream.get(stream.right) ?? []), e.right]);
  }
  return E.right([...byStream].map(([stream, events]): Write => ({ stream, expected: 'any', events })));
};

/** The engine as data: its fold and its reaction (pure: the writes derive from the event). */
export const pnlEngine: FoldingApp<PnlEngineState> = {
  name: PNL_ENGINE_NAME,
  projection: pnlProjection,
  react: (event, state) => TE.fromEither(checkpointWrites(event, state.checkpoints)),
};

/** The ports the engine runs on: the app's production ones, or a simulation's in-process ones. */
export type PnlEnginePorts = FoldingAppPorts;

export type RunningPnlEngine = RunningApp<PnlEngineState>;

/**
 * Start the engine: load its snapshot, replay the log after it, then consume new events
 * (see `startFoldingApp`). A Left means nothing was started.
 */
export const startPnlEngine = (
  ports: PnlEnginePorts,
  settings: FoldingAppSettings,
): Promise<E.Either<InfrastructureError, RunningPnlEngine>> => startFoldingApp(pnlEngine, ports, settings);
