/**
 * The engine behind the real and accelerated clocks: virtual time is a function of wall
 * time, and one Node timer is armed for the earliest pending Keel timer. Keeping our own
 * queue (rather than one `setTimeout` per timer) is what gives simultaneous timers the
 * (time, name) order the Clock port promises, as the virtual clock does.
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
}

export const createWallDrivenClock = ({ now, wallDelay }: WallClockParts): Clock => {
  const queue = createTimerQueue();
  let armed: { readonly handle: NodeJS.Timeout; readonly at: number } | undefined;

  const arm = (): void => {
    const head = queue.peek();
    if (!head) {
      if (armed) clearTimeout(armed.handle);
      armed = undefined;
      return;
    }
    if (armed && armed.at === head.at) return;
    if (armed) clearTimeout(armed.handle);
    const delay = Math.min(MAX_NODE_DELAY_MS, Math.max(0, Math.ceil(wallDelay(head.at - now()))));
    armed = { handle: setTimeout(onWake, delay), at: head.at };
  };

  const onWake = (): void => {
    armed = undefined;
    try {
      // Node may wake a millisecond early by Date.now(); only fire what is really due, in order.
      for (let head = queue.peek(); head && head.at <= now(); head = queue.peek()) {
        queue.pop();
        head.fire();
      }
    } finally {
      // Re-arm even when a timer threw, so the ones behind it still fire; the error itself
      // propagates as it would from a plain `setTimeout` callback.
      arm();
    }
  };

  const setTimer = (name: string, at: number, fire: () => void): (() => void) => {
    const cancel = queue.push(name, at, fire);
    arm();
    return () => {
      cancel();
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
