/**
 * The production clock: wall time. Timers go through the shared queue so that two timers
 * due at the same millisecond still fire in name order, as on the other clocks.
 */
import { Clock } from './clock.port';
import { createWallDrivenClock } from './wall.clock';

/** A Clock reading `Date.now()`; `onStep` hears of system clock steps (see wall.clock.ts). */
export const createRealClock = (o: { readonly onStep?: (stepMs: number) => void } = {}): Clock =>
  createWallDrivenClock({
    now: () => Date.now(),
    wallDelay: (virtualMs) => virtualMs,
    ...(o.onStep ? { onStep: o.onStep } : {}),
  });
