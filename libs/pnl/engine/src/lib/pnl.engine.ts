/**
 * The PnL engine: the live producer of PnlUpdated, as one object written against ports only
 * (store, bus, clock, logger, metrics), so the same engine runs in the balance-aggregator
 * process and inside an in-process simulation. It folds `pnlProjection` and stores each
 * event's checkpoints as PnlUpdated in `pnl-<account>`. The event's own time (`occurredAt`)
 * dates a checkpoint, and its id derives from the event, so a replay or a restart re-derives
 * the very same events (`keel replay balance-aggregator` checks that).
 */
import * as E from 'fp-ts/Either';
import { describeError, InfrastructureError, NewEvent, RecordedEvent } from '@keel/events';
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

/** The PnlUpdated writes of one applied event: one append per account. */
export const checkpointWrites = (
  event: RecordedEvent,
  checkpoints: readonly PnlCheckpoint[],
): readonly Write[] => {
  const byStream = new Map<string, NewEvent[]>();
  for (const c of checkpoints) {
    const stream = pnlStream(c.accountId);
    const e = pnlUpdatedEvent(event.eventId, c, {
      correlationId: event.correlationId,
      causationId: event.eventId,
      producer: PNL_ENGINE_NAME,
      occurredAt: event.occurredAt,
    });
    // The fold only builds valid figures from valid events; a failure here is a bug worth a crash.
    if (E.isLeft(stream)) throw new Error(describeError(stream.left));
    if (E.isLeft(e)) throw new Error(describeError(e.left));
    byStream.set(stream.right, [...(byStream.get(stream.right) ?? []), e.right]);
  }
  return [...byStream].map(([stream, events]) => ({ stream, expected: 'any', events }));
};

/** The engine as data: its fold and its reaction (pure: the writes derive from the event). */
export const pnlEngine: FoldingApp<PnlEngineState> = {
  name: PNL_ENGINE_NAME,
  projection: pnlProjection,
  react: (event, state) => checkpointWrites(event, state.checkpoints),
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
