/**
 * The retry policy, as pure functions of the attempt's outcome (so it is tested without a
 * server or a clock).
 *
 * Retrying is always safe in this protocol: a prediction's id is its idempotency key, so a
 * resent body that was recorded the first time is answered again (`Idempotent-Replayed`), not
 * recorded twice. What is retried is therefore only a question of whether another attempt can
 * succeed:
 *  - no answer (connection refused or reset, timeout): the server may be restarting;
 *  - 5xx (503 `unavailable`: the store is unreachable, nothing recorded): transient;
 *  - 429 `rate_limited`: after the `Retry-After` the server names;
 *  - any other 4xx: never. The same body will be refused the same way (invalid, stale,
 *    conflicting, unauthenticated); retrying would only add load and delay the error.
 */

export interface BackoffOptions {
  /** The first retry's wait. */
  readonly baseMs: number;
  /** No wait is longer (the doubling stops here). */
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 250, maxMs: 8_000 };

/**
 * The longest `Retry-After` the client waits for. A longer one is not shortened (retrying
 * before the server allows it only earns another 429): the send gives up with the 429 at once,
 * and the caller decides.
 */
export const MAX_RETRY_AFTER_MS = 60_000;

/**
 * The wait before retry number `retry` (1 for the first retry): `baseMs · 2^(retry−1)`, capped
 * at `maxMs`. No jitter: a model sends from one process per key, so there is no herd of
 * clients to spread out, and a deterministic schedule is easier to test and to reason about.
 */
export const backoffMs = (retry: number, o: BackoffOptions = DEFAULT_BACKOFF): number =>
  Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, retry - 1));

/**
 * A `Retry-After` header as a wait in ms: delta-seconds (`"2"`, what Keel sends) or an
 * HTTP-date (RFC 9110, relative to `nowMs`; a date in the past is 0). Undefined when absent or
 * unreadable, so the caller falls back to its backoff.
 */
export const retryAfterMs = (header: string | null | undefined, nowMs: number): number | undefined => {
  if (header === null || header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.ceil(Number(text) * 1000);
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
};

/** What to do with an HTTP answer: done (2xx), retry (429, 5xx) or refuse (any other status). */
export type Verdict = 'accepted' | 'retry' | 'refused';

export const verdictOf = (status: number): Verdict =>
  status >= 200 && status < 300 ? 'accepted' : status === 429 || status >= 500 ? 'retry' : 'refused';
