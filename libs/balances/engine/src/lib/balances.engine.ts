/**
 * The balances engine: values every account in the reporting currency at live marks and
 * records AccountEquityUpdated, PortfolioValued and PositionDriftDetected, as one object written
 * against ports only (store, bus, clock, logger, metrics), so the same engine runs in the
 * balance-aggregator process and inside an in-process simulation. Its state is the fold of
 * @keel/balances-domain; each event's writes derive from it with ids from the cause, so a
 * restart or a replay re-derives the very same events.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import {
  deriveId,
  EventData,
  InfrastructureError,
  NewEvent,
  newEvent,
  RecordedEvent,
  ValidationError,
} from '@keel/events';
import {
  FoldingApp,
  FoldingAppPorts,
  FoldingAppSettings,
  Projection,
  RunningApp,
  startFoldingApp,
  Write,
} from '@keel/runtime';
import {
  BALANCES_INPUT_TYPES,
  BalancesSettings,
  BalancesState,
  evolveBalances,
  initialBalances,
  Outgoing,
} from '@keel/balances-domain';

/** Its durable consumer and snapshot key; its events' producer is the app that owns them. */
export const BALANCES_ENGINE_NAME = 'balance-valuation';
export const BALANCES_PRODUCER = 'balance-aggregator';

export const balancesProjection = (settings: BalancesSettings): Projection<BalancesState> => ({
  version: 1,
  initial: initialBalances,
  eventTypes: BALANCES_INPUT_TYPES,
  evolve: (state, event) => evolveBalances(state, event, settings),
});

/** The appends one applied event calls for, one per stream, ids derived from the event. */
export const balancesWrites = (
  event: RecordedEvent,
  state: BalancesState,
): E.Either<ValidationError, readonly Write[]> => {
  const byStream = new Map<string, NewEvent[]>();
  for (const o of state.out) {
    const meta = {
      correlationId: event.correlationId,
      causationId: event.eventId,
      producer: BALANCES_PRODUCER,
      occurredAt: event.occurredAt,
    };
    const id = deriveId(BALANCES_ENGINE_NAME, event.eventId, o.key);
    // Outgoing pairs each type with its own payload; TypeScript cannot follow that through a union.
    const e = newEvent<Outgoing['type']>(o.type, id, o.data as EventData<Outgoing['type']>, meta);
    if (E.isLeft(e)) return e;
    byStream.set(o.stream, [...(byStream.get(o.stream) ?? []), e.right]);
  }
  return E.right([...byStream].map(([stream, events]): Write => ({ stream, expected: 'any', events })));
};

export const balancesEngine = (settings: BalancesSettings): FoldingApp<BalancesState> => ({
  name: BALANCES_ENGINE_NAME,
  projection: balancesProjection(settings),
  react: (event, state) => TE.fromEither(balancesWrites(event, state)),
});

export type RunningBalancesEngine = RunningApp<BalancesState>;

/** Start the engine: snapshot, replay, then consume (see `startFoldingApp`). A Left means nothing started. */
export const startBalancesEngine = (
  ports: FoldingAppPorts,
  settings: BalancesSettings,
  app: FoldingAppSettings,
): Promise<E.Either<InfrastructureError, RunningBalancesEngine>> =>
  startFoldingApp(balancesEngine(settings), ports, app);
