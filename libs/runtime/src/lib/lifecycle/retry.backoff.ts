/**
 * Reconnect loops: try, and on failure wait initialMs, then factor× longer each time up to
 * maxMs, until it works, the caller aborts (shutdown) or the attempts run out. Waiting is
 * on the injected Clock, so a simulation on a virtual clock retries deterministically and
 * without real delay; the delays are data too (`onRetry`) so apps can log each attempt.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { Clock, createRealClock } from '@keel/clock';

/** The caller aborted before an attempt succeeded. Action: stop; the app is shutting down. */
export interface RetryAborted<Err> {
  readonly _tag: 'RetryAborted';
  readonly attempts: number;
  /** The last failure, if there was an attempt. */
  readonly lastError?: Err;
}

export interface RetryOptions<Err> {
  /** Delay after the first failure. */
  readonly initialMs: number;
  /** Delays never exceed this. */
  readonly maxMs: number;
  /** Growth per failure, ≥ 1. */
  readonly factor: number;
  /** Stop retrying when this aborts (e.g. on shutdown); an in-progress wait ends at once. */
  readonly until?: AbortSignal;
  /** Give up after this many attempts and return the last error; default unlimited. */
  readonly maxAttempts?: number;
  /** Where to wait; default the real clock. */
  readonly clock?: Clock;
  /**
   * Scales each delay by a factor in [0.5, 1) from `random()` so replicas that lost the
   * same dependency do not reconnect in lockstep. Off by default (deterministic).
   */
  readonly random?: () => number;
  /** Told about each failure before the wait, for logs and metrics. */
  readonly onRetry?: (error: Err, attempt: number, delayMs: number) => void;
}

/** The wait before retry number `attempt + 1` (attempt counts from 1). */
export const backoffDelay = (
  attempt: number,
  o: Pick<RetryOptions<unknown>, 'initialMs' | 'maxMs' | 'factor'>,
): number => Math.min(o.maxMs, o.initialMs * Math.pow(Math.max(1, o.factor), attempt - 1));

// Resolves after `ms` on the clock, or early (false) when the signal aborts.
const wait = (clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = (): void => {
      cancel();
      resolve(false);
    };
    const cancel = clock.setTimer('retry-backoff', clock.now() + ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Run `fn` until it succeeds, backing off between failures. */
export const retryWithBackoff = <Err, A>(
  fn: () => TE.TaskEither<Err, A>,
  options: RetryOptions<Err>,
): TE.TaskEither<Err | RetryAborted<Err>, A> => {
  const clock = options.clock ?? createRealClock();
  const { until, maxAttempts, onRetry, random } = options;
  return async () => {
    let lastError: Err | undefined;
    let haveError = false;
    for (let attempt = 1; ; attempt++) {
      if (until?.aborted) return E.left(aborted(attempt - 1, haveError, lastError));
      const result = await fn()();
      if (E.isRight(result)) return result;
      lastError = result.left;
      haveError = true;
      if (maxAttempts !== undefined && attempt >= maxAttempts) return result;
      const base = backoffDelay(attempt, options);
      const delay = random ? Math.round(base * (0.5 + random() / 2)) : base;
      onRetry?.(result.left, attempt, delay);
      if (!(await wait(clock, delay, until))) return E.left(aborted(attempt, haveError, lastError));
    }
  };
};

const aborted = <Err>(attempts: number, haveError: boolean, lastError: Err | undefined): RetryAborted<Err> =>
  haveError
    ? { _tag: 'RetryAborted', attempts, lastError: lastError as Err }
    : { _tag: 'RetryAborted', attempts };
