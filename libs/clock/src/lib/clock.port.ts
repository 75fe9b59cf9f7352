/**
 * Time is a port. The shell reads the injected Clock and passes `now` into the pure core
 * as data; nothing else in Keel reads the wall clock. Three implementations: real,
 * accelerated (a demo runs N× faster across processes) and virtual (deterministic
 * discrete-event simulation, timers fired in (time, name) order, never going backwards).
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves once the clock has reached `now() + ms`. */
  sleep(ms: number): Promise<void>;
  /**
   * Call `fire` when the clock reaches `at` (epoch ms). Timers due at the same instant
   * fire in `name` order. Returns a cancel function.
   */
  setTimer(name: string, at: number, fire: () => void): () => void;
}

/** `2024-01-01T00:00:00.000Z` from a clock reading. */
export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();
