/**
 * The demo clock: virtual time runs `factor` times faster than wall time from an agreed
 * origin. Virtual time is a pure function of wall time and three numbers, so separate
 * processes given the same (startAt, realStart, factor) read the same instant without
 * talking to each other; the demo launcher picks `realStart` once and hands it to all.
 */
import * as E from 'fp-ts/Either';
import { ValidationError, validationError } from '@keel/events';
import { Clock } from './clock.port';
import { createWallDrivenClock } from './wall.clock';

export interface AcceleratedClockOptions {
  /** How many virtual milliseconds pass per wall millisecond; > 0 (1 = real speed). */
  readonly factor: number;
  /** Virtual epoch ms at `realStart`. */
  readonly startAt: number;
  /**
   * Wall epoch ms at which virtual time was `startAt`. Pass the same value to every process
   * of a multi-process demo; defaults to the wall time at construction.
   */
  readonly realStart?: number;
  /** Wall time source, for tests; defaults to `Date.now`. */
  readonly realNow?: () => number;
  /** Hears of system clock steps, in wall ms (see wall.clock.ts). */
  readonly onStep?: (stepMs: number) => void;
}

/**
 * A Clock whose time runs `factor`× faster than the wall clock; sleeps and timers are
 * scaled down accordingly. Fails when a number is not finite or the factor is not positive.
 */
export const createAcceleratedClock = (opts: AcceleratedClockOptions): E.Either<ValidationError, Clock> => {
  const realNow = opts.realNow ?? (() => Date.now());
  const realStart = opts.realStart ?? realNow();
  const { factor, startAt } = opts;
  if (!Number.isFinite(factor) || factor <= 0)
    return E.left(validationError('factor', factor, 'must be a number greater than 0'));
  if (!Number.isFinite(startAt))
    return E.left(validationError('startAt', startAt, 'must be finite epoch ms'));
  if (!Number.isFinite(realStart))
    return E.left(validationError('realStart', realStart, 'must be finite epoch ms'));
  return E.right(
    createWallDrivenClock({
      // Floored so every reader (and every process) sees whole, identical milliseconds.
      now: () => Math.floor(startAt + (realNow() - realStart) * factor),
      wallDelay: (virtualMs) => virtualMs / factor,
      ...(opts.onStep ? { onStep: opts.onStep } : {}),
    }),
  );
};
