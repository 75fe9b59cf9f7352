/**
 * The embedded event store (the default outside production): one SQLite file through
 * better-sqlite3, in WAL mode with `synchronous=FULL`, so an acknowledged append survives
 * a power cut. Several processes on one machine may share the file: writers queue on
 * SQLite's lock (`busy_timeout`) and subscribers poll for their appends.
 *
 * Throughput comes from group commit: every append issued in the same turn of the event
 * loop is written in ONE transaction (one fsync). Each append is still judged on its own,
 * inside a savepoint: a failed expected revision or a reused event id in one append fails
 * only that append.
 */
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import {
  InfrastructureError,
  infrastructureError,
  NewEvent,
  RecordedEvent,
  StoredEventFields,
  storedTypeNames,
  streamCategory,
  ValidationError,
  validationError,
} from '@keel/events';
import {
  concurrencyError,
  ExistingEvent,
  expectationHolds,
  fingerprint,
  resolveRetry,
  validateAppend,
} from './append.guard';
import { ChangeSignal, runCatchUpSubscription } from './catch-up.subscription';
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
import {
  DDL,
  decodeEnvelopes,
  envelopeOf,
  envelopeTail,
  IDENTITY_KEY,
  INSERT_EVENT,
  SCHEMA_VERSION,
} from './sqlite.schema';

export interface SqliteEventStoreOptions {
  /** The database file (created if absent). */
  readonly path: string;
  /** The recording clock (epoch ms); inject a virtual clock for deterministic output. */
  readonly now?: () => number;
  /** How long a writer waits for another process's write lock before failing. */
  readonly busyTimeoutMs?: number;
  /** How often an idle subscription looks for appends made by other processes. */
  readonly pollIntervalMs?: number;
  /** Default `readAll` page and subscription catch-up page. */
  readonly pageSize?: number;
  /** Upper bound on events per group-commit transaction (bounds append latency). */
  readonly maxBatchEvents?: number;
}

const COMPONENT = 'sqlite-event-store';

interface PendingAppend {
  readonly stream: string;
  readonly category: string;
  readonly events: readonly RawEventInput[];
  /** Envelope tails (see `envelopeTail`), serialised before the write lock is taken. */
  readonly tails: readonly string[];
  readonly expected: ExpectedRevision;
  readonly resolve: (r: E.Either<AppendError, AppendResult>) => void;
}

// Duck-typed, not `instanceof Error`: the driver's native addon keeps the error class of
// the first realm that loaded it (Jest gives each spec file its own realm).
const isEventIdConflict = (e: unknown): boolean => {
  const err = e as { code?: unknown; message?: unknown } | null;
  return (
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof err.message === 'string' &&
    err.message.includes('events.event_id')
  );
};

/** Open (or create) a store file. Synchronous: better-sqlite3 is. */
export const openSqliteEventStore = (
  options: SqliteEventStoreOptions,
): E.Either<InfrastructureError, TestableEventStore> => {
  let db: Database.Database | undefined;
  try {
    if (options.path !== ':memory:') fs.mkdirSync(nodePath.dirname(options.path), { recursive: true });
    db = new Database(options.path);
    // busy_timeout first: the other pragmas may have to wait for another process's lock.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const fileVersion = db.pragma('user_version', { simple: true }) as number;
    if (fileVersion > SCHEMA_VERSION) {
      db.close();
      return E.left(
        infrastructureError(
          COMPONENT,
          'open',
          `${options.path} has layout v${fileVersion}; this build knows v${SCHEMA_VERSION}`,
        ),
      );
    }
    const init = db;
    init
      .transaction(() => {
        init.exec(DDL);
        init.pragma(`user_version = ${SCHEMA_VERSION}`);
      })
      .immediate();
    return E.right(createStore(init, options));
  } catch (e) {
    if (db?.open) db.close();
    return E.left(infrastructureError(COMPONENT, 'open', e));
  }
};

