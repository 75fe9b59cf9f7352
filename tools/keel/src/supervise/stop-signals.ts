/**
 * The operator's stop, as a tool that supervises apps sees it. The first SIGINT or SIGTERM
 * asks for an orderly stop (the tool stops its apps, each with one SIGTERM); a second one
 * means "now": `force` SIGKILLs everything and exits.
 *
 * One Ctrl-C can arrive twice: the terminal signals the whole foreground process group, and
 * a parent in that group may forward its own copy (npm forwards SIGINT and SIGTERM to its
 * script; the tsx CLI relays them to its child). So the same signal again within
 * `duplicateWindowMs` of the first is taken as that copy, not as a second request.
 */

export interface StopSignals {
  /** Resolves with the first SIGINT/SIGTERM. */
  readonly requested: Promise<'SIGINT' | 'SIGTERM'>;
  /** Remove the handlers (the process's default behaviour comes back). */
  dispose(): void;
}

export interface StopSignalsOptions {
  /** The same signal within this many ms of the first is the same request (default 100). */
  readonly duplicateWindowMs?: number;
  /** The clock the window is measured on (default `Date.now`); replaced in tests. */
  readonly now?: () => number;
  /**
   * Where the signals come from (default `process`). Tests pass their own emitter: a test that
   * emits on `process` can reach the real process instead (a library such as signal-exit,
   * loaded by Jest's cache writer, re-routes `process.emit`) and kill the test runner.
   */
  readonly source?: SignalSource;
}

/** The two calls `listenForStop` makes on its signal source (`process` in production). */
export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: 'SIGINT' | 'SIGTERM', listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The default window: a forwarded copy comes within milliseconds; a person's second Ctrl-C later. */
export const DUPLICATE_SIGNAL_WINDOW_MS = 100;

/** The operator's stop: first SIGINT/SIGTERM resolves `requested`; a second SIGINT/SIGTERM calls `force` (SIGKILL every child, exit 130). */
export const listenForStop = (force: () => void, options: StopSignalsOptions = {}): StopSignals => {
  const windowMs = options.duplicateWindowMs ?? DUPLICATE_SIGNAL_WINDOW_MS;
  const now = options.now ?? Date.now;
  const source: SignalSource = options.source ?? process;
  let first: { readonly signal: NodeJS.Signals; readonly at: number } | undefined;
  let forced = false;
  let resolve: (s: 'SIGINT' | 'SIGTERM') => void = () => undefined;
  const requested = new Promise<'SIGINT' | 'SIGTERM'>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals): void => {
    if (first === undefined) {
      first = { signal, at: now() };
      resolve(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
      return;
    }
    if (signal === first.signal && now() - first.at < windowMs) return;
    if (forced) return;
    forced = true;
    force();
  };
  source.on('SIGINT', handler);
  source.on('SIGTERM', handler);
  return {
    requested,
    dispose: () => {
      source.off('SIGINT', handler);
      source.off('SIGTERM', handler);
    },
  };
};
