/**
 * The two things every engine does with the port besides `append`: append facts whose ids
 * derive from their cause (a fact already stored is not an error), and read a stream or the
 * global log page by page. One home for both, so no app writes its own paging loop or its
 * own "ignore the duplicate id" branch.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { NewEvent, RecordedEvent } from '@keel/events';
import { AllFilter, AppendError, EventStore, ReadError } from './port';

/** The store named an event id already stored with other content: the earlier fact stands. */
const isDuplicateId = (e: AppendError): boolean => e._tag === 'ValidationError' && e.path === '/eventId';

/**
 * Append events whose ids derive from their cause, with no revision check. Ids already
 * stored (even with other content, e.g. a time read on an earlier run) are kept as they
 * are; the rest are stored. Right: the global position of the last event this call wrote,
 * or null when every one was already there. Left: any other refusal or an outage.
 */
export const appendIgnoringDuplicates =
  (
    store: EventStore,
    stream: string,
    events: readonly NewEvent[],
  ): TE.TaskEither<AppendError, number | null> =>
  async () => {
    if (events.length === 0) return E.right(null);
    const all = await store.append(stream, events, 'any')();
    if (E.isRight(all)) return E.right(all.right.position);
    if (!isDuplicateId(all.left)) return all;
    // One of them was stored before: store the others one by one.
    let last: number | null = null;
    for (const e of events) {
      const one = await store.append(stream, [e], 'any')();
      if (E.isRight(one)) last = one.right.position;
      else if (!isDuplicateId(one.left)) return one;
    }
    return E.right(last);
  };

export interface StreamFoldOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive first revision (default: the first event forwards, the last backwards). */
  readonly fromRevision?: number;
  readonly pageSize?: number;
}

/** What a fold step says: go on with this state, or stop after this event. */
export type FoldStep<S> = { readonly state: S; readonly stop?: boolean };

/**
 * Fold one stream page by page. `step` may stop early (a backwards read that has gone far
 * enough). Left: the first read failure; what was folded before it is not returned.
 */
export const foldStream =
  <S>(
    store: EventStore,
    stream: string,
    initial: S,
    step: (state: S, event: RecordedEvent) => FoldStep<S>,
    options: StreamFoldOptions = {},
  ): TE.TaskEither<ReadError, S> =>
  async () => {
    const pageSize = options.pageSize ?? 4096;
    const backwards = options.direction === 'backwards';
    let state = initial;
    let from = options.fromRevision;
    for (;;) {
      if (from !== undefined && from < 0) return E.right(state);
      const page = await store.readStream(stream, {
        direction: backwards ? 'backwards' : 'forwards',
        maxCount: pageSize,
        ...(from !== undefined ? { fromRevision: from } : {}),
      })();
      if (E.isLeft(page)) return page;
      for (const e of page.right) {
        const r = step(state, e);
        state = r.state;
        if (r.stop) return E.right(state);
      }
      const last = page.right[page.right.length - 1];
      if (!last || page.right.length < pageSize) return E.right(state);
      from = backwards ? last.streamRevision - 1 : last.streamRevision + 1;
    }
  };

export interface LogFoldOptions {
  /** Exclusive global position to start after (0 = from the start). */
  readonly after?: number;
  readonly filter?: AllFilter;
  readonly pageSize?: number;
}

/**
 * Fold the global log from `after` to the head as it is when each page is read. Right: the
 * state and the last scanned position (pass it as `after` to read on).
 */
export const foldLog =
  <S>(
    store: EventStore,
    initial: S,
    step: (state: S, event: RecordedEvent) => S,
    options: LogFoldOptions = {},
  ): TE.TaskEither<ReadError, { readonly state: S; readonly position: number }> =>
  async () => {
    let state = initial;
    let after = options.after ?? 0;
    for (;;) {
      const page = await store.readAll({
        after,
        maxCount: options.pageSize ?? 4096,
        ...(options.filter ? { filter: options.filter } : {}),
      })();
      if (E.isLeft(page)) return page;
      for (const e of page.right.events) state = step(state, e);
      after = Math.max(after, page.right.lastPosition);
      if (page.right.isEnd) return E.right({ state, position: after });
    }
  };
