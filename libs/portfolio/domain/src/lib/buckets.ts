/**
 * A plain-JSON map that a pure fold can update cheaply: keys are spread over 64 buckets by a
 * string hash, so setting one key copies one bucket (about n/64 keys) and the bucket index
 * (64 keys), not all n keys. The fold's state stays plain JSON (the runtime snapshots it) and
 * every update returns a new object, sharing the untouched buckets.
 */
export type Buckets<T> = Readonly<Record<string, Readonly<Record<string, T>>>>;

const COUNT = 64;

/** FNV-1a over UTF-16 code units; stable across processes and versions (it is in snapshots). */
export const bucketOf = (key: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return String((h >>> 0) % COUNT);
};

export const getIn = <T>(m: Buckets<T>, key: string): T | undefined => m[bucketOf(key)]?.[key];

export const setIn = <T>(m: Buckets<T>, key: string, value: T): Buckets<T> => {
  const b = bucketOf(key);
  return { ...m, [b]: { ...(m[b] ?? {}), [key]: value } };
};

export const removeIn = <T>(m: Buckets<T>, key: string): Buckets<T> => {
  const b = bucketOf(key);
  const bucket = m[b];
  if (bucket === undefined || !(key in bucket)) return m;
  const { [key]: _gone, ...rest } = bucket;
  return { ...m, [b]: rest };
};

/** Every entry, in no particular order. */
export function* entriesOf<T>(m: Buckets<T>): Generator<[string, T]> {
  for (const b in m) {
    const bucket = m[b];
    if (bucket === undefined) continue;
    for (const k in bucket) yield [k, bucket[k] as T];
  }
}
