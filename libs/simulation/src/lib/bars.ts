/**
 * Market hours read from recorded bars, for periods the exchange calendar does not cover. The
 * bars themselves, and how they become the simulator's market events, are @keel/venue-sim's
 * (`barEvents`), re-exported here for the simulation's callers.
 */
export { barEvents } from '@keel/venue-sim';
export type { Bar } from '@keel/venue-sim';
import { Bar } from '@keel/venue-sim';

export interface SessionWindow {
  /** Epoch ms, inclusive. */
  readonly open: number;
  /** Epoch ms, exclusive. */
  readonly close: number;
}

/** A pause in the root's bars at least this long is a closure (the 15-minute ES halts; the nights between recorded days). */
export const SESSION_GAP_MS = 10 * 60_000;

/**
 * Market hours read from the data, for periods the exchange calendar does not cover: the
 * market is open from a bar of any of the root's contracts to the end of the last bar before
 * a pause of `gapMs` or more.
 */
export const sessionsFromBars = (
  bars: readonly Bar[],
  barMs: number,
  gapMs: number = SESSION_GAP_MS,
): readonly SessionWindow[] => {
  const out: SessionWindow[] = [];
  let open: number | null = null;
  let end = 0;
  for (const b of bars) {
    if (open === null) open = b.ts;
    else if (b.ts - end >= gapMs) {
      out.push({ open, close: end });
      open = b.ts;
    }
    end = Math.max(end, b.ts + barMs);
  }
  if (open !== null) out.push({ open, close: end });
  return out;
};
