/**
 * cme-rollover's application layer, as an `Engine` that `runEngine` runs: the folding app
 * (state: `rollover-book.state.ts`), a decision per (account, root) on each relevant event and
 * on each tick of the injected clock (`rollover-book.decide.ts`), appended with ids derived
 * from their causes. Written against ports only, so the app process and an in-process
 * simulation run this same object.
 *
 * Decisions run one at a time. The state a decision reads is the folded log plus this
 * engine's own writes that the fold has not consumed yet (by global position), so a tick
 * right after another decision does not re-decide on a stale view.
 *
 * Failures, and what the engine does about them:
 * - settings that do not resolve (a bad root, policy or roll policy): `createRolloverEngine`
 *   returns the ValidationError naming the key; nothing runs;
 * - a decision the domain refuses (e.g. a date past the calendar): logged at error level and
 *   counted in `cme_rollover_decision_errors_total`; that book's positions are held as they are;
 * - a write the store refuses or cannot take: the decision round is a Left. On an event the
 *   reaction then fails, so the event stays unapplied and is delivered again; on a tick it is
 *   logged and the next tick decides again (ids derive from causes: nothing is stored twice).
 */
import * as E from 'fp-ts/Either';
import * as T from 'fp-ts/Task';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { Counter } from 'prom-client';
import { describeError, EventMeta, KeelError, NewEvent, RecordedEvent, ValidationError } from '@keel/events';
import { appendIgnoringDuplicates, EventStore } from '@keel/event-store';
import { Clock, Engine, FoldingApp, KeelMetrics, Logger, RunningApp, serialQueue } from '@keel/runtime';
import {
  APP,
  ContractCalendar,
  decideBook,
  desiredAt,
  foldRollover,
  initialRolloverState,
  ResolvedRolloverConfig,
  resolveRolloverConfig,
  RolloverConfigText,
  ROLLOVER_EVENT_TYPES,
  RolloverState,
  RootBook,
  rootInstrument,
  StepConfig,
  StepWrite,
} from '@keel/rollover-domain';

/** What the engine does its work with. */
export interface RolloverPorts {
  readonly store: EventStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where the engine's own counters are registered (one engine per registry). */
  readonly metrics: Pick<KeelMetrics, 'registry'>;
}

export interface RolloverEngineSettings extends RolloverConfigText {
  /** Decision tick on the injected clock (ms). */
  readonly tickMs: number;
  /** Horizon of a contract target (s); shortened to the next close while the market is open. */
  readonly targetHorizonSec: number;
  /**
   * Contract rows per root in place of @keel/calendar's (2024–2027): a replay of other years
   * (the 2013 ES data of `keel roll-sim`), with the codes its data uses.
   */
  readonly contracts?: ReadonlyMap<string, ContractCalendar>;
  /** Market hours in place of @keel/calendar's, for the same replays (default: the calendar's). */
  readonly hours?: RolloverHours;
}

/**
 * Market hours other than the exchange calendar's, both pure: how the desired exposure of a
 * root becomes whole contracts at `now` (`StepConfig.exposureAt`), and when a `CME:<ROOT>`
 * target that arrived while closed applies (`FoldConfig.arrivalGate`).
 */
export interface RolloverHours {
  readonly exposureAt: (root: string) => NonNullable<StepConfig['exposureAt']>;
  readonly arrivalGate: (root: string, at: number) => number | null;
}

export interface RolloverEngine {
  /** For `runEngine`; one run per engine object (its state is that run's). */
  readonly engine: Engine<RolloverState>;
  readonly config: ResolvedRolloverConfig;
  /** The folded state (the initial state until the engine has started). */
  state(): RolloverState;
  /** The global position the state includes (0 until the engine has started). */
  position(): number;
  /** One decision round for every managed book now (what a tick does). */
  readonly tick: TE.TaskEither<KeelError, void>;
}

type Cause = Pick<EventMeta, 'correlationId' | 'causationId'>;

export const createRolloverEngine = (
  ports: RolloverPorts,
  settings: RolloverEngineSettings,
): E.Either<ValidationError, RolloverEngine> =>
  pipe(
    resolveRolloverConfig(settings),
    E.map((config) =>
      settings.contracts === undefined
        ? config
        : { ...config, calendars: new Map([...config.calendars, ...settings.contracts]) },
    ),
    E.map((config) => buildEngine(ports, settings, config)),
  );

