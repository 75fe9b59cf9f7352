/**
 * The one periodic loop every engine uses: run `work` every `everyMs` on the injected clock,
 * the next run scheduled only after the previous one settled (runs never overlap, a slow run
 * delays the next instead of piling up). A failed run is logged and the next one tries
 * again. Under a virtual clock the timer fires at exact instants, in (time, name) order.
 */
import { Clock } from '@keel/clock';
import { Logger } from '../logging/pino.logger';

export interface TickerSpec {
  /** Names the clock timer: timers due at the same instant fire in name order. */
  readonly name: string;
  readonly everyMs: number;
  readonly work: () => Promise<void>;
}

export interface Ticker {
  /** No new run starts; resolves once a run in progress has settled. */
  stop(): Promise<void>;
}

export const startTicker = (clock: Clock, spec: TickerSpec, logger?: Pick<Logger, 'warn'>): Ticker => {
  let stopped = false;
  let cancel: (() => void) | null = null;
  let running: Promise<void> = Promise.resolve();
  const schedule = (): void => {
    if (stopped) return;
    cancel = clock.setTimer(spec.name, clock.now() + spec.everyMs, () => {
      cancel = null;
      running = spec
        .work()
        .catch((e: unknown) => logger?.warn({ err: String(e), ticker: spec.name }, 'tick failed; the next one tries again'))
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
