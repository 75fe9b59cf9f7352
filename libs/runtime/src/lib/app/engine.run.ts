/**
 * An engine is the application layer of one context, as data: the folding app it runs (its
 * state and reactions), what it does before and after the state is rebuilt (start-up
 * reconciliation), its periodic work and its readiness checks. `runEngine` is the one shell
 * that runs it: the app process calls it with NATS and the configured store, the in-process
 * simulation with its own bus, store and virtual clock, so the same object decides in both.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { KeelError } from '@keel/events';
import { FoldingApp } from './app.definition';
import { FoldingAppPorts, FoldingAppSettings, RunningApp, startFoldingApp } from './folding-app.start';
import { startTicker, Ticker, TickerSpec } from './ticker';

export interface Engine<S> {
  readonly app: FoldingApp<S>;
  /** Before the state is rebuilt and consumed (e.g. reconcile accounts with their venue). */
  readonly prepare?: () => TE.TaskEither<KeelError, void>;
  /** Once the state is rebuilt and consumed, before the first tick (e.g. reconcile work in flight). */
  readonly started?: (running: RunningApp<S>) => TE.TaskEither<KeelError, void>;
  /** Periodic work on the clock, started after `started`. */
  readonly tickers?: readonly TickerSpec[];
  /** Readiness beyond "store and NATS answer". */
  readonly checks?: Readonly<Record<string, () => Promise<boolean>>>;
  /** Called first on stop (no new work); the tickers and the consumer stop after it. */
  readonly stopping?: () => Promise<void>;
  /** Called last on stop (close venue connections). */
  readonly stopped?: () => Promise<void>;
}

export interface RunningEngine<S> {
  readonly running: RunningApp<S>;
  readonly checks: Readonly<Record<string, () => Promise<boolean>>>;
  stop(): Promise<void>;
}

export const runEngine =
  <S>(
    engine: Engine<S>,
    ports: FoldingAppPorts,
    settings: FoldingAppSettings,
  ): TE.TaskEither<KeelError, RunningEngine<S>> =>
  async () => {
    if (engine.prepare) {
      const p = await engine.prepare()();
      if (E.isLeft(p)) {
        await engine.stopped?.();
        return p;
      }
    }
    const started = await startFoldingApp(engine.app, ports, settings);
    if (E.isLeft(started)) {
      await engine.stopped?.();
      return started;
    }
    const running = started.right;
    if (engine.started) {
      const s = await engine.started(running)();
      if (E.isLeft(s)) {
        await engine.stopping?.();
        await running.stop();
        await engine.stopped?.();
        return s;
      }
    }
    const tickers: Ticker[] = (engine.tickers ?? []).map((t) => startTicker(ports.clock, t, ports.logger));
    return E.right({
      running,
      checks: { ...engine.checks, events: async () => running.health().state === 'flowing' },
      stop: async () => {
        await engine.stopping?.();
        for (const t of tickers) await t.stop();
        await running.stop();
        await engine.stopped?.();
      },
    });
  };
