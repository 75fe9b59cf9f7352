/**
 * The simulation clock: time moves only when the harness moves it. Due timers fire in
 * (time, name) order, and `now()` inside a timer reads that timer's own instant; timers
 * that a firing timer schedules at or before the target fire in the same pass, still in
 * order. Time never goes backwards: asking for an earlier time is an error, and a timer
 * set in the past is due at the current instant. A `sleep` is a timer named `sleep`, so
 * it takes its place in the same order.
 *
 * Two ways to move time:
 * - `advanceTo` / `advanceBy` are synchronous: callbacks run in order, but code awaiting
 *   `sleep` only resumes after the call returns, when the clock already reads the target.
 * - `runUntil` / `runNext` are asynchronous: after each timer they let pending promise
 *   continuations run, so `await clock.sleep(...)` loops resume at the right virtual instant
 *   and can schedule their next timer before the clock moves on. Use these for async code.
 */
import * as E from 'fp-ts/Either';
import * as O from 'fp-ts/Option';
import { IllegalStateError } from '@keel/events';
import { Clock } from './clock.port';
import { createTimerQueue, PendingTimer } from './timer.queue';

/** A timer that fired, as reported by `runNext`. */
export interface FiredTimer {
  readonly name: string;
  readonly at: number;
}

/** A Clock moved by hand, for deterministic discrete-event simulation and tests. */
export interface VirtualClock extends Clock {
  /**
   * Fire every timer due up to `t` in (time, name) order, then read `t`. Returns how many
   * fired; Left if `t` is before now, or if time is already being moved (re-entrant call).
   */
  advanceTo(t: number): E.Either<IllegalStateError, number>;
  /** `advanceTo(now() + ms)`; `ms` must be ≥ 0. */
  advanceBy(ms: number): E.Either<IllegalStateError, number>;
  /** Like `advanceTo`, letting promise continuations run after each timer. */
  runUntil(t: number): Promise<E.Either<IllegalStateError, number>>;
  /**
   * Jump to the earliest pending timer, fire it alone and let continuations run.
   * None when nothing is pending (time does not move); Left on a re-entrant call.
   */
  runNext(): Promise<E.Either<IllegalStateError, O.Option<FiredTimer>>>;
  /** When the earliest pending timer is due. */
  nextAt(): O.Option<number>;
  /** How many timers (and sleeps) are pending. */
  pending(): number;
}

const illegal = (message: string): IllegalStateError => ({ _tag: 'IllegalStateError', message });

// One macrotask turn: every promise continuation queued by a fired timer runs before it
// ends, including chains several `await`s deep, as long as they do no real I/O.
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A virtual clock reading `startAt` (epoch ms) until it is moved. */
export const createVirtualClock = (startAt: number): VirtualClock => {
  const queue = createTimerQueue();
  let current = startAt;
  let moving = false;

  const setTimer = (name: string, at: number, fire: () => void): (() => void) =>
    // A timer in the past is due now: the clock cannot go back to it.
    queue.push(name, Math.max(at, current), fire);

  const dueBy = (t: number): PendingTimer | undefined => {
    const head = queue.peek();
    return head && head.at <= t ? head : undefined;
  };

  const fireHead = (timer: PendingTimer): void => {
    queue.pop();
    current = timer.at;
    timer.fire();
  };

  const checkTarget = (t: number): E.Either<IllegalStateError, number> => {
    if (moving) return E.left(illegal('virtual clock is already being advanced (re-entrant call)'));
    if (!Number.isFinite(t)) return E.left(illegal(`virtual clock cannot advance to ${t}`));
    if (t < current)
      return E.left(
        illegal(
          `virtual clock cannot go backwards: now ${iso(current)} (${current}), asked for ${iso(t)} (${t})`,
        ),
      );
    return E.right(t);
  };

  const advanceTo = (t: number): E.Either<IllegalStateError, number> => {
    const ok = checkTarget(t);
    if (E.isLeft(ok)) return ok;
    moving = true;
    let fired = 0;
    try {
      for (let timer = dueBy(t); timer; timer = dueBy(t)) {
        fireHead(timer);
        fired++;
      }
      current = t;
    } finally {
      moving = false;
    }
    return E.right(fired);
  };

  const runUntil = async (t: number): Promise<E.Either<IllegalStateError, number>> => {
    const ok = checkTarget(t);
    if (E.isLeft(ok)) return ok;
    moving = true;
    let fired = 0;
    try {
      for (let timer = dueBy(t); timer; timer = dueBy(t)) {
        fireHead(timer);
        fired++;
        await settle();
      }
      current = t;
    } finally {
      moving = false;
    }
    return E.right(fired);
  };

  const runNext = async (): Promise<E.Either<IllegalStateError, O.Option<FiredTimer>>> => {
    if (moving) return E.left(illegal('virtual clock is already being advanced (re-entrant call)'));
    const timer = queue.peek();
    if (!timer) return E.right(O.none);
    moving = true;
    try {
      fireHead(timer);
      await settle();
    } finally {
      moving = false;
    }
    return E.right(O.some({ name: timer.name, at: timer.at }));
  };

  return {
    now: () => current,
    sleep: (ms) =>
      ms <= 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            setTimer('sleep', current + ms, resolve);
          }),
    setTimer,
    advanceTo,
    advanceBy: (ms) =>
      ms < 0
        ? E.left(illegal(`virtual clock cannot advance by a negative amount (${ms} ms)`))
        : advanceTo(current + ms),
    runUntil,
    runNext,
    nextAt: () => O.fromNullable(queue.peek()?.at),
    pending: () => queue.size(),
  };
};

// Date covers ±8.64e15 ms; beyond that (or NaN) show the raw number rather than throw.
const iso = (t: number): string => (Math.abs(t) <= 8.64e15 ? new Date(t).toISOString() : String(t));
