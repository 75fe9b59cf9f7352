/**
 * The in-memory event store: the same contract as the durable adapters, for fast unit
 * tests and single-process simulations. Events are kept as stored fields (JSON-cloned and
 * frozen, so no caller can change history) and decoded on read like the other adapters,
 * so upcasting and read validation behave the same everywhere.
 */
import { randomUUID } from 'node:crypto';
import * as E from 'fp-ts/Either';
import * as TE from 'fp-ts/TaskEither';
import {
  InfrastructureError,
  infrastructureError,
  NewEvent,
  RecordedEvent,
  StoredEventFields,
  storedTypeSet,
  streamCategory,
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
  AllFilter,
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
import { decodeAll } from './stored-event.decode';

export interface MemoryEventStoreOptions {
  /** The recording clock (epoch ms); inject a virtual clock for deterministic output. */
  readonly now?: () => number;
  /** Events per page when a subscription catches up. */
  readonly pageSize?: number;
}

const COMPONENT = 'memory-event-store';
const DEFAULT_PAGE = 1000;

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
};

/** A JSON round trip, as a real store does: what cannot be stored as JSON is not kept. */
const jsonClone = (value: unknown): unknown =>
  value === undefined ? undefined : JSON.parse(JSON.stringify(value));

export const matchesFilter = (filter: AllFilter | undefined, stream: string, type: string): boolean => {
  if (filter === undefined) return true;
  if (filter.streamCategories !== undefined && !filter.streamCategories.includes(streamCategory(stream)))
    return false;
  if (filter.eventTypes !== undefined && !storedTypeSet(filter.eventTypes).has(type)) return false;
  return true;
};

