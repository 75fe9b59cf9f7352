/**
 * One in-process kernel for every simulation (`keel twap-sim`, `keel roll-sim`, backtests):
 * a virtual clock, an in-memory store (or one passed in), the store-tail bus, and the
 * engines of the contexts hosted through the runtime's own `runEngine` — the same objects,
 * start-up path and reactions as the app processes, only the bus and the clock differ.
 *
 * Time is discrete-event: `runUntil(t)` fires the clock's timers in (time, name) order (the
 * simulated venues' market events and order arrivals, the engines' tickers, back-offs) and
 * after each one lets every consequence run to quiescence before time moves again: the
 * deliveries it caused, the decisions they caused, the appends those made. Quiescence is
 * "no delivery started or finished and the store head unchanged over two macrotask turns";
 * work waiting on a later timer (a venue answer after its latency) is quiet until the clock
 * gets there. Same inputs, same order of everything: the output is byte-identical per run.
 */
import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import { Registry } from 'prom-client';
import { describeError, KeelError } from '@keel/events';
import { createMemoryEventStore, EventStore } from '@keel/event-store';
import {
  createLogger,
  createVirtualClock,
  Engine,
  Logger,
  runEngine,
  RunningEngine,
  VirtualClock,
} from '@keel/runtime';
import { createStoreTailBus, StoreTailBus } from './store-tail.bus';

export interface SimulationOptions {
  /** Where the clock starts (epoch ms). */
  readonly startAt: number;
  /** Default: a fresh in-memory store recording on the virtual clock. */
  readonly store?: EventStore;
  /** Default: silent. */
  readonly logger?: Logger;
}

/** The ports an engine is built from inside the simulation. */
export interface SimulationPorts {
  readonly store: EventStore;
  readonly clock: VirtualClock;
  readonly logger: Logger;
  readonly registry: Registry;
}

export interface Simulation {
  readonly ports: SimulationPorts;
  readonly bus: StoreTailBus;
  /** Start an engine as the app process would (prepare, rebuild, consume, started, tickers). */
  host<S>(
    engine: Engine<S>,
    o?: { readonly snapshotEvery?: number },
  ): Promise<E.Either<KeelError, RunningEngine<S>>>;
  /** Run every timer due up to `t`, each to quiescence, then read `t`. */
  runUntil(t: number): Promise<void>;
  /** Let every consequence of what has happened run until nothing moves. */
  settle(): Promise<void>;
  /** Stop the hosted engines (last started first) and the bus. */
  stop(): Promise<void>;
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const createSimulation = (o: SimulationOptions): Simulation => {
  const clock = createVirtualClock(o.startAt);
  const store = o.store ?? createMemoryEventStore({ now: () => clock.now() });
  const logger = o.logger ?? createLogger({ name: 'simulation', level: 'silent' });
  const bus = createStoreTailBus(store, clock, {
    onRetry: (app, e, err) =>
      logger.warn(
        { app, eventId: e.eventId, type: e.type, err: String(err) },
        'handler failed; trying the event again',
      ),
    onHalt: (app, e, err) =>
      logger.error(
        { app, eventId: e.eventId, type: e.type, err: String(err) },
        'poison event: the engine halted there',
      ),
  });
  const ports: SimulationPorts = { store, clock, logger, registry: new Registry() };
  const hosted: RunningEngine<unknown>[] = [];

  const head = async (): Promise<number> => {
    const h = await store.headPosition()();
    return E.isRight(h) ? h.right : -1;
  };

  const settle = async (): Promise<void> => {
    let quiet = 0;
    let last = `${bus.activity()}/${await head()}`;
    while (quiet < 2) {
      await turn();
      const now = `${bus.activity()}/${await head()}`;
      quiet = now === last ? quiet + 1 : 0;
      last = now;
    }
  };

  const runUntil = async (t: number): Promise<void> => {
    await settle();
    for (;;) {
      const next = clock.nextAt();
      if (O.isNone(next) || next.value > t) break;
      const fired = await clock.runNext();
      if (E.isLeft(fired)) throw new Error(describeError(fired.left));
      await settle();
    }
    // Every way out of the loop comes straight from a settle (the one above it or the one after
    // the last timer) with no await in between, and moving the clock fires nothing: the run is
    // already quiescent, and settling again would only spend two more quiet turns proving it.
    if (t > clock.now()) {
      const moved = clock.advanceTo(t);
      if (E.isLeft(moved)) throw new Error(describeError(moved.left));
    }
  };

  /**
   * Start-up may wait on the clock (a venue answering after its latency, a back-off): run the
   * clock's timers while it is pending, as the process's real clock would go on ticking.
   */
  const host = async <S>(
    engine: Engine<S>,
    h: { readonly snapshotEvery?: number } = {},
  ): Promise<E.Either<KeelError, RunningEngine<S>>> => {
    let result: E.Either<KeelError, RunningEngine<S>> | null = null;
    void runEngine(
      engine,
      { store, bus, clock, logger },
      { snapshotEvery: h.snapshotEvery ?? 1_000_000 },
    )().then((r) => (result = r));
    for (;;) {
      await settle();
      if (result !== null) break;
      const fired = await clock.runNext();
      if (E.isLeft(fired)) throw new Error(describeError(fired.left));
      if (O.isNone(fired.right) && result === null) {
        await settle();
        if (result === null)
          throw new Error('an engine is waiting for something that can never happen: no timer is pending');
      }
    }
    const r = result as E.Either<KeelError, RunningEngine<S>>;
    if (E.isRight(r)) hosted.push(r.right as RunningEngine<unknown>);
    return r;
  };

  return {
    ports,
    bus,
    host,
    runUntil,
    settle,
    stop: async () => {
      for (const e of hosted.reverse()) {
        const stopping = e.stop();
        // A stop may wait on the clock (a tick in progress awaiting a venue answer).
        let done = false;
        void stopping.then(() => (done = true));
        while (!done) {
          await settle();
          if (done) break;
          const fired = await clock.runNext();
          if (E.isLeft(fired) || O.isNone(fired.right)) {
            await stopping;
            break;
          }
        }
      }
      hosted.length = 0;
      await bus.close();
    },
  };
};