const buildEngine = (
  ports: RolloverPorts,
  settings: RolloverEngineSettings,
  config: ResolvedRolloverConfig,
): RolloverEngine => {
  const { store, clock, logger } = ports;
  const { calendars, accounts, policyOf } = config;
  const fold = foldRollover({
    calendars,
    accounts,
    ...(settings.hours ? { arrivalGate: settings.hours.arrivalGate } : {}),
  });
  const unknownPositions = new Counter({
    name: 'cme_rollover_unknown_contract_positions_total',
    help: 'Positions seen in a contract the calendar does not know (reported, never rolled)',
    labelNames: ['root', 'contract'] as const,
    registers: [ports.metrics.registry],
  });
  const decisionErrors = new Counter({
    name: 'cme_rollover_decision_errors_total',
    help: 'Decisions that failed (logged at error level)',
    labelNames: ['root'] as const,
    registers: [ports.metrics.registry],
  });

  // Own writes the fold may not include yet, by global position.
  let pending: { position: number; events: readonly NewEvent[] }[] = [];
  const serial = serialQueue();
  let running: RunningApp<RolloverState> | null = null;

  /** Store one write; Right: the view with its events folded in. */
  const storeWrite = (
    view: RolloverState,
    w: StepWrite,
    basePosition: number,
    log: (e: NewEvent) => void,
  ): TE.TaskEither<KeelError, RolloverState> =>
    pipe(
      appendIgnoringDuplicates(store, w.stream, w.events),
      TE.map((position) => {
        if (position !== null && position > basePosition) pending.push({ position, events: w.events });
        w.events.forEach(log);
        return w.events.reduce(fold, view);
      }),
    );

  /** Decide for the chosen books on `base` (the folded state at `basePosition`) and store the results. */
  const decideAll =
    (
      base: RolloverState,
      basePosition: number,
      which: (account: string, root: string) => boolean,
      cause: Cause,
    ): TE.TaskEither<KeelError, void> =>
    async () => {
      let view = pending
        .filter((p) => p.position > basePosition)
        .flatMap((p) => p.events)
        .reduce(fold, base);
      const now = clock.now();
      for (const account of Object.keys(view.books).sort()) {
        for (const root of Object.keys(view.books[account] ?? {}).sort()) {
          const found = view.books[account]?.[root];
          const calendar = calendars.get(root);
          if (found === undefined || calendar === undefined || !which(account, root)) continue;
          // A book with no exposure yet is only mapped (its front contract named, no target set):
          // the optimizer prices `CME:<ROOT>` from the mapped contract, so without this the
          // first target could never be priced.
          const mapOnly = desiredAt(found, now) === null;
          if (mapOnly && found.roll.status !== 'Unmapped') continue;
          const book: RootBook = mapOnly ? { ...found, desired: '0', pending: null } : found;
          const step = decideBook(
            {
              accountId: account,
              calendar,
              policy: policyOf(account),
              horizonSec: settings.targetHorizonSec,
              ...(settings.hours ? { exposureAt: settings.hours.exposureAt(root) } : {}),
            },
            book,
            now,
            cause,
          );
          if (E.isLeft(step)) {
            decisionErrors.inc({ root });
            logger.error(
              { accountId: account, root, err: describeError(step.left) },
              'roll decision failed; positions are held as they are',
            );
            continue;
          }
          const log = (e: NewEvent): void =>
            logger.info(
              { accountId: account, root, type: e.type, data: e.data, phase: step.right.exposure.phase },
              `roll decision: ${e.type}`,
            );
          const writes = mapOnly
            ? step.right.writes
                .map((w) => ({ ...w, events: w.events.filter((e) => e.type === 'ContractMapped') }))
                .filter((w) => w.events.length > 0)
            : step.right.writes;
          for (const w of writes) {
            const stored = await storeWrite(view, w, basePosition, log)();
            if (E.isLeft(stored)) return stored;
            view = stored.right;
          }
        }
      }
      return E.right(undefined);
    };

  /**
   * A reaction's decisions, queued behind the others. The folding app's contract is a promise:
   * a rejected one leaves the event unapplied, to be delivered again, so a Left rejects here.
   */
  const decideOnEvent = (
    state: RolloverState,
    event: RecordedEvent,
    which: (account: string, root: string) => boolean,
  ): Promise<[]> =>
    serial(
      decideAll(state, event.globalPosition, which, {
        correlationId: event.correlationId,
        causationId: event.eventId,
      }),
    ).then(
      E.match(
        (err) => Promise.reject<[]>(new Error(describeError(err))),
        () => Promise.resolve<[]>([]),
      ),
    );

  const reportUnknown = (state: RolloverState, account: string): void => {
    for (const [root, book] of Object.entries(state.books[account] ?? {}))
      for (const contract of book.freshUnknown) {
        unknownPositions.inc({ root, contract });
        logger.error(
          { accountId: account, root, contract, qty: book.unknown[contract] },
          'position in a contract the calendar does not know: reported, not rolled',
        );
      }
  };

  const app: FoldingApp<RolloverState> = {
    name: APP,
    projection: {
      version: 1,
      initial: initialRolloverState,
      eventTypes: ROLLOVER_EVENT_TYPES,
      evolve: (s, e) => fold(s, e),
    },
    react: (event, state) => {
      if (event.producer === APP) return [];
      if (event.type === 'PositionReported') {
        const account = event.data.accountId;
        reportUnknown(state, account);
        return decideOnEvent(state, event, (a) => a === account);
      }
      if (event.type === 'TargetPositionSet') {
        const root = [...calendars.keys()].find((r) => rootInstrument(r) === event.data.instrument);
        if (root === undefined) return [];
        const account = event.data.accountId;
        return decideOnEvent(state, event, (a, r) => a === account && r === root);
      }
      return [];
    },
  };

  const state = (): RolloverState => running?.state() ?? initialRolloverState;
  const position = (): number => running?.position() ?? 0;

  const tick: TE.TaskEither<KeelError, void> = () =>
    serial(() => {
      const at = position();
      pending = pending.filter((p) => p.position > at);
      return decideAll(state(), at, () => true, {
        correlationId: `${APP}-tick-${clock.now()}`,
        causationId: null,
      })();
    });

  const engine: Engine<RolloverState> = {
    app,
    started: (r) => {
      running = r;
      logger.info(
        {
          roots: [...calendars.keys()],
          accounts: accounts.length === 0 ? 'any' : accounts,
          tickMs: settings.tickMs,
        },
        'cme-rollover started',
      );
      return TE.right(undefined);
    },
    tickers: [
      {
        name: `${APP}-tick`,
        everyMs: settings.tickMs,
        work: pipe(
          tick,
          TE.getOrElse((err) =>
            T.fromIO(() =>
              logger.warn({ err: describeError(err) }, 'tick failed; the next one decides again'),
            ),
          ),
        ),
      },
    ],
    // Decisions already queued (by a tick or an event) finish before the consumer stops.
    stopping: () => serial.idle(),
  };

  return { engine, config, state, position, tick };
};
