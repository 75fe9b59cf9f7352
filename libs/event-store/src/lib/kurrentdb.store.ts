/**
 * The production event store: KurrentDB / EventStoreDB through `@kurrent/kurrentdb-client`.
 * Global positions are the server's commit positions (log offsets: increasing, not
 * contiguous). Every call carries a deadline; every failure becomes a tagged error.
 *
 * Two things the server does not do for us, done here:
 * - Keel rejects an event id reused for different content. The server silently treats a
 *   known id as a retry, so before appending we read where a retry would have landed
 *   and compare content (one extra read per append). An id reused in ANOTHER stream cannot
 *   be seen this way: the server's ids are unique only per stream (see the contract's
 *   `globalEventIds` capability).
 * - Reading `$all` returns system events and snapshot records; both are skipped.
 *
 * Reading `$all` needs a user allowed to (by default `$admins`): put it in the URI.
 */
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import { pipe } from 'fp-ts/function';
import { randomUUID } from 'node:crypto';
import {
  BACKWARDS,
  END,
  ErrorType,
  FORWARDS,
  jsonEvent,
  KurrentDBClient,
  NO_STREAM,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import {
  InfrastructureError,
  infrastructureError,
  NewEvent,
  RecordedEvent,
  StoredEventFields,
} from '@keel/events';
import { fingerprint, resolveRetry, validateAppend } from './append.guard';
import { IDENTITY_KEY } from './sqlite.schema';
import { SubscriptionFailed } from './catch-up.subscription';
import {
  decodeSnapshot,
  isKeelRecord,
  matchesKeelFilter,
  SNAPSHOT_TYPE,
  snapshotStream,
  toConcurrencyError,
  toEventData,
  toNumberPosition,
  toReadPosition,
  toServerFilter,
  toStored,
  toStreamState,
} from './kurrentdb.mapping';
import {
  AppendError,
  AppendResult,
  ExpectedRevision,
  ReadAllOptions,
  ReadAllPage,
  ReadError,
  ReadStreamOptions,
  Snapshot,
  SubscribeAllOptions,
  Subscription,
} from './port';
import { RawEventInput, TestableEventStore } from './raw-append.hook';
import { decodeAll, decodeAt } from './stored-event.decode';

export interface KurrentDbEventStoreOptions {
  /** `kurrentdb://…`, `kurrentdb+discover://…` (the deprecated `esdb://` forms are rewritten). */
  readonly connectionString: string;
  /** Deadline of every call, in ms. */
  readonly deadlineMs?: number;
  /** Default `readAll` page. */
  readonly pageSize?: number;
  /**
   * The user every call runs as (a secure node requires one), given apart from the connection
   * string so the password is never part of a setting that is shown: KEEL_STORE_USER and
   * KEEL_STORE_PASSWORD. A connection string that names a user itself keeps it.
   */
  readonly credentials?: { readonly username: string; readonly password: string };
}

/** The connection string with `credentials` as its user, unless it names one already. */
export const withCredentials = (
  connectionString: string,
  credentials: KurrentDbEventStoreOptions['credentials'],
): string => {
  if (!credentials || credentials.username === '') return connectionString;
  const m = /^([a-z+]+:\/\/)([^/?#]*)(.*)$/i.exec(connectionString);
  if (!m || m[2]!.includes('@')) return connectionString;
  const user = `${encodeURIComponent(credentials.username)}:${encodeURIComponent(credentials.password)}@`;
  return `${m[1]}${user}${m[2]}${m[3]}`;
};

const COMPONENT = 'kurrentdb-event-store';

const isStreamNotFound = (e: unknown): boolean =>
  e instanceof StreamNotFoundError || (e as { type?: unknown } | null)?.type === ErrorType.STREAM_NOT_FOUND;
const isWrongExpectedVersion = (e: unknown): e is WrongExpectedVersionError =>
  e instanceof WrongExpectedVersionError ||
  (e as { type?: unknown } | null)?.type === ErrorType.WRONG_EXPECTED_VERSION;

/** `esdb://` still works in the client but warns on every connect; say the current name. */
export const normaliseConnectionString = (uri: string): string =>
  uri.replace(/^esdb(\+discover)?:\/\//, 'kurrentdb$1://');

export const openKurrentDbEventStore = (
  options: KurrentDbEventStoreOptions,
): E.Either<InfrastructureError, TestableEventStore> =>
  E.tryCatch(
    () =>
      createStore(
        KurrentDBClient.connectionString(
          withCredentials(normaliseConnectionString(options.connectionString), options.credentials),
        ),
        options,
      ),
    (e) => infrastructureError(COMPONENT, 'open', e),
  );

const createStore = (client: KurrentDBClient, options: KurrentDbEventStoreOptions): TestableEventStore => {
  const deadline = options.deadlineMs ?? 10_000;
  const pageSize = options.pageSize ?? 1000;
  const subscriptions = new Set<Subscription>();
  const snapshotStreamsCapped = new Set<string>();

  const infra =
    (op: string) =>
    (e: unknown): InfrastructureError =>
      infrastructureError(COMPONENT, op, e);

  /** Read a stream into stored fields; an absent stream is empty. */
  const readStreamRaw = (stream: string, o: ReadStreamOptions): Promise<StoredEventFields[]> => {
    const out: StoredEventFields[] = [];
    if (o.maxCount !== undefined && o.maxCount <= 0) return Promise.resolve(out);
    const backwards = o.direction === 'backwards';
    const from =
      o.fromRevision === undefined ? (backwards ? END : START) : BigInt(Math.max(0, o.fromRevision));
    return (async () => {
      try {
        for await (const r of client.readStream(stream, {
          direction: backwards ? BACKWARDS : FORWARDS,
          fromRevision: from,
          ...(o.maxCount === undefined ? {} : { maxCount: o.maxCount }),
          deadline,
        })) {
          if (r.event !== undefined) out.push(toStored(r.event, r.commitPosition));
        }
      } catch (e) {
        if (!isStreamNotFound(e)) throw e;
      }
      return out;
    })();
  };

  /** The last Keel event's position (system events and snapshots left out). */
  const head = async (): Promise<number> => {
    for await (const r of client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: 1,
      filter: toServerFilter(undefined),
      deadline,
    })) {
      return toNumberPosition(r.event?.position.commit ?? r.commitPosition);
    }
    return 0;
  };

  /** Where a retry of this append would have put its events, if they are there. */
  const findRetry = (
    stream: string,
    events: readonly NewEvent[],
    expected: ExpectedRevision,
  ): TE.TaskEither<AppendError, AppendResult | null> =>
    pipe(
      TE.tryCatch(
        () =>
          typeof expected === 'number' || expected === 'noStream'
            ? readStreamRaw(stream, {
                fromRevision: expected === 'noStream' ? 0 : expected + 1,
                maxCount: events.length,
              })
            : readStreamRaw(stream, { direction: 'backwards', maxCount: events.length }),
        infra('append'),
      ),
      TE.chainEitherKW((found) => {
        const byId = new Map(found.map((s) => [s.eventId, s]));
        return resolveRetry(stream, events, (id) => {
          const s = byId.get(id);
          return (
            s && {
              stream: s.stream,
              revision: s.streamRevision,
              position: s.globalPosition,
              fingerprint: () => fingerprint(s),
            }
          );
        });
      }),
    );

  const write = (
    stream: string,
    events: readonly RawEventInput[],
    expected: ExpectedRevision,
  ): TE.TaskEither<AppendError, AppendResult> =>
    TE.tryCatch(
      async () => {
        const r = await client.appendToStream(stream, events.map(toEventData), {
          streamState: toStreamState(expected),
          deadline,
        });
        const nextExpectedRevision = Number(r.nextExpectedRevision);
        let position = events.length === 1 ? toNumberPosition(r.position?.commit) : 0;
        if (position === 0) {
          // The write's reported position is that of the write, which is not documented to be
          // the last event's; read the last event itself (by revision: others may have appended since).
          const last = await readStreamRaw(stream, {
            direction: 'backwards',
            fromRevision: nextExpectedRevision,
            maxCount: 1,
          });
          position = last[0]?.globalPosition || toNumberPosition(r.position?.commit);
        }
        return { nextExpectedRevision, position };
      },
      (e): AppendError =>
        isWrongExpectedVersion(e) ? toConcurrencyError(stream, expected, e.actualState) : infra('append')(e),
    );

  const readAll = (o: ReadAllOptions = {}): TE.TaskEither<ReadError, ReadAllPage> =>
    pipe(
      TE.tryCatch(async () => {
        const after = Math.max(0, o.after ?? 0);
        const max = o.maxCount ?? pageSize;
        const headAtStart = await head();
        if (max <= 0 || headAtStart <= after)
          return { rows: [] as StoredEventFields[], lastPosition: after, isEnd: headAtStart <= after };
        // Reads from a position include the event there; ask for one more and skip it.
        const requested = max + 1;
        let scanned = 0;
        let lastPosition = after;
        const rows: StoredEventFields[] = [];
        for await (const r of client.readAll({
          fromPosition: after === 0 ? START : toReadPosition(after),
          maxCount: requested,
          filter: toServerFilter(o.filter),
          direction: FORWARDS,
          deadline,
        })) {
          scanned++;
          if (r.event === undefined) continue;
          const s = toStored(r.event, r.commitPosition);
          if (s.globalPosition <= after) continue;
          lastPosition = s.globalPosition;
          if (isKeelRecord(r.event) && matchesKeelFilter(o.filter, s.stream, s.type)) rows.push(s);
          if (rows.length === max) break;
        }
        const reachedEnd = rows.length < max && scanned < requested;
        return {
          rows,
          lastPosition: reachedEnd ? Math.max(lastPosition, headAtStart) : lastPosition,
          isEnd: reachedEnd || lastPosition >= headAtStart,
        };
      }, infra('readAll')),
      TE.chainEitherKW(({ rows, lastPosition, isEnd }) =>
        E.map((events: readonly RecordedEvent[]) => ({ events, lastPosition, isEnd }))(decodeAll(rows)),
      ),
    );

  const subscribeAll = (
    o: SubscribeAllOptions,
    handler: (event: RecordedEvent) => Promise<void> | void,
  ): Subscription => {
    let stopped = false;
    const sub = client.subscribeToAll({
      fromPosition: o.after <= 0 ? START : toReadPosition(o.after),
      filter: toServerFilter(o.filter),
    });
    const loop = async (): Promise<void> => {
      let after = o.after;
      try {
        for await (const r of sub) {
          if (stopped) return;
          if (r.event === undefined || !isKeelRecord(r.event)) continue;
          const s = toStored(r.event, r.commitPosition);
          if (s.globalPosition <= after || !matchesKeelFilter(o.filter, s.stream, s.type)) continue;
          const d = decodeAt(s);
          if (E.isLeft(d)) throw new SubscriptionFailed(d.left);
          await handler(d.right);
          after = s.globalPosition;
        }
      } catch (e) {
        if (stopped) return;
        throw e instanceof SubscriptionFailed
          ? e
          : new SubscriptionFailed(infrastructureError(COMPONENT, 'subscribeAll', e));
      }
      if (!stopped)
        throw new SubscriptionFailed(
          infrastructureError(COMPONENT, 'subscribeAll', 'the server ended the subscription'),
        );
    };
    const done = loop().finally(() => sub.unsubscribe().catch(() => undefined));
    done.catch(() => undefined);
    const subscription: Subscription = {
      done,
      stop: async () => {
        stopped = true;
        await sub.unsubscribe().catch(() => undefined);
        await done.catch(() => undefined);
      },
    };
    subscriptions.add(subscription);
    void done.catch(() => undefined).then(() => subscriptions.delete(subscription));
    return subscription;
  };

  return {
    append: (stream: string, events: readonly NewEvent[], expected: ExpectedRevision) => {
      const valid = validateAppend(stream, events, expected);
      if (E.isLeft(valid)) return TE.left(valid.left);
      return pipe(
        findRetry(stream, events, expected),
        TE.chain((retry) => (retry !== null ? TE.right(retry) : write(stream, events, expected))),
      );
    },

    appendRawUnchecked: (stream: string, events: readonly RawEventInput[]) => write(stream, events, 'any'),

    readStream: (stream: string, o: ReadStreamOptions = {}) =>
      pipe(
        TE.tryCatch(() => readStreamRaw(stream, o), infra('readStream')),
        TE.chainEitherKW(decodeAll),
      ),

    readAll,

    densePositions: false,
    headPosition: () => TE.tryCatch(head, infra('headPosition')),

    // Made once: the first process appends it to a stream that must not exist yet; every
    // later one (or the loser of a race) reads what is there.
    identity: () =>
      TE.tryCatch(async () => {
        const stream = snapshotStream(IDENTITY_KEY);
        const data = { position: 0, version: 1, state: { id: randomUUID() } };
        try {
          await client.appendToStream(stream, jsonEvent({ type: SNAPSHOT_TYPE, data }), {
            streamState: NO_STREAM,
            deadline,
          });
        } catch (e) {
          if (!(e instanceof WrongExpectedVersionError)) throw e;
        }
        const rows = await readStreamRaw(stream, { direction: 'forwards', maxCount: 1 });
        const snap = rows[0] === undefined ? undefined : decodeSnapshot(rows[0].data);
        const id = snap && E.isRight(snap) ? (snap.right?.state as { id?: unknown } | null)?.id : undefined;
        if (typeof id !== 'string') throw new Error(`${stream} holds no store identity`);
        return id;
      }, infra('identity')),

    subscribeAll,

    saveSnapshot: (key: string, snapshot: Snapshot) =>
      TE.tryCatch(async () => {
        const stream = snapshotStream(key);
        if (!snapshotStreamsCapped.has(stream)) {
          // Only the latest snapshot is ever read: let the server scavenge the rest.
          await client.setStreamMetadata(stream, { maxCount: 1 }, { deadline });
          snapshotStreamsCapped.add(stream);
        }
        const data = {
          position: snapshot.position,
          version: snapshot.version,
          state: snapshot.state ?? null,
        };
        await client.appendToStream(stream, jsonEvent({ type: SNAPSHOT_TYPE, data }), { deadline });
      }, infra('saveSnapshot')),

    loadSnapshot: (key: string) =>
      pipe(
        TE.tryCatch(
          () => readStreamRaw(snapshotStream(key), { direction: 'backwards', maxCount: 1 }),
          infra('loadSnapshot'),
        ),
        TE.chainEitherKW((rows) => {
          if (rows[0] === undefined) return E.right(null);
          return E.mapLeft((msg: string) => infrastructureError(COMPONENT, 'loadSnapshot', msg))(
            decodeSnapshot(rows[0].data),
          );
        }),
      ),

    ping: () =>
      TE.tryCatch(async () => {
        await head();
      }, infra('ping')),

    close: async () => {
      await Promise.all([...subscriptions].map((s) => s.stop()));
      await client.dispose();
    },
  };
};
