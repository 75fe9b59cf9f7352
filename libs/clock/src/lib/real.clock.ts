/**
 * The production clock: wall time. Timers go through the shared queue so that two timers
 * due at the same millisecond still fire in name order, as on the other clocks.
 */
import { Clock } from './clock.port';
import { createWallDrivenClock } from './wall.clock';

/** A Clock reading `Date.now()`. */
export const createRealClock = (): Clock =>
  createWallDrivenClock({ now: () => Date.now(), wallDelay: (virtualMs) => virtualMs });