const createStore = (db: Database.Database, options: SqliteEventStoreOptions): TestableEventStore => {
  const now = options.now ?? (() => Date.now());
  const pageSize = options.pageSize ?? 5000;
  const maxBatchEvents = options.maxBatchEvents ?? 2_000;
  const signal = new ChangeSignal();
  const subscriptions = new Set<Subscription>();
  /** No new appends once closing; reads go on until the subscriptions have stopped. */
  let closing = false;
  let closed = false;

  const insert = db.prepare(INSERT_EVENT);
  const streamHead = db.prepare('SELECT max(revision) FROM events WHERE stream = ?').pluck();
  const logHead = db.prepare('SELECT max(position) FROM events').pluck();
  const byEventId = db.prepare('SELECT envelope FROM events WHERE event_id = ?').pluck();
  const readForwards = db
    .prepare('SELECT envelope FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?')
    .pluck();
  const readBackwards = db
    .prepare('SELECT envelope FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?')
    .pluck();
  const allStatements = new Map<string, Database.Statement>();
  const allStatement = (categories: number, types: number): Database.Statement => {
    const key = `${categories}:${types}`;
    let st = allStatements.get(key);
    if (st === undefined) {
      const marks = (n: number): string => Array.from({ length: n }, () => '?').join(', ');
      const where = [
        'position > ? AND position <= ?',
        ...(categories > 0 ? [`category IN (${marks(categories)})`] : []),
        ...(types > 0 ? [`type IN (${marks(types)})`] : []),
      ].join(' AND ');
      st = db.prepare(`SELECT envelope FROM events WHERE ${where} ORDER BY position LIMIT ?`).pluck();
      allStatements.set(key, st);
    }
    return st;
  };
  const saveSnap = db.prepare(
    'INSERT INTO snapshots (key, position, version, state) VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET position = excluded.position, version = excluded.version, state = excluded.state',
  );
  const loadSnap = db.prepare('SELECT position, version, state FROM snapshots WHERE key = ?').raw();
  const ping = db.prepare('SELECT 1').pluck();

  /** Run a driver call; a throw becomes an InfrastructureError naming the operation. */
  const attempt =
    <L, A>(op: string, f: () => E.Either<L, A>): TE.TaskEither<L | InfrastructureError, A> =>
    () =>
      Promise.resolve().then(() => {
        if (closed) return E.left(infrastructureError(COMPONENT, op, 'the store is closed'));
        try {
          return f();
        } catch (e) {
          return E.left(infrastructureError(COMPONENT, op, e));
        }
      });

  // ---- group commit -------------------------------------------------------------------

  let queue: PendingAppend[] = [];
  let scheduled = false;

  const existing = (eventId: string): ExistingEvent | undefined => {
    const text = byEventId.get(eventId) as string | undefined;
    if (text === undefined) return undefined;
    const e = JSON.parse(text) as StoredEventFields;
    return {
      stream: e.stream,
      revision: e.streamRevision,
      position: e.globalPosition,
      fingerprint: () => fingerprint(e),
    };
  };

  const insertRows = (
    p: PendingAppend,
    firstRevision: number,
    firstPosition: number,
    recordedAt: string,
  ): void => {
    for (let i = 0; i < p.events.length; i++) {
      const e = p.events[i]!;
      const position = firstPosition + i;
      const revision = firstRevision + i;
      insert.run(
        position,
        p.stream,
        revision,
        p.category,
        e.type,
        e.eventId,
        envelopeOf(p.tails[i]!, position, revision, recordedAt),
      );
    }
  };
  /**
   * Insert one append's rows inside the batch transaction, all or none. Several rows need a
   * savepoint; one row does not (a failed INSERT undoes itself and the transaction goes on),
   * which saves two statements per append on the hot path of single-event appends.
   */
  const savepointed = db.transaction(insertRows);
  const insertAppend = (
    p: PendingAppend,
    firstRevision: number,
    firstPosition: number,
    recordedAt: string,
  ): void =>
    p.events.length === 1
      ? insertRows(p, firstRevision, firstPosition, recordedAt)
      : savepointed(p, firstRevision, firstPosition, recordedAt);

  const writeBatch = db.transaction(
    (batch: readonly PendingAppend[], recordedAt: string): E.Either<AppendError, AppendResult>[] => {
      // Positions are handed out here, under the write lock: the next rowid, in commit order.
      let nextPosition = ((logHead.get() as number | null) ?? 0) + 1;
      const heads = new Map<string, number>();
      const results: E.Either<AppendError, AppendResult>[] = [];
      for (const p of batch) {
        let current = heads.get(p.stream);
        if (current === undefined) current = (streamHead.get(p.stream) as number | null) ?? -1;
        if (!expectationHolds(p.expected, current)) {
          // A retry of an append that already succeeded fails its expectation: judge that first.
          const retry = resolveRetry(p.stream, p.events as readonly NewEvent[], existing);
          results.push(
            E.isLeft(retry)
              ? retry
              : retry.right !== null
                ? E.right(retry.right)
                : E.left(concurrencyError(p.stream, p.expected, current)),
          );
          continue;
        }
        try {
          insertAppend(p, current + 1, nextPosition, recordedAt);
          nextPosition += p.events.length;
          heads.set(p.stream, current + p.events.length);
          results.push(
            E.right({ nextExpectedRevision: current + p.events.length, position: nextPosition - 1 }),
          );
        } catch (e) {
          // The savepoint rolled back: this append wrote nothing, the others are untouched.
          if (!isEventIdConflict(e)) throw e;
          const retry = resolveRetry(p.stream, p.events as readonly NewEvent[], existing);
          results.push(
            E.isLeft(retry)
              ? retry
              : retry.right !== null
                ? E.right(retry.right)
                : E.left(infrastructureError(COMPONENT, 'append', e)),
          );
        }
      }
      return results;
    },
  );

  const flush = (): void => {
    scheduled = false;
    if (queue.length === 0) return;
    let take = 0;
    let count = 0;
    while (take < queue.length && (take === 0 || count + queue[take]!.events.length <= maxBatchEvents)) {
      count += queue[take]!.events.length;
      take++;
    }
    const batch = queue.slice(0, take);
    queue = queue.slice(take);
    if (queue.length > 0) schedule();
    let results: E.Either<AppendError, AppendResult>[];
    try {
      results = writeBatch.immediate(batch, new Date(now()).toISOString());
    } catch (e) {
      // The whole transaction rolled back: no append of the batch was written.
      const err = infrastructureError(COMPONENT, 'append', e);
      for (const p of batch) p.resolve(E.left(err));
      return;
    }
    if (results.some(E.isRight)) signal.notify();
    batch.forEach((p, i) => p.resolve(results[i]!));
  };

  const schedule = (): void => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  const enqueue =
    (
      stream: string,
      events: readonly RawEventInput[],
      expected: ExpectedRevision,
    ): TE.TaskEither<AppendError, AppendResult> =>
    () =>
      new Promise((resolve) => {
        if (closing) return resolve(E.left(infrastructureError(COMPONENT, 'append', 'the store is closed')));
        let tails: string[];
        try {
          tails = events.map((e) => envelopeTail(stream, e));
        } catch (e) {
          // Only a payload that passed validation gets here; a cycle or BigInt would do it.
          return resolve(
            E.left(validationError('/data', undefined, `is not serialisable as JSON: ${String(e)}`)),
          );
        }
        queue.push({ stream, category: streamCategory(stream), events, tails, expected, resolve });
        schedule();
      });

  // ---- reads --------------------------------------------------------------------------

  const readAll = (opts: ReadAllOptions = {}): TE.TaskEither<ReadError, ReadAllPage> =>
    attempt<ValidationError, ReadAllPage>('readAll', () => {
      const after = Math.max(0, opts.after ?? 0);
      const max = opts.maxCount ?? pageSize;
      // Bound the scan by the head read first: every row at or below it is committed, so
      // "reached the head" is judged against one consistent point.
      const head = (logHead.get() as number | null) ?? 0;
      if (head <= after || max <= 0)
        return E.right({ events: [], lastPosition: after, isEnd: head <= after });
      const cats = opts.filter?.streamCategories ?? [];
      // A renamed type is also asked for under the names it was stored as before.
      const types = storedTypeNames(opts.filter?.eventTypes ?? []);
      if (
        (opts.filter?.streamCategories !== undefined && cats.length === 0) ||
        (opts.filter?.eventTypes !== undefined && types.length === 0)
      )
        return E.right({ events: [], lastPosition: head, isEnd: true });
      const rows = allStatement(cats.length, types.length).all(
        after,
        head,
        ...cats,
        ...types,
        max,
      ) as string[];
      const decoded = decodeEnvelopes(rows);
      if (E.isLeft(decoded)) return decoded;
      const full = rows.length === max;
      const lastPosition = full ? decoded.right[decoded.right.length - 1]!.globalPosition : head;
      return E.right({ events: decoded.right, lastPosition, isEnd: lastPosition >= head });
    });

  const store: TestableEventStore = {
    append: (stream: string, events: readonly NewEvent[], expected: ExpectedRevision) => {
      const valid = validateAppend(stream, events, expected);
      return E.isLeft(valid) ? TE.left(valid.left) : enqueue(stream, events, expected);
    },

    appendRawUnchecked: (stream: string, events: readonly RawEventInput[]) => enqueue(stream, events, 'any'),

    readStream: (stream: string, opts: ReadStreamOptions = {}) =>
      attempt<ValidationError, readonly RecordedEvent[]>('readStream', () => {
        const max = opts.maxCount ?? -1;
        const rows = (
          opts.direction === 'backwards'
            ? readBackwards.all(stream, opts.fromRevision ?? Number.MAX_SAFE_INTEGER, max)
            : readForwards.all(stream, opts.fromRevision ?? 0, max)
        ) as string[];
        return decodeEnvelopes(rows);
      }),

    readAll,

    densePositions: true,
    headPosition: () =>
      attempt<never, number>('headPosition', () => E.right((logHead.get() as number | null) ?? 0)),

    identity: () =>
      attempt<never, string>('identity', () => {
        const row = loadSnap.get(IDENTITY_KEY) as [number, number, string] | undefined;
        const id = row ? (JSON.parse(row[2]) as { id?: unknown }).id : undefined;
        if (typeof id !== 'string') throw new Error(`${options.path} has no store identity`);
        return E.right(id);
      }),

    subscribeAll: (
      opts: SubscribeAllOptions,
      handler: (event: RecordedEvent) => Promise<void> | void,
    ): Subscription => {
      const sub = runCatchUpSubscription(
        { readAll, signal, pageSize, pollMs: options.pollIntervalMs ?? 25 },
        opts,
        handler,
      );
      subscriptions.add(sub);
      void sub.done.catch(() => undefined).then(() => subscriptions.delete(sub));
      return sub;
    },

    saveSnapshot: (key: string, snapshot: Snapshot) =>
      attempt<never, void>('saveSnapshot', () => {
        saveSnap.run(key, snapshot.position, snapshot.version, JSON.stringify(snapshot.state) ?? 'null');
        return E.right(undefined);
      }),

    loadSnapshot: (key: string) =>
      attempt<never, Snapshot | null>('loadSnapshot', () => {
        const r = loadSnap.get(key) as [number, number, string] | undefined;
        return E.right(
          r === undefined ? null : { position: r[0], version: r[1], state: JSON.parse(r[2]) as unknown },
        );
      }),

    ping: () =>
      attempt<never, void>('ping', () => {
        ping.get();
        return E.right(undefined);
      }),

    close: async () => {
      if (closing) return;
      closing = true;
      // Appends already accepted are written before the file closes.
      while (queue.length > 0) flush();
      await Promise.all([...subscriptions].map((s) => s.stop()));
      closed = true;
      db.close();
    },
  };
  return store;
};
