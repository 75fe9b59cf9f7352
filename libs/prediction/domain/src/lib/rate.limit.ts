/**
 * A per-model token bucket on Keel's clock (time comes in as data): `ratePerSec` predictions a
 * second on average, bursts up to `burst`. A request costs its number of predictions, so a
 * batch cannot buy more than single requests would. Refused requests take nothing.
 */
export interface RateLimit {
  readonly ratePerSec: number;
  readonly burst: number;
}

export interface Bucket {
  readonly tokens: number;
  /** Epoch ms of the last refill. */
  readonly at: number;
}

export type Taken =
  | { readonly ok: true; readonly bucket: Bucket }
  | { readonly ok: false; readonly bucket: Bucket; readonly retryAfterSec: number };

export const fullBucket = (limit: RateLimit, now: number): Bucket => ({ tokens: limit.burst, at: now });

/** Takes `cost` tokens at `now`, or says in whole seconds (≥ 1) when there will be enough. */
export const take = (bucket: Bucket, cost: number, now: number, limit: RateLimit): Taken => {
  const elapsed = Math.max(0, now - bucket.at) / 1000;
  const tokens = Math.min(limit.burst, bucket.tokens + elapsed * limit.ratePerSec);
  const refilled = { tokens, at: Math.max(now, bucket.at) };
  if (cost <= tokens) return { ok: true, bucket: { ...refilled, tokens: tokens - cost } };
  const wait = cost > limit.burst ? Infinity : (cost - tokens) / limit.ratePerSec;
  return {
    ok: false,
    bucket: refilled,
    retryAfterSec: Number.isFinite(wait) ? Math.max(1, Math.ceil(wait)) : 60,
  };
};
