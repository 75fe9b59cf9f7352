/**
 * What `keel demo` and `keel soak` share around the apps they run: the environment every app
 * of a session starts from, and a sleep a session's stop can cut short.
 */

/** Settings every app shares that an operator may set for a session; every other KEEL_* is the session's. */
const PASSED_THROUGH = new Set(['KEEL_LOG_LEVEL']);

/**
 * This process's environment as a session's apps start from it: nothing of the operator's Keel
 * settings (but the log level) or venue credentials (`VENUE_*`) reaches a session's app — its
 * settings are the session's, and simulated venues need no keys — and no NATS_URL alias.
 */
export const sessionBaseEnv = (env: NodeJS.ProcessEnv): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && !k.startsWith('VENUE_') && (!k.startsWith('KEEL_') || PASSED_THROUGH.has(k)))
      out[k] = v;
  delete out['NATS_URL'];
  return out;
};

/** A sleep that ends early when `signal` aborts, and leaves no timer behind (so the process can exit). */
export const pause = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
