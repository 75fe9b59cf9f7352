/**
 * The one periodic loop every engine uses: run `work` on a fixed grid of the injected clock —
 * the instants `k × everyMs + phaseMs` since the epoch — the next run scheduled only after the
 * previous one settled (runs never overlap; a slow run skips the instants it overran instead of
 * piling up). A failed run is logged and the next one tries again.
 *
 * `work` is given the grid instant it runs for: decisions made "as of" that instant are the
 * same in every process and mode (an app on a real or accelerated clock fires a few ms late,
 * the simulation's virtual clock exactly on time), and a restarted process keeps the grid.
 */
import * as E from 'fp-ts/Either';
import { Clock } from '@keel/clock';
import { describeError, KeelError } from '@keel/events';
import { Logger } from '../logging/pino.logger';

export interface TickerSpec {
  /** Names the clock timer: timers due at the same instant fire in name order. */
  readonly name: string;
  readonly everyMs: number;
  /** Offset of the grid from the epoch's multiples of `everyMs` (default 0). */
  readonly phaseMs?: number;
  /**
   * Runs for the grid instant `at` (epoch ms). A `Left` it returns (or a rejection) is logged
   * and the next instant tries again.
   */
  readonly work: (at: number) => Promise<void | E.Either<KeelError, unknown>>;
}

export interface Ticker {
  /** No new run starts; resolves once a run in progress has settled. */
  stop(): Promise<void>;
}

/** The first grid instant strictly after `now`. */
export const nextGridInstant = (now: number, everyMs: number, phaseMs = 0): number => {
  const phase = ((phaseMs % everyMs) + everyMs) % everyMs;
  return Math.floor((now - phase) / everyMs) * everyMs + everyMs + phase;
};

export const startTicker = (clock: Clock, spec: TickerSpec, logger?: Pick<Logger, 'warn'>): Ticker => {
  let stopped = false;
  let cancel: (() => void) | null = null;
  let running: Promise<void> = Promise.resolve();
  const schedule = (): void => {
    if (stopped) return;
    const at = nextGridInstant(clock.now(), spec.everyMs, spec.phaseMs);
    cancel = clock.setTimer(spec.name, at, () => {
      cancel = null;
      running = spec
        .work(at)
        .then(
          (r) => {
            if (r && E.isLeft(r))
              logger?.warn(
                { err: describeError(r.left), ticker: spec.name },
                'tick failed; the next one tries again',
              );
          },
          (e: unknown) =>
            logger?.warn({ err: String(e), ticker: spec.name }, 'tick failed; the next one tries again'),
        )
        .finally(schedule);
    });
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      cancel?.();
      await running;
    },
  };
};