export const createMemoryEventStore = (options: MemoryEventStoreOptions = {}): TestableEventStore => {
  const now = options.now ?? (() => Date.now());
  const pageSize = options.pageSize ?? DEFAULT_PAGE;
  /** log[i] has global position i + 1. */
  const log: StoredEventFields[] = [];
  const streams = new Map<string, StoredEventFields[]>();
  const byId = new Map<string, StoredEventFields>();
  const snapshots = new Map<string, Snapshot>();
  /** Each in-memory store is a store of its own. */
  const storeId = randomUUID();
  const signal = new ChangeSignal();
  const subscriptions = new Set<Subscription>();
  let closed = false;

  const closedError = (op: string): InfrastructureError =>
    infrastructureError(COMPONENT, op, 'the store is closed');
  /** Every call: refused once closed; a throw (an injected clock, say) becomes a tagged error. */
  const guard =
    <A, L>(op: string, f: () => E.Either<L, A>): TE.TaskEither<L | InfrastructureError, A> =>
    () => {
      if (closed) return Promise.resolve(E.left(closedError(op)));
      try {
        return Promise.resolve(f());
      } catch (e) {
        return Promise.resolve(E.left(infrastructureError(COMPONENT, op, e)));
      }
    };

  const currentRevision = (stream: string): number => (streams.get(stream)?.length ?? 0) - 1;

  const existing = (eventId: string): ExistingEvent | undefined => {
    const e = byId.get(eventId);
    return (
      e && {
        stream: e.stream,
        revision: e.streamRevision,
        position: e.globalPosition,
        fingerprint: () => fingerprint(e),
      }
    );
  };

  const write = (stream: string, events: readonly RawEventInput[]): AppendResult => {
    const recordedAt = new Date(now()).toISOString();
    let list = streams.get(stream);
    if (list === undefined) {
      list = [];
      streams.set(stream, list);
    }
    for (const e of events) {
      const stored: StoredEventFields = deepFreeze({
        eventId: e.eventId,
        type: e.type,
        schemaVersion: e.schemaVersion,
        data: jsonClone(e.data),
        correlationId: e.correlationId,
        causationId: e.causationId,
        producer: e.producer,
        occurredAt: e.occurredAt,
        stream,
        streamRevision: list.length,
        globalPosition: log.length + 1,
        recordedAt,
      });
      log.push(stored);
      list.push(stored);
      byId.set(e.eventId, stored);
    }
    signal.notify();
    return { nextExpectedRevision: list.length - 1, position: log.length };
  };

  const store: TestableEventStore = {
    append: (stream: string, events: readonly NewEvent[], expected: ExpectedRevision) =>
      guard<AppendResult, AppendError>('append', () => {
        const valid = validateAppend(stream, events, expected);
        if (E.isLeft(valid)) return valid;
        const retry = resolveRetry(stream, events, existing);
        if (E.isLeft(retry)) return retry;
        if (retry.right !== null) return E.right(retry.right);
        const current = currentRevision(stream);
        if (!expectationHolds(expected, current)) return E.left(concurrencyError(stream, expected, current));
        return E.right(write(stream, events));
      }),

    readStream: (stream: string, opts: ReadStreamOptions = {}) =>
      guard<readonly RecordedEvent[], ReadError>('readStream', () => {
        const list = streams.get(stream) ?? [];
        const max = opts.maxCount ?? Number.MAX_SAFE_INTEGER;
        if (opts.direction === 'backwards') {
          const from = Math.min(opts.fromRevision ?? list.length - 1, list.length - 1);
          const rows: StoredEventFields[] = [];
          for (let r = from; r >= 0 && rows.length < max; r--) rows.push(list[r]!);
          return decodeAll(rows);
        }
        const from = Math.max(opts.fromRevision ?? 0, 0);
        return decodeAll(list.slice(from, from + Math.min(max, list.length)));
      }),

    readAll: (opts: ReadAllOptions = {}) =>
      guard<ReadAllPage, ReadError>('readAll', () => {
        const max = opts.maxCount ?? pageSize;
        const rows: StoredEventFields[] = [];
        let i = Math.max(opts.after ?? 0, 0);
        let lastPosition = i;
        for (; i < log.length && rows.length < max; i++) {
          const e = log[i]!;
          lastPosition = e.globalPosition;
          if (matchesFilter(opts.filter, e.stream, e.type)) rows.push(e);
        }
        if (i >= log.length && log.length > lastPosition) lastPosition = log.length;
        const decoded = decodeAll(rows);
        if (E.isLeft(decoded)) return decoded;
        return E.right({ events: decoded.right, lastPosition, isEnd: i >= log.length });
      }),

    densePositions: true,
    headPosition: () => guard<number, InfrastructureError>('headPosition', () => E.right(log.length)),
    identity: () => guard<string, InfrastructureError>('identity', () => E.right(storeId)),

    subscribeAll: (
      opts: SubscribeAllOptions,
      handler: (event: RecordedEvent) => Promise<void> | void,
    ): Subscription => {
      const sub = runCatchUpSubscription({ readAll: store.readAll, signal, pageSize }, opts, handler);
      subscriptions.add(sub);
      void sub.done.catch(() => undefined).then(() => subscriptions.delete(sub));
      return sub;
    },

    saveSnapshot: (key: string, snapshot: Snapshot) =>
      guard<void, InfrastructureError>('saveSnapshot', () => {
        snapshots.set(
          key,
          deepFreeze({
            position: snapshot.position,
            version: snapshot.version,
            state: jsonClone(snapshot.state),
          }),
        );
        return E.right(undefined);
      }),

    loadSnapshot: (key: string) =>
      guard<Snapshot | null, InfrastructureError>('loadSnapshot', () => E.right(snapshots.get(key) ?? null)),

    ping: () => guard<void, InfrastructureError>('ping', () => E.right(undefined)),

    close: async () => {
      await Promise.all([...subscriptions].map((s) => s.stop()));
      closed = true;
    },

    appendRawUnchecked: (stream: string, events: readonly RawEventInput[]) =>
      guard<AppendResult, AppendError>('appendRawUnchecked', () => E.right(write(stream, events))),
  };
  return store;
};
