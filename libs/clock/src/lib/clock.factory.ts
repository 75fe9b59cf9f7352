/**
 * Picks the clock an app runs on from its settings (see `BaseAppConfig`): the real clock
 * in production, an accelerated one for the multi-process demo. The virtual clock is never
 * chosen here: it belongs to in-process simulations, which build it themselves.
 */
import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { ValidationError, validationError } from '@keel/events';
import { createAcceleratedClock } from './accelerated.clock';
import { Clock } from './clock.port';
import { createRealClock } from './real.clock';

/** The clock settings every app shares. ISO strings may be empty, meaning "now". */
export interface ClockSettings {
  readonly clock: 'real' | 'accelerated';
  readonly clockFactor: number;
  /** Virtual time at `clockRealStart`; empty = the wall time at `clockRealStart`. */
  readonly clockStart: string;
  /** Wall time at which virtual time was `clockStart`; empty = process start. */
  readonly clockRealStart: string;
}

const parseInstant = (key: string, value: string, fallback: number): E.Either<ValidationError, number> => {
  if (value === '') return E.right(fallback);
  const t = Date.parse(value);
  return Number.isNaN(t)
    ? E.left(validationError(key, value, 'must be an ISO-8601 timestamp or empty'))
    : E.right(t);
};

/**
 * Build the clock the settings ask for; `realNow` is for tests; `onStep` hears of system
 * clock steps (timers keep their monotonic durations across one).
 */
export const clockFromSettings = (
  settings: ClockSettings,
  realNow: () => number = () => Date.now(),
  onStep?: (stepMs: number) => void,
): E.Either<ValidationError, Clock> => {
  switch (settings.clock) {
    case 'real':
      return E.right(createRealClock(onStep ? { onStep } : {}));
    case 'accelerated': {
      const processStart = realNow();
      return pipe(
        parseInstant('clockRealStart', settings.clockRealStart, processStart),
        E.bindTo('realStart'),
        E.bind('startAt', ({ realStart }) => parseInstant('clockStart', settings.clockStart, realStart)),
        E.chain(({ realStart, startAt }) =>
          createAcceleratedClock({
            factor: settings.clockFactor,
            startAt,
            realStart,
            realNow,
            ...(onStep ? { onStep } : {}),
          }),
        ),
      );
    }
    default: {
      const unreachable: never = settings.clock;
      return E.left(validationError('clock', unreachable, 'must be real or accelerated'));
    }
  }
};
