/**
 * What the gateway must remember of closed orders and recorded fills, kept for a bounded
 * horizon of the log's own time rather than for all of history. Entries are kept by the
 * 6-hour bucket of the log's time they were put in, and within it spread over `RECENT_SHARDS`
 * shards by a hash of their key: a put copies the list of buckets (at most 9), one bucket's
 * shard list and one shard; a look-up reads one property per bucket; whole buckets past the
 * horizon are dropped.
 * So a fold step costs the same after a year of trading as after an hour, and the whole is
 * plain JSON (the app's snapshot).
 *
 * The horizon covers every look-back that dedupes against these sets (start-up
 * reconciliation's fill read, `KEEL_RECONCILE_FILLS_MS`, is capped at it; the cycle's and the
 * cancel's reads are shorter). Past it, a repeated fact is still a no-op: its event id derives
 * from its cause and the store refuses the id twice.
 */

/** The entries put in one bucket of the log's time (`h`: buckets since the epoch), spread over shards by a hash of their key. */
interface Bucket<V> {
  readonly h: number;
  readonly s: readonly Readonly<Record<string, V>>[];
}

/** The buckets that hold entries, oldest first (the last is the latest one anything was put in). */
export type RecentWindow<V> = readonly Bucket<V>[];

/** Shards per bucket: a put copies one of them (about 1/64 of the bucket's entries). */
export const RECENT_SHARDS = 64;
/** The time one bucket covers: a look-up reads one property per bucket, at most 9 of them. */
export const RECENT_BUCKET_MS = 6 * 3_600_000;
/** How long closed orders and recorded fill ids are remembered at least, in the log's time (at most one bucket more). */
export const RECENT_HORIZON_MS = 48 * 3_600_000;

export const emptyRecent: RecentWindow<never> = [];

const bucketOf = (at: number): number => Math.floor(at / RECENT_BUCKET_MS);

/** FNV-1a over the key's UTF-16 units: the shard it lives in. */
const shardOf = (key: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return (h >>> 0) % RECENT_SHARDS;
};

/** The index of the bucket holding `key` (newest first: that is where a repeat is likeliest), or -1. */
const bucketWith = <V>(w: RecentWindow<V>, key: string, shard: number): number => {
  for (let i = w.length - 1; i >= 0; i--) if (w[i]?.s[shard]?.[key] !== undefined) return i;
  return -1;
};

export const findRecent = <V>(w: RecentWindow<V>, key: string): V | undefined => {
  const shard = shardOf(key);
  const i = bucketWith(w, key, shard);
  return i < 0 ? undefined : w[i]?.s[shard]?.[key];
};

export const hasRecent = <V>(w: RecentWindow<V>, key: string): boolean =>
  bucketWith(w, key, shardOf(key)) >= 0;

/** Every value in the window, oldest bucket first. */
export const recentValues = <V>(w: RecentWindow<V>): V[] =>
  w.flatMap((b) => b.s.flatMap((s) => Object.values(s)));

/** How many entries the window holds. */
export const recentSize = <V>(w: RecentWindow<V>): number =>
  w.reduce((n, b) => b.s.reduce((m, s) => m + Object.keys(s).length, n), 0);

/** Whether moving the log's time from `from` to `to` may take entries past the horizon (once a bucket). */
export const crossesBucket = (from: number, to: number): boolean => bucketOf(to) !== bucketOf(from);

/** Drop the buckets wholly older than the horizon as of `at`; the same window when none is. */
export const pruneRecent = <V>(w: RecentWindow<V>, at: number): RecentWindow<V> => {
  const oldest = bucketOf(at - RECENT_HORIZON_MS);
  const keep = w.findIndex((b) => b.h >= oldest);
  return keep === 0 ? w : keep < 0 ? emptyRecent : w.slice(keep);
};

/**
 * Put `key` as of `at` (the log's time, never behind the latest bucket put): a key already held
 * is updated in the bucket it was first put in (it keeps its age), a new one goes into `at`'s bucket.
 */
export const putRecent = <V>(w: RecentWindow<V>, at: number, key: string, value: V): RecentWindow<V> => {
  const shard = shardOf(key);
  const held = bucketWith(w, key, shard);
  const h = bucketOf(at);
  const last = w[w.length - 1];
  const i = held >= 0 ? held : last && last.h >= h ? w.length - 1 : w.length;
  const bucket: Bucket<V> = w[i] ?? { h, s: Array.from({ length: RECENT_SHARDS }, () => ({})) };
  const shards = [...bucket.s];
  shards[shard] = { ...shards[shard], [key]: value };
  const out = [...w];
  out[i] = { h: bucket.h, s: shards };
  return out;
};
