/**
 * `keel replay <projection>`: rebuild an app's state from position 0 with the app's own fold
 * and compare it with the live one. The live state is the app's last snapshot in the store
 * (`app:<name>`, saved every KEEL_SNAPSHOT_EVERY events and at shutdown, with the position it
 * includes): the rebuild folds exactly up to that position, so the two must be equal.
 *
 * A difference is reported by its first differing path (sorted keys, depth first), both
 * values, and the event that made the rebuilt value what it is: a second pass finds the last
 * event that changed the rebuilt value at that path (the live state holds the value from
 * before it, or one no event of the log gives). With no such event (the live state has a key
 * the log never created), the event is null.
 */
import { RecordedEvent } from '@keel/events';
import { eventPages, LogSource } from '@keel/pnl-replay';

export interface ReplayableProjection<S> {
  readonly name: string;
  readonly summary: string;
  readonly snapshotKey: string;
  /** The projection version the app snapshots with, when the replay folds the app's own projection. */
  readonly version?: number;
  readonly eventTypes: readonly string[];
  /** The state to rebuild from, shaped after the live snapshot (e.g. the accounts it owns). */
  initial(liveState: unknown): S;
  evolve(s: S, e: RecordedEvent): S;
  /** What is compared, of the live snapshot and of the rebuilt state. */
  liveView(liveState: unknown): unknown;
  view(s: S): unknown;
}

export interface Difference {
  readonly path: string;
  readonly live: unknown;
  readonly rebuilt: unknown;
}

export interface CompareResult {
  readonly projection: string;
  /** The global position the live state includes. */
  readonly position: number;
  readonly events: number;
  readonly match: boolean;
  readonly difference:
    | (Difference & {
        readonly event: { readonly position: number; readonly type: string; readonly eventId: string } | null;
      })
    | null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first path (sorted keys, depth first) at which two JSON values differ. */
export const firstDifference = (
  live: unknown,
  rebuilt: unknown,
  path: readonly string[] = [],
): { path: readonly string[]; live: unknown; rebuilt: unknown } | null => {
  if (Array.isArray(live) && Array.isArray(rebuilt)) {
    for (let i = 0; i < Math.max(live.length, rebuilt.length); i++) {
      const d = firstDifference(live[i], rebuilt[i], [...path, String(i)]);
      if (d) return d;
    }
    return null;
  }
  if (isObject(live) && isObject(rebuilt)) {
    for (const k of [...new Set([...Object.keys(live), ...Object.keys(rebuilt)])].sort()) {
      const d = firstDifference(live[k], rebuilt[k], [...path, k]);
      if (d) return d;
    }
    return null;
  }
  return live === rebuilt ? null : { path, live, rebuilt };
};

const valueAt = (v: unknown, path: readonly string[]): unknown => {
  let cur = v;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[k];
  }
  return cur;
};

const fold = async <S>(
  source: LogSource,
  p: ReplayableProjection<S>,
  initial: S,
  upTo: number,
  each?: (s: S, e: RecordedEvent) => void,
): Promise<{ state: S; events: number }> => {
  let state = initial;
  let events = 0;
  for await (const page of eventPages(source, p.eventTypes, 0, upTo)) {
    for (const e of page) {
      state = p.evolve(state, e);
      events++;
      each?.(state, e);
    }
  }
  return { state, events };
};

export const compareProjection = async <S>(
  source: LogSource,
  p: ReplayableProjection<S>,
): Promise<CompareResult> => {
  const store = await source.store();
  const snap = await store.loadSnapshot(p.snapshotKey)();
  if (snap._tag === 'Left')
    throw new Error(`cannot read the live state (${p.snapshotKey}): ${snap.left.message}`);
  if (snap.right === null)
    throw new Error(
      `no live state to compare with: the store has no snapshot ${p.snapshotKey} (the app saves one every KEEL_SNAPSHOT_EVERY events and when it stops)`,
    );
  const live = snap.right;
  // The app itself ignores a snapshot of another version (it replays from the start), so
  // comparing with one would report a difference that is no fault of the fold.
  if (p.version !== undefined && live.version !== p.version)
    throw new Error(
      `the live state (${p.snapshotKey}) is of projection version ${live.version}, this replay folds version ${p.version}: restart the app to save a snapshot of its current version`,
    );
  const { state, events } = await fold(source, p, p.initial(live.state), live.position);
  const liveView = p.liveView(live.state);
  const d = firstDifference(liveView, JSON.parse(JSON.stringify(p.view(state))) as unknown);
  if (d === null)
    return { projection: p.name, position: live.position, events, match: true, difference: null };

  // Second pass: the last event that changed the rebuilt value at that path.
  let prev: unknown = valueAt(p.view(p.initial(live.state)), d.path);
  let culprit: RecordedEvent | null = null;
  await fold(source, p, p.initial(live.state), live.position, (s, e) => {
    const v = valueAt(p.view(s), d.path);
    if (v === prev || JSON.stringify(v) === JSON.stringify(prev)) return;
    prev = v;
    culprit = e;
  });
  const c = culprit as RecordedEvent | null;
  return {
    projection: p.name,
    position: live.position,
    events,
    match: false,
    difference: {
      path: `/${d.path.join('/')}`,
      live: d.live,
      rebuilt: d.rebuilt,
      event: c ? { position: c.globalPosition, type: c.type, eventId: c.eventId } : null,
    },
  };
};
