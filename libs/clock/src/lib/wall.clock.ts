/**
 * The engine behind the real and accelerated clocks: virtual time is a function of wall
 * time, and one Node timer is armed for the earliest pending Keel timer. Keeping our own
 * queue (rather than one `setTimeout` per timer) is what gives simultaneous timers the
 * (time, name) order the Clock port promises, as the virtual clock does.
 *
 * Waits are measured on the monotonic clock. Each timer also remembers when it is due on
 * the monotonic clock (`performance.now()` at push plus the wall delay it asked for), and
 * fires at whichever comes first: its wall instant or that monotonic deadline. So when the
 * system clock steps back (an NTP correction, a VM resumed), a sleep of 1 s still wakes after
 * 1 s instead of 1 s plus the step; when it steps forward, timers due by the wall fire when the
 * queue next wakes or is touched, and at their monotonic deadline at the latest.
 * Every step larger than `stepThresholdMs` of wall time is reported to `onStep`.
 */
import { Clock } from './clock.port';
import { createTimerQueue } from './timer.queue';

// Node clamps longer delays to 1 ms; far-off timers are re-armed in steps instead.
const MAX_NODE_DELAY_MS = 2 ** 31 - 1;

export interface WallClockParts {
  /** Virtual epoch ms now. */
  readonly now: () => number;
  /** Wall milliseconds until virtual time has moved on by `virtualMs`. */
  readonly wallDelay: (virtualMs: number) => number;
  /** Monotonic milliseconds (default `performance.now`); injectable for tests. */
  readonly monotonic?: () => number;
  /** Told of each jump of the wall clock against the monotonic one (wall ms; negative = back). */
  readonly onStep?: (stepMs: number) => void;
  /** Smallest jump reported to `onStep` (default 1,000 wall ms). */
  readonly stepThresholdMs?: number;
}

export const createWallDrivenClock = (parts: WallClockParts): Clock => {
  const { now, wallDelay } = parts;
  const mono = parts.monotonic ?? (() => performance.now());
  const threshold = parts.stepThresholdMs ?? 1000;
  const queue = createTimerQueue();
  /** Monotonic deadline of each pending timer, by its fire function. */
  const monoDue = new Map<() => void, number>();
  let armed: { readonly handle: NodeJS.Timeout; readonly at: number; readonly due: number } | undefined;
  // The step detector's last reading of both clocks.
  let seen = { wall: now(), mono: mono() };

  const detectStep = (): void => {
    const wall = now();
    const m = mono();
    const step = wallDelay(wall - seen.wall) - (m - seen.mono);
    seen = { wall, mono: m };
    if (Math.abs(step) >= threshold) parts.onStep?.(Math.round(step));
  };

  const dueIn = (at: number, fire: () => void): number =>
    Math.max(0, Math.min(wallDelay(at - now()), (monoDue.get(fire) ?? Infinity) - mono()));

  const arm = (): void => {
    const head = queue.peek();
    if (!head) {
      if (armed) clearTimeout(armed.handle);
      armed = undefined;
      return;
    }
    const due = monoDue.get(head.fire) ?? Infinity;
    // Already armed for this head, unless the wall has moved on past it (a forward step).
    if (armed && armed.at === head.at && armed.due === due && dueIn(head.at, head.fire) > 0) return;
    if (armed) clearTimeout(armed.handle);
    const delay = Math.min(MAX_NODE_DELAY_MS, Math.ceil(dueIn(head.at, head.fire)));
    armed = { handle: setTimeout(onWake, delay), at: head.at, due };
  };

  const onWake = (): void => {
    armed = undefined;
    detectStep();
    try {
      // Node may wake a millisecond early by Date.now(); only fire what is really due, in order.
      for (let head = queue.peek(); head && dueIn(head.at, head.fire) <= 0; head = queue.peek()) {
        queue.pop();
        monoDue.delete(head.fire);
        head.fire();
      }
    } finally {
      // Re-arm even when a timer threw, so the ones behind it still fire; the error itself
      // propagates as it would from a plain `setTimeout` callback.
      arm();
    }
  };

  const setTimer = (name: string, at: number, fire: () => void): (() => void) => {
    // A fire function of its own, so the same callback can be queued twice.
    const own = (): void => fire();
    monoDue.set(own, mono() + Math.max(0, wallDelay(at - now())));
    const cancel = queue.push(name, at, own);
    arm();
    return () => {
      cancel();
      monoDue.delete(own);
      arm();
    };
  };

  return {
    now,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        setTimer('sleep', now() + Math.max(0, ms), resolve);
      }),
    setTimer,
  };
};
